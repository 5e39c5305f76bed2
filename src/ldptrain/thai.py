"""Thai text and date helpers: Buddhist Era dates, Thai digits, text normalisation.

Pure functions, no Flask: used by the content pipeline, grading, certificates and views alike.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

BE_OFFSET = 543

MONTHS_TH = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
MONTHS_TH_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ARABIC = str.maketrans(_THAI_DIGITS, "0123456789")
_TO_THAI = str.maketrans("0123456789", _THAI_DIGITS)
# Zero-width space/joiners, word joiner and BOM: invisible, often pasted from Word or LINE.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACE = re.compile(r"\s+")


def be_year(value: _dt.date) -> int:
    """The Buddhist Era year of a date (พ.ศ. = ค.ศ. + 543)."""
    return value.year + BE_OFFSET


def format_date(value: _dt.date, lang: str = "th", *, short: bool = False,
                thai_digits: bool = False) -> str:
    """`25 พ.ย. 2569` / `25 พฤศจิกายน 2569` in Thai (Buddhist Era); `25 November 2026` in English."""
    if lang != "th":
        month = MONTHS_EN[value.month - 1]
        return f"{value.day} {month[:3] if short else month} {value.year}"
    month = (MONTHS_TH_SHORT if short else MONTHS_TH)[value.month - 1]
    text = f"{value.day} {month} {be_year(value)}"
    return to_thai_digits(text) if thai_digits else text


def month_label(year: int, month: int, lang: str = "th") -> str:
    """A calendar month as people read it: `ธ.ค. 2569` in Thai (Buddhist Era), `Dec 2026`."""
    if lang != "th":
        return f"{MONTHS_EN[month - 1][:3]} {year}"
    return f"{MONTHS_TH_SHORT[month - 1]} {year + BE_OFFSET}"


def fiscal_year(year: int, month: int) -> int:
    """The Thai government fiscal year (Buddhist Era) a month falls in: it runs October to
    September and is named after the year it ends in (October 2025 is in FY 2569)."""
    return year + BE_OFFSET + (1 if month >= 10 else 0)


def to_thai_digits(text: str) -> str:
    return text.translate(_TO_THAI)


def to_arabic_digits(text: str) -> str:
    return text.translate(_TO_ARABIC)


def nfc(text: str) -> str:
    """Unicode NFC, with the decomposed sara am (nikhahit + sara aa) folded to ำ.

    NFC leaves U+0E4D U+0E32 alone, but Thai keyboards and PDF extractors produce it for U+0E33.
    """
    return unicodedata.normalize("NFC", text).replace("\u0e4d\u0e32", "\u0e33")


def fold_answer(text: str) -> str:
    """The comparison key for short answers: NFC + sara am fold, no zero-width characters,
    whitespace folded, case folded, Thai digits read as Arabic digits."""
    # Zero-width characters go before NFC (one between a letter and its mark would keep them
    # apart), and NFC again after casefold, which may decompose: folding is idempotent, so an
    # answer folded when the bank is imported matches the same answer folded when typed.
    text = nfc(_ZERO_WIDTH.sub("", text))
    text = _SPACE.sub(" ", text).strip().casefold()
    return nfc(to_arabic_digits(text))

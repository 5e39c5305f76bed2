"""Does the page say exactly what the signed payload says, and nothing else?

The verifier renders the certificate template's HTML from the payload (no PDF, no images) and
takes its words as the expected text. The PDF's extracted text (all of it: tiny, white or
off-page text is text too) must be tiled exactly by those pieces: each piece found once, nothing
left over. Field checks come first so that a changed organisation or date is reported by name.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pypdf

from ldptrain.certificates.data import CertificateData, hours_text
from ldptrain.certificates.pdf import prepared_texts, render_html
from ldptrain.thai import format_date, nfc, to_thai_digits

_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_HOLE = "\x00"  # marks where a piece was taken out, so neighbours never join into a match


def squash(text: str) -> str:
    """Text compared without whitespace (PDF extraction breaks lines where the layout did) and
    case-folded (CSS `text-transform: uppercase` changes what is drawn, not what is said)."""
    return _INVISIBLE.sub("", nfc(text)).casefold()


def extract_text(pdf_bytes: bytes) -> str:
    """Every text-showing operator of every page, whatever its colour, size or position."""
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


class _BodyText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._in_body = False
        self._skip = 0
        self._lists: list[int] = []  # items seen so far in each open <ol>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._in_body = True
        elif tag in ("script", "style", "template"):
            self._skip += 1
        elif tag == "ol":
            self._lists.append(0)
        elif tag == "li" and self._lists:
            # The list marker is drawn text too (CSS generated content: "1.").
            self._lists[-1] += 1
            self.pieces.append(f"{self._lists[-1]}.")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag == "ol" and self._lists:
            self._lists.pop()

    def handle_data(self, data: str) -> None:
        if self._in_body and not self._skip and squash(data):
            self.pieces.append(squash(data))


def expected_pieces(data: CertificateData, template: str | Path | None = None) -> list[str]:
    html, _ = render_html(data, template=template, images=False)
    parser = _BodyText()
    parser.feed(html)
    return parser.pieces


def printed_fields(data: CertificateData) -> dict[str, str]:
    """Each signed field as the page prints it."""
    t = prepared_texts(data)
    digits = to_thai_digits if data.thai_digits else str
    fields = {
        "name": data.name,
        "English name": data.name_en,
        "organisation": data.organisation,
        "organisation (English)": data.organisation_en,
        "course title": data.course_title_th,
        "course title (English)": data.course_title_en,
        "serial": data.serial,
        "completion date": t["detail_th"].split(" รวม")[0].split(" (")[0],
        "completion date (English)": f"Completed on {format_date(data.completed_on, 'en')}",
        "delivery mode": t["detail_th"].rsplit("(", 1)[-1].rstrip(")"),
        "signatory": f"({data.signatory_name})",
        "expiry date": t.get("valid_until_th", ""),
        "expiry date (English)": t.get("valid_until_en", ""),
    }
    if data.hours is not None:
        fields["hours"] = f"{digits(hours_text(data.hours))} ชั่วโมง"
    return {label: value for label, value in fields.items() if value}


def compare(visible_text: str, data: CertificateData,
            template: str | Path | None = None) -> list[str]:
    """Reasons the page differs from the payload (empty: it says exactly that)."""
    visible = squash(visible_text)
    reasons = [f"the page does not show the signed {label} {value!r}"
               for label, value in printed_fields(data).items()
               if squash(value) not in visible]
    rest = visible
    missing = []
    for piece in sorted(expected_pieces(data, template), key=len, reverse=True):
        at = rest.find(piece)
        if at < 0:
            missing.append(piece)
        else:
            rest = rest[:at] + _HOLE + rest[at + len(piece):]
    if missing and not reasons:
        reasons.append("the page lacks the certificate's wording: "
                       + ", ".join(repr(m[:40]) for m in missing[:3]))
    extra = rest.replace(_HOLE, " ").split()
    if extra:
        shown = " ".join(extra)
        reasons.append("the page has text the issuer did not put there: "
                       f"{shown[:80]!r}" + ("…" if len(shown) > 80 else ""))
    return reasons


def legacy_compare(visible_text: str, data: CertificateData) -> list[str]:
    """Payload v1 (before PDF signatures) lacks the English name, organisation and signatory, so
    the page cannot be tiled exactly; every field v1 signed must still be on the page."""
    visible = squash(visible_text)
    fields = printed_fields(data)
    return [f"the page does not show the signed {label} {value!r}"
            for label, value in fields.items()
            if label not in ("English name", "organisation (English)", "signatory")
            and squash(value) not in visible]

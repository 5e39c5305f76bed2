"""Certificate serial numbers: `<PREFIX>-<COURSE CODE>-<B.E. YEAR>-<6-digit sequence>`.

Formatting and parsing only. Allocation (a counter row locked FOR UPDATE per prefix, code and
year) lives in the services layer; this module just guarantees every serial reads the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = r"[A-Z0-9]{2,8}"
# [0-9], not \d: \d also matches other scripts' digits, which int() reads but nobody prints.
_SERIAL = re.compile(
    rf"^(?P<prefix>{_PART})-(?P<code>{_PART})-(?P<year>[0-9]{{4}})-(?P<seq>[0-9]{{6}})\Z")
MAX_SEQUENCE = 999_999


class SerialError(ValueError):
    """A serial that does not follow the format."""


@dataclass(frozen=True, order=True)
class Serial:
    prefix: str
    code: str
    be_year: int
    sequence: int

    def __str__(self) -> str:
        return format_serial(self.prefix, self.code, self.be_year, self.sequence)


def format_serial(prefix: str, code: str, be_year: int, sequence: int) -> str:
    """`format_serial("DLA", "LDP", 2569, 123)` -> `DLA-LDP-2569-000123`."""
    for label, part in (("prefix", prefix), ("course code", code)):
        if not re.fullmatch(_PART, part):
            raise SerialError(f"{label} must be 2-8 upper-case letters or digits: {part!r}")
    # A Gregorian year here would silently make serials 543 years "old"; B.E. years are 25xx-26xx.
    if not 2500 <= be_year <= 2999:
        raise SerialError(f"year must be a Buddhist Era year (25xx-29xx): {be_year}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise SerialError(f"sequence must be 1..{MAX_SEQUENCE}: {sequence}")
    return f"{prefix}-{code}-{be_year}-{sequence:06d}"


# What people type between the parts instead of "-": spaces (also no-break and zero-width ones),
# dots, slashes and every dash a phone keyboard or a word processor offers (not underscores:
# tests/certificates/test_signing.py keeps DLA_LDP_2569_000123 malformed).
_SEPARATORS = re.compile(
    r"[\s\u200b\u200c\u200d\ufeff./\\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]+")


def normalise_serial(text: str) -> str:
    """The serial as it would be printed, from however it was typed: upper case, Arabic digits,
    one "-" between the parts ("dla ldp ๒๕๖๙–000001" -> "DLA-LDP-2569-000001"). Not checked."""
    from ldptrain.thai import to_arabic_digits

    return _SEPARATORS.sub("-", to_arabic_digits(text).upper()).strip("-")


def parse_serial(text: str) -> Serial:
    """Parse a serial as typed by a person: spaces, dashes of any kind and lower case are
    forgiven, Thai digits are read as Arabic digits."""
    cleaned = normalise_serial(text)
    match = _SERIAL.match(cleaned)
    if not match:
        raise SerialError(f"not a certificate serial (expected like DLA-LDP-2569-000123): {text!r}")
    serial = Serial(match["prefix"], match["code"], int(match["year"]), int(match["seq"]))
    format_serial(*serial.__dict__.values())  # same range checks as formatting
    return serial


def is_serial(text: str) -> bool:
    try:
        parse_serial(text)
    except SerialError:
        return False
    return True

"""One rule for every spreadsheet cell ldptrain writes (CSV and XLSX), after OWASP's CSV
injection guidance: text a spreadsheet would read as a formula (starting with =, +, -, @, a tab
or a carriage return) is neutralised, so a trainee named "=HYPERLINK(...)" stays a name.

In CSV such text gets a leading single quote (Excel and LibreOffice then show it as text). In
XLSX it is written as a string cell with the quote-prefix style, so it is text whatever the
reader. Numbers, dates and empty cells keep their type.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A signed number written as text (a negative discrimination index, "-0.250") is a number to
#: a spreadsheet, not a formula: it keeps its sign and stays a number.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def dangerous(value: Any) -> bool:
    return (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and not _NUMBER.fullmatch(value))


def csv_value(value: Any) -> Any:
    """A value for csv.writer: dates as ISO text, None as empty, formula-like text quoted."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if dangerous(value):
        return "'" + value
    return value


def csv_row(values: Any) -> list[Any]:
    return [csv_value(v) for v in values]


def xlsx_row(sheet: Any, values: Any) -> list[Any]:
    """A row for openpyxl's write-only sheet: formula-like text becomes a string cell with the
    quote prefix (openpyxl would otherwise store any text starting with "=" as a formula)."""
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

    row: list[Any] = []
    for value in values:
        if dangerous(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row

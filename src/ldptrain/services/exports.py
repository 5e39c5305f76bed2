"""CSV and XLSX downloads of any report table, streamed: rows go out as the query yields them.

CSV is UTF-8 with a byte-order mark (Excel then reads Thai correctly). XLSX uses openpyxl's
write-only mode, which spools rows to a temporary file instead of building the sheet in memory;
the finished file is then sent in chunks. Values are the table's own, rounded as on screen;
every cell goes through `cells` (text a spreadsheet would run as a formula is neutralised).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]

from . import cells
from .reports import Column, ReportTable

BOM = "\ufeff"
BANGKOK = dt.timezone(dt.timedelta(hours=7))
CHUNK = 64 * 1024
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def cell(column: Column, value: Any) -> Any:
    """A value as exported: shares as percentages (60.0), days and scores to one decimal, dates
    as Thai-time calendar dates, None as empty."""
    if value is None:
        return None
    if column.kind == "pct":
        return round(value * 100, 1)
    if column.kind in {"days", "score"}:
        return round(float(value), 1)
    if column.kind == "date" and isinstance(value, dt.datetime):
        return value.astimezone(BANGKOK).date()
    return value


def header(table: ReportTable) -> list[str]:
    return [str(c.label) + (" (%)" if c.kind == "pct" else "") for c in table.columns]


def csv_chunks(table: ReportTable, batch: int = 500) -> Iterator[str]:
    """The table as CSV text in chunks of `batch` rows, starting with the BOM and the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(cells.csv_row(header(table)))
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(table.rows, 1):
        writer.writerow(cells.csv_row(cell(c, row.get(c.key)) for c in table.columns))
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def xlsx_chunks(table: ReportTable) -> Iterator[bytes]:
    """The table as an XLSX workbook (one sheet), written in write-only mode then streamed."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.name[:31])
    sheet.append(cells.xlsx_row(sheet, header(table)))
    for row in table.rows:
        sheet.append(cells.xlsx_row(sheet, [cell(c, row.get(c.key)) for c in table.columns]))
    with tempfile.TemporaryFile() as fh:
        book.save(fh)
        fh.seek(0)
        while chunk := fh.read(CHUNK):
            yield chunk


def chunks(table: ReportTable, fmt: str) -> Iterator[Any]:
    if fmt == "csv":
        return csv_chunks(table)
    if fmt == "xlsx":
        return xlsx_chunks(table)
    raise ValueError(fmt)


def filename(table: ReportTable, fmt: str, today: dt.date | None = None) -> str:
    today = today or dt.datetime.now(BANGKOK).date()
    return f"ldptrain-{table.name}-{today.isoformat()}.{fmt}"

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
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from . import cells
from .reports import Column, ReportTable
from .reports.tables import STATUS_LABELS, month_label

BOM = "\ufeff"
BANGKOK = dt.timezone(dt.timedelta(hours=7))
CHUNK = 64 * 1024
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def cell(column: Column, value: Any, lang: str = "th") -> Any:
    """A value as exported: shares as percentages (60.0), days and scores to one decimal, dates
    as Thai-time calendar dates, months and statuses in the export's language ("ธ.ค. 2569",
    "เรียนจบแล้ว"), None as empty."""
    if value is None:
        return None
    if column.kind == "month":
        return month_label(value, lang)
    if column.kind == "status":
        # Lazy labels: rendered in the request's language, which is the export's.
        return str(STATUS_LABELS.get(value, value))
    if column.kind == "pct":
        return round(value * 100, 1)
    if column.kind in {"days", "score"}:
        return round(float(value), 1)
    if column.kind == "date" and isinstance(value, dt.datetime):
        return value.astimezone(BANGKOK).date()
    return value


def header(table: ReportTable) -> list[str]:
    return [str(c.label) + (" (%)" if c.kind == "pct" else "") for c in table.columns]


def csv_chunks(table: ReportTable, batch: int = 500, lang: str = "th") -> Iterator[str]:
    """The table as CSV text in chunks of `batch` rows, starting with the BOM and the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(cells.csv_row(header(table)))
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(table.rows, 1):
        writer.writerow(cells.csv_row(cell(c, row.get(c.key), lang) for c in table.columns))
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def xlsx_chunks(table: ReportTable, lang: str = "th") -> Iterator[bytes]:
    """The table as an XLSX workbook (one sheet), written in write-only mode then streamed; the
    header row stays in view when scrolling and carries Excel's filter buttons."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.name[:31])
    sheet.freeze_panes = "A2"
    sheet.append(cells.xlsx_row(sheet, header(table)))
    count = 1
    for row in table.rows:
        sheet.append(cells.xlsx_row(sheet, [cell(c, row.get(c.key), lang)
                                            for c in table.columns]))
        count += 1
    # Written with the sheet's tail on save, so it can be set once the rows are known.
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, len(table.columns)))}{count}"
    with tempfile.TemporaryFile() as fh:
        book.save(fh)
        fh.seek(0)
        while chunk := fh.read(CHUNK):
            yield chunk


def chunks(table: ReportTable, fmt: str, lang: str = "th") -> Iterator[Any]:
    if fmt == "csv":
        return csv_chunks(table, lang=lang)
    if fmt == "xlsx":
        return xlsx_chunks(table, lang)
    raise ValueError(fmt)


def filename(table: ReportTable, fmt: str, today: dt.date | None = None) -> str:
    today = today or dt.datetime.now(BANGKOK).date()
    return f"ldptrain-{table.name}-{today.isoformat()}.{fmt}"

"""Reading the rows of an uploaded CSV file for the importers (people, organisations).

Python's csv module stops on a field over its 128 KB limit (and on malformed quoting in strict
mode) with its own ``csv.Error``; the importers report that as a ``FILE:ROW`` problem like any
other. A cell with a control character (NUL above all, which PostgreSQL refuses to store) is a
problem of its row too, found before anything is written.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

#: C0 controls and DEL; tab, line feed and carriage return may sit inside a quoted cell.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnreadableRow(ValueError):
    """The csv module could not read the file from ``line`` on."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


def header(reader: csv.DictReader[str]) -> list[str]:
    """The header row, or UnreadableRow at row 1."""
    try:
        return list(reader.fieldnames or [])
    except csv.Error as exc:
        raise UnreadableRow(max(reader.line_num, 1), str(exc)) from exc


def rows(reader: csv.DictReader[str]) -> Iterator[dict[str | None, object]]:
    """The data rows; UnreadableRow names the row where reading stopped."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableRow(max(reader.line_num, 2), str(exc)) from exc
        yield row  # type: ignore[misc]


def has_control_characters(values: object) -> bool:
    return any(isinstance(v, str) and CONTROL.search(v) for v in (
        values if isinstance(values, list | tuple) else [values]))

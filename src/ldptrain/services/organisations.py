"""The organisation register: provinces and the CSV import of organisations.

An import is all or nothing: every bad row is reported as ``FILE:ROW: message`` and nothing is
written unless the whole file is good. Rows are matched by DLA code, so re-importing is a no-op.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from ..db import session
from ..models import Organisation, OrganisationType, Province
from ..resources import DATA
from ..thai import nfc

ORG_COLUMNS = ("code", "name_th", "name_en", "type", "province_code",
               "district_th", "district_en", "parent_code")
REQUIRED = ("code", "name_th", "type", "province_code")
TYPES = {t.value for t in OrganisationType}


class ImportFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def _read_rows(text: str, name: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [f"{name}:1: missing column(s): {', '.join(missing)}"]
    unknown = [c for c in header if c not in ORG_COLUMNS]
    if unknown:
        return [], [f"{name}:1: unknown column(s): {', '.join(unknown)}; "
                    f"expected {', '.join(ORG_COLUMNS)}"]
    reader.fieldnames = header
    rows = []
    for row in reader:
        # line_num is the physical line where the row ends: the row number a spreadsheet shows.
        clean = {k: nfc((v or "").strip()) for k, v in row.items() if k is not None}
        rows.append((reader.line_num, clean))
    return rows, []


def load_provinces(path: Path | None = None) -> int:
    """Create or update the 77 provinces (76 + Bangkok) from the shipped reference file."""
    path = path or DATA / "provinces.csv"
    existing = {p.code: p for p in session.scalars(select(Province))}
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].strip()
            values = {"name_th": nfc(row["name_th"].strip()), "name_en": row["name_en"].strip(),
                      "region": row.get("region", "").strip()}
            province = existing.get(code)
            if province is None:
                session.add(Province(code=code, **values))
            else:
                for key, value in values.items():
                    setattr(province, key, value)
            count += 1
    session.flush()
    return count


def import_organisations(text: str, name: str = "organisations.csv") -> ImportReport:
    """Validate every row, then create or update organisations by code; raises ImportFailed
    with every problem (and writes nothing) when any row is bad."""
    rows, problems = _read_rows(text, name)
    provinces = set(session.scalars(select(Province.code)))
    known = {o.code: o for o in session.scalars(select(Organisation))}
    seen: dict[str, int] = {}
    for line, row in rows:
        where = f"{name}:{line}"
        for column in REQUIRED:
            if not row.get(column):
                problems.append(f"{where}: '{column}' is empty")
        code = row.get("code", "")
        if code in seen:
            problems.append(f"{where}: code {code} already used on row {seen[code]}")
        elif code:
            seen[code] = line
        if row.get("type") and row["type"] not in TYPES:
            problems.append(f"{where}: unknown type '{row['type']}'; "
                            f"expected one of {', '.join(sorted(TYPES))}")
        if row.get("province_code") and row["province_code"] not in provinces:
            problems.append(f"{where}: unknown province code '{row['province_code']}'")
    codes_in_file = {row.get("code") for _, row in rows}
    for line, row in rows:
        parent = row.get("parent_code", "")
        if parent and parent not in codes_in_file and parent not in known:
            problems.append(f"{name}:{line}: parent_code '{parent}' is not a known organisation")
        if parent and parent == row.get("code"):
            problems.append(f"{name}:{line}: an organisation cannot be its own parent")
    if not rows and not problems:
        problems.append(f"{name}:1: the file has no rows")
    if problems:
        raise ImportFailed(problems)

    report = ImportReport()
    fields = ("name_th", "name_en", "type", "province_code", "district_th", "district_en")
    for _, row in rows:
        values = {f: row.get(f, "") for f in fields}
        org = known.get(row["code"])
        if org is None:
            org = Organisation(code=row["code"], **values)
            session.add(org)
            known[row["code"]] = org
            report.created += 1
        elif any(getattr(org, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(org, f, v)
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    for _, row in rows:
        parent = known.get(row.get("parent_code", "")) if row.get("parent_code") else None
        org = known[row["code"]]
        new_parent_id = parent.id if parent else None
        if org.parent_id != new_parent_id:
            org.parent_id = new_parent_id
    session.flush()
    return report


def search(query: str, limit: int = 20) -> list[Organisation]:
    """Organisations whose Thai or English name or DLA code contains the query."""
    q = nfc(query.strip())
    if not q:
        return []
    pattern = f"%{q}%"
    stmt = (select(Organisation)
            .where(Organisation.active.is_(True))
            .where(Organisation.name_th.ilike(pattern) | Organisation.name_en.ilike(pattern)
                   | Organisation.code.ilike(pattern))
            .order_by(Organisation.name_th).limit(limit))
    return list(session.scalars(stmt))

"""The CSV import of the organisation register: validate, show what would change, then write.

An import is all or nothing: every bad row is reported as ``FILE:ROW: message`` and nothing is
written unless the whole file is good. Rows are matched by DLA code, so re-importing is a no-op.
`plan_import` only reads: it returns the difference (created, changed, deactivated rows) that a
person confirms (`ldptrain orgs import` without --yes, the admin page's preview); `apply_import`
writes that plan.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from ..db import session
from ..i18n import lazy_gettext as _l
from ..models import Organisation, OrganisationType, Province
from ..thai import nfc
from . import csv_rows
from .audit import record

#: Every column, in the template's order, with what it holds (shown by --help, the template,
#: the admin page and docs/organisations.md).
COLUMN_HELP = {
    "code": _l("DLA code (รหัส อปท.), as text: leading zeros are kept. Rows are matched to "
               "the register by it. Required."),
    "name_th": _l("Name in Thai. Required."),
    "name_en": _l("Name in English. Optional."),
    "type": _l("One of the types below. Required."),
    "province_code": _l("2-digit TIS-1099 province code, e.g. 10 Bangkok, 50 Chiang Mai "
                        "(list: ldptrain orgs provinces). Required."),
    "district_th": _l("District (อำเภอ) in Thai. Optional."),
    "district_en": _l("District in English. Optional."),
    "parent_code": _l("DLA code of the parent organisation, in the file or already "
                      "registered. Optional."),
    "active": _l("yes or no. Optional: empty keeps the current state; new rows are active."),
}
ORG_COLUMNS = tuple(COLUMN_HELP)
REQUIRED = ("code", "name_th", "type", "province_code")
TYPES = tuple(t.value for t in OrganisationType)
TYPE_HELP = {
    "pao": _l("องค์การบริหารส่วนจังหวัด (อบจ.), provincial administrative organisation"),
    "city_municipality": _l("เทศบาลนคร (ทน.), city municipality"),
    "town_municipality": _l("เทศบาลเมือง (ทม.), town municipality"),
    "subdistrict_municipality": _l("เทศบาลตำบล (ทต.), subdistrict municipality"),
    "sao": _l("องค์การบริหารส่วนตำบล (อบต.), subdistrict administrative organisation"),
    "bma": _l("กรุงเทพมหานคร, Bangkok Metropolitan Administration"),
    "pattaya": _l("เมืองพัทยา, Pattaya City"),
    "dla_office": _l("กรมส่งเสริมการปกครองท้องถิ่น and its provincial offices"),
}
_FIELDS = ("name_th", "name_en", "type", "province_code", "district_th", "district_en")
_YES, _NO = {"yes", "y", "true", "1", "ใช่"}, {"no", "n", "false", "0", "ไม่"}


class ImportFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Change:
    """One organisation the import would create, change or deactivate."""

    code: str
    name_th: str
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # column: (before, after)


@dataclass
class ImportPlan:
    name: str
    rows: list[dict[str, str]]
    created: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    deactivated: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.created or self.changed or self.deactivated)

    def digest(self) -> str:
        """Names this exact difference: a confirmation made for one preview cannot write a
        different one (the register changed in between)."""
        body = [(c.code, sorted(c.fields.items())) for c in
                (*self.created, *self.changed, *self.deactivated)]
        return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()[:16]

    def summary(self) -> str:
        return (f"{len(self.created)} created, {len(self.changed)} changed, "
                f"{len(self.deactivated)} deactivated, {self.unchanged} unchanged")


def template_csv() -> str:
    """A header and two example rows, to fill in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ORG_COLUMNS)
    writer.writerow(["5500101", "เทศบาลตำบลบ้านนาดี", "Ban Na Di Subdistrict Municipality",
                     "subdistrict_municipality", "50", "เมืองเชียงใหม่", "Mueang Chiang Mai",
                     "", "yes"])
    writer.writerow(["6500102", "องค์การบริหารส่วนตำบลดอนแก้ว", "Don Kaeo SAO", "sao", "50",
                     "แม่ริม", "Mae Rim", "", ""])
    return out.getvalue()


def province_hint(value: str, provinces: dict[str, Province]) -> str:
    """What a person probably meant by an unknown province code: a province named so, the
    closest codes or names, and where to find the list."""
    text = nfc(value.strip()).translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
    guesses: list[str] = []
    if text in provinces:
        guesses.append(text)
    for code, p in provinces.items():
        if text.lower() in (p.name_th.lower(), p.name_en.lower()):
            guesses.append(code)
    if not guesses and text.isdigit():
        guesses = difflib.get_close_matches(text.zfill(2), list(provinces), n=3, cutoff=0.5)
    if not guesses:
        names = {p.name_th: c for c, p in provinces.items()}
        names.update({p.name_en.lower(): c for c, p in provinces.items()})
        guesses = [names[n] for n in difflib.get_close_matches(text.lower(), list(names), n=3,
                                                                cutoff=0.6)]
    shown = ", ".join(f"{c} ({provinces[c].name_en})" for c in dict.fromkeys(guesses))
    closest = f"closest: {shown}; " if shown else ""
    return (f"{closest}province codes are 2-digit TIS-1099 codes such as 10 (Bangkok) or "
            f"50 (Chiang Mai): see `ldptrain orgs provinces`")


def _read_rows(text: str, name: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [(h or "").strip() for h in csv_rows.header(reader)]
    except csv_rows.UnreadableRow as exc:
        return [], [_unreadable(name, exc)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [f"{name}:1: missing column(s): {', '.join(missing)}"]
    unknown = [c for c in header if c not in ORG_COLUMNS]
    if unknown:
        return [], [f"{name}:1: unknown column(s): {', '.join(unknown)}; "
                    f"expected {', '.join(ORG_COLUMNS)}"]
    reader.fieldnames = header
    rows = []
    problems = []
    try:
        for row in csv_rows.rows(reader):
            # line_num is the physical line where the row ends: the row number a spreadsheet
            # shows.
            clean = {k: nfc(str(v or "").strip()) for k, v in row.items() if k is not None}
            if csv_rows.has_control_characters(list(clean.values())):
                problems.append(f"{name}:{reader.line_num}: a value holds a control character "
                                "(such as NUL): retype it")
            rows.append((reader.line_num, clean))
    except csv_rows.UnreadableRow as exc:
        return [], [_unreadable(name, exc)]
    return rows, problems


def _unreadable(name: str, exc: csv_rows.UnreadableRow) -> str:
    return (f"{name}:{exc.line}: this row cannot be read as CSV (a value longer than 128 KB, "
            "or broken quotes?)")


def _check(rows: list[tuple[int, dict[str, str]]], name: str, provinces: dict[str, Province],
           known: dict[str, Organisation]) -> list[str]:
    problems: list[str] = []
    seen: dict[str, int] = {}
    codes_in_file = {row.get("code") for _, row in rows}
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
                            f"expected one of {', '.join(TYPES)}")
        if row.get("province_code") and row["province_code"] not in provinces:
            problems.append(f"{where}: unknown province code '{row['province_code']}'; "
                            + province_hint(row["province_code"], provinces))
        if row.get("active", "").lower() not in {"", *_YES, *_NO}:
            problems.append(f"{where}: active must be yes or no, not '{row['active']}'")
        parent = row.get("parent_code", "")
        if parent and parent not in codes_in_file and parent not in known:
            problems.append(f"{where}: parent_code '{parent}' is not a known organisation")
        if parent and parent == code:
            problems.append(f"{where}: an organisation cannot be its own parent")
    if not rows and not problems:
        problems.append(f"{name}:1: the file has no rows")
    return problems


def plan_import(text: str, name: str = "organisations.csv", *,
                deactivate_missing: bool = False) -> ImportPlan:
    """Validate the file and work out what importing it would change; writes nothing. Raises
    ImportFailed with every problem. ``deactivate_missing``: the file is the whole register,
    so active organisations not in it are deactivated (never deleted: history stays)."""
    rows, problems = _read_rows(text, name)
    provinces = {p.code: p for p in session.scalars(select(Province))}
    known = {o.code: o for o in session.scalars(select(Organisation))}
    problems += _check(rows, name, provinces, known)
    if problems:
        raise ImportFailed(problems)
    plan = ImportPlan(name, [row for _, row in rows])
    parent_codes = {o.id: o.code for o in known.values()}
    for row in plan.rows:
        org = known.get(row["code"])
        after = {f: row.get(f, "") for f in _FIELDS}
        after["parent_code"] = row.get("parent_code", "")
        if org is None:
            after["active"] = "no" if row.get("active", "").lower() in _NO else "yes"
            plan.created.append(Change(row["code"], row["name_th"],
                                       {k: ("", v) for k, v in after.items() if v}))
            continue
        before = {f: getattr(org, f) or "" for f in _FIELDS}
        before["parent_code"] = parent_codes.get(org.parent_id, "") if org.parent_id else ""
        before["active"] = "yes" if org.active else "no"
        flag = row.get("active", "").lower()
        after["active"] = before["active"] if not flag else ("yes" if flag in _YES else "no")
        diff = {k: (before[k], v) for k, v in after.items() if before[k] != v}
        if diff:
            target = plan.deactivated if diff.get("active") == ("yes", "no") else plan.changed
            target.append(Change(org.code, org.name_th, diff))
        else:
            plan.unchanged += 1
    if deactivate_missing:
        in_file = {row["code"] for row in plan.rows}
        for org in sorted(known.values(), key=lambda o: o.code):
            if org.code not in in_file and org.active:
                plan.deactivated.append(Change(org.code, org.name_th, {"active": ("yes", "no")}))
    return plan


def apply_import(plan: ImportPlan, actor: object = None) -> ImportReport:
    """Write a plan made by `plan_import` in this transaction (the caller commits)."""
    known = {o.code: o for o in session.scalars(select(Organisation))}
    for change in (*plan.created, *plan.changed, *plan.deactivated):
        org = known.get(change.code)
        if org is None:
            org = Organisation(code=change.code, **{f: "" for f in ("name_en", "district_th",
                                                                    "district_en")})
            session.add(org)
            known[change.code] = org
        for column, (_before, after) in change.fields.items():
            if column == "active":
                org.active = after == "yes"
            elif column != "parent_code":
                setattr(org, column, after)
    session.flush()
    for change in (*plan.created, *plan.changed, *plan.deactivated):
        if "parent_code" in change.fields:
            parent = change.fields["parent_code"][1]
            known[change.code].parent_id = known[parent].id if parent else None
    session.flush()
    report = ImportReport(created=len(plan.created), updated=len(plan.changed),
                          unchanged=plan.unchanged, deactivated=len(plan.deactivated))
    if not plan.empty:
        record("organisation.import", actor=actor,  # type: ignore[arg-type]
               details={"file": plan.name, "created": report.created,
                        "changed": report.updated, "deactivated": report.deactivated})
    return report


def import_organisations(text: str, name: str = "organisations.csv") -> ImportReport:
    """Validate and write at once (first start, tests); raises ImportFailed, writing nothing."""
    return apply_import(plan_import(text, name))

"""The organisation register: provinces, finding organisations, and editing one (type, province,
parent, active, merged into a successor). The CSV import is services/org_import.py.

LAOs change over time (upgraded, merged, dissolved). An organisation is never deleted: a merged
one is deactivated and points at its successor, and keeps its memberships, enrolments and
certificates, so history and attribution survive.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..db import session
from ..i18n import lazy_gettext as _l
from ..models import Organisation, Province, Role, RoleAssignment, User
from ..resources import DATA
from ..thai import nfc
from .audit import record
from .errors import ServiceError
from .org_import import (  # noqa: F401  (the import's names, where callers always found them)
    ORG_COLUMNS,
    REQUIRED,
    TYPES,
    ImportFailed,
    ImportReport,
    import_organisations,
)


class OrganisationError(ServiceError, ValueError):
    """An edit of the register broke a rule; shown next to ``field``."""

    def __init__(self, message: object, field: str = "") -> None:
        super().__init__(str(message))
        self.field = field


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


def _matches(q: str) -> Any:
    """A substring of the Thai or English name or of the code. Names are stored NFC and the
    query is made NFC, so Thai typed with its marks composed differently still matches; % and _
    in the query are plain characters."""
    return (Organisation.name_th.icontains(q, autoescape=True)
            | Organisation.name_en.icontains(q, autoescape=True)
            | Organisation.code.icontains(q, autoescape=True))


def search(query: str, limit: int = 20) -> list[Organisation]:
    """Active organisations whose Thai or English name or DLA code contains the query."""
    q = nfc(query.strip())
    if not q:
        return []
    stmt = (select(Organisation).where(Organisation.active.is_(True), _matches(q))
            .order_by(Organisation.name_th).limit(limit))
    return list(session.scalars(stmt))


def browse(query: str = "", *, page: int = 1, size: int = 50, province_code: str = "",
           type: str = "", include_inactive: bool = True) -> tuple[list[Organisation], int]:
    """One page of the register (by province, then Thai name) and how many match in all."""
    stmt = select(Organisation)
    q = nfc(query.strip())
    if q:
        stmt = stmt.where(_matches(q))
    if province_code:
        stmt = stmt.where(Organisation.province_code == province_code)
    if type:
        stmt = stmt.where(Organisation.type == type)
    if not include_inactive:
        stmt = stmt.where(Organisation.active.is_(True))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    found = session.scalars(stmt.order_by(Organisation.province_code, Organisation.name_th,
                                          Organisation.code)
                            .limit(size).offset((max(page, 1) - 1) * size))
    return list(found), total


def find(code: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.code == code.strip()))


def coordinators(organisation_ids: Collection[int]) -> dict[int, list[User]]:
    """The active coordinators of each organisation (the people a gap-list reminder goes to),
    oldest account first; organisations without one are left out. Chunked: a national gap list has
    thousands of organisations, more than one IN list should carry."""
    found: dict[int, list[User]] = {}
    ids = sorted(set(organisation_ids))
    for start in range(0, len(ids), 900):
        rows = session.execute(
            select(RoleAssignment.organisation_id, User)
            .join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.role == Role.COORDINATOR,
                   RoleAssignment.organisation_id.in_(ids[start:start + 900]),
                   User.active.is_(True), User.anonymised_at.is_(None))
            .order_by(User.id))  # the same order on every database (collations differ)
        for org_id, user in rows:
            found.setdefault(org_id, []).append(user)
    return found


def provinces() -> list[Province]:
    return list(session.scalars(select(Province).order_by(Province.code)))


def successors(org: Organisation) -> list[Organisation]:
    """Where a merged organisation went, then where that one went, and so on."""
    chain, seen = [], {org.id}
    current = org.merged_into
    while current is not None and current.id not in seen:
        chain.append(current)
        seen.add(current.id)
        current = current.merged_into
    return chain


def _ancestors(org: Organisation | None) -> set[int]:
    found: set[int] = set()
    while org is not None and org.id not in found:
        found.add(org.id)
        org = org.parent
    return found


def update(org: Organisation, *, type: str, province_code: str, parent_code: str = "",
           active: bool = True, merged_into_code: str = "", merged_on: dt.date | None = None,
           actor: User) -> dict[str, tuple[str, str]]:
    """Change an organisation's type, province, parent, state or successor; returns the
    changes (also audit-logged). Merging deactivates it; its records stay with it."""
    if type not in TYPES:
        raise OrganisationError(_l("Choose a type from the list."), "type")
    if session.get(Province, province_code) is None:
        raise OrganisationError(_l("Choose a province from the list."), "province_code")
    parent = find(parent_code) if parent_code.strip() else None
    if parent_code.strip() and parent is None:
        raise OrganisationError(_l("No organisation has this code."), "parent_code")
    if parent is not None and org.id in _ancestors(parent):
        raise OrganisationError(_l("An organisation cannot be its own parent or the parent "
                                   "of its parent."), "parent_code")
    successor = find(merged_into_code) if merged_into_code.strip() else None
    if merged_into_code.strip() and successor is None:
        raise OrganisationError(_l("No organisation has this code."), "merged_into_code")
    if successor is not None and (successor.id == org.id or org in successors(successor)):
        raise OrganisationError(_l("An organisation cannot be merged into itself."),
                                "merged_into_code")
    before = _snapshot(org)
    org.type, org.province_code = type, province_code
    org.parent = parent
    org.merged_into = successor
    # A merged organisation no longer exists: nobody signs up to it any more.
    org.merged_on = (merged_on or dt.date.today()) if successor else None
    org.active = active and successor is None
    session.flush()
    after = _snapshot(org)
    changes = {k: (before[k], v) for k, v in after.items() if before[k] != v}
    if changes:
        record("organisation.update", actor=actor, target=org, organisation_id=org.id,
               details={k: list(v) for k, v in changes.items()})
    return changes


def _snapshot(org: Organisation) -> dict[str, str]:
    return {"type": org.type, "province_code": org.province_code,
            "parent": org.parent.code if org.parent else "",
            "active": "yes" if org.active else "no",
            "merged_into": org.merged_into.code if org.merged_into else "",
            "merged_on": org.merged_on.isoformat() if org.merged_on else ""}

"""Accounts in bulk from a CSV file (``ldptrain users import`` and the upload page).

All or nothing: every bad row is reported as ``FILE:ROW: message`` (ROW as a spreadsheet numbers
it, the header being row 1) and nothing is written unless the whole file is good. New people get a
CONFIRMED membership at once (the coordinator or admin vouches for them) and a password-set link
by e-mail.

An address that already has an account the importer may not see (outside their scope) is
answered exactly as a new one (ASVS: no account enumeration): the row counts as accepted, no
account is created, and the owner is told through the outbox that someone tried to add them,
with the way to ask for a transfer if they have moved. Accounts the importer can see are
reported as existing, as they always were.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func, select

from .. import access
from ..db import session
from ..i18n import gettext as _
from ..models import Organisation, Role, User
from ..thai import nfc
from . import accounts, csv_rows, mail, membership
from .audit import record
from .errors import ServiceError

COLUMNS = ("email", "name_th", "name_en", "position", "organisation_code", "role")
REQUIRED = ("email", "name_th", "organisation_code")
#: Roles a file may give (everyone is also a trainee). Who may give which: access.may_grant
#: (trainers and coordinators are staff roles, given by admins and the command line only).
ROLES = {"trainee": Role.TRAINEE, "trainer": Role.TRAINER, "coordinator": Role.COORDINATOR}
MAX_ROWS = 5000


class ImportFailed(ServiceError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportResult:
    created: list[User] = field(default_factory=list)
    #: Rows whose address has an account outside the importer's scope: its owner was told.
    elsewhere: list[User] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """What the importer is told was created: a row of either kind (they must not tell
        them apart)."""
        return len(self.created) + len(self.elsewhere)


def decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([_("%(file)s: the file is not UTF-8 text (save it as "
                              "\"CSV UTF-8\").", file=name)]) from exc


def _rows(text: str, name: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [(h or "").strip().lower() for h in csv_rows.header(reader)]
    except csv_rows.UnreadableRow as exc:
        raise ImportFailed([_unreadable(name, exc)]) from exc
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed([_("%(where)s: missing column(s): %(columns)s",
                              where=f"{name}:1", columns=", ".join(missing))])
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise ImportFailed([_("%(where)s: unknown column(s): %(columns)s; expected %(expected)s",
                              where=f"{name}:1", columns=", ".join(unknown),
                              expected=", ".join(COLUMNS))])
    reader.fieldnames = header
    rows = []
    try:
        for row in csv_rows.rows(reader):
            clean = {k: nfc(str(v or "").strip()) for k, v in row.items() if k is not None}
            if not any(clean.values()):
                continue  # spreadsheets often export empty trailing rows
            extra = row.get(None)
            if extra and any(str(v).strip() for v in extra):  # type: ignore[attr-defined]
                clean["__extra__"] = "1"
            if csv_rows.has_control_characters(list(clean.values())):
                clean["__control__"] = "1"
            rows.append((reader.line_num, clean))
    except csv_rows.UnreadableRow as exc:
        raise ImportFailed([_unreadable(name, exc)]) from exc
    return rows


def _unreadable(name: str, exc: csv_rows.UnreadableRow) -> str:
    return _("%(where)s: this row cannot be read as CSV (a value longer than 128 KB, or "
             "broken quotes?)", where=f"{name}:{exc.line}")


def import_users(text: str, name: str = "users.csv", *, actor: User | None = None,
                 language: str = "th", ip: str = "") -> ImportResult:
    """Check every row, then create the accounts; raises ImportFailed with every problem."""
    rows = _rows(text, name)
    problems: list[str] = []
    if not rows:
        raise ImportFailed([_("%(where)s: the file has no rows", where=f"{name}:1")])
    if len(rows) > MAX_ROWS:
        raise ImportFailed([_("%(file)s: at most %(n)s rows per file", file=name, n=MAX_ROWS)])
    # Values with control characters are refused below; never sent to the database (PostgreSQL
    # refuses NUL even in a query).
    emails = {e for e in (accounts.normalise_email(r.get("email", "")) for _line, r in rows)
              if not csv_rows.CONTROL.search(e)}
    existing = {u.email.lower(): u for u in session.scalars(
        select(User).where(func.lower(User.email).in_(sorted(emails))))}
    # Only accounts the importer could see anyway are reported as existing.
    visible = {e for e, u in existing.items()
               if actor is None or membership.can_see_person(actor, u)}
    codes = {c for c in (r.get("organisation_code", "") for _line, r in rows)
             if not csv_rows.CONTROL.search(c)}
    orgs = {o.code: o for o in session.scalars(
        select(Organisation).where(Organisation.code.in_(sorted(codes))))}
    seen: dict[str, int] = {}
    for line, row in rows:
        where = f"{name}:{line}"

        def problem(message: str, where: str = where) -> None:
            problems.append(f"{where}: {message}")

        if row.get("__extra__"):
            problem(_("more values than columns (is there a comma inside a name?)"))
        if row.get("__control__"):
            problem(_("a value holds a control character (such as NUL): retype it"))
        email = accounts.normalise_email(row.get("email", ""))
        if not email:
            problem(_("'email' is empty"))
        else:
            try:
                accounts.check_email(email)
            except accounts.AccountError:
                problem(_("'%(email)s' is not a valid e-mail address", email=email))
            if email in seen:
                problem(_("%(email)s is already on row %(row)s", email=email, row=seen[email]))
            else:
                seen[email] = line
            if email in visible:
                problem(_("an account with %(email)s already exists", email=email))
        if not row.get("name_th"):
            problem(_("'name_th' is empty"))
        code = row.get("organisation_code", "")
        org = orgs.get(code)
        if not code:
            problem(_("'organisation_code' is empty"))
        elif org is None or not org.active:
            problem(_("no organisation has the DLA code %(code)s", code=code))
        elif not access.may_grant(actor, Role.TRAINEE, org):
            problem(_("you may only create accounts for organisations in your scope, not "
                      "%(code)s", code=code))
        role = (row.get("role") or "trainee").lower()
        if role not in ROLES:
            problem(_("unknown role '%(role)s'; use trainee, trainer or coordinator", role=role))
        elif not access.may_grant(actor, ROLES[role], org):
            problem(_("only an administrator can give the role '%(role)s'", role=role))
    if problems:
        raise ImportFailed(problems)

    result = ImportResult()
    for _line, row in rows:
        org = orgs[row["organisation_code"]]
        owner = existing.get(accounts.normalise_email(row["email"]))
        if owner is not None:
            _tell_the_owner(owner, org)
            result.elsewhere.append(owner)
            continue
        role = ROLES[(row.get("role") or "trainee").lower()]
        roles = (Role.TRAINEE,) if role == Role.TRAINEE else (Role.TRAINEE, role)
        user = accounts.create_user(
            email=row["email"], password=None, name_th=row["name_th"],
            name_en=row.get("name_en", ""), position=row.get("position", ""),
            organisation_id=org.id, roles=roles, language=language, actor=actor, ip=ip)
        membership.add_confirmed(user, org, actor)
        result.created.append(user)
    record("users.import", actor=actor, ip=ip,
           details={"file": name, "created": len(result.created),
                    "existing_elsewhere": len(result.elsewhere),
                    "via": "web" if actor is not None else "cli"})
    return result


def _tell_the_owner(owner: User, organisation: Organisation) -> None:
    from ..i18n import domain, force_language

    link = mail.external_url("ldptrain.account.profile")
    with force_language(owner.language):
        subject = domain.gettext("Someone tried to add your e-mail address to DLA Training")
        body = domain.gettext(
            "Hello %(name)s,\n\nA coordinator of %(organisation)s tried to create a DLA "
            "Training account with your e-mail address (%(email)s). It already has an account, "
            "so nothing was created and yours is unchanged.\n\nIf you now work at "
            "%(organisation)s, ask to move there from your account page:\n%(link)s\n\n"
            "Otherwise you can ignore this message.\n",
            name=owner.name_th, organisation=organisation.name(owner.language),
            email=owner.email, link=link)
    mail.send(owner.email, subject, body, user=owner)
    record("user.import_existing_address", actor=None, target=owner,
           organisation_id=organisation.id)


def send_invitations(users: list[User]) -> dict[str, str]:
    """Put a password-set link for each new person in the outbox (the caller commits; a job
    sends them). Returns each address with its link, which the command prints when no mail
    server is configured."""
    return {user.email: accounts.send_password_link(user, "welcome") for user in users}

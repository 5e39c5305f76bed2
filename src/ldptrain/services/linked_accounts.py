"""Accounts linked to a host's people (host identity mode, issue #20).

A host that signs its own people in hands ldptrain a stable external id, an e-mail and a name
(`ldptrain.identity.HostPerson`). On a person's first visit ldptrain makes them an account of
their own, linked by `User.external_id`; from then on the same host person is always the same
ldptrain account, and nothing of theirs is ever read by the host's integer id. The account has
no password (it cannot sign in on its own) and no organisation: the person claims one on their
account page, and a coordinator confirms it, as for anyone who signs up.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import session
from ..i18n import LANGUAGES
from ..models import Role, User
from .accounts import AccountError, check_email, create_user, find_by_email
from .audit import record


def _email_for(person: Any) -> str:
    """The host's e-mail when it is valid and no other ldptrain account has it. An existing
    account with the same e-mail is NOT taken over: the host may not have checked the address,
    and linking by e-mail would hand someone else's records to whoever typed it."""
    try:
        email = check_email(str(person.email or ""))
    except AccountError:
        email = ""
    if email and find_by_email(email) is None:
        return email
    digest = hashlib.sha256(str(person.external_id).encode()).hexdigest()[:32]
    return f"{digest}@host-account.invalid"


def provision(person: Any) -> int:
    """The id of the account linked to `person.external_id`, made now if there is none."""
    found = session.scalar(select(User.id).where(User.external_id == person.external_id))
    if found is not None:
        return int(found)
    language = person.language if person.language in LANGUAGES else None
    try:
        with session.begin_nested():  # two first visits at once: one wins, the other reads it
            user = create_user(
                email=_email_for(person), password=None,
                name_th=str(person.name or person.email or person.external_id)[:200],
                roles=(Role.TRAINEE,), language=language or "th")
            user.external_id = person.external_id
            session.flush()
            record("user.link_external", target=user,
                   details={"external_id": person.external_id})
    except IntegrityError:
        found = session.scalar(select(User.id).where(User.external_id == person.external_id))
        if found is None:
            raise
        return int(found)
    return user.id

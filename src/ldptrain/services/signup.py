"""Self sign-up that never tells whether an address already has an account (ASVS 2.2 / 3.x).

The answer to the form is the same for a new and a registered address; what differs happens
out of sight, in the outbox (services/mail.py), whose delivery job runs after the request:

- **Mail configured**: nothing is created yet. A new address gets a confirmation link
  (``ldp_pending_signup`` keeps the form until it is used, for SIGNUP_MAX_AGE); the owner of a
  registered address gets "someone tried to sign up with your address".
- **No mail server**: an address cannot be proven. A new address becomes a trainee account
  straight away (the person signs in with the password they chose) whose results count for the
  organisation only once its coordinator confirms the membership: that confirmation is the
  check. A registered address gets the same notice, held in the outbox for administrators.

Both branches hash the password once and queue one message or create one account, so the time
taken does not tell them apart either (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from werkzeug.security import generate_password_hash

from ..db import session, utcnow
from ..i18n import LANGUAGES, force_language
from ..i18n import gettext as _
from ..models import Organisation, PendingSignup, User
from ..thai import nfc
from . import mail, membership
from .accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PASSWORD_METHOD,
    AccountError,
    LinkError,
    check_email,
    create_user,
    find_by_email,
    privacy_version,
    record_consent,
)
from .audit import record

#: How long a confirmation link works (a trainee may read their mail the next day).
SIGNUP_MAX_AGE = dt.timedelta(days=2)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _checked(*, email: str, password: str, name_th: str, organisation_id: int,
             consent: bool) -> tuple[str, Organisation]:
    """Every rule the form can break, checked before anyone looks the address up: a refusal
    never depends on whether it is registered."""
    if not consent:
        raise AccountError(_("Please read the privacy notice and give your consent."), "consent")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not organisation.active:
        raise AccountError(_("Choose your organisation from the list."), "organisation_id")
    email = check_email(email)
    if not nfc(name_th).strip():
        raise AccountError(_("Enter the name in Thai."), "name_th")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must have at least %(n)s characters.",
                             n=MIN_PASSWORD_LENGTH), "password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_("The password is too long."), "password")
    return email, organisation


def sign_up(*, email: str, password: str, name_th: str, name_en: str, position: str,
            organisation_id: int, consent: bool, language: str = "th") -> None:
    """Self sign-up: a trainee with explicit consent to the current privacy notice and a
    PENDING claim to an organisation. Returns nothing on purpose: the caller cannot answer
    differently for a registered address. AccountError for a form the rules refuse."""
    email, organisation = _checked(email=email, password=password, name_th=name_th,
                                   organisation_id=organisation_id, consent=consent)
    language = language if language in LANGUAGES else "th"
    # Links nobody used: gone, whichever branch runs (the same statement in both).
    session.execute(delete(PendingSignup).where(
        PendingSignup.created_at < utcnow() - SIGNUP_MAX_AGE))
    owner = find_by_email(email)
    # The slow step, in both branches: scrypt of the chosen password.
    password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    if owner is not None:
        _tell_the_owner(owner)
        return
    if mail.configured():
        secret = secrets.token_urlsafe(32)
        pending = PendingSignup(
            id=_digest(secret), email=email, password_hash=password_hash,
            name_th=nfc(name_th.strip()), name_en=nfc(name_en.strip()),
            position=nfc(position.strip()), organisation_id=organisation.id,
            language=language, privacy_version=privacy_version())
        session.add(pending)
        session.flush()
        _send_confirmation(pending, secret)
        return
    user = create_user(email=email, password=None, name_th=name_th, name_en=name_en,
                       position=position, language=language)
    user.password_hash = password_hash
    record_consent(user)
    membership.request_membership(user, organisation, actor=user)


def _tell_the_owner(owner: User) -> None:
    from ..i18n import domain

    login = mail.external_url("ldptrain.auth.login")
    reset = mail.external_url("ldptrain.auth.forgot_password")
    with force_language(owner.language):
        subject = domain.gettext("Someone tried to sign up with your e-mail address")
        body = domain.gettext(
            "Hello %(name)s,\n\nSomeone tried to create a DLA Training account with your "
            "e-mail address (%(email)s). It already has an account, so no new account was "
            "created and yours is unchanged.\n\nIf it was you, sign in here:\n%(login)s\n\n"
            "If you have forgotten your password, ask for a new one here:\n%(reset)s\n\n"
            "If it was not you, you can ignore this message.\n",
            name=owner.name_th, email=owner.email, login=login, reset=reset)
    mail.send(owner.email, subject, body, user=owner)
    record("user.signup_existing_address", actor=None, target=owner)


def _send_confirmation(pending: PendingSignup, secret: str) -> None:
    from ..i18n import domain

    link = mail.external_url("ldptrain.auth.confirm_signup", token=secret)
    with force_language(pending.language):
        subject = domain.gettext("Confirm your DLA Training account")
        body = domain.gettext(
            "Hello %(name)s,\n\nSomeone, we hope you, signed up for DLA Training with this "
            "e-mail address. To confirm it and create your account, open this link within "
            "2 days:\n\n%(link)s\n\nIf it was not you, ignore this message: no account is "
            "created.\n", name=pending.name_th, link=link)
    mail.send(pending.email, subject, body)


def pending_for(secret: str) -> PendingSignup:
    """The sign-up a confirmation link belongs to; LinkError when unknown, used or expired."""
    found = session.get(PendingSignup, _digest(secret)) if len(secret) <= 100 else None
    if found is None:
        raise LinkError(_("This link is not valid. It may have been used already."))
    if found.created_at < utcnow() - SIGNUP_MAX_AGE:
        raise LinkError(_("This link has expired. Please sign up again."))
    return found


def confirm(secret: str) -> User:
    """The address is proven: create the account from the waiting sign-up (the caller signs the
    person in). Other sign-ups waiting for the same address are dropped."""
    pending = pending_for(secret)
    if find_by_email(pending.email) is not None:
        # Only the owner of the mailbox reads this, so it may say so.
        raise AccountError(_("This address already has an account. Sign in, or ask for a new "
                             "password."))
    organisation = session.get(Organisation, pending.organisation_id)
    if organisation is None or not organisation.active:
        raise AccountError(_("Your organisation is no longer in the register. Please sign up "
                             "again."))
    user = create_user(email=pending.email, password=None, name_th=pending.name_th,
                       name_en=pending.name_en, position=pending.position,
                       language=pending.language)
    user.password_hash = pending.password_hash
    # Consent was given to the notice shown at sign-up; a newer one is asked for at sign-in.
    user.consent_at = pending.created_at
    user.privacy_version = pending.privacy_version
    record("privacy.consent", actor=user, target=user,
           details={"privacy_version": user.privacy_version})
    membership.request_membership(user, organisation, actor=user)
    session.execute(delete(PendingSignup).where(PendingSignup.email == pending.email))
    record("user.email_confirmed", actor=user, target=user)
    return user


def waiting(email: str) -> list[PendingSignup]:
    """Sign-ups waiting for this address (tests and the administrators' support)."""
    return list(session.scalars(select(PendingSignup).where(
        PendingSignup.email == check_email(email)).order_by(PendingSignup.created_at)))

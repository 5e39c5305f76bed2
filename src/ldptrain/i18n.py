"""Language choice and translations (Flask-Babel with ldptrain's own translation domain).

Our own Domain keeps ldptrain's catalogue separate from a host's, and works with the host's
Babel when it has one.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, request, session
from flask_babel import Babel, Domain
from flask_login import current_user

from . import thai
from .resources import TRANSLATIONS

LANGUAGES = ("th", "en")
domain = Domain(translation_directories=str(TRANSLATIONS), domain="ldptrain")
gettext = domain.gettext
ngettext = domain.ngettext
lazy_gettext = domain.lazy_gettext
_ = gettext


def current_language() -> str:
    """Chosen language: the signed-in user's saved choice, else this browser's, else the default."""
    if request:
        if getattr(current_user, "is_authenticated", False) and current_user.language in LANGUAGES:
            return str(current_user.language)
        chosen = session.get("ldp_lang")
        if chosen in LANGUAGES:
            return str(chosen)
    return str(current_app.config.get("LDPTRAIN_DEFAULT_LANGUAGE", "th"))


def init_babel(app) -> None:  # type: ignore[no-untyped-def]
    if "babel" not in app.extensions:
        Babel(app, locale_selector=current_language)


def format_date(value: dt.date | dt.datetime | None, short: bool = True) -> str:
    """Dates for people: Buddhist Era in Thai (25 พ.ย. 2569), Gregorian in English."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # Thailand has one time zone (UTC+7) and no daylight saving.
        value = value.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    return thai.format_date(value, current_language(), short=short)


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(dt.timezone(dt.timedelta(hours=7)))
    return f"{format_date(local.date())} {local:%H:%M}"

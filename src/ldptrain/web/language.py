"""Which language a request is served in, and dates as people read them in that language."""

from __future__ import annotations

import datetime as dt

from babel import Locale
from flask import current_app, request, session
from flask_babel import Babel
from flask_login import current_user

from .. import thai
from ..i18n import LANGUAGES


def current_language() -> str:
    """Chosen language: the signed-in user's saved choice, else this browser's, else the default."""
    if request:
        user = current_user._get_current_object()  # one trip through the proxy, not three
        if getattr(user, "is_authenticated", False) and user.language in LANGUAGES:
            return str(user.language)
        chosen = session.get("ldp_lang")
        if chosen in LANGUAGES:
            return str(chosen)
    return str(current_app.config.get("LDPTRAIN_DEFAULT_LANGUAGE", "th"))


#: Parsed once: Flask-Babel passes a Locale through as is, and parsing a name looks for the
#: locale's data file on disk, once per request.
_LOCALES = {lang: Locale.parse(lang) for lang in LANGUAGES}


def _select_locale() -> Locale:
    lang = current_language()
    return _LOCALES.get(lang) or Locale.parse(lang)


def init_babel(app) -> None:  # type: ignore[no-untyped-def]
    if "babel" not in app.extensions:
        Babel(app, locale_selector=_select_locale)


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

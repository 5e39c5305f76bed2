"""Which language a request is served in, and dates as people read them in that language.

The rule (docs/host-integration.md): ldptrain's pages are in the signed-in user's saved choice,
else this browser's choice (ldptrain's switch, kept under `ldp_lang` in the session), else
LDPTRAIN_DEFAULT_LANGUAGE; a host's Babel locale selector does not decide it. With
LDPTRAIN_LANGUAGE_FROM_HOST the host's selector decides instead (ldptrain's switch is then
hidden). Either way the page's text and its `<html lang>` come from the same `current_language`.
"""

from __future__ import annotations

import datetime as dt

from babel import Locale
from flask import current_app, g, request, session
from flask_babel import Babel, get_locale

from .. import thai
from ..i18n import LANGUAGES
from . import signed_in


def follows_host() -> bool:
    return bool(current_app.config.get("LDPTRAIN_LANGUAGE_FROM_HOST"))


def current_language() -> str:
    """Chosen language: the signed-in user's saved choice, else this browser's, else the default
    (or the host's locale, with LDPTRAIN_LANGUAGE_FROM_HOST)."""
    if request:
        if follows_host():
            locale = get_locale()
            lang = locale.language if locale is not None else None
            if lang in LANGUAGES:
                return str(lang)
        else:
            user = signed_in.current()
            if user.is_authenticated and user.language in LANGUAGES:
                return str(user.language)
            chosen = session.get("ldp_lang")
            if chosen in LANGUAGES:
                return str(chosen)
    return str(current_app.config.get("LDPTRAIN_DEFAULT_LANGUAGE", "th"))


def choose() -> None:
    """Before each of ldptrain's requests: the language its catalogue is read in (i18n), so a
    host's Babel selector does not decide ldptrain's text."""
    g.ldp_locale = _LOCALES.get(current_language())


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

"""Language choice and translations (Flask-Babel with ldptrain's own translation domain).

Our own Domain keeps ldptrain's catalogue separate from a host's, and works with the host's
Babel when it has one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import Locale
from flask import current_app, g, request, session
from flask_babel import Babel, Domain, get_locale
from flask_login import current_user

from . import thai
from .resources import TRANSLATIONS

LANGUAGES = ("th", "en")
domain = Domain(translation_directories=str(TRANSLATIONS), domain="ldptrain")
lazy_gettext = domain.lazy_gettext


def _translations() -> Any:
    """This request's catalogue. Flask-Babel finds it anew on every call (context, locale, cache
    key) and a page translates dozens of strings, so keep it on `g` beside the locale it was
    found for: `force_locale` and `refresh` change that locale object, and then we look again."""
    if not g:
        return domain.get_translations()  # outside any app context: untranslated
    babel_ctx = g.get("_flask_babel")
    locale = getattr(babel_ctx, "babel_locale", None) or get_locale()
    cached = g.get("_ldp_translations")
    if cached is not None and cached[0] is locale:
        return cached[1]
    found = domain.get_translations()
    g._ldp_translations = (locale, found)
    return found


def gettext(string: str, **variables: Any) -> str:
    text: str = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    # As Flask-Babel's: `num` is available to the format string.
    variables.setdefault("num", num)
    text: str = _translations().ungettext(singular, plural, num)
    return text % variables


_ = gettext


def bound_gettext() -> tuple[Any, Any]:
    """gettext and ngettext bound to the catalogue in force now: for one template rendering,
    which calls them dozens of times and cannot change language half-way."""
    translations = _translations()

    def gettext_(string: str, **variables: Any) -> str:
        text: str = translations.ugettext(string)
        return text % variables if variables else text

    def ngettext_(singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text: str = translations.ungettext(singular, plural, num)
        return text % variables

    return gettext_, ngettext_


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

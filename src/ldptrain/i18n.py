"""Translations (Flask-Babel with ldptrain's own translation domain), for services and pages.

Which language a request gets is decided by the web layer (`web/language.py`).

Our own Domain keeps ldptrain's catalogue separate from a host's, and works with the host's
Babel when it has one.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import Domain, get_locale

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
    locale = get_locale()  # Flask-Babel's locale object for this request (kept on its context)
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

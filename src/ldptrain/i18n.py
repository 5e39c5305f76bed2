"""Translations (Flask-Babel with ldptrain's own translation domain), for services and pages.

Which language a request gets is decided by the web layer (`web/language.py`).

Our own Domain keeps ldptrain's catalogue separate from a host's, and works with the host's
Babel when it has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from babel import Locale, support
from flask import g
from flask_babel import Domain, force_locale, get_locale

from .resources import TRANSLATIONS

LANGUAGES = ("th", "en")
domain = Domain(translation_directories=str(TRANSLATIONS), domain="ldptrain")
_catalogues: dict[str, Any] = {}


def _catalogue(locale: Locale) -> Any:
    """ldptrain's catalogue for a locale, loaded once per process (it ships with the package)."""
    key = str(locale)
    found = _catalogues.get(key)
    if found is None:
        found = support.Translations.load(str(TRANSLATIONS), [locale], "ldptrain")
        _catalogues[key] = found
    return found


def _locale() -> Any:
    """ldptrain's language now: forced (mail to a person in their language), else the one the
    web layer chose for this request (web/language.py), else Flask-Babel's (commands, jobs)."""
    forced = g.get("ldp_forced_locale")
    if forced is not None:
        return forced
    chosen = g.get("ldp_locale")
    return chosen if chosen is not None else get_locale()


def _translations() -> Any:
    """This request's catalogue."""
    if not g:
        return support.NullTranslations()  # outside any app context: untranslated
    locale = _locale()
    if locale is None:
        return support.NullTranslations()
    return _catalogue(locale)


@contextmanager
def force_language(lang: str | None) -> Iterator[None]:
    """ldptrain's text (and Flask-Babel's formatting) in `lang` for a while: e-mails go out in
    their recipient's language whatever the page's; Thai when theirs is not one we offer."""
    lang = lang if lang in LANGUAGES else "th"
    locale = Locale.parse(lang)
    before = g.get("ldp_forced_locale")
    g.ldp_forced_locale = locale
    try:
        with force_locale(lang):
            yield
    finally:
        g.ldp_forced_locale = before


def lazy_gettext(string: str, **variables: Any) -> Any:
    """A string translated when it is shown, in the language of that moment."""
    from flask_babel import LazyString

    return LazyString(gettext, string, **variables)


def gettext(string: str, **variables: Any) -> str:
    text: str = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    # As Flask-Babel's: `num` is available to the format string.
    variables.setdefault("num", num)
    text: str = _translations().ungettext(singular, plural, num)
    return text % variables


_ = gettext


_known: frozenset[str] = frozenset()


def known() -> frozenset[str]:
    """Every message id in ldptrain's catalogue (read once from the Thai one, which has all)."""
    global _known
    if not _known:
        from babel.messages.mofile import read_mo

        with open(TRANSLATIONS / "th" / "LC_MESSAGES" / "ldptrain.mo", "rb") as handle:
            catalog = read_mo(handle)
        _known = frozenset(m.id if isinstance(m.id, str) else m.id[0]
                           for m in catalog if m.id)
    return _known


def bound_gettext() -> tuple[Any, Any]:
    """gettext and ngettext bound to the catalogue in force now: for one template rendering,
    which calls them dozens of times and cannot change language half-way.

    A string that is not ldptrain's (a host's layout, extended by ldptrain's pages) is
    translated by Flask-Babel's own gettext, with the host's catalogue and locale, as on the
    host's pages: ldptrain's `_` must not take the host's text away."""
    import flask_babel

    translations = _translations()
    ours = known()

    def gettext_(string: str, **variables: Any) -> str:
        if string not in ours:
            return str(flask_babel.gettext(string, **variables))
        text: str = translations.ugettext(string)
        return text % variables if variables else text

    def ngettext_(singular: str, plural: str, num: int, **variables: Any) -> str:
        if singular not in ours:
            return str(flask_babel.ngettext(singular, plural, num, **variables))
        variables.setdefault("num", num)
        text: str = translations.ungettext(singular, plural, num)
        return text % variables

    return gettext_, ngettext_

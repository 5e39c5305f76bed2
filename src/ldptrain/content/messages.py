"""Messages of `content check` in the author's language, from ldptrain's Babel catalogue.

A message is built once, in English, as a `Msg`: a str (so tests, sorting and the importer's
output see plain English) that remembers its template and values, so `translate` can show it in
Thai later. `N_` marks the template for extraction (it is one of Babel's default keywords).
Pure Babel, no Flask: `content check` runs without an app.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Any

from babel import support

from ldptrain.resources import TRANSLATIONS

LANGUAGES = ("th", "en")


class Msg(str):
    """An English message that can be shown in another language (`translate`)."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Msg:
        self = super().__new__(cls, template % values if values else template)
        self.template = template
        self.values = values
        return self

    def __add__(self, other: str) -> Msg:  # "warning: " + message and the like keep translating
        return Msg("%(first)s%(second)s", first=self, second=other)

    def __radd__(self, other: str) -> Msg:
        return Msg("%(first)s%(second)s", first=other, second=self)


def N_(template: str, **values: Any) -> Msg:  # noqa: N802 (gettext's name for "mark only")
    return Msg(template, **values)


@cache
def _catalogue(lang: str) -> Any:
    return support.Translations.load(str(TRANSLATIONS), [lang], "ldptrain")


def translate(text: str, lang: str) -> str:
    """`text` in `lang` when it is a Msg with a translation; as it is otherwise."""
    if not isinstance(text, Msg) or lang not in LANGUAGES or lang == "en":
        return str(text)
    values = {key: translate(value, lang) if isinstance(value, str) else value
              for key, value in text.values.items()}
    template = text.template
    if template != "%(first)s%(second)s":
        template = _catalogue(lang).ugettext(template)
    return template % values if values else template


def language(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The user's language: `--lang` when given, else the locale (LC_ALL, LC_MESSAGES, LANG, as
    POSIX orders them) when it starts with th, else English."""
    if option:
        return "th" if option.lower().startswith("th") else "en"
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := env.get(name):
            return "th" if value.lower().startswith("th") else "en"
    return "en"

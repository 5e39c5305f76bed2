"""Reading content files: decoding, front matter and a line-keeping YAML reader.

Scalars stay strings until a field asks for a type, so YAML 1.1 never turns `1.10` into 1.1 or `no`
into False behind the author's back; every key and value keeps its line for error messages.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from ldptrain.content.format import LocalText, Problem
from ldptrain.content.messages import N_
from ldptrain.thai import nfc

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: much faster
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}
SLUG = re.compile(r"[a-z][a-z0-9-]*\Z")
# The database's column sizes: caught here, before an import fails half-way on PostgreSQL.
LIMITS = {"title": 300, "version": 40, "slug": 100, "final_assessment": 100, "assessment": 100}
BOM = b"\xef\xbb\xbf"
# Word and phones type these for "..." and '...'; YAML keeps them as part of the value.
CURLY_PAIRS = {"\u201c": "\u201d\u201c", "\u201d": "\u201d", "\u2018": "\u2019\u2018",
               "\u2019": "\u2019", "\u201e": "\u201c\u201d"}


@dataclass
class Y:
    """A YAML value with its line: str for scalars, list[Y] for sequences, dict[str, Y] for maps."""

    value: str | list[Y] | dict[str, Y]
    line: int
    plain: bool = False  # an unquoted scalar, where null/true/false/numbers are meant as such
    key_line: int = 0  # for a mapping value: the line of its key

    @property
    def is_null(self) -> bool:
        return isinstance(self.value, str) and self.plain and self.value in _NULLS


@dataclass
class SourceFile:
    path: str  # as the user gave it (joined with what the loader found below it)
    text: str  # NFC, LF line endings, no BOM: what content hashes are computed over
    front: dict[str, Y] | None  # None when the file has no front matter (or it is unusable)
    has_front: bool
    front_line: int  # line of the closing `---` (0 without front matter)
    body: str
    body_line: int  # line of the first body line

    def line_of(self, key: str) -> int:
        entry = (self.front or {}).get(key)
        return entry.key_line if entry else 1


def read_text(path: str, problems: list[Problem]) -> str | None:
    """Decode a file as UTF-8 (BOM allowed), normalise to NFC and LF line endings."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        problems.append(Problem(path, 1, N_("cannot read file: %(error)s", error=exc.strerror)))
        return None
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(path, *_not_utf8(data, exc)))
        return None
    # NFC never adds or removes a newline, so line numbers survive normalisation.
    return nfc(text.replace("\r\n", "\n").replace("\r", "\n"))


def _not_utf8(data: bytes, exc: UnicodeDecodeError) -> tuple[int, str]:
    """Where a file stops being UTF-8 and what to do about it: a Thai file saved in the old
    Thai code page (TIS-620, which Windows calls Windows-874) is the usual case."""
    line = data[: exc.start].count(b"\n") + 1
    def thai(text: str) -> int:
        return sum("\u0e01" <= ch <= "\u0e5b" for ch in text)

    # Thai letters in the old code page, and none as UTF-8 (UTF-8 Thai bytes read as
    # Windows-874 look Thai too: a UTF-8 file with one stray byte is not a TIS-620 file).
    if thai(data.decode("cp874", errors="replace")) >= 3 and not thai(
            data.decode("utf-8", errors="replace")):
        return line, N_("saved as Windows-874/TIS-620 (old Thai encoding), not UTF-8: "
                        "save it as UTF-8 — in Notepad: Save as › Encoding › UTF-8")
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return line, N_("file is not UTF-8 (byte 0x%(byte)02X at column %(column)s); "
                    "save it as UTF-8 — in Notepad: Save as › Encoding › UTF-8",
                    byte=data[exc.start], column=column)


def read_source(path: str, problems: list[Problem]) -> SourceFile | None:
    text = read_text(path, problems)
    if text is None:
        return None
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return SourceFile(path, text, None, False, 0, text, 1)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        problems.append(
            Problem(path, 1, N_("front matter opened with --- is never closed by a --- line"))
        )
        return SourceFile(path, text, None, True, 0, text, 1)  # one problem is enough
    front = parse_yaml("\n".join(lines[1:end]), path, 2, problems)
    return SourceFile(path, text, front, True, end + 1, "\n".join(lines[end + 1 :]), end + 2)


def parse_yaml(
    text: str, path: str, first_line: int, problems: list[Problem]
) -> dict[str, Y] | None:
    """Front matter as a mapping of Y values; None (with a problem) when not a YAML mapping."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problems.append(Problem(path, line, _yaml_error(text, exc, line, mark)))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(path, first_line, N_("front matter is not valid YAML: %(error)s",
                                                        error=str(exc))))
        return None
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            Problem(
                path,
                first_line + node.start_mark.line,
                N_("front matter must be a mapping of `key: value` lines"),
            )
        )
        return None
    converted = _convert(node, path, first_line, problems, 0)
    return converted.value if isinstance(converted.value, dict) else None


def _yaml_error(text: str, exc: yaml.MarkedYAMLError, line: int, mark: yaml.Mark | None) -> str:
    """PyYAML's message, or a plain one for a Tab ("found character that cannot start any
    token" tells an author nothing)."""
    source = text.split("\n")[mark.line] if mark and mark.line < len(text.split("\n")) else ""
    if "\t" in source:
        indent = source[: len(source) - len(source.lstrip(" \t"))]
        if "\t" in indent:
            return N_("line %(line)s starts with a Tab; use spaces", line=line)
        return N_("line %(line)s has a Tab; use spaces", line=line)
    return N_("front matter is not valid YAML: %(error)s", error=str(exc.problem or exc))


def _curly(value: Y, key: str, path: str, problems: list[Problem]) -> None:
    """A value wrapped in curly quotes: reported, and read without them (one message, not a
    second one about the value)."""
    text = value.value
    if (not isinstance(text, str) or not value.plain or len(text) < 2
            or text[-1] not in CURLY_PAIRS.get(text[0], "")):
        return
    problems.append(Problem(path, value.line, N_(
        "'%(key)s' is in curly quotes %(value)s, which would be kept as part of the value; "
        'use straight quotes ("...") or none', key=key, value=text)))
    value.value, value.plain = text[1:-1].strip(), False


def _convert(node: yaml.Node, path: str, first: int, problems: list[Problem], depth: int) -> Y:
    line = first + node.start_mark.line
    if depth > 20:  # aliases can nest without end
        problems.append(Problem(path, line, N_("front matter nests too deeply")))
        return Y("", line)
    if isinstance(node, yaml.ScalarNode):
        return Y(node.value, line, plain=node.style in (None, ""))
    if isinstance(node, yaml.SequenceNode):
        return Y([_convert(n, path, first, problems, depth + 1) for n in node.value], line)
    mapping: dict[str, Y] = {}
    for key_node, value_node in node.value:
        key_line = first + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(Problem(path, key_line, N_("a key must be a plain word")))
            continue
        key = key_node.value
        if key in mapping:
            problems.append(
                Problem(
                    path,
                    key_line,
                    N_("duplicate key '%(key)s' (first given at line %(line)s)", key=key,
                       line=mapping[key].key_line),
                )
            )
            continue
        value = _convert(value_node, path, first, problems, depth + 1)
        value.key_line = key_line
        _curly(value, key, path, problems)
        mapping[key] = value
    return Y(mapping, line)


def did_you_mean(word: str, options: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return N_("; did you mean '%(word)s'?", word=close[0]) if close else ""


@dataclass
class Fields:
    """Typed, validated access to one front-matter mapping; every failure becomes a Problem."""

    values: dict[str, Y]
    path: str
    problems: list[Problem]
    missing_line: int = 1  # where to report a missing key: the opening `---`
    seen: set[str] = field(default_factory=set)

    def check_keys(
        self, allowed: Collection[str], required: Collection[str] = (), where: str = ""
    ) -> None:
        for key, value in self.values.items():
            if key not in allowed:
                hint = did_you_mean(key, allowed) or N_(
                    " (allowed%(where)s: %(keys)s)", where=where, keys=", ".join(allowed))
                self._problem(value.key_line, N_("unknown key '%(key)s'%(hint)s", key=key,
                                                 hint=hint))
        for key in required:
            if key not in self.values or self.values[key].is_null:
                self._problem(self.missing_line, N_("missing required key '%(key)s'", key=key))

    def _problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    @staticmethod
    def _got(key: str, what: str, text: str) -> str:
        return N_("'%(key)s' must be %(what)s (got '%(value)s')", key=key, what=what, value=text)

    @staticmethod
    def _too_long(key: str) -> str:
        return N_("'%(key)s' is longer than %(limit)s characters", key=key, limit=LIMITS[key])

    def _get(self, key: str) -> Y | None:
        value = self.values.get(key)
        return None if value is None or value.is_null else value

    def _scalar(self, key: str, what: str) -> tuple[Y, str] | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value.value, str):
            self._problem(value.line, N_("'%(key)s' must be %(what)s", key=key, what=what))
            return None
        return value, value.value.strip()

    def text(
        self,
        key: str,
        pattern: re.Pattern[str] | None = None,
        what: str = N_("text"),
        options: Collection[str] | None = None,
    ) -> str | None:
        got = self._scalar(key, what)
        if got is None:
            return None
        value, text = got
        if options is not None and text not in options:
            self._problem(
                value.line,
                N_("'%(key)s' must be one of %(options)s (got '%(value)s')%(hint)s", key=key,
                   options=", ".join(options), value=text, hint=did_you_mean(text, options)),
            )
            return None
        if pattern is not None and not pattern.match(text):
            self._problem(value.line, self._got(key, what, text))
            return None
        if len(text) > LIMITS.get(key, len(text)):
            self._problem(value.line, self._too_long(key))
            return None
        return text

    def integer(
        self,
        key: str,
        minimum: int | None = None,
        maximum: int | None = None,
        what: str = N_("a whole number"),
    ) -> int | None:
        got = self._scalar(key, what)
        if got is None:
            return None
        value, text = got
        if not re.fullmatch(r"[+-]?\d+", text):
            self._problem(value.line, self._got(key, what, text))
            return None
        bounded = self._bounded(key, value, int(text), minimum, maximum)
        return None if bounded is None else int(bounded)

    def number(
        self,
        key: str,
        minimum: float | None = None,
        maximum: float | None = None,
        what: str = N_("a number"),
    ) -> float | None:
        got = self._scalar(key, what)
        if got is None:
            return None
        value, text = got
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            self._problem(value.line, self._got(key, what, text))
            return None
        number = float(text)
        return self._bounded(
            key, value, int(number) if number.is_integer() else number, minimum, maximum
        )

    def _bounded(
        self, key: str, value: Y, number: float, minimum: float | None, maximum: float | None
    ) -> float | None:
        low_ok = minimum is None or number >= minimum
        high_ok = maximum is None or number <= maximum
        if low_ok and high_ok:
            return number
        if minimum is not None and maximum is not None:
            self._problem(
                value.line, N_("'%(key)s' must be between %(minimum)s and %(maximum)s (got "
                               "%(number)s)", key=key, minimum=f"{minimum:g}",
                               maximum=f"{maximum:g}", number=f"{number:g}")
            )
        elif minimum is not None:
            self._problem(value.line, N_("'%(key)s' must be at least %(minimum)s (got %(number)s)",
                                         key=key, minimum=f"{minimum:g}", number=f"{number:g}"))
        else:
            self._problem(value.line, N_("'%(key)s' must be at most %(maximum)s (got %(number)s)",
                                         key=key, maximum=f"{maximum:g}", number=f"{number:g}"))
        return None

    def boolean(self, key: str, default: bool) -> bool:
        got = self._scalar(key, N_("true or false"))
        if got is None:
            return default
        value, text = got
        if value.plain and text in _TRUE:
            return True
        if value.plain and text in _FALSE:
            return False
        hint = (N_(" (yes/no/on/off are ambiguous in YAML)") if text.lower() in _YAML11_BOOLS
                else "")
        self._problem(value.line, N_("'%(key)s' must be true or false (got '%(value)s')%(hint)s",
                                     key=key, value=text, hint=hint))
        return default

    def text_list(
        self, key: str, pattern: re.Pattern[str] | None = None, what: str = N_("text")
    ) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return ()
        if not isinstance(value.value, list):
            self._problem(value.line, N_("'%(key)s' must be a list, like [a, b]", key=key))
            return ()
        items: list[str] = []
        for item in value.value:
            if not isinstance(item.value, str) or item.is_null:
                self._problem(item.line, N_("each item of '%(key)s' must be %(what)s", key=key,
                                            what=what))
            elif pattern is not None and not pattern.match(item.value.strip()):
                self._problem(
                    item.line, N_("each item of '%(key)s' must be %(what)s (got '%(value)s')",
                                  key=key, what=what, value=item.value.strip())
                )
            else:
                items.append(item.value.strip())
        return tuple(items)

    def local_text(self, key: str, lang: str | None = None) -> LocalText | None:
        """A plain string (every language, or only `lang` when given) or a {th, en} mapping."""
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value.value, str):
            text = value.value.strip()
            if len(text) > LIMITS.get(key, len(text)):
                self._problem(value.line, self._too_long(key))
            if lang is not None:
                return LocalText(**{lang: text})
            return LocalText(th=text, en=text)
        if not isinstance(value.value, dict):
            self._problem(value.line, N_("'%(key)s' must be text or a mapping with th and/or en",
                                         key=key))
            return None
        inner = Fields(value.value, self.path, self.problems, value.line)
        inner.check_keys(("th", "en"), where=N_(" in '%(key)s'", key=key))
        th, en = inner.text("th"), inner.text("en")
        for lang_key, given in (("th", th), ("en", en)):
            if given and len(given) > LIMITS.get(key, len(given)):
                self._problem(
                    value.value[lang_key].line, self._too_long(key)
                )
        if not th and not en:
            self._problem(value.line, N_("'%(key)s' needs a th or en text", key=key))
            return None
        return LocalText(th=th or None, en=en or None)

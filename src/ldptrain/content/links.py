"""Finding local links and images in Markdown, with their lines, and checking them on disk.

A line scan rather than a Markdown parse: Python-Markdown keeps no positions, and markdown-it reads
admonition bodies as indented code. Fenced code and code spans are skipped, so a link shown as
code is not checked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from ldptrain.content.format import Problem
from ldptrain.content.parse import did_you_mean
from ldptrain.content.render import ADMONITION_KINDS, is_local

_FENCE = re.compile(r"\s{0,3}(`{3,}|~{3,})")
_ADMONITION = re.compile(r"\s*!!!\s*([A-Za-z][\w-]*)")
_CODE_SPAN = re.compile(r"(`+).*?\1")
# [text](url "title") and ![alt](url); the url may be wrapped in <...>.
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^\s)]+)")
_REFERENCE = re.compile(r"\s{0,3}\[(?!\^)[^\]]+\]:\s*(<[^>]*>|\S+)")  # not [^1]: footnotes
_HTML = re.compile(
    r"""<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE
)


def text_lines(markdown: str, first_line: int) -> Iterator[tuple[str, int]]:
    """(line, file line) for every line outside fenced code blocks."""
    fence: str | None = None
    for offset, line in enumerate(markdown.split("\n")):
        match = _FENCE.match(line)
        if fence is not None:
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not line.strip()[len(match.group(1)) :].strip()
            ):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        yield line, first_line + offset


def find_links(markdown: str, first_line: int) -> Iterator[tuple[str, int]]:
    """(url, file line) for every link, image, reference definition and raw <a>/<img>."""
    for raw, number in text_lines(markdown, first_line):
        if "[" not in raw and "<" not in raw:
            continue
        line = _CODE_SPAN.sub("", raw)
        for regex in (_INLINE, _REFERENCE):
            for found in regex.finditer(line):
                yield found.group(1).strip("<>"), number
        for found in _HTML.finditer(line):
            yield next(g for g in found.groups() if g is not None), number


def check_admonitions(markdown: str, first_line: int, path: str, problems: list[Problem]) -> None:
    """`!!! kind` must be one of the kinds the pages style; others would lose their look."""
    for line, number in text_lines(markdown, first_line):
        if (match := _ADMONITION.match(line)) and match.group(1).lower() not in ADMONITION_KINDS:
            kind = match.group(1)
            problems.append(
                Problem(
                    path,
                    number,
                    f"unknown admonition kind '{kind}'"
                    f"{did_you_mean(kind.lower(), ADMONITION_KINDS)} (kinds: "
                    f"{', '.join(ADMONITION_KINDS)})",
                )
            )


def check_links(
    markdown: str,
    first_line: int,
    path: str,
    doc_dir: str,
    root: str,
    problems: list[Problem],
    what: str = "the course folder",
) -> None:
    """Every local link must name an existing file inside `root` (symlinks resolved)."""
    root_real = os.path.realpath(root)
    for url, line in find_links(markdown, first_line):
        if not is_local(url):
            continue
        relative = unquote(urlsplit(url.strip()).path)
        target = os.path.realpath(os.path.join(doc_dir, relative))
        if target != root_real and not target.startswith(root_real + os.sep):
            problems.append(Problem(path, line, f"link '{url}' points outside {what}"))
        elif not os.path.exists(target) and not _english_of_existing(target):
            problems.append(Problem(path, line, f"link '{url}': no such file"))


def _english_of_existing(target: str) -> bool:
    """`02-plan.en.md` links to the module page, which exists when `02-plan.md` does."""
    return target.endswith(".en.md") and os.path.exists(target[: -len(".en.md")] + ".md")


def reject_local_links(markdown: str, first_line: int, path: str, problems: list[Problem]) -> None:
    """Assessments have no files of their own: nothing would serve a local image or document."""
    for url, line in find_links(markdown, first_line):
        if is_local(url):
            problems.append(
                Problem(
                    path,
                    line,
                    f"link '{url}': assessments cannot use local files "
                    "(nothing serves them); use an https:// address or "
                    "show the file in the module",
                )
            )


def check_markdown(
    markdown: str,
    first_line: int,
    path: str,
    folder: str,
    problems: list[Problem],
    what: str = "the course folder",
) -> None:
    """The checks of a course or programme text: its local links and its admonitions."""
    check_links(markdown, first_line, path, folder, folder, problems, what)
    check_admonitions(markdown, first_line, path, problems)

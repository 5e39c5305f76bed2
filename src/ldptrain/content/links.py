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
from ldptrain.content.messages import N_
from ldptrain.content.parse import did_you_mean
from ldptrain.content.render import ADMONITION_KINDS, is_local

_FENCE = re.compile(r"\s{0,3}(`{3,}|~{3,})")
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


# Python-Markdown's own pattern for a box (markdown.extensions.admonition): a title in straight
# double quotes or none; any other `!!!` line is shown to trainees as plain text.
_BOX = re.compile(r'\s*!!! ?([\w\-]+(?: +[\w\-]+)*)(?: +"(.*?)")? *\Z')
# A `!!!` line meant as a box: a kind (a Latin word) follows. "!!! ด่วน !!!" is emphasis.
_BOX_ATTEMPT = re.compile(r"\s*!!!\s*[A-Za-z]")
_CURLY = "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"
_TABLE_SEPARATOR = re.compile(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*\Z")
_HEADING = re.compile(r"\s{0,3}#{1,6}(\s|\Z)")
_IMAGE = re.compile(r"!\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^\s)]+)")
_IMG_TAG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
                      re.IGNORECASE)
_WINDOWS = re.compile(r"[A-Za-z]:[\\/]|\\\\|file:", re.IGNORECASE)


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def check_layout(markdown: str, first_line: int, path: str, problems: list[Problem]) -> None:
    """Mistakes Markdown renders without complaint but trainees see broken: boxes (`!!!`) that
    come out as plain text or empty, tables shown as raw pipes, image paths from the author's
    own computer. Plus the kinds of box the pages style."""
    lines = list(text_lines(markdown, first_line))
    for index, (line, number) in enumerate(lines):
        if _BOX_ATTEMPT.match(line):
            _check_box(line, number, lines[index + 1 :], path, problems)
        elif index and "|" in line and _TABLE_SEPARATOR.match(line):
            _check_table(lines, index, path, problems)
        _check_image_paths(line, number, path, problems)


def _check_box(line: str, number: int, after: list[tuple[str, int]], path: str,
               problems: list[Problem]) -> None:
    match = _BOX.match(line)
    if match is None:
        if any(quote in line for quote in _CURLY):
            problems.append(Problem(path, number, N_(
                "the box title is in curly quotes, so the line shows as plain text; "
                'use straight quotes: !!! note "Title"')))
        else:
            problems.append(Problem(path, number, N_(
                "this !!! line is not a box and shows as plain text; "
                'write !!! note "Title" (straight quotes) or !!! note')))
        return
    kind = match.group(1).split()[0]
    if kind.lower() not in ADMONITION_KINDS:
        problems.append(Problem(path, number, N_(
            "unknown admonition kind '%(kind)s'%(hint)s (kinds: %(kinds)s)",
            kind=kind, hint=did_you_mean(kind.lower(), ADMONITION_KINDS),
            kinds=", ".join(ADMONITION_KINDS))))
    body = next(((text, at) for text, at in after if text.strip()), None)
    # A titled box with an empty line after it may be a title-only callout; anything else
    # without indented text below is a box whose text the author forgot to indent.
    titled_callout = match.group(2) is not None and (not after or not after[0][0].strip())
    if not titled_callout and (body is None or _indent(body[0]) < _indent(line) + 4):
        problems.append(Problem(path, number, N_(
            "the box is empty: indent its text by 4 spaces on the lines below !!!")))


def _check_table(lines: list[tuple[str, int]], index: int, path: str,
                 problems: list[Problem]) -> None:
    """A header row and a separator row make a table only after a blank line (or a heading)."""
    header, header_number = lines[index - 1]
    if index < 2 or "|" not in header or header_number != lines[index][1] - 1:
        return
    before, before_number = lines[index - 2]
    if (before.strip() and before_number == header_number - 1
            and not _HEADING.match(before) and not before.lstrip().startswith("<")
            and "|" not in before):
        problems.append(Problem(path, header_number, N_(
            "the table needs an empty line before it (after line %(line)s), "
            "otherwise it shows as raw | text", line=before_number)))


def _check_image_paths(line: str, number: int, path: str, problems: list[Problem]) -> None:
    if "!" not in line and "<" not in line:
        return
    code_free = _CODE_SPAN.sub("", line)
    urls = [m.group(1).strip("<>") for m in _IMAGE.finditer(code_free)]
    urls += [next(g for g in m.groups() if g is not None) for m in _IMG_TAG.finditer(code_free)]
    for url in urls:
        if _WINDOWS.match(url.strip()) or url.strip().startswith(("/", "\\")):
            problems.append(Problem(path, number, N_(
                "image '%(url)s' is a path on your own computer, which trainees cannot see; "
                "copy the picture into the course folder (e.g. images/) and write images/name.png",
                url=url)))


def check_links(
    markdown: str,
    first_line: int,
    path: str,
    doc_dir: str,
    root: str,
    problems: list[Problem],
    what: str = N_("the course folder"),
) -> None:
    """Every local link must name an existing file inside `root` (symlinks resolved)."""
    root_real = os.path.realpath(root)
    for url, line in find_links(markdown, first_line):
        if not is_local(url):
            continue
        relative = unquote(urlsplit(url.strip()).path)
        target = os.path.realpath(os.path.join(doc_dir, relative))
        if target != root_real and not target.startswith(root_real + os.sep):
            problems.append(Problem(path, line, N_("link '%(url)s' points outside %(what)s",
                                                    url=url, what=what)))
        elif not os.path.exists(target) and not _english_of_existing(target):
            problems.append(Problem(path, line, N_("link '%(url)s': no such file", url=url)))


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
                    N_("link '%(url)s': assessments cannot use local files "
                       "(nothing serves them); use an https:// address or "
                       "show the file in the module", url=url),
                )
            )


def check_markdown(
    markdown: str,
    first_line: int,
    path: str,
    folder: str,
    problems: list[Problem],
    what: str = N_("the course folder"),
) -> None:
    """The checks of a course or programme text: its local links and its admonitions."""
    check_links(markdown, first_line, path, folder, folder, problems, what)
    check_layout(markdown, first_line, path, problems)

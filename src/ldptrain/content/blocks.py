"""The top-level Markdown blocks of a question bank, found by a line scanner.

A CommonMark subset: enough to tell where headings, paragraphs, lists (and their items),
blockquotes, fenced and indented code, HTML blocks and link reference definitions begin and end.
It stands in for markdown-it-py because a re-import must re-check every bank and this is several
times faster; tests/content/test_blocks.py compares the two on every bank we have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_HR = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_BULLET = re.compile(r"( {0,3})([-*+])([ \t]+|$)")
_ORDERED = re.compile(r"( {0,3})(\d{1,9})([.)])([ \t]+|$)")
_QUOTE = re.compile(r" {0,3}>")
_REFERENCE = re.compile(r" {0,3}\[(?!\^)[^\]]+\]:[ \t]*\S")
_HTML_RAW = re.compile(r" {0,3}<(script|pre|style|textarea)(?:\s|>|$)", re.IGNORECASE)
_HTML_COMMENT = re.compile(r" {0,3}<!--")
_HTML_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|"
    "dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|"
    "header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|"
    "param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
_HTML_BLOCK = re.compile(rf" {{0,3}}</?(?:{_HTML_BLOCK_TAGS})(?:\s|/?>|$)", re.IGNORECASE)
_HTML_TAG_LINE = re.compile(
    r" {0,3}(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'"
    r"|\"[^\"]*\"))?)*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$"
)


@dataclass
class Block:
    kind: str  # heading | paragraph | list | blockquote | fence | code | html | reference
    start: int  # 0-based index of the first line
    end: int  # one past the last line
    level: int = 0  # headings
    content: str = ""  # heading text
    items: list[tuple[int, int]] = field(default_factory=list)  # lists: (start, end) per item


def _blank(line: str) -> bool:
    return not line.strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _item(line: str) -> tuple[str, int] | None:
    """(list type, content column) when the line starts a list item."""
    if m := _BULLET.match(line):
        kind, marker_end, spaces = m.group(2), m.end(2), m.group(3)
    elif m := _ORDERED.match(line):
        kind, marker_end, spaces = m.group(3), m.end(3), m.group(4)
    else:
        return None
    # Content starts after the spaces; more than four (or none) means one, the rest is content.
    width = len(spaces) if 1 <= len(spaces) <= 4 and line[m.end() :].strip() else 1
    return kind, marker_end + width


def _interrupts(line: str) -> bool:
    """Lines that end a paragraph (or a lazy continuation) without a blank line before them."""
    if _indent(line) >= 4:
        return False
    if _FENCE.match(line) or _QUOTE.match(line) or _HR.match(line) or _ATX.match(line):
        return True
    if _HTML_RAW.match(line) or _HTML_COMMENT.match(line) or _HTML_BLOCK.match(line):
        return True
    if (m := _BULLET.match(line)) and line[m.end() :].strip():
        return True
    m = _ORDERED.match(line)
    return bool(m and m.group(2) == "1" and line[m.end() :].strip())


def scan_blocks(raw: list[str]) -> list[Block]:
    lines = [line.expandtabs(4) for line in raw]
    n = len(lines)
    blocks: list[Block] = []
    i = 0
    while i < n:
        line = lines[i]
        if _blank(line):
            i += 1
            continue
        start = i
        if _indent(line) >= 4:
            while i < n and (_blank(lines[i]) or _indent(lines[i]) >= 4):
                i += 1
            while _blank(lines[i - 1]):
                i -= 1
            blocks.append(Block("code", start, i))
        elif m := _FENCE.match(line):
            fence = m.group(1)
            i += 1
            while i < n:
                close = _FENCE.match(lines[i])
                i += 1
                if (
                    close
                    and close.group(1)[0] == fence[0]
                    and len(close.group(1)) >= len(fence)
                    and not lines[i - 1].strip()[len(close.group(1)) :].strip()
                ):
                    break
            blocks.append(Block("fence", start, i))
        elif _QUOTE.match(line):
            i += 1
            while (
                i < n
                and not _blank(lines[i])
                and (_QUOTE.match(lines[i]) or not _interrupts(lines[i]))
            ):
                i += 1
            blocks.append(Block("blockquote", start, i))
        elif _HR.match(line):
            blocks.append(Block("hr", start, i + 1))
            i += 1
        elif _item(line):
            i = _scan_list(lines, i, blocks)
        elif m := _ATX.match(line):
            blocks.append(
                Block("heading", start, i + 1, len(m.group(1)), (m.group(2) or "").strip())
            )
            i += 1
        elif _HTML_RAW.match(line) or _HTML_COMMENT.match(line):
            closing = "-->" if _HTML_COMMENT.match(line) else None
            tag = None if closing else _HTML_RAW.match(line).group(1).lower()  # type: ignore[union-attr]
            while i < n:
                text = lines[i].lower()
                i += 1
                if (closing and closing in text) or (tag and f"</{tag}>" in text):
                    break
            blocks.append(Block("html", start, i))
        elif _HTML_BLOCK.match(line) or _HTML_TAG_LINE.match(line):
            while i < n and not _blank(lines[i]):
                i += 1
            blocks.append(Block("html", start, i))
        elif _REFERENCE.match(line):
            while i < n and _REFERENCE.match(lines[i]):
                i += 1
            blocks.append(Block("reference", start, i))
        else:
            i = _scan_paragraph(lines, i, blocks)
    return blocks


def _scan_paragraph(lines: list[str], i: int, blocks: list[Block]) -> int:
    start, n = i, len(lines)
    i += 1
    while i < n and not _blank(lines[i]):
        if (m := _SETEXT.match(lines[i])) and _indent(lines[i]) < 4:
            text = " ".join(line.strip() for line in lines[start:i])
            blocks.append(Block("heading", start, i + 1, 1 if m.group(1)[0] == "=" else 2, text))
            return i + 1
        if _interrupts(lines[i]):
            break
        i += 1
    blocks.append(Block("paragraph", start, i))
    return i


def _scan_list(lines: list[str], i: int, blocks: list[Block]) -> int:
    n = len(lines)
    first = _item(lines[i])
    assert first is not None
    kind = first[0]
    block = Block("list", i, i)
    while True:
        found = _item(lines[i])
        assert found is not None
        column = found[1]
        item_start = i
        i += 1
        after_blank = (
            _blank(lines[item_start][column:]) if len(lines[item_start]) > column else True
        )
        empty_start = after_blank
        while i < n:
            line = lines[i]
            if _blank(line):
                if empty_start and i == item_start + 1:
                    break  # an item may begin with at most one blank line
                after_blank = True
                i += 1
                continue
            if _indent(line) >= column:
                after_blank = False
                i += 1
                continue
            if after_blank or _interrupts(line) or _item(line):
                break
            i += 1  # lazy continuation of the item's paragraph
        end = i
        while end > item_start + 1 and _blank(lines[end - 1]):
            end -= 1
        block.items.append((item_start, end))
        block.end = end
        nxt = _item(lines[i]) if i < n else None
        if nxt is None or nxt[0] != kind or _indent(lines[i]) >= column or _HR.match(lines[i]):
            break
    blocks.append(block)
    return block.end

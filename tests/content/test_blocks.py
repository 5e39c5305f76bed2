"""The question-bank line scanner agrees with markdown-it-py (CommonMark) on every bank we have
and on constructs chosen to be awkward: same questions, parts, lines and problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ldptrain.content import questions
from ldptrain.content.blocks import Block, scan_blocks
from ldptrain.content.parse import read_source

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
_MD = MarkdownIt("commonmark").disable(["inline", "text_join"])


def markdown_it_blocks(lines: list[str]) -> list[Block]:
    """The reference: top-level blocks as markdown-it-py sees them."""
    tokens = _MD.parse("\n".join(lines))
    kinds = {
        "heading_open": "heading",
        "paragraph_open": "paragraph",
        "bullet_list_open": "list",
        "ordered_list_open": "list",
        "blockquote_open": "blockquote",
        "fence": "fence",
        "code_block": "code",
        "html_block": "html",
        "hr": "hr",
    }
    blocks: list[Block] = []
    for index, token in enumerate(tokens):
        if token.level != 0 or token.nesting < 0 or token.map is None:
            continue
        block = Block(kinds[token.type], *token.map)
        if block.kind == "heading":
            block.level, block.content = int(token.tag[1]), tokens[index + 1].content.strip()
        if block.kind == "list":
            depth = 0
            for inner in tokens[index:]:
                depth += inner.nesting
                if inner.type == "list_item_open" and inner.level == 1 and inner.map:
                    block.items.append(tuple(inner.map))  # type: ignore[arg-type]
                if depth == 0:
                    break
        blocks.append(block)
    return blocks


AWKWARD = [
    # lazy continuation lines, a nested list and code inside choices, ordered choices
    "## ข้อ 1\nคำถาม\nต่อบรรทัด\n- [x] ก\nต่อแบบขี้เกียจ\n- [ ] ข\n\n  ย่อหน้าในตัวเลือก\n\n"
    "  - ย่อย\n  - ย่อย\n\n      code in item\n\n> คำอธิบาย\nต่อแบบขี้เกียจ\n",
    "## ข้อ 2\n1. [x] หนึ่ง\n2. [ ] สอง\n3) [ ] สาม\n\n> ex\n",
    # setext headings, hr, html blocks, indented code with a heading-like line, tabs
    "คำนำ\n\nคำถามแบบ setext\n---\n- [x] ก\n- [ ] ข\n\n* * *\n\n"
    "## ข้อ 3\n<div>\n## ใน html\n</div>\n\n"
    "    ## ในโค้ด\n\n-\t[x] แท็บ\n-\t[ ] แท็บ\n",
    "## ข้อ 4\n```\n## ในรั้ว\n- [x] ไม่ใช่ตัวเลือก\n```\n~~~~\n```\n~~~~\n"
    "answer: ๑๒\nanswer: 12\n\n> a\n> b\n",
    "## ข้อ 5\n<!-- comment\n## not\n-->\n<script>\n## no\n</script>\n\n- [x] a\n- [ ] b\n- c\n",
    "# หัวเรื่องใหญ่\n\n## ข้อ 6 ##\n{id=six}\n\n+ [x] a\n+ [ ] b\n- [ ] other list\n\n> e\n\n## \n",
    "## ข้อ 7\n-\n  ว่างก่อน\n- [x] a\n\n\n- [ ] b\n\ntext after\n   ## indented heading\n",
    "## ข้อ 8\n> quote first\n\n- [x] a\n  > quote in item\n- [ ] b\n> explanation\n# h1 after\n",
]


def _corpus() -> list[tuple[str, str]]:
    files = sorted((ROOT / "assessments").glob("*.md")) + sorted(FIXTURES.rglob("assessments/*.md"))
    items = []
    for path in files:
        src = read_source(str(path), [])
        if src is not None:
            items.append((str(path.relative_to(ROOT)), src.body))
    return items + [(f"awkward-{i}", text) for i, text in enumerate(AWKWARD)]


@pytest.mark.parametrize("name,body", _corpus(), ids=lambda v: v if "/" in v or "-" in v else "")
def test_scanner_matches_markdown_it(name: str, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ours_problems: list = []
    ours = questions.parse_bank(body, 1, name, ours_problems)
    monkeypatch.setattr(questions, "scan_blocks", markdown_it_blocks)
    ref_problems: list = []
    reference = questions.parse_bank(body, 1, name, ref_problems)
    assert ours == reference
    assert ours_problems == ref_problems


def test_reference_definitions_stay_with_their_text() -> None:
    body = (
        "## ข้อ\nดู [ระเบียบ][r]\n\n[r]: https://example.org/r\n\n- [x] a\n- [ ] b\n\n"
        "> ตาม [แหล่ง][s]\n\n[s]: https://example.org/s\n"
    )
    problems: list = []
    bank = questions.parse_bank(body, 1, "x.md", problems)
    assert problems == []
    (question,) = bank.questions
    assert "[r]: https://example.org/r" in question.stem_markdown
    assert "[s]: https://example.org/s" in question.explanation_markdown


def test_scanner_blocks_on_a_small_example() -> None:
    lines = "## Q\n{id=a}\n\n- [x] one\n  more\n- [ ] two\n\n> why\n".split("\n")
    assert [(b.kind, b.start, b.end) for b in scan_blocks(lines)] == [
        ("heading", 0, 1),
        ("paragraph", 1, 2),
        ("list", 3, 6),
        ("blockquote", 7, 8),
    ]
    assert scan_blocks(lines)[2].items == [(3, 5), (5, 6)]


@pytest.mark.parametrize("name,body", _corpus(), ids=lambda v: v if "/" in v or "-" in v else "")
def test_block_boundaries_match_markdown_it(name: str, body: str) -> None:
    lines = body.split("\n")

    def shape(blocks: list[Block]) -> list[tuple]:
        # markdown-it emits no block for link reference definitions; we keep them as "reference".
        return [
            (b.kind, b.start, b.level, b.content, [s for s, _ in b.items])
            for b in blocks
            if b.kind != "reference"
        ]

    assert shape(scan_blocks(lines)) == shape(markdown_it_blocks(lines))

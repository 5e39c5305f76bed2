"""The question-bank editor: an assessment's Markdown seen as a list of questions, and the
moves an author makes on it (reorder, retire, add a question of any kind), done on the text so
the file stays the source format. Parsing is the content pipeline's own (content.questions)."""

from __future__ import annotations

from dataclasses import dataclass

from ...content.questions import parse_bank

KINDS = ("single", "multiple", "short", "ordering", "matching")

# A new question of each kind, in the bank's language; the author replaces the placeholders.
_TEMPLATES = {
    "th": {
        "single": "- [x] ตัวเลือกที่ถูก\n- [ ] ตัวเลือกที่ผิด\n- [ ] ตัวเลือกที่ผิด",
        "multiple": "- [x] ตัวเลือกที่ถูก\n- [x] ตัวเลือกที่ถูกอีกข้อ\n- [ ] ตัวเลือกที่ผิด",
        "short": "answer: คำตอบที่ยอมรับ",
        "ordering": "order: ขั้นที่หนึ่ง\norder: ขั้นที่สอง\norder: ขั้นที่สาม",
        "matching": "match: รายการที่หนึ่ง => คู่ของรายการที่หนึ่ง\n"
                    "match: รายการที่สอง => คู่ของรายการที่สอง",
        "heading": "คำถามใหม่",
    },
    "en": {
        "single": "- [x] The right choice\n- [ ] A wrong choice\n- [ ] A wrong choice",
        "multiple": "- [x] A right choice\n- [x] Another right choice\n- [ ] A wrong choice",
        "short": "answer: An accepted answer",
        "ordering": "order: First step\norder: Second step\norder: Third step",
        "matching": "match: First item => Its partner\nmatch: Second item => Its partner",
        "heading": "New question",
    },
}


@dataclass
class BankQuestion:
    index: int  # 0-based, in the bank's order
    line: int  # the heading's line in the file
    heading: str
    key: str  # the {id=...}; "" when the id is derived from the heading
    kind: str  # one of KINDS, or "" while the question is incomplete
    points: str
    choices: int


def _split(text: str) -> tuple[list[str], int]:
    """The lines of a file and the 0-based index of its body's first line."""
    lines = text.split("\n")
    if lines and lines[0].rstrip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
        if end is not None:
            return lines, end + 1
    return lines, 0


def questions(text: str) -> list[BankQuestion]:
    lines, body = _split(text)
    bank = parse_bank("\n".join(lines[body:]), body + 1, "", [])
    found = []
    for index, q in enumerate(bank.questions):
        if q.choices:
            kind = "single" if sum(c.correct for c in q.choices) == 1 else "multiple"
        elif q.answers:
            kind = "short"
        elif q.order:
            kind = "ordering"
        elif q.pairs:
            kind = "matching"
        else:
            kind = ""
        found.append(BankQuestion(index, q.line, q.heading, q.attrs.get("id", ""), kind,
                                  q.attrs.get("points", "1"),
                                  len(q.choices) or len(q.order) or len(q.pairs)))
    return found


def _blocks(text: str) -> tuple[list[str], list[list[str]]]:
    """The lines before the first question, and each question's lines (trailing blanks cut)."""
    lines, _body = _split(text)
    starts = [q.line - 1 for q in questions(text)]
    if not starts:
        return lines, []
    head = lines[: starts[0]]
    blocks = [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
    for block in blocks:
        while block and not block[-1].strip():
            block.pop()
    return head, blocks


def _join(head: list[str], blocks: list[list[str]]) -> str:
    while head and not head[-1].strip():
        head = head[:-1]
    parts = ["\n".join(head)] if head else []
    parts += ["\n".join(b) for b in blocks]
    return "\n\n".join(parts) + "\n"


def move(text: str, index: int, delta: int) -> str:
    head, blocks = _blocks(text)
    target = index + delta
    if not (0 <= index < len(blocks) and 0 <= target < len(blocks)):
        return text
    blocks[index], blocks[target] = blocks[target], blocks[index]
    return _join(head, blocks)


def retire(text: str, index: int) -> str:
    """The question leaves the bank from the next version on; earlier versions, the attempts
    that drew it and its statistics (by its id) stay."""
    head, blocks = _blocks(text)
    if not 0 <= index < len(blocks):
        return text
    del blocks[index]
    return _join(head, blocks)


def new_key(texts: list[str]) -> str:
    """An id no question of these texts (a bank and its translation) has."""
    taken = {q.key for text in texts for q in questions(text)}
    number = 1
    while f"q{number}" in taken:
        number += 1
    return f"q{number}"


def add(text: str, kind: str, key: str, language: str = "th") -> str:
    words = _TEMPLATES["en" if language == "en" else "th"]
    if kind not in KINDS:
        return text
    head, blocks = _blocks(text)
    if not blocks:
        head = text.rstrip("\n").split("\n")
    blocks.append([f"## {words['heading']}", f"{{id={key}}}", "", *words[kind].split("\n")])
    return _join(head, blocks)


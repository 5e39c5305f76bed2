"""A diff people can read, in Thai too: lines compared whole (unified diff), then a changed line
compared with the line it replaced by clusters of letters, so the changed letters are marked
without relying on spaces between words (Thai has none), and a tone mark, a vowel above or below,
or a leading vowel (เ แ โ ใ ไ) is never split from its consonant."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field


@dataclass
class DiffLine:
    kind: str  # "file", "hunk", "same", "del" or "add"
    parts: list[tuple[bool, str]] = field(default_factory=list)  # (changed, text)

    @property
    def text(self) -> str:
        return "".join(text for _changed, text in self.parts)


#: Thai vowels written before the consonant they follow in speech (เ แ โ ใ ไ).
_LEADING = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")


def clusters(text: str) -> list[str]:
    """Letters with the combining marks that follow them (Thai vowels above and below, tone
    marks) and the leading vowel before them: the smallest pieces a reader sees."""
    found: list[str] = []
    leading = ""
    for char in text:
        if found and not leading and unicodedata.category(char) in ("Mn", "Me"):
            found[-1] += char
        elif char in _LEADING:
            leading += char
        else:
            found.append(leading + char)
            leading = ""
    if leading:
        found.append(leading)
    return found


def _marked(old: str, new: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    a, b = clusters(old), clusters(new)
    left: list[tuple[bool, str]] = []
    right: list[tuple[bool, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append((op != "equal", "".join(a[i1:i2])))
        if j2 > j1:
            right.append((op != "equal", "".join(b[j1:j2])))
    return left, right


def readable(unified: list[str]) -> list[DiffLine]:
    """The lines of a unified diff, each removed line paired with the added line that replaced
    it (in order, within a run of changes) and its changed clusters marked."""
    rows: list[DiffLine] = []
    index = 0
    while index < len(unified):
        line = unified[index]
        if line.startswith(("---", "+++")):
            rows.append(DiffLine("file", [(False, line)]))
        elif line.startswith("@@"):
            rows.append(DiffLine("hunk", [(False, line)]))
        elif line.startswith("-") or line.startswith("+"):
            removed, added = [], []
            while index < len(unified) and unified[index].startswith("-") \
                    and not unified[index].startswith("---"):
                removed.append(unified[index][1:])
                index += 1
            while index < len(unified) and unified[index].startswith("+") \
                    and not unified[index].startswith("+++"):
                added.append(unified[index][1:])
                index += 1
            pairs = min(len(removed), len(added))
            marked = [_marked(removed[i], added[i]) for i in range(pairs)]
            rows.extend(DiffLine("del", [(False, "-"), *(marked[i][0] if i < pairs else
                                                         [(False, text)])])
                        for i, text in enumerate(removed))
            rows.extend(DiffLine("add", [(False, "+"), *(marked[i][1] if i < pairs else
                                                         [(False, text)])])
                        for i, text in enumerate(added))
            continue
        else:
            rows.append(DiffLine("same", [(False, line)]))
        index += 1
    return rows

"""Repair the text layer WeasyPrint writes for Thai, so copy/paste gives the exact string.

Why this exists (WeasyPrint issue #2841): HarfBuzz's Thai shaper decomposes SARA AM (U+0E33) into
NIKHAHIT + SARA AA and moves the nikhahit before any tone mark, so "น้ำ" becomes the glyphs
น, ํ+้ (one ligature glyph in Sarabun), า. WeasyPrint then writes one ToUnicode entry per glyph,
first use wins, and gives the cluster's text to the *last* glyph only: the nikhahit maps to "",
and the sara aa glyph keeps whichever text it met first ("า" from any earlier word). Every ำ
comes out as า, and a tone inside the cluster can vanish or stick to the wrong glyph.

The fix works on the finished PDF (pikepdf), without touching the font program or the drawing:
1. Every glyph's Unicode text is re-derived from the font itself (glyph names via the Adobe Glyph
   List rules, else the cmap), replacing WeasyPrint's first-use guesses.
2. In the content streams, each NIKHAHIT(+tone ligature) [tone marks]* SARA AA sequence is found
   and its nikhahit and sara aa are re-coded to new character codes (CIDs) that the font's
   CIDToGIDMap sends to the *same* glyphs, so the page looks identical. Their ToUnicode entries
   say "" (nikhahit), the tone (ligature) and "ำ" (sara aa), which reads back in logical order.
3. Each such cluster is also wrapped in `/Span <</ActualText (...)>> BDC ... EMC`: PDFium (Chrome,
   Android) treats an empty ToUnicode entry as missing and prints the glyph's code instead;
   it, poppler and Acrobat use the ActualText. pypdf ignores ActualText and reads step 2.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from fontTools import agl
from fontTools.ttLib import TTFont

NIKHAHIT = "\u0e4d"
SARA_AA = "\u0e32"
SARA_AM = "\u0e33"
TONES = frozenset("\u0e48\u0e49\u0e4a\u0e4b")
_TEXT_OPS = frozenset({"Tj", "TJ", "'", '"'})


@functools.lru_cache(maxsize=32)
def _font_file_texts(path: str, mtime_ns: int) -> dict[int, str]:
    return glyph_texts(Path(path).read_bytes())


def font_file_texts(path: Path) -> dict[int, str]:
    """`glyph_texts` of a font file, cached per process (parsing costs ~10 ms a font)."""
    return _font_file_texts(str(path), path.stat().st_mtime_ns)


def glyph_texts(font_file: Path | bytes) -> dict[int, str]:
    """Map glyph id -> the Unicode text the glyph stands for, from glyph names and the cmap."""
    data = font_file if isinstance(font_file, bytes) else Path(font_file).read_bytes()
    font = TTFont(io.BytesIO(data), lazy=True)
    order = font.getGlyphOrder()
    texts: dict[int, str] = {}
    # cmap first (authoritative for encoded glyphs); names fill in the unencoded alternates
    # such as uni0E48.small or the ligature uni0E4D0E49.
    reverse: dict[str, str] = {}
    for code, name in sorted(font.getBestCmap().items()):
        reverse.setdefault(name, chr(code))
    for gid, name in enumerate(order):
        text = reverse.get(name) or agl.toUnicode(name)
        if any(0xFB00 <= ord(ch) <= 0xFB06 for ch in text):
            # Latin ligature glyphs (fi, fl) are encoded at U+FB01...; copy should give "fi".
            text = unicodedata.normalize("NFKC", text)
        if text:
            texts[gid] = text
    return texts


def postscript_name(font_bytes: bytes) -> str | None:
    font = TTFont(io.BytesIO(font_bytes), lazy=True)
    name = font["name"].getDebugName(6) if "name" in font else None
    return name


@dataclass
class _FontFix:
    """Per-PDF-font state: corrected texts and the extra CIDs allocated for the ำ cluster."""

    font: Any  # the Type0 font dictionary
    texts: dict[int, str]
    used: set[int] = field(default_factory=set)
    next_cid: int = 0
    extra: dict[tuple[int, str], int] = field(default_factory=dict)  # (gid, text) -> new cid

    def alias(self, gid: int, text: str) -> int:
        key = (gid, text)
        if key not in self.extra:
            self.extra[key] = self.next_cid
            self.next_cid += 1
        return self.extra[key]


@dataclass(frozen=True)
class _Space:
    """A number in a TJ array (spacing), kept in place between glyph codes."""

    value: Any


def _glyph_items(operator: str, operands: list[Any]) -> list[int | _Space]:
    """A Tj/TJ operand list flattened to one item per glyph code (int) or spacing number."""
    parts = list(operands[0]) if operator == "TJ" else [operands[0]]
    items: list[int | _Space] = []
    for part in parts:
        if isinstance(part, pikepdf.String):
            raw = bytes(part)
            items.extend(int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2))
        else:
            items.append(_Space(part))
    return items


def _show(items: list[int | _Space]) -> Any:
    """A TJ instruction for glyph codes and numbers, consecutive glyphs in one string."""
    array: list[Any] = []
    run = bytearray()
    for item in items:
        if isinstance(item, int):
            run += item.to_bytes(2, "big")
            continue
        if run:
            array.append(pikepdf.String(bytes(run)))
            run = bytearray()
        array.append(item.value)
    if run:
        array.append(pikepdf.String(bytes(run)))
    return pikepdf.ContentStreamInstruction([pikepdf.Array(array)], pikepdf.Operator("TJ"))


def _fix_stream(instructions: list[Any], fixes: Mapping[str, _FontFix]) -> tuple[list[Any], int]:
    """Re-code each ำ cluster's glyphs (see module doc) and wrap the cluster in a marked-content
    span whose /ActualText is the cluster's text: PDFium (Chrome) and poppler read that, and
    PDFium would otherwise print the raw code of a glyph whose ToUnicode text is empty."""
    current: _FontFix | None = None
    items_at: dict[int, list[int | _Space]] = {}  # instruction index -> glyphs and spacing
    pending: list[tuple[int, int]] = []  # (instruction index, item index) since a nikhahit
    starts: dict[tuple[int, int], str] = {}  # cluster start -> ActualText
    ends: set[tuple[int, int]] = set()
    fixed = 0
    for position, instruction in enumerate(instructions):
        operator = str(instruction.operator)
        if operator == "Tf":
            current = fixes.get(str(instruction.operands[0]))
            pending = []
        elif operator in ("Tm", "BT", "ET", "T*", "Td", "TD", "'", '"'):
            pending = []
        elif operator in ("Tj", "TJ") and current is not None:
            items = items_at[position] = _glyph_items(operator, list(instruction.operands))
            for index, gid in enumerate(items):
                if not isinstance(gid, int):
                    continue  # spacing numbers do not break a cluster
                current.used.add(gid)
                text = current.texts.get(gid, "")
                if text.startswith(NIKHAHIT):
                    pending = [(position, index)]
                elif pending and text in TONES:
                    pending.append((position, index))
                elif pending and text == SARA_AA:
                    first_pos, first_index = pending[0]
                    first_gid = items_at[first_pos][first_index]
                    assert isinstance(first_gid, int)
                    tones = current.texts[first_gid][1:] + "".join(
                        current.texts[g]
                        for p, i in pending[1:]
                        if isinstance(g := items_at[p][i], int)
                    )
                    items_at[first_pos][first_index] = current.alias(first_gid, tones)
                    items[index] = current.alias(gid, SARA_AM)
                    starts[pending[0]] = tones + SARA_AM
                    ends.add((position, index))
                    fixed += 1
                    pending = []
                else:
                    pending = []
    if not fixed:
        return instructions, 0
    out: list[Any] = []
    for position, instruction in enumerate(instructions):
        if position not in items_at:
            out.append(instruction)
            continue
        items = items_at[position]
        if not any((position, i) in starts or (position, i) in ends for i in range(len(items))):
            out.append(_show(items))
            continue
        chunk: list[int | _Space] = []
        for index, item in enumerate(items):
            if (position, index) in starts:
                if chunk:
                    out.append(_show(chunk))
                chunk = []
                actual = pikepdf.Dictionary(ActualText=pikepdf.String(starts[(position, index)]))
                out.append(
                    pikepdf.ContentStreamInstruction(
                        [pikepdf.Name.Span, actual], pikepdf.Operator("BDC")
                    )
                )
            chunk.append(item)
            if (position, index) in ends:
                out.append(_show(chunk))
                out.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")))
                chunk = []
        if chunk:
            out.append(_show(chunk))
    return out, fixed


def _walk_streams(pdf: pikepdf.Pdf) -> Iterator[tuple[Any, Any]]:
    """Each content stream owner (page or form XObject) with its resources, once."""
    seen: set[tuple[int, int]] = set()
    todo: list[pikepdf.Object] = [page.obj for page in pdf.pages]
    while todo:
        owner = todo.pop()
        if owner.is_indirect:
            if owner.objgen in seen:
                continue
            seen.add(owner.objgen)
        resources = owner.get("/Resources", pikepdf.Dictionary())
        yield owner, resources
        for xobject in resources.get("/XObject", pikepdf.Dictionary()).values():
            if xobject.get("/Subtype") == "/Form":
                todo.append(xobject)


def _write_cmap(texts: Mapping[int, str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <ffff>",
        "endcodespacerange",
    ]
    items = sorted(texts.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar")
        lines.extend(f"<{cid:04x}> <{text.encode('utf-16-be').hex()}>" for cid, text in batch)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def _trust_font_text(weasy: str | None, font: str) -> bool:
    """Whether the font's own text for a glyph should replace WeasyPrint's.

    Yes when WeasyPrint's is empty or a whole cluster (its first-use bug), or Thai. No when it
    is one other character: that is also how WeasyPrint records a character no font had, drawn
    with a borrowed "unused" glyph id whose font name would be wrong."""
    return not weasy or len(weasy) != 1 or "\u0e00" <= weasy <= "\u0e7f" or weasy == font


def _finish_font(pdf: pikepdf.Pdf, fix: _FontFix) -> None:
    cid_font = fix.font.DescendantFonts[0]
    # Glyphs the font cannot name keep WeasyPrint's own mapping.
    old = _read_cmap(fix.font.ToUnicode.read_bytes()) if "/ToUnicode" in fix.font else {}
    texts = {
        gid: fix.texts[gid]
        for gid in fix.used
        if gid in fix.texts and _trust_font_text(old.get(gid), fix.texts[gid])
    }
    if fix.extra:
        n_glyphs = fix.next_cid - len(fix.extra)
        gid_map = bytearray()
        for cid in range(n_glyphs):
            gid_map += cid.to_bytes(2, "big")
        widths = _widths(cid_font)
        extra_w: list[Any] = []
        for (gid, text), cid in sorted(fix.extra.items(), key=lambda item: item[1]):
            gid_map += gid.to_bytes(2, "big")
            texts[cid] = text
            extra_w += [cid, pikepdf.Array([widths.get(gid, 0)])]
        cid_font.CIDToGIDMap = pikepdf.Stream(pdf, bytes(gid_map))
        cid_font.W = pikepdf.Array(list(cid_font.get("/W", pikepdf.Array())) + extra_w)
    fix.font.ToUnicode = pikepdf.Stream(pdf, _write_cmap({**old, **texts}))


def _widths(cid_font: Any) -> dict[int, int]:
    widths: dict[int, int] = {}
    items = list(cid_font.get("/W", pikepdf.Array()))
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for k, w in enumerate(items[i + 1]):
                widths[first + k] = int(w)
            i += 2
        else:
            for cid in range(first, int(items[i + 1]) + 1):
                widths[cid] = int(items[i + 2])
            i += 3
    return widths


def _read_cmap(data: bytes) -> dict[int, str]:
    """The bfchar entries of a ToUnicode CMap as WeasyPrint writes them (one per line)."""
    result: dict[int, str] = {}
    for line in data.decode("latin-1").splitlines():
        parts = line.strip().split()
        if len(parts) == 2 and parts[0].startswith("<") and parts[1].startswith("<"):
            src, dst = parts[0].strip("<>"), parts[1].strip("<>")
            try:
                result[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
            except ValueError:
                continue
    return result


def repair_thai_text(pdf: pikepdf.Pdf, font_files: Mapping[str, Path]) -> int:
    """Fix the text layer of every Type0 font whose PostScript name is in `font_files`
    (PostScript name -> the full TTF it was subset from). Returns the number of ำ repaired."""
    cache: dict[str, dict[int, str]] = {}
    fixes_by_obj: dict[tuple[int, int], _FontFix] = {}
    total = 0
    for owner, resources in _walk_streams(pdf):
        fixes: dict[str, _FontFix] = {}
        for res_name, font in resources.get("/Font", pikepdf.Dictionary()).items():
            if font.get("/Subtype") != "/Type0":
                continue
            fix = fixes_by_obj.get(font.objgen)
            if fix is None:
                descriptor = font.DescendantFonts[0].FontDescriptor
                embedded = descriptor.get("/FontFile2")
                ps_name = postscript_name(embedded.read_bytes()) if embedded else None
                if embedded is None or ps_name is None or ps_name not in font_files:
                    continue
                if ps_name not in cache:
                    cache[ps_name] = font_file_texts(font_files[ps_name])
                n_glyphs = TTFont(io.BytesIO(embedded.read_bytes()), lazy=True)["maxp"].numGlyphs
                fix = fixes_by_obj[font.objgen] = _FontFix(font, cache[ps_name], next_cid=n_glyphs)
            fixes[str(res_name)] = fix
        if not fixes:
            continue
        instructions, fixed = _fix_stream(pikepdf.parse_content_stream(owner), fixes)
        if fixed:
            total += fixed
            data = pikepdf.unparse_content_stream(instructions)
            if isinstance(owner, pikepdf.Stream):
                owner.write(data)
            else:
                pikepdf.Page(owner).contents_coalesce()
                owner.Contents.write(data)
    for fix in fixes_by_obj.values():
        _finish_font(pdf, fix)
    return total

"""The national dashboard's map: each province's shape coloured by its completion rate.

Pure: geometry comes from the vendored CC BY 4.0 file
`static/vendor/svg-maps-thailand/thailand.json` (see SOURCE.md there), figures from
`figures_by(..., "province")`; the template draws the SVG.
Only `province_names` reads the database.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import re
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select

from ...db import session
from ...models import Province
from ...resources import DATA, STATIC
from .figures import Figures

MAP_FILE = STATIC / "vendor" / "svg-maps-thailand" / "thailand.json"

# The package's ids (ISO-like, see SOURCE.md) -> our two-digit province codes, by hand: the
# package spells some names differently ("Buriram", "Phangnga"), so names are never matched.
SVG_TO_CODE: dict[str, str] = {
    "bkk": "10",  # Bangkok
    "spk": "11",  # Samut Prakan
    "nbi": "12",  # Nonthaburi
    "pte": "13",  # Pathum Thani
    "aya": "14",  # Phra Nakhon Si Ayutthaya
    "atg": "15",  # Ang Thong
    "lri": "16",  # Lop Buri
    "sbr": "17",  # Sing Buri
    "cnt": "18",  # Chai Nat
    "sri": "19",  # Saraburi
    "cbi": "20",  # Chon Buri
    "ryg": "21",  # Rayong
    "cti": "22",  # Chanthaburi
    "trt": "23",  # Trat
    "cco": "24",  # Chachoengsao
    "pri": "25",  # Prachin Buri
    "nyk": "26",  # Nakhon Nayok
    "skw": "27",  # Sa Kaeo
    "nma": "30",  # Nakhon Ratchasima
    "brm": "31",  # Buriram = Buri Ram
    "srn": "32",  # Surin
    "ssk": "33",  # Si Sa Ket
    "ubn": "34",  # Ubon Ratchathani
    "yst": "35",  # Yasothon
    "cpm": "36",  # Chaiyaphum
    "acr": "37",  # Amnat Charoen
    "bkn": "38",  # Bueng Kan
    "nbp": "39",  # Nong Bua Lam Phu
    "kkn": "40",  # Khon Kaen
    "udn": "41",  # Udon Thani
    "lei": "42",  # Loei
    "nki": "43",  # Nong Khai
    "mkm": "44",  # Maha Sarakham
    "ret": "45",  # Roi Et
    "ksn": "46",  # Kalasin
    "snk": "47",  # Sakon Nakhon
    "npm": "48",  # Nakhon Phanom
    "mdh": "49",  # Mukdahan
    "cmi": "50",  # Chiang Mai
    "lpn": "51",  # Lamphun
    "lpg": "52",  # Lampang
    "utd": "53",  # Uttaradit
    "pre": "54",  # Phrae
    "nan": "55",  # Nan
    "pyo": "56",  # Phayao
    "cri": "57",  # Chiang Rai
    "msn": "58",  # Mae Hong Son
    "nsn": "60",  # Nakhon Sawan
    "uti": "61",  # Uthai Thani
    "kpt": "62",  # Kamphaeng Phet
    "tak": "63",  # Tak
    "sti": "64",  # Sukhothai
    "plk": "65",  # Phitsanulok
    "pct": "66",  # Phichit
    "pnb": "67",  # Phetchabun
    "rbr": "70",  # Ratchaburi
    "kri": "71",  # Kanchanaburi
    "spb": "72",  # Suphan Buri
    "npt": "73",  # Nakhon Pathom
    "skn": "74",  # Samut Sakhon
    "skm": "75",  # Samut Songkhram
    "pbi": "76",  # Phetchaburi
    "pkn": "77",  # Prachuap Khiri Khan
    "nrt": "80",  # Nakhon Si Thammarat
    "kbi": "81",  # Krabi
    "pna": "82",  # Phangnga = Phang Nga
    "pkt": "83",  # Phuket
    "sni": "84",  # Surat Thani
    "rng": "85",  # Ranong
    "cpn": "86",  # Chumphon
    "ska": "90",  # Songkhla
    "stn": "91",  # Satun
    "trg": "92",  # Trang
    "plg": "93",  # Phatthalung
    "ptn": "94",  # Pattani
    "yla": "95",  # Yala
    "nwt": "96",  # Narathiwat
}
# Shapes that are not provinces: drawn as water, never coloured or linked.
WATER = frozenset({"lksg"})  # Songkhla Lake (Thale Sap Songkhla)

# Upper bounds of the first four steps; the fifth runs to 100%. A rate on a bound belongs to the
# step above it (20% is step 2). Step classes: map-1 (lightest) .. map-5; no enrolments: map-none.
BOUNDS = (0.2, 0.4, 0.6, 0.8)
NONE_CLASS = "map-none"


@dataclass(frozen=True)
class Step:
    """A legend entry: a colour class and the rates it covers, [low, high) (high None: to 100%)."""

    css_class: str
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str
    css_class: str
    rate: float | None  # completions / enrolments; None when nobody enrolled
    enrolments: int
    completions: int
    linked: bool  # the province has a dashboard page the reader may open


@dataclass(frozen=True)
class ProvinceMap:
    view_box: str
    shapes: tuple[Shape, ...]
    water: tuple[str, ...]  # paths
    steps: tuple[Step, ...]


STEPS = (Step("map-1", 0.0, 0.2), Step("map-2", 0.2, 0.4), Step("map-3", 0.4, 0.6),
         Step("map-4", 0.6, 0.8), Step("map-5", 0.8, None))


def colour_class(rate: float | None) -> str:
    """The colour class of a completion rate: map-1 .. map-5, or map-none when nobody enrolled."""
    if rate is None:
        return NONE_CLASS
    return f"map-{bisect.bisect_right(BOUNDS, rate) + 1}"


@cache
def geometry() -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """(viewBox, ((svg id, package name, path), ...)) from the vendored file, read once."""
    data = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    return data["viewBox"], tuple((loc["id"], loc["name"], loc["path"])
                                  for loc in data["locations"])


def _tenths(value: int) -> str:
    return f"{value / 10:.1f}".removesuffix(".0")


def compact_path(d: str) -> str:
    """A path of the vendored file (only relative `m` with implicit line-tos, and `z`) with its
    points on a 0.1 grid: about a fifth smaller, invisible at any size the page draws (the
    viewBox is 560 wide). Each point is rounded where it really is, not step by step, so
    rounding never adds up along a border; steps that round to nothing are left out."""
    tokens = re.findall(r"[mMzZ]|-?(?:\d+\.?\d*|\.\d+)(?:[eE]-?\d+)?", d)
    out: list[str] = []
    x = y = 0.0  # where the pen really is
    start = (0.0, 0.0)
    shown = (0, 0)  # where the output has put it, in tenths
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in "zZ":
            out.append("z")
            x, y = start
            shown = (round(x * 10), round(y * 10))
            i += 1
            continue
        if token not in "mM":
            raise ValueError(f"unexpected path command {token!r}")
        i += 1
        first = True
        out.append("m")
        while i + 1 < len(tokens) and tokens[i] not in "mMzZ":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            x, y = (dx, dy) if token == "M" else (x + dx, y + dy)
            point = (round(x * 10), round(y * 10))
            step = (point[0] - shown[0], point[1] - shown[1])
            if first or step != (0, 0):
                out.append(f"{_tenths(step[0])},{_tenths(step[1])}")
            if first:
                start = (x, y)
            shown, first = point, False
            i += 2
    return " ".join(out)


@cache
def shapes_svg() -> bytes:
    """The shapes as one SVG file, each province a `<path id="p<code>">` (water: `id="water"`),
    with no fill of its own: the dashboard draws `<use href="…#p50" class="map-4">` so the page
    carries a few KB of colours and links, and the 175 KB of geometry is one file the browser
    keeps (served under its content hash, web/views/dashboard.py)."""
    view_box, locations = geometry()
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view_box}">']
    for svg_id, _, path in locations:
        ident = "water" if svg_id in WATER else f"p{SVG_TO_CODE[svg_id]}"
        parts.append(f'<path id="{ident}" vector-effect="non-scaling-stroke" '
                     f'd="{compact_path(path)}"/>')
    parts.append("</svg>\n")
    return "\n".join(parts).encode("utf-8")


@cache
def shapes_version() -> str:
    return hashlib.sha256(shapes_svg()).hexdigest()[:12]


@cache
def reference_names() -> dict[str, tuple[str, str]]:
    """code -> (name_th, name_en) from the shipped reference list (data/provinces.csv)."""
    with (DATA / "provinces.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {row["code"]: (row["name_th"], row["name_en"]) for row in csv.DictReader(fh)}


def province_names(lang: str) -> dict[str, str]:
    """code -> name in `lang` for the provinces in the database (the ones with a page)."""
    return {code: (en if lang == "en" else th) for code, th, en in session.execute(
        select(Province.code, Province.name_th, Province.name_en))}


def build(found: Mapping[Hashable, Figures], names: Mapping[str, str], lang: str = "th",
          linked: Collection[str] | None = None) -> ProvinceMap:
    """The shapes to draw. `found`: {province code: Figures} for the reader's scope (provinces
    missing from it had no enrolment); `names`: code -> localised name (from the database; the
    reference list fills any gap); `linked`: codes to link (default: those in `names`)."""
    view_box, locations = geometry()
    linked = set(names) if linked is None else set(linked)
    shapes, water = [], []
    for svg_id, _, path in locations:
        if svg_id in WATER:
            water.append(path)
            continue
        code = SVG_TO_CODE[svg_id]
        figures = found.get(code)
        rate = figures.completion_rate if figures is not None else None
        th, en = reference_names().get(code, (code, code))
        shapes.append(Shape(code=code, name=names.get(code) or (en if lang == "en" else th),
                            path=path, css_class=colour_class(rate), rate=rate,
                            enrolments=figures.enrolments if figures else 0,
                            completions=figures.completions if figures else 0,
                            linked=code in linked))
    return ProvinceMap(view_box, tuple(shapes), tuple(water), STEPS)

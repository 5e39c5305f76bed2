"""The bundled reference data: provinces and the sample organisation register."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from importlib.resources import files

import pytest

TYPES = {
    "pao",
    "city_municipality",
    "town_municipality",
    "subdistrict_municipality",
    "sao",
    "bma",
    "pattaya",
    "dla_office",
}
REGIONS = {"north", "northeast", "central", "east", "west", "south"}
THAI = re.compile("[\u0e00-\u0e7f]")


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    raw = files("ldptrain.data").joinpath(name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} must not start with a BOM"
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def provinces() -> list[dict[str, str]]:
    header, rows = _read("provinces.csv")
    assert header == ["code", "name_th", "name_en", "region"]
    return rows


@pytest.fixture(scope="module")
def organisations() -> list[dict[str, str]]:
    header, rows = _read("sample_organisations.csv")
    assert header == [
        "code",
        "name_th",
        "name_en",
        "type",
        "province_code",
        "district_th",
        "district_en",
        "parent_code",
    ]
    return rows


def test_76_provinces_plus_bangkok(provinces: list[dict[str, str]]) -> None:
    assert len(provinces) == 77
    codes = [p["code"] for p in provinces]
    assert len(set(codes)) == 77
    assert all(re.fullmatch(r"[1-9]\d", c) for c in codes)


def test_province_names_unique_and_nfc(provinces: list[dict[str, str]]) -> None:
    th = [p["name_th"] for p in provinces]
    en = [p["name_en"] for p in provinces]
    assert len(set(th)) == 77
    assert len(set(en)) == 77
    for name in th:
        assert THAI.search(name), name
        assert unicodedata.normalize("NFC", name) == name
        assert name == name.strip() and not name.startswith("จังหวัด")
    for name in en:
        assert name.isascii() and name == name.strip(), name


@pytest.mark.parametrize(
    ("code", "name_th", "name_en", "region"),
    [
        ("10", "กรุงเทพมหานคร", "Bangkok", "central"),
        ("11", "สมุทรปราการ", "Samut Prakan", "central"),
        ("14", "พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya", "central"),
        ("20", "ชลบุรี", "Chon Buri", "east"),
        ("38", "บึงกาฬ", "Bueng Kan", "northeast"),
        ("40", "ขอนแก่น", "Khon Kaen", "northeast"),
        ("50", "เชียงใหม่", "Chiang Mai", "north"),
        ("63", "ตาก", "Tak", "west"),
        ("81", "กระบี่", "Krabi", "south"),
        ("96", "นราธิวาส", "Narathiwat", "south"),
    ],
)
def test_known_province_codes(
    provinces: list[dict[str, str]], code: str, name_th: str, name_en: str, region: str
) -> None:
    by_code = {p["code"]: p for p in provinces}
    assert by_code[code] == {"code": code, "name_th": name_th, "name_en": name_en, "region": region}


def test_regions_follow_the_six_region_grouping(provinces: list[dict[str, str]]) -> None:
    counts: dict[str, int] = {}
    for p in provinces:
        assert p["region"] in REGIONS
        counts[p["region"]] = counts.get(p["region"], 0) + 1
    assert counts == {"north": 9, "northeast": 20, "central": 22, "east": 7, "west": 5, "south": 14}


def test_sample_organisations_are_well_formed(
    organisations: list[dict[str, str]], provinces: list[dict[str, str]]
) -> None:
    province_codes = {p["code"] for p in provinces}
    assert 40 <= len(organisations) <= 60
    codes = [o["code"] for o in organisations]
    assert len(set(codes)) == len(codes)
    for o in organisations:
        assert o["type"] in TYPES, o
        assert o["province_code"] in province_codes, o
        for key in ("name_th", "district_th"):
            assert unicodedata.normalize("NFC", o[key]) == o[key], o
        assert THAI.search(o["name_th"]) and o["name_en"].isascii(), o


def test_every_type_present_in_several_regions(
    organisations: list[dict[str, str]], provinces: list[dict[str, str]]
) -> None:
    region_of = {p["code"]: p["region"] for p in provinces}
    assert {o["type"] for o in organisations} == TYPES
    assert len({o["province_code"] for o in organisations}) >= 6
    assert {region_of[o["province_code"]] for o in organisations} == REGIONS


def test_parent_codes_exist(organisations: list[dict[str, str]]) -> None:
    codes = {o["code"] for o in organisations}
    parents = [o for o in organisations if o["parent_code"]]
    assert parents, "provincial DLA offices should point at the head office"
    for o in parents:
        assert o["parent_code"] in codes and o["parent_code"] != o["code"], o


def test_lao_codes_follow_the_documented_pattern(organisations: list[dict[str, str]]) -> None:
    type_digit = {
        "pao": "2",
        "city_municipality": "3",
        "town_municipality": "4",
        "subdistrict_municipality": "5",
        "sao": "6",
        "pattaya": "7",
    }
    for o in organisations:
        if o["type"] == "dla_office":
            assert o["code"] == f"DLA-{o['province_code']}" or o["code"] == "DLA-00", o
        elif o["type"] == "bma":
            assert (o["code"], o["province_code"]) == ("BMA-10", "10")
        else:
            # type digit + province + district + running number (README: illustrative)
            assert re.fullmatch(r"\d{7}", o["code"]), o
            assert o["code"][0] == type_digit[o["type"]], o
            assert o["code"][1:3] == o["province_code"], o

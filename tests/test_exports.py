"""Exports: the same rows and numbers as the screen, Thai intact through csv and openpyxl,
streamed rather than built in memory."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from flask import Flask

from ldptrain.access import Scope
from ldptrain.db import get_session
from ldptrain.services import exports, reports
from ldptrain.thai import MONTHS_TH_SHORT

from . import report_fixtures
from .test_dashboard_pages import login


@pytest.fixture
def setup(any_app: Flask):  # type: ignore[no-untyped-def]
    world = report_fixtures.build()
    report_fixtures.staff(world)
    get_session().commit()
    client = any_app.test_client()
    prefix = any_app.extensions["ldptrain"].url_prefix
    login(client, prefix, "admin@example.org")
    return any_app, world, client, prefix


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())  # the BOM Excel needs for Thai
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_and_xlsx_carry_thai_and_the_screen_numbers(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, client, prefix = setup
    got = client.get(f"{prefix}/dashboard/export/organisations.csv?province=50")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert "attachment" in got.headers["Content-Disposition"]
    rows = _csv(got.data)
    header, body = rows[0], rows[1:]
    by_name = {r[header.index(header[1])]: r for r in body}
    assert set(by_name) == {"เทศบาลตำบลหนึ่ง", "องค์การบริหารส่วนตำบลสอง"}
    screen = reports.organisation_table(Scope(country=True), reports.Filters(province_code="50"))
    for row in screen.rows:
        line = by_name[row["name"]]
        assert line[header.index(str(screen.columns[4].label))] == str(row["trainees_enrolled"])

    xlsx = client.get(f"{prefix}/dashboard/export/organisations.xlsx?province=50")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data), read_only=True)
    values = list(book.active.iter_rows(values_only=True))
    assert [[_same(v) for v in r] for r in values] == [[_same(v) for v in r] for r in rows]


def _same(value: object) -> object:
    """Cells compared by meaning: 50, 50.0 and "50.0" are one number, None and "" one blank."""
    if value is None or value == "":
        return ""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def test_trainee_export_streams_every_row_with_thai_names(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, client, prefix = setup
    got = client.get(f"{prefix}/dashboard/export/trainees.csv?sort=name")
    assert got.is_streamed
    rows = _csv(got.data)
    assert len(rows) == 1 + 5
    names = [r[0] for r in rows[1:]]
    assert names == sorted(names) and "ผู้เรียน ห้า" in names
    xlsx = client.get(f"{prefix}/dashboard/export/trainees.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 6
    assert {sheet.cell(row=r, column=1).value for r in range(2, 7)} == set(names)


def test_export_values_are_rounded_like_the_screen(app: Flask) -> None:
    table = reports.ReportTable("t", "t", [reports.Column("rate", "Rate", "pct"),
                                           reports.Column("name", "Name", "text")],
                                [{"rate": 0.60049, "name": "ตำบล\u0e33"}])
    text = "".join(exports.csv_chunks(table))
    assert text.splitlines()[1] == "60.0,ตำบล\u0e33"


def test_exports_are_scoped_like_the_pages(any_app: Flask) -> None:
    world = report_fixtures.build()
    report_fixtures.staff(world)
    get_session().commit()
    prefix = any_app.extensions["ldptrain"].url_prefix
    client = any_app.test_client()
    login(client, prefix, "coord@example.org")
    mine = _csv(client.get(f"{prefix}/dashboard/export/trainees.csv").data)
    assert {r[2] for r in mine[1:]} == {"เทศบาลตำบลหนึ่ง"}
    other = client.get(f"{prefix}/dashboard/export/trainees.csv?organisation={world.b.id}")
    assert other.status_code == 404
    assert client.get(f"{prefix}/dashboard/export/provinces.csv?province=57").status_code == 404


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+66 81 234 5678", "-1+2",
            "@SUM(A1:A9)", "\tTAB", "\rCR"]


def test_formula_like_text_is_neutralised_and_numbers_and_dates_stay_typed(setup) -> None:  # type: ignore[no-untyped-def]
    """A trainee's name or position, or an organisation's name, that starts like a formula is
    text in both formats (OWASP CSV injection); numbers and dates keep their types."""
    app, world, client, prefix = setup
    world.a.name_th = FORMULAS[0]
    for key, evil in zip(("u1", "u2", "u3", "u5", "u6"), FORMULAS[1:], strict=True):
        world.users[key].name_th = evil
    get_session().commit()
    text = client.get(f"{prefix}/dashboard/export/trainees.csv").data.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    for evil in FORMULAS:
        assert "'" + evil in cells, evil
        assert evil not in cells  # never the raw formula
    orgs = _csv(client.get(f"{prefix}/dashboard/export/organisations.csv").data)
    assert "'" + FORMULAS[0] in [c for r in orgs for c in r]

    book = openpyxl.load_workbook(io.BytesIO(
        client.get(f"{prefix}/dashboard/export/trainees.xlsx").data))
    sheet = book.active
    found = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    for evil in FORMULAS:
        assert evil in found, evil
        assert found[evil].data_type == "s" and found[evil].quotePrefix
    typed = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None
             and not isinstance(c.value, str)]
    assert any(c.data_type == "n" for c in typed) and any(c.is_date for c in typed)


def test_negative_numbers_written_as_text_stay_numbers(app: Flask) -> None:
    table = reports.ReportTable("t", "t", [reports.Column("name", "Name", "text"),
                                           reports.Column("d", "D", "score")],
                                [{"name": "-0.250", "d": -1.25}, {"name": "=1+1", "d": 2}])
    lines = "".join(exports.csv_chunks(table)).splitlines()
    assert lines[1:] == ["-0.250,-1.2", "'=1+1,2.0"]

THAI_MONTH = "(" + "|".join(re.escape(m) for m in MONTHS_TH_SHORT) + r") 25\d\d"


def test_thai_exports_have_buddhist_era_months_and_thai_statuses(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, client, prefix = setup
    months = _csv(client.get(f"{prefix}/dashboard/export/monthly.csv").data)
    assert months[0][:2] == ["เดือน", "ปีงบประมาณ"]
    assert months[1:] and all(re.fullmatch(THAI_MONTH, r[0]) for r in months[1:]), months
    # Fiscal years are B.E. and October starts the next one.
    for label, fiscal in ((r[0], int(r[1])) for r in months[1:]):
        be = int(label[-4:])
        assert fiscal == be + (label.startswith(("ต.ค.", "พ.ย.", "ธ.ค.")))
    trainees = _csv(client.get(f"{prefix}/dashboard/export/trainees.csv").data)
    status = trainees[0].index("สถานะ")
    assert {r[status] for r in trainees[1:]} <= {"เรียนจบแล้ว", "อยู่ระหว่างดำเนินการ",
                                                 "ออกจากหลักสูตรแล้ว"}
    assert "เรียนจบแล้ว" in {r[status] for r in trainees[1:]}
    page = client.get(f"{prefix}/dashboard/").get_data(as_text=True)
    assert re.search(THAI_MONTH, page) and not re.search(r">\s*20\d\d-\d\d\s*<", page)


def test_xlsx_keeps_the_header_in_view_with_a_filter(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, client, prefix = setup
    xlsx = client.get(f"{prefix}/dashboard/export/trainees.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.freeze_panes == "A2"
    last = openpyxl.utils.get_column_letter(sheet.max_column)
    assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}"

"""The dashboard pages: drill-down country -> province -> organisation -> trainee, sorting without
JavaScript, both views labelled, and the page's numbers equal to the service's."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldptrain.db import get_session
from ldptrain.i18n import gettext

from . import report_fixtures
from .conftest import csrf_token
from .factories import PASSWORD


def login(client: FlaskClient, prefix: str, email: str) -> None:
    token = csrf_token(client, f"{prefix}/login")
    done = client.post(f"{prefix}/login", data={
        "csrf_token": token, "email": email, "password": PASSWORD})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]


@pytest.fixture
def setup(any_app: Flask):  # type: ignore[no-untyped-def]
    world = report_fixtures.build()
    people = report_fixtures.staff(world)
    get_session().commit()
    return any_app, world, people, any_app.extensions["ldptrain"].url_prefix


def _t(app: Flask, text: str, **values: object) -> str:
    """A UI string as the page shows it (Thai, the default language)."""
    with app.test_request_context():
        return gettext(text, **values)


def _cell(html: str, key: str, row_text: str) -> str:
    """The text of the `key` cell in the table row that contains `row_text`."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        if row_text in row:
            found = re.search(rf'data-key="{key}" data-value="[^"]*"[^>]*>(.*?)</t[dh]>', row,
                              re.S)
            assert found, f"no {key} in row {row_text}"
            return re.sub(r"<[^>]+>", "", found.group(1)).strip()
    raise AssertionError(f"no row with {row_text}")


def test_drill_down_country_province_organisation_trainee(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "admin@example.org")
    country = client.get(f"{prefix}/dashboard/")
    html = country.get_data(as_text=True)
    assert country.status_code == 200
    assert _t(app, "Attribution view.") in html
    assert _cell(html, "trainees_completed", "เชียงใหม่") == "2"
    assert _cell(html, "median_days", "เชียงใหม่") == "15.0"
    assert f'href="{prefix}/dashboard/province/50"' in html
    assert "chart.umd.min.js" in html and 'data-chart="tbl-provinces"' in html

    province = client.get(f"{prefix}/dashboard/province/57").get_data(as_text=True)
    assert "องค์การบริหารส่วนตำบลสาม" in province and "เทศบาลเมืองสี่" in province
    assert _t(app, "Organisations with no trainee enrolled: %(n)s", n=1) in province
    assert f'href="{prefix}/dashboard/organisation/{world.c.id}"' in province

    org = client.get(f"{prefix}/dashboard/organisation/{world.a.id}").get_data(as_text=True)
    assert "ผู้เรียน หนึ่ง" in org and "ผู้เรียน สาม" not in org
    trainee_link = f'{prefix}/dashboard/trainee/{world.users["u1"].id}'
    assert trainee_link in org

    person = client.get(trainee_link).get_data(as_text=True)
    assert _t(app, "Module progress") in person and _t(app, "Assessment attempts") in person
    assert "หลักสูตรเค" in person


def test_current_staff_view_is_named_and_moves_the_transferred_trainee(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "admin@example.org")
    page = client.get(f"{prefix}/dashboard/province/50?view=staff").get_data(as_text=True)
    assert _t(app, "Current staff view.") in page
    assert _t(app, "Attribution view.") not in page
    assert _cell(page, "trainees_completed", "เทศบาลตำบลหนึ่ง") == "2"
    attributed = client.get(f"{prefix}/dashboard/province/50").get_data(as_text=True)
    assert _cell(attributed, "trainees_completed", "เทศบาลตำบลหนึ่ง") == "1"


def test_server_side_sort_works_without_javascript(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "admin@example.org")
    url = f"{prefix}/dashboard/province/50?table=organisations&sort=trainees_enrolled&dir="
    ascending = client.get(url + "asc").get_data(as_text=True)
    descending = client.get(url + "desc").get_data(as_text=True)
    first_asc = ascending.index("องค์การบริหารส่วนตำบลสอง") < ascending.index("เทศบาลตำบลหนึ่ง")
    first_desc = descending.index("เทศบาลตำบลหนึ่ง") < descending.index("องค์การบริหารส่วนตำบลสอง")
    assert first_asc and first_desc
    assert 'aria-sort="descending"' in descending


def test_readers_land_on_their_own_area(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "coord@example.org")
    landing = client.get(f"{prefix}/dashboard/?course=course-k")
    assert landing.status_code == 302
    assert landing.headers["Location"].endswith(
        f"/dashboard/organisation/{world.a.id}?course=course-k")


def test_provincial_officer_lands_on_the_province(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "officer@example.org")
    assert client.get(f"{prefix}/dashboard/").headers["Location"].endswith(
        "/dashboard/province/57")


def test_bad_filters_are_a_clear_400_not_a_500(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "admin@example.org")
    assert client.get(f"{prefix}/dashboard/?course=nope").status_code == 400
    assert client.get(f"{prefix}/dashboard/?view=other").status_code == 400
    assert client.get(f"{prefix}/dashboard/province/99").status_code == 404
    assert client.get(f"{prefix}/dashboard/table/nope").status_code == 404
    assert client.get(f"{prefix}/dashboard/table/trainees?page=x").status_code == 200


def test_month_by_month_for_a_thai_fiscal_year(setup) -> None:  # type: ignore[no-untyped-def]
    app, world, people, prefix = setup
    client = app.test_client()
    login(client, prefix, "admin@example.org")
    assert client.get(f"{prefix}/dashboard/?period=2026-12").status_code == 400
    page = client.get(f"{prefix}/dashboard/").get_data(as_text=True)
    assert "ปีงบประมาณ 2570 (ต.ค. ถึง ก.ย.)" in page  # offered beside calendar years
    assert "ปีปฏิทิน พ.ศ. 2569" in page
    fy = client.get(f"{prefix}/dashboard/?period=fy2570").get_data(as_text=True)
    assert '<option value="fy2570" selected>' in fy
    # Only October 2569 onwards; the export link keeps the period.
    assert "ก.ย. 2569" not in fy and "period=fy2570" in fy

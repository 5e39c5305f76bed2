"""No role reads outside its scope by any route: every dashboard, export, API and token route in
the app's url_map is requested by each role, with its own and other organisations' ids, and no
response may contain a name from outside the reader's scope."""

from __future__ import annotations

import io
import itertools
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldptrain.db import get_session
from ldptrain.services import api_tokens, reports

from . import report_fixtures
from .test_dashboard_pages import login

MINE = ("ldptrain.dashboard.", "ldptrain.api.", "ldptrain.api_tokens.")

# Names a reader must never see. The coordinator of A legitimately sees u5, who works at A today,
# with the enrolment made at C (current staff view), so C's name is not on their list.
FORBIDDEN = {
    "coordinator": ["ผู้เรียน สาม", "ผู้เรียน สี่", "ผู้เรียน หก", "เจ้าหน้าที่ เจ็ด",
                    "องค์การบริหารส่วนตำบลสอง", "เทศบาลเมืองสี่"],
    "officer": ["ผู้เรียน หนึ่ง", "ผู้เรียน สอง", "ผู้เรียน สาม", "เจ้าหน้าที่ เจ็ด",
                "เทศบาลตำบลหนึ่ง", "องค์การบริหารส่วนตำบลสอง"],
    "trainer": ["ผู้เรียน", "เทศบาล", "องค์การบริหาร"],
    "trainee": ["ผู้เรียน สอง", "ผู้เรียน สาม", "เทศบาล", "องค์การบริหาร"],
}


def _text(response: Any) -> str:
    data = response.get_data()
    if data[:2] == b"PK":  # an XLSX workbook: read its cells
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets
                         for row in ws.iter_rows(values_only=True) for v in row if v)
    return data.decode("utf-8", "replace")


def _urls(app: Flask, world: report_fixtures.World) -> list[str]:
    """Every GET route of ours, with each kind of id: in and out of every reader's scope."""
    values = {
        "code": ["50", "57", "99"], "org_id": [world.a.id, world.b.id, world.c.id, world.d.id],
        "user_id": [u.id for u in world.users.values()], "name": list(reports.TABLES),
        "fmt": ["csv", "xlsx"], "attempt_id": [1, 2, 3, 2**31 - 1],
    }
    queries = ["", f"?organisation={world.b.id}", f"?organisation={world.c.id}",
               "?province=50", "?province=57", "?view=staff"]
    urls = []
    prefix = app.extensions["ldptrain"].url_prefix
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(MINE) or "GET" not in (rule.methods or ()):
            continue
        args = sorted(rule.arguments)
        for combo in itertools.product(*(values[a] for a in args)):
            path = rule.rule
            for name, value in zip(args, combo, strict=True):
                path = path.replace(f"<{name}>", str(value)).replace(
                    f"<int:{name}>", str(value))
            urls += [path + q for q in queries]
    assert any("/api/v1/" in u for u in urls) and any("/export/" in u for u in urls)
    return [u if u.startswith(prefix) else u for u in urls]


@pytest.fixture
def setup(any_app: Flask):  # type: ignore[no-untyped-def]
    world = report_fixtures.build()
    people = report_fixtures.staff(world)
    tokens = {who: api_tokens.create(person, "matrix")[1] for who, person in people.items()}
    get_session().commit()
    return any_app, world, people, tokens


@pytest.mark.parametrize("who", sorted(FORBIDDEN))
def test_no_route_reads_outside_the_scope(setup, who: str) -> None:  # type: ignore[no-untyped-def]
    app, world, people, tokens = setup
    client: FlaskClient = app.test_client()
    login(client, app.extensions["ldptrain"].url_prefix, people[who].email)
    headers = {"Authorization": f"Bearer {tokens[who]}"}
    checked = 0
    seen_ok: list[str] = []
    for url in _urls(app, world):
        response = client.get(url, headers=headers if "/api/v1/" in url else {})
        assert response.status_code in {200, 302, 400, 401, 403, 404}, (url, response.status_code)
        if response.status_code != 200:
            continue
        body = _text(response)
        leaked = [name for name in FORBIDDEN[who] if name in body]
        assert not leaked, (who, url, leaked)
        checked += 1
        seen_ok.append(url)
    if who in {"trainer", "trainee"}:
        # Nothing but their own token page, the public API description and the province
        # shapes the dashboard map draws (geography, no figures: the same file for everyone).
        prefix = app.extensions["ldptrain"].url_prefix
        assert {u.split("?")[0].removeprefix(prefix) for u in seen_ok} == {
            "/account/api-tokens/", "/api/v1/openapi.json", "/dashboard/provinces.svg"}
    else:
        assert checked > 50


def test_admin_sees_what_the_others_may_not(setup) -> None:  # type: ignore[no-untyped-def]
    """The matrix above is meaningful: the same routes do show these names to DLA."""
    app, world, people, tokens = setup
    client = app.test_client()
    prefix = app.extensions["ldptrain"].url_prefix
    login(client, prefix, "admin@example.org")
    seen = _text(client.get(f"{prefix}/dashboard/export/trainees.csv"))
    for name in ("ผู้เรียน หนึ่ง", "ผู้เรียน สาม", "ผู้เรียน หก"):
        assert name in seen
    api = client.get(f"{prefix}/api/v1/organisations",
                     headers={"Authorization": f"Bearer {tokens['admin']}"}).get_json()
    assert len(api["data"]) == 4

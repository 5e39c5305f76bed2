"""No page answers 500: every GET route, for a visitor, a trainee and a DLA admin, on real
content (the bundled courses, the sample register) with real and nonsense parameters."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from ldptrain.db import get_session
from ldptrain.models import Role
from ldptrain.resources import DATA, bundled
from ldptrain.services import accounts, enrolment, organisations
from ldptrain.services.importer import import_content

from . import factories as f

VALUES = {
    "slug": "ldp-sfci", "course": "ldp-sfci", "module": "legal-basis",
    "serial": "DLA-LDP-2569-000001",
    "path": "course.md", "token": "not-a-token", "user_id": "1", "organisation_id": "1",
    "attempt_id": "1", "token_id": "1", "province": "50", "code": "50",
}
NONSENSE = {"slug": "ไม่มี", "course": "nope", "module": "../../etc", "serial": "x" * 300,
            "path": "../../secret", "user_id": "999999", "organisation_id": "999999",
            "attempt_id": "999999", "province": "ZZ", "code": "<script>"}


def _urls(app: Flask, values: dict[str, str]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint.endswith("static"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", values.get(name, "1"), path)
        urls.append(path)
    return sorted(set(urls))


@pytest.mark.parametrize("who", ["visitor", "trainee", "admin"])
def test_no_get_route_answers_500(app: Flask, who: str) -> None:
    organisations.load_provinces()
    organisations.import_organisations((DATA / "sample_organisations.csv").read_text("utf-8-sig"),
                                       "sample_organisations.csv")
    assert import_content([str(bundled("courses")), str(bundled("assessments"))]).ok
    org = f.organisation()
    trainee = f.user("trainee@example.org", organisation=org)
    accounts.create_user(email="admin@example.org", password=f.PASSWORD, name_th="ผู้ดูแล",
                         roles=(Role.ADMIN,))
    from ldptrain.services import catalogue

    course = catalogue.get_course("ldp-sfci")
    assert course is not None
    enrolment.enrol(trainee, course)
    get_session().commit()
    client = app.test_client()
    if who != "visitor":
        f.sign_in(client, app, f"{who}@example.org")
    failures, seen = [], 0
    for values in (VALUES, NONSENSE):
        for url in _urls(app, values):
            status = client.get(url).status_code
            seen += status < 400
            if status >= 500:
                failures.append(f"{url}: {status}")
    assert not failures, failures
    assert seen >= (8 if who == "visitor" else 25)  # the walk really reached the pages


@pytest.mark.parametrize("who", ["trainee", "admin"])
def test_no_form_post_with_garbage_answers_500(app: Flask, who: str) -> None:
    """Every POST route, with a valid CSRF token but missing, empty or nonsense fields."""
    organisations.load_provinces()
    org = f.organisation()
    f.user("trainee@example.org", organisation=org)
    accounts.create_user(email="admin@example.org", password=f.PASSWORD, name_th="ผู้ดูแล",
                         roles=(Role.ADMIN,))
    f.course("ldp-sfci", quizzes=(1,))
    get_session().commit()
    client = app.test_client()
    f.sign_in(client, app, f"{who}@example.org")
    token = f.form_token(client, "/me")
    garbage = [{}, {"name": "", "email": "x", "reason": "", "lang": "xx", "file": "nope",
                    "held_on": "31/02/2569", "course": "ไม่มี", "q1": "<script>", "text": "๑" * 5000}]
    failures = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()) or rule.endpoint.endswith("logout"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", VALUES.get(name, "1"), path)
        for data in garbage:
            status = client.post(path, data={"csrf_token": token, **data}).status_code
            if status >= 500:
                failures.append(f"POST {path} {sorted(data)}: {status}")
    assert not failures, failures


#: Payload classes every route gets (#13): numbers beyond 64 bits, negative and zero, NUL and
#: other control characters, very long text.
PAYLOADS = {
    "huge": str(2**64), "huger": "9" * 40, "negative": "-1", "zero": "0",
    "nul": "a%00b", "control": "a%01%1fb", "long": "x" * 5000,
}
QUERY_KEYS = ("page", "cursor", "limit", "q", "organisation", "province", "course", "sort",
              "version", "status", "state", "serial", "next")


@pytest.mark.parametrize("who", ["visitor", "trainee", "admin"])
def test_every_route_survives_hostile_payloads(app: Flask, who: str) -> None:
    """Every GET route with each payload in each path argument and each query parameter, and
    every POST route with each payload in its form fields: zero 500s."""
    organisations.load_provinces()
    org = f.organisation()
    f.user("trainee@example.org", organisation=org)
    accounts.create_user(email="admin@example.org", password=f.PASSWORD, name_th="ผู้ดูแล",
                         roles=(Role.ADMIN,))
    f.course("ldp-sfci", quizzes=(1,))
    get_session().commit()
    client = app.test_client()
    if who != "visitor":
        f.sign_in(client, app, f"{who}@example.org")
    token = f.form_token(client, "/me" if who != "visitor" else "/login")
    failures = []
    for payload in PAYLOADS.values():
        query = "&".join(f"{k}={payload}" for k in QUERY_KEYS)
        for url in _urls(app, {k: payload for k in NONSENSE} | {"fmt": "csv"}):
            status = client.get(f"{url}?{query}").status_code
            if status >= 500:
                failures.append(f"GET {url}?{query[:60]}: {status}")
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()) or rule.endpoint.endswith("logout"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", VALUES.get(name, "1"), path)
        for payload in ("\x00", str(2**64), "-1", "x" * 5000):
            data = {"csrf_token": token, "organisation_id": payload, "email": payload,
                    "name_th": payload, "q": payload, "course": payload, "reason": payload}
            status = client.post(path, data=data).status_code
            if status >= 500:
                failures.append(f"POST {path} {payload[:10]!r}: {status}")
    assert not failures, failures[:20]

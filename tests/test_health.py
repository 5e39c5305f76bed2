"""`/healthz` (database and queue, counts only, never cached) and the JSON access log line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from flask import Flask

from ldptrain.models import Job
from ldptrain.models.jobs import JobState

from . import factories
from .conftest import make_standalone


def test_healthz_ok_with_counts_only(any_app: Flask) -> None:
    session = any_app.extensions["ldptrain"].db.session
    factories.user("somchai@example.org")
    session.add(Job(name="mail.send", args=[1], state=JobState.FAILED, max_attempts=5))
    session.commit()
    answer = any_app.test_client().get(f"{factories.prefix(any_app)}/healthz?x=1")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["status"] == "ok" and body["database"] == {"ok": True}
    assert body["queue"]["ok"] is True and body["queue"]["failed"] == 1
    assert body["queue"]["kind"] == "sqlite" and isinstance(body["queue"]["pending"], int)
    assert "somchai" not in answer.get_data(as_text=True)


def test_healthz_503_when_the_database_is_down(tmp_path: Path) -> None:
    app = make_standalone(f"sqlite:///{tmp_path / 'missing' / 'no' / 'db.sqlite3'}",
                          tmp_path / "instance")
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["status"] == "unavailable" and body["database"] == {"ok": False}


def test_healthz_503_when_the_queue_is_unreachable(app: Flask) -> None:
    app.config["LDPTRAIN_QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["database"] == {"ok": True} and body["queue"]["ok"] is False


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "ldptrain.access"]


def test_access_log_line_per_request(any_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    person = factories.user("somchai@example.org")
    any_app.extensions["ldptrain"].db.session.commit()
    base = factories.prefix(any_app)
    client = any_app.test_client()
    factories.sign_in(client, any_app, "somchai@example.org")
    caplog.set_level(logging.INFO, logger="ldptrain.access")
    client.get(f"{base}/account/?token=secret-in-query", headers={"X-Request-ID": "req-42"})
    client.get(f"{base}/courses/nothing-here/")
    client.get(f"{base}/account/", headers={"X-Request-ID": "bad id <script>"})
    first, missing, third = _lines(caplog)
    assert first["method"] == "GET" and first["path"] == f"{base}/account/"
    assert first["status"] == 200 and first["user_id"] == person.id
    assert first["request_id"] == "req-42"
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert "secret-in-query" not in caplog.text
    assert missing["status"] == 404
    assert third["request_id"] != "bad id <script>" and len(str(third["request_id"])) == 32


def test_access_log_anonymous_user_is_null(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ldptrain.access")
    answer = app.test_client().get("/login")
    (line,) = _lines(caplog)
    assert line["user_id"] is None and line["status"] == 200
    assert answer.headers["X-Request-ID"] == line["request_id"]

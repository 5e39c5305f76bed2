"""One transaction per request, savepoints that hold on both databases, and service steps that
undo only themselves when a rule refuses them."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from ldptrain.db import get_session
from ldptrain.models import AuditEvent, Membership
from ldptrain.services.errors import ServiceError
from ldptrain.web.transaction import finish, step

from . import factories as f


def committed_actions(app: Flask) -> list[str]:
    """What another connection sees: only what was committed."""
    engine = get_session().get_bind()
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT action FROM ldp_audit_event ORDER BY id")))


def test_an_outer_rollback_undoes_a_savepoint_that_was_the_first_write(any_app: Flask) -> None:
    """pysqlite commits a SAVEPOINT that opens the transaction on release unless SQLAlchemy's
    recipe is in force; then an outer rollback would leave the row behind."""
    session = get_session()
    session.rollback()
    with session.begin_nested():
        session.add(AuditEvent(action="inside-savepoint"))
    session.rollback()
    assert committed_actions(any_app) == []


def test_a_refused_step_undoes_its_own_writes_and_keeps_the_rest(any_app: Flask) -> None:
    session = get_session()
    with any_app.test_request_context("/"):
        session.add(AuditEvent(action="before"))
        with step() as done:
            session.add(AuditEvent(action="refused"))
            session.flush()
            raise ServiceError("not allowed")
        with step() as later:
            session.add(AuditEvent(action="after"))
        session.commit()
    assert not done.ok and str(done.error) == "not allowed"
    assert later.ok
    assert committed_actions(any_app) == ["before", "after"]


def test_a_views_writes_commit_with_its_answer(any_app: Flask) -> None:
    """Views never commit: the request's boundary does, once the view has answered."""
    base = f.prefix(any_app)
    org = f.organisation()
    person = f.user("claim@example.org")
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, person.email)
    token = f.form_token(client, f"{base}/account/")
    missing = client.post(f"{base}/account/transfer", data={"csrf_token": token,
                                                             "organisation_id": "999999"})
    assert missing.status_code == 302  # "choose your organisation": nothing to write
    sent = client.post(f"{base}/account/transfer", data={"csrf_token": token,
                                                          "organisation_id": str(org.id)})
    assert sent.status_code == 302
    get_session().rollback()
    claims = get_session().scalar(
        select(func.count()).select_from(Membership).where(Membership.user_id == person.id))
    assert claims == 1


@pytest.mark.parametrize("status", [200, 302])
def test_the_boundary_commits_successes_and_redirects(any_app: Flask, status: int) -> None:
    class Answer:
        status_code = status

    session = get_session()
    with any_app.test_request_context("/"):
        session.add(AuditEvent(action=f"answered-{status}"))
        finish(Answer())
    assert committed_actions(any_app) == [f"answered-{status}"]


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_the_boundary_rolls_back_errors(any_app: Flask, status: int) -> None:
    class Answer:
        status_code = status

    session = get_session()
    with any_app.test_request_context("/"):
        session.add(AuditEvent(action=f"answered-{status}"))
        finish(Answer())
    assert committed_actions(any_app) == []

"""The job queue: handed over only after commit, retries with backoff, failures an admin sees
and retries; on the embedded SQLite queue and on Redis, with a real `ldptrain worker`."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from ldptrain import tasks
from ldptrain.db import get_session, utcnow
from ldptrain.models import AuditEvent, Job, MailStatus, OutboxMessage, Role
from ldptrain.services import mail
from ldptrain.tasks.queue import queue_for
from ldptrain.tasks.runner import backoff
from ldptrain.tasks.worker import start_embedded, stop_embedded

from . import factories as f
from .conftest import csrf_token
from .smtp_server import Inbox, smtp  # noqa: F401 - fixture

REDIS_URL = os.environ.get("LDPTRAIN_TEST_REDIS_URL", "")
#: Calls so far per key; a flaky job fails while its count is within `fail_times`.
CALLS: dict[str, int] = {}


@tasks.job("test.flaky", attempts=3)
def flaky(key: str, fail_times: int) -> None:
    CALLS[key] = CALLS.get(key, 0) + 1
    if CALLS[key] <= fail_times:
        raise RuntimeError(f"call {CALLS[key]} of {key} failed")


@pytest.fixture(params=["sqlite", "redis"])
def queued(request: pytest.FixtureRequest, app: Flask) -> Iterator[Flask]:
    """The app on a queue of its own: the SQLite file in its instance folder, or Redis (a queue
    name per test, so concurrent runs sharing the Redis never see each other's jobs)."""
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("set LDPTRAIN_TEST_REDIS_URL")
        app.config["LDPTRAIN_QUEUE_URL"] = REDIS_URL
    app.config["LDPTRAIN_QUEUE_NAME"] = f"test-{uuid.uuid4().hex[:12]}"
    app.config["LDPTRAIN_QUEUE_RETRY_DELAY"] = 5
    yield app
    queue_for(app).huey.flush()


def _job(job_id: int) -> Job:
    get_session().expire_all()
    found = get_session().get(Job, job_id)
    assert found is not None
    return found


def test_a_job_reaches_the_queue_only_when_its_transaction_commits(queued: Flask) -> None:
    huey = queue_for(queued).huey
    tasks.enqueue("test.flaky", "rolled-back", 0)
    assert huey.pending_count() == 0  # not before the commit: a worker would find no row
    get_session().rollback()
    assert huey.pending_count() == 0 and get_session().scalars(select(Job)).all() == []
    job = tasks.enqueue("test.flaky", "kept", 0)
    get_session().commit()
    assert huey.pending_count() == 1
    assert tasks.run_pending(queued) == 1
    assert _job(job.id).state == "done" and _job(job.id).attempts == 1


def test_a_job_that_fails_is_retried_later_and_then_succeeds(queued: Flask) -> None:
    key = uuid.uuid4().hex
    job = tasks.enqueue("test.flaky", key, 1)
    get_session().commit()
    assert tasks.run_pending(queued) == 1
    failed_once = _job(job.id)
    assert failed_once.state == "queued" and failed_once.attempts == 1
    assert failed_once.last_error == f"RuntimeError: call 1 of {key} failed"
    wait = failed_once.next_attempt_at - utcnow()  # type: ignore[operator]
    assert dt.timedelta(seconds=3) < wait <= dt.timedelta(seconds=5)
    # The retry waits for its backoff: nothing runs now...
    assert tasks.run_pending(queued) == 0
    assert queue_for(queued).huey.scheduled_count() == 1
    # ...and succeeds when its time comes.
    assert tasks.run_pending(queued, include_scheduled=True) == 1
    done = _job(job.id)
    assert done.state == "done" and done.attempts == 2 and CALLS[key] == 2


def test_backoff_doubles_with_each_attempt(app: Flask) -> None:
    app.config["LDPTRAIN_QUEUE_RETRY_DELAY"] = 30
    assert [backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_a_job_that_fails_for_good_waits_for_an_admin_who_retries_it(queued: Flask) -> None:
    key = uuid.uuid4().hex
    job = tasks.enqueue("test.flaky", key, 3)  # fails 3 times; 3 attempts allowed
    get_session().commit()
    tasks.run_pending(queued, include_scheduled=True)
    failed = _job(job.id)
    assert failed.state == "failed" and failed.attempts == 3
    assert "call 3 of" in failed.last_error

    f.user("admin@example.org", roles=(Role.ADMIN,), language="en")
    f.user("coord@example.org", roles=(Role.COORDINATOR,), language="en")
    get_session().commit()
    coordinator = queued.test_client()
    f.sign_in(coordinator, queued, "coord@example.org")
    assert coordinator.get("/admin/jobs").status_code == 403
    admin = queued.test_client()
    f.sign_in(admin, queued, "admin@example.org")
    page = admin.get("/admin/jobs?state=failed")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f"call 3 of {key} failed" in text and f"/admin/jobs/{job.id}/retry" in text

    assert admin.post(f"/admin/jobs/{job.id}/retry").status_code == 400  # no CSRF token
    token = csrf_token(admin, "/admin/jobs")
    retried = admin.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": token})
    assert retried.status_code == 302
    again = _job(job.id)
    assert again.state == "queued" and again.attempts == 0
    assert get_session().scalar(select(AuditEvent.action).where(
        AuditEvent.target_type == "job")) == "job.retry"
    assert tasks.run_pending(queued) == 1
    assert _job(job.id).state == "done" and CALLS[key] == 4


def test_jobs_commands_list_and_retry(queued: Flask) -> None:
    key = uuid.uuid4().hex
    job = tasks.enqueue("test.flaky", key, 9)
    ok = tasks.enqueue("test.flaky", uuid.uuid4().hex, 0)
    get_session().commit()
    tasks.run_pending(queued, include_scheduled=True)
    get_session().expire_all()  # the jobs ran in sessions of their own
    runner = queued.test_cli_runner()
    listed = runner.invoke(args=["ldptrain", "jobs", "list", "--state", "failed"])
    assert listed.exit_code == 0
    assert f"{job.id}  failed   test.flaky({key}, 9)  attempts 3/3" in listed.output
    assert f"error: RuntimeError: call 3 of {key} failed" in listed.output
    assert "test.flaky" in runner.invoke(args=["ldptrain", "jobs", "list"]).output
    with force_locale("en"):
        refused = runner.invoke(args=["ldptrain", "jobs", "retry", str(ok.id)])
    assert refused.exit_code == 1 and "only failed or stuck jobs" in refused.output
    retried = runner.invoke(args=["ldptrain", "jobs", "retry", str(job.id)])
    assert retried.exit_code == 0 and f"job {job.id} queued again" in retried.output
    assert _job(job.id).state == "queued"
    assert queue_for(queued).huey.pending_count() == 1


def test_an_unknown_job_name_is_refused_at_once(app: Flask) -> None:
    with pytest.raises(ValueError, match="no job is registered as 'mail.sned'"):
        tasks.enqueue("mail.sned", 1)


@pytest.mark.parametrize("queue_kind", ["sqlite", "redis"])
def test_a_real_worker_retries_mail_until_the_server_takes_it(
        queue_kind: str, database_url: str, tmp_path: Path, smtp: Inbox) -> None:  # noqa: F811
    """`ldptrain worker` as `serve` starts it, in its own process: the mail server answers
    "try again later" once, then accepts."""
    if queue_kind == "redis" and not REDIS_URL:
        pytest.skip("set LDPTRAIN_TEST_REDIS_URL")
    from .conftest import make_standalone

    settings = {"LDPTRAIN_QUEUE_URL": REDIS_URL if queue_kind == "redis" else "",
                "LDPTRAIN_QUEUE_NAME": f"test-{uuid.uuid4().hex[:12]}",
                "LDPTRAIN_QUEUE_RETRY_DELAY": "1", "LDPTRAIN_DATABASE_URL": database_url,
                "LDPTRAIN_SECRET_KEY": "test-secret", **smtp.environ()}
    instance = tmp_path / "instance"
    app = make_standalone(database_url, instance, **{
        **settings, "LDPTRAIN_QUEUE_RETRY_DELAY": 1, **smtp.config()})
    smtp.busy_times = 1
    old = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    worker = start_embedded(str(instance), threads=1)
    try:
        with app.app_context():
            message = mail.send("somchai@example.org", "ทดสอบ: รหัสผ่าน", "สวัสดีครับ")
            get_session().commit()
            message_id = message.id

            def sent() -> bool:
                get_session().expire_all()
                found = get_session().get(OutboxMessage, message_id)
                job = get_session().scalars(select(Job)).one()
                # The job is marked done just after the message is marked sent.
                return found is not None and found.status == MailStatus.SENT and \
                    job.state == "done"

            assert tasks.wait_for(sent, timeout=40), "the worker did not send the message"
            found = get_session().get(OutboxMessage, message_id)
            assert found is not None and found.attempts == 2 and found.sent_at is not None
            job = get_session().scalars(select(Job)).one()
            assert job.state == "done" and job.attempts == 2
            assert "451" in job.last_error  # the first attempt's reason stays on record
            queue_for(app).huey.flush()
        assert [m["Subject"] for m in smtp.received] == ["ทดสอบ: รหัสผ่าน"]
        assert smtp.received[0].get_content().strip() == "สวัสดีครับ"
    finally:
        stop_embedded(worker, timeout=20)
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with app.app_context():
            app.extensions["ldptrain"].db.engine.dispose()
    assert worker.returncode is not None  # stopped gracefully on SIGINT


def test_immediate_mode_runs_the_job_when_the_transaction_commits(app: Flask) -> None:
    app.config["LDPTRAIN_QUEUE_URL"] = "immediate"
    key = uuid.uuid4().hex
    job = tasks.enqueue("test.flaky", key, 0)
    assert key not in CALLS  # not before the commit
    get_session().commit()
    assert CALLS[key] == 1 and _job(job.id).state == "done"

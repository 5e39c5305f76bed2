"""Renewal: a certificate that expires (or will within 90 days) is renewed by passing the
course's current final assessment again, with a fresh set of attempts."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from ldptrain.db import get_session, utcnow
from ldptrain.models import Certificate, Module
from ldptrain.services import attempts, certificates, progress

from .factories import per_request_locale  # noqa: F401
from .test_attempts import right_answers, setup

pytestmark = pytest.mark.usefixtures("per_request_locale")


def _pass_final(user, final, mine) -> None:  # type: ignore[no-untyped-def]
    attempt = attempts.start(user, final, mine)
    attempts.save_answers(attempt, right_answers(attempt))
    assert attempts.submit(attempt)
    get_session().commit()


def _fail_final(user, final, mine) -> None:  # type: ignore[no-untyped-def]
    attempt = attempts.start(user, final, mine)
    attempts.save_answers(attempt, right_answers(attempt, 0))
    attempts.submit(attempt)
    get_session().commit()


def test_passing_the_final_again_renews_a_due_certificate(app: Flask) -> None:
    user, course, final, mine = setup(attempts_allowed=2)
    course.certificate_valid_years = 2
    for module in get_session().scalars(select(Module).where(Module.course_id == course.id)):
        progress.complete_module(mine, module.id, module.current_version_id)
    _fail_final(user, final, mine)
    _pass_final(user, final, mine)
    (first,) = get_session().scalars(select(Certificate)).all()
    # Not due yet: passing again (no attempts left anyway) changes nothing.
    with pytest.raises(attempts.AttemptError):
        attempts.start(user, final, mine)
    first.expires_at = utcnow() + dt.timedelta(days=30)
    get_session().commit()
    # Due: the attempt limit starts again, and a pass issues a new certificate.
    _fail_final(user, final, mine)
    _pass_final(user, final, mine)
    get_session().expire_all()
    old = get_session().get(Certificate, first.id)
    new = get_session().scalars(select(Certificate).where(Certificate.id != first.id)).one()
    assert old.status == "superseded" and old.superseded_by_id == new.id
    assert new.status == "valid" and new.expires_at is not None
    assert new.expires_at > utcnow() + dt.timedelta(days=365)
    assert certificates.renewal_due(user.id, course.id) is None


def test_course_page_links_the_certificate_and_says_when_to_renew(any_app: Flask) -> None:
    from . import factories as f

    user, course, final, mine = setup(attempts_allowed=2)
    course.certificate_valid_years = 2
    for module in get_session().scalars(select(Module).where(Module.course_id == course.id)):
        progress.complete_module(mine, module.id, module.current_version_id)
    _pass_final(user, final, mine)
    cert = get_session().scalars(select(Certificate)).one()
    client = any_app.test_client()
    f.sign_in(client, any_app, "trainee@example.org")
    page = client.get(f"{f.prefix(any_app)}/courses/{course.slug}/").get_data(as_text=True)
    assert cert.serial in page and f"/certificates/{cert.serial}.pdf" in page
    assert "renew" not in page
    cert.expires_at = utcnow() + dt.timedelta(days=30)
    get_session().commit()
    page = client.get(f"{f.prefix(any_app)}/courses/{course.slug}/").get_data(as_text=True)
    assert "renew" in page and f"/a/{final.slug}" in page

"""What a signed-in page costs stays small and constant, without serving stale rights: the user and
roles are read fresh on every request, a revisit of a module writes nothing, and "resume" still
follows the last module opened."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import delete, event, select

from ldptrain.db import get_session
from ldptrain.models import Enrolment, ModuleProgress, Role, RoleAssignment, User
from ldptrain.services import enrolment, sessions

from . import factories as f
from .factories import per_request_locale  # noqa: F401

pytestmark = pytest.mark.usefixtures("per_request_locale")


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    engine = get_session().get_bind()
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def signed_in_trainee(app: Flask, modules: int, slug: str = "plan"):  # type: ignore[no-untyped-def]
    course = f.course(slug, modules=modules, final=None)
    user = f.user(f"{slug}@example.org", language="en")
    enrolment.enrol(user, course)
    get_session().commit()
    client = app.test_client()
    f.sign_in(client, app, f"{slug}@example.org")
    return client, user


def writes(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


def test_a_module_revisit_costs_a_few_reads_whatever_the_course_size(any_app: Flask) -> None:
    base = f.prefix(any_app)
    counts = []
    for slug, size in (("small", 2), ("large", 30)):
        client, _user = signed_in_trainee(any_app, size, slug)
        url = f"{base}/courses/{slug}/m/module-2"
        with statements(any_app) as seen:
            assert client.get(url).status_code == 200
        assert writes(seen), "the first visit records progress"
        with statements(any_app) as seen:
            assert client.get(url).status_code == 200
        assert not writes(seen), f"a revisit writes nothing: {writes(seen)}"
        counts.append(len([s for s in seen if s.lstrip().upper().startswith("SELECT")]))
    # The user; the course's outline stamp with the enrolment and progress (the outline itself
    # is remembered by the worker under that stamp).
    assert counts[0] == counts[1] <= 2, counts


def test_resume_follows_the_last_module_opened(any_app: Flask) -> None:
    base = f.prefix(any_app)
    client, user = signed_in_trainee(any_app, 3)
    for n in (1, 3, 2, 2):
        assert client.get(f"{base}/courses/plan/m/module-{n}").status_code == 200
        resume = client.get(f"{base}/courses/plan/resume")
        assert resume.headers["Location"].endswith(f"{base}/courses/plan/m/module-{n}")
    get_session().expire_all()
    mine = get_session().scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    assert mine is not None
    visited = get_session().scalars(select(ModuleProgress).where(
        ModuleProgress.enrolment_id == mine.id)).all()
    assert len(visited) == 3


def test_a_role_granted_or_removed_elsewhere_counts_on_the_next_request(any_app: Flask) -> None:
    base = f.prefix(any_app)
    client, user = signed_in_trainee(any_app, 1)
    assert "Dashboard" not in client.get(f"{base}/me").get_data(as_text=True)
    assert client.get(f"{base}/dashboard/").status_code == 403

    get_session().add(RoleAssignment(user_id=user.id, role=Role.ADMIN))
    get_session().commit()
    assert "Dashboard" in client.get(f"{base}/me").get_data(as_text=True)
    assert client.get(f"{base}/dashboard/").status_code == 200

    get_session().execute(delete(RoleAssignment).where(RoleAssignment.user_id == user.id,
                                                       RoleAssignment.role == Role.ADMIN))
    get_session().commit()
    assert client.get(f"{base}/dashboard/").status_code == 403


def test_a_deactivated_account_is_signed_out_on_the_next_request(any_app: Flask) -> None:
    base = f.prefix(any_app)
    client, user = signed_in_trainee(any_app, 1)
    assert client.get(f"{base}/me").status_code == 200
    found = get_session().get(User, user.id)
    assert found is not None
    found.active = False
    get_session().commit()
    response = client.get(f"{base}/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changes_to_the_signed_in_user_are_saved(any_app: Flask) -> None:
    """Services change the current user through the light object: the ORM row gets the change."""
    base = f.prefix(any_app)
    client, user = signed_in_trainee(any_app, 1)
    token = f.form_token(client, f"{base}/me")
    assert client.post(f"{base}/language", data={"csrf_token": token, "lang": "th",
                                                 "next": f"{base}/me"}).status_code == 302
    get_session().expire_all()
    found = get_session().get(User, user.id)
    assert found is not None and found.language == "th"
    assert 'lang="th"' in client.get(f"{base}/me").get_data(as_text=True)


def test_profile_changes_through_the_signed_in_user_are_saved_and_audited(any_app: Flask) -> None:
    from ldptrain.models import AuditEvent

    base = f.prefix(any_app)
    client, user = signed_in_trainee(any_app, 1)
    token = f.form_token(client, f"{base}/account/")
    saved = client.post(f"{base}/account/", data={
        "csrf_token": token, "name_th": "สมหญิง ใจดี", "name_en": "Somying", "position": "",
        "language": "en"})
    assert saved.status_code == 302
    get_session().expire_all()
    found = get_session().get(User, user.id)
    assert found is not None and found.name_th == "สมหญิง ใจดี"
    event = get_session().scalar(select(AuditEvent).where(
        AuditEvent.action == "user.profile_update"))
    assert event is not None
    assert (event.actor_id, event.target_type, event.target_id) == (user.id, "user", str(user.id))
    assert "Somying" in client.get(f"{base}/account/").get_data(as_text=True)


def test_last_seen_is_refreshed_after_a_while_and_completion_shows(any_app: Flask) -> None:
    import datetime as dt

    from ldptrain.db import utcnow
    from ldptrain.services.progress import SEEN_EVERY

    base = f.prefix(any_app)
    client, user = signed_in_trainee(any_app, 3)
    url = f"{base}/courses/plan/m/module-1"
    assert client.get(url).status_code == 200
    token = f.form_token(client, url)
    client.post(f"{base}/courses/plan/m/module-1/complete", data={"csrf_token": token})
    long_ago = utcnow() - SEEN_EVERY - dt.timedelta(minutes=1)
    session = get_session()
    row = session.scalar(select(ModuleProgress).join(Enrolment).where(
        Enrolment.user_id == user.id))
    assert row is not None and row.completed_at is not None
    row.last_seen_at = long_ago
    version_id = row.module_version_id
    session.commit()

    page = client.get(url).get_data(as_text=True)
    assert "You have completed this module." in page
    assert 'aria-valuenow="33"' in page
    session.expire_all()
    row = session.get(ModuleProgress, row.id)
    assert row is not None and row.last_seen_at > long_ago + SEEN_EVERY
    assert row.module_version_id == version_id  # a completed module keeps its version


# --- module pages remembered with holes (shells.py) ----------------------------------------------

#: Each request signs its own CSRF token, with a timestamp: two requests a second apart differ.
_CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')


def _same_page(html: str) -> str:
    assert _CSRF_VALUE.search(html)
    return _CSRF_VALUE.sub('name="csrf_token" value="…"', html)


def _in_full(app: Flask, client, url: str) -> str:  # type: ignore[no-untyped-def]
    """The page rendered in full by Jinja, bypassing the remembered shells."""
    kept = app.config["LDPTRAIN_PAGE_SHELLS"]
    app.config["LDPTRAIN_PAGE_SHELLS"] = 0
    try:
        return str(client.get(url).get_data(as_text=True))
    finally:
        app.config["LDPTRAIN_PAGE_SHELLS"] = kept


def _enrolled(course, *people: tuple[str, str, Role | None]) -> list[Enrolment]:  # type: ignore[no-untyped-def]
    """Enrol (e-mail, language, staff role or None) people in the course; their enrolments."""
    found = []
    for email, language, role in people:
        person = f.user(email, language=language)
        if role is not None:
            get_session().add(RoleAssignment(user_id=person.id, role=role))
        found.append(enrolment.enrol(person, course))
    get_session().commit()
    return found


def test_a_remembered_module_page_is_the_page_rendered_in_full(any_app: Flask) -> None:
    """Byte for byte, in every state the page has: a plain module, a completed one, one with a
    quiz, the last one (final assessment link), in Thai and English, for a trainee and for
    staff with the Manage menu."""
    from ldptrain.services import progress

    base = f.prefix(any_app)
    course = f.course("shell", modules=3, quizzes=(2,))
    mine, _staff = _enrolled(course, ("shell@example.org", "en", None),
                             ("staff@example.org", "th", Role.ADMIN))
    compared = 0
    for email in ("shell@example.org", "staff@example.org"):
        client = any_app.test_client()
        f.sign_in(client, any_app, email)
        for n in (1, 2, 3):
            url = f"{base}/courses/shell/m/module-{n}"
            client.get(url)  # first visit: progress written; the shell is built
            remembered = client.get(url).get_data(as_text=True)
            assert _same_page(remembered) == _same_page(_in_full(any_app, client, url)), (
                email, n)
            compared += 1
        if email == "shell@example.org":
            progress.complete_module(mine, course.modules[0].id, None)
            get_session().commit()
            url = f"{base}/courses/shell/m/module-1"
            remembered = client.get(url).get_data(as_text=True)
            assert "You have completed this module." in remembered
            assert _same_page(remembered) == _same_page(_in_full(any_app, client, url))
            compared += 1
    assert compared == 7


def test_trainees_on_the_same_module_each_see_their_own_page(any_app: Flask) -> None:
    from ldptrain.services import progress

    base = f.prefix(any_app)
    course = f.course("shared", modules=2, final=None)
    mine, _behind = _enrolled(course, ("ahead@example.org", "en", Role.TRAINER),
                              ("behind@example.org", "en", None))
    progress.complete_module(mine, course.modules[0].id, None)
    get_session().commit()
    url = f"{base}/courses/shared/m/module-1"
    pages = {}
    for email in ("ahead@example.org", "behind@example.org"):
        client = any_app.test_client()
        f.sign_in(client, any_app, email)
        pages[email] = (client.get(url).get_data(as_text=True), f.form_token(client, url))
    ahead_page, ahead_token = pages["ahead@example.org"]
    behind_page, behind_token = pages["behind@example.org"]
    assert 'aria-valuenow="50"' in ahead_page and 'aria-valuenow="0"' in behind_page
    assert "You have completed this module." in ahead_page
    assert "You have completed this module." not in behind_page
    assert ahead_token != behind_token
    assert ahead_token in ahead_page and ahead_token not in behind_page
    # The trainer's menu is the trainer's, also where the two pages are otherwise the same.
    assert f'{base}/workshops"' in ahead_page and "/workshops" not in behind_page
    same = f"{base}/courses/shared/m/module-2"
    for email, menu in (("ahead@example.org", True), ("behind@example.org", False)):
        client = any_app.test_client()
        f.sign_in(client, any_app, email)
        assert (f'{base}/workshops"' in client.get(same).get_data(as_text=True)) is menu


def test_a_content_update_shows_on_the_next_view_of_the_page(any_app: Flask) -> None:
    """The module text, its title in the neighbours' pager and a module added to the course: the
    outline stamp changes in the same commit, so no worker serves the old page."""
    from ldptrain.models import Course, Module

    base = f.prefix(any_app)
    client, _user = signed_in_trainee(any_app, 2)
    url = f"{base}/courses/plan/m/module-1"
    first = client.get(url).get_data(as_text=True)
    assert "Module 2 ›" in first and "Content of module 1 v1" in first
    course = get_session().scalar(select(Course).where(Course.slug == "plan"))
    assert course is not None
    stamp = course.outline_stamp
    module_one, module_two = sorted(course.modules, key=lambda m: m.position)
    f.add_module_version(module_one)
    version = f.add_module_version(module_two)
    version.title_en = "Partnerships in practice"
    get_session().commit()
    get_session().refresh(course)
    assert course.outline_stamp != stamp
    updated = client.get(url).get_data(as_text=True)
    assert "Content of module 1 v2" in updated and "Partnerships in practice ›" in updated

    retired = get_session().get(Module, module_two.id)
    assert retired is not None
    retired.retired = True
    get_session().commit()
    page = client.get(url).get_data(as_text=True)
    assert "Partnerships in practice" not in page and "Module 1 of 1" in page


def test_hot_reads_convert_columns_as_the_orm_does(any_app: Flask) -> None:
    """The user and module-page reads skip the ORM's row loading but must convert each column as
    it would: UTC datetimes (SQLite stores text), booleans, NULLs."""
    from ldptrain.services import progress

    base = f.prefix(any_app)
    client, user = signed_in_trainee(any_app, 3)
    client.get(f"{base}/courses/plan/m/module-2")
    mine = get_session().scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    assert mine is not None
    progress.complete_module(mine, mine.last_module_id, None)  # type: ignore[arg-type]
    get_session().commit()
    state = progress.module_page(user.id, "plan")
    assert state is not None and state.enrolment is not None
    row = state.progress[mine.last_module_id]  # type: ignore[index]
    assert row.completed is True and row.last_seen_at is not None
    assert row.last_seen_at.tzinfo is not None


def test_hot_reads_see_this_requests_writes_and_fire_engine_events(any_app: Flask) -> None:
    """The hot reads run on the request's own connection and transaction: a role granted earlier
    in the same request (flushed, not yet committed) is seen, and a host's engine
    instrumentation sees the statements."""
    from ldptrain.web import signed_in

    user = f.user()
    secret = sessions.create(user.id, sessions.Limits())
    get_session().commit()
    with any_app.test_request_context("/"), statements(any_app) as seen:
        get_session().add(RoleAssignment(user_id=user.id, role=Role.TRAINER))
        get_session().flush()
        light = signed_in.load(secret)
        assert light is not None and light.has_role(Role.TRAINER)
        assert any("ldp_role_assignment" in s and "ldp_session" in s for s in seen)
        get_session().rollback()


def test_a_host_template_that_shows_the_user_gets_each_users_own_page(any_app: Flask) -> None:
    """A host may override the module page (or base.html) and print who is signed in: such a
    template cannot be remembered with holes, so it is rendered in full, for each user."""
    from jinja2 import ChoiceLoader, DictLoader

    base = f.prefix(any_app)
    course = f.course("hosted", modules=1, final=None)
    for email, name in (("first@example.org", "สมชาย"), ("second@example.org", "สมหญิง")):
        enrolment.enrol(f.user(email, name_th=name), course)
    get_session().commit()
    override = DictLoader({"ldptrain/learn/module.html": (
        '{% extends "ldptrain/base.html" %}{% block ldp_content %}'
        '<p id="who">{{ current_user.display_name() }}</p><p>{{ percent }}%</p>'
        '{% endblock %}')})
    loader = any_app.jinja_env.loader
    any_app.jinja_env.loader = ChoiceLoader([override, loader])  # type: ignore[list-item]
    try:
        for email, name in (("first@example.org", "สมชาย"), ("second@example.org", "สมหญิง")):
            client = any_app.test_client()
            f.sign_in(client, any_app, email)
            for _ in range(2):
                page = client.get(f"{base}/courses/hosted/m/module-1")
                assert page.status_code == 200
                assert f'<p id="who">{name}</p>' in page.get_data(as_text=True)
    finally:
        any_app.jinja_env.loader = loader


def test_the_signed_in_user_reads_what_it_does_not_carry_from_the_database(
        any_app: Flask) -> None:
    """The light user leaves the password hash and sign-in timestamps out of every request's
    read; code that asks for them still gets them (one ORM load)."""
    from ldptrain.web import signed_in

    user = f.user()
    secret = sessions.create(user.id, sessions.Limits())
    get_session().commit()
    with any_app.test_request_context("/"):
        light = signed_in.load(secret)
        assert light is not None
        assert "password_hash" not in light.__slots__ and "created_at" not in light.__slots__
        assert light.password_hash == user.password_hash
        assert light.created_at == user.created_at and light.email == user.email

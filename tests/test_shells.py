"""Module pages remembered with holes (web/shells.py) never show one person's values to another:
whatever a host adds (context processors, template overrides) and whatever a template does with
the session, `g`, the request, the signed-in user or a hole, each person gets the page a full
rendering would give them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, g, request, session
from flask_login import current_user
from jinja2 import BaseLoader, ChoiceLoader, DictLoader

from ldptrain.db import get_session
from ldptrain.services import enrolment, progress

from . import factories as f
from .factories import per_request_locale  # noqa: F401

pytestmark = pytest.mark.usefixtures("per_request_locale")

PEOPLE = ("first@example.org", "second@example.org")
MAIN = '<main id="main" class="wrap" tabindex="-1">'


def _two_trainees(app: Flask, modules: int = 2) -> dict[str, Any]:
    """Two trainees with the same language and menu in one course: one shell for both."""
    course = f.course("shells", modules=modules, final=None)
    mine = [enrolment.enrol(f.user(email, language="en"), course) for email in PEOPLE]
    get_session().commit()
    clients = {}
    for email in PEOPLE:
        clients[email] = app.test_client()
        f.sign_in(clients[email], app, email)
    return {"course": course, "enrolments": mine, "clients": clients,
            "url": f"{f.prefix(app)}/courses/shells/m/module-1"}


def _our_base(app: Flask, extra: str) -> str:
    """ldptrain's own base.html with `extra` at the top of <main>."""
    source = app.jinja_env.loader.get_source(app.jinja_env, "ldptrain/base.html")[0]  # type: ignore[union-attr]
    assert MAIN in source
    return source.replace(MAIN, MAIN + extra)


@contextmanager
def host_templates(app: Flask, templates: dict[str, str]) -> Iterator[None]:
    """A host's own templates folder overriding ours (README: "your templates win")."""
    kept = app.jinja_loader
    app.jinja_loader = ChoiceLoader([DictLoader(templates), kept])  # type: ignore[misc,list-item]
    try:
        yield
    finally:
        app.jinja_loader = kept  # type: ignore[misc]


@contextmanager
def ldptrain_templates(app: Flask, templates: dict[str, str]) -> Iterator[None]:
    """Change templates as served by ldptrain's own loader (as if ldptrain shipped them)."""
    ours = app.blueprints["ldptrain"]
    kept: BaseLoader | None = ours.jinja_loader
    ours.jinja_loader = ChoiceLoader([DictLoader(templates), kept])  # type: ignore[misc,list-item]
    try:
        yield
    finally:
        ours.jinja_loader = kept  # type: ignore[misc]


def _pages(setup: dict[str, Any], **per_person: Any) -> dict[str, str]:
    """Each person's module page, twice over (the second from a shell if there is one)."""
    pages = {}
    for _ in range(2):
        for email in PEOPLE:
            response = setup["clients"][email].get(setup["url"], **per_person.get(email, {}))
            assert response.status_code == 200
            pages[email] = response.get_data(as_text=True)
    return pages


def test_a_host_context_processor_reading_the_user_shows_each_their_own(any_app: Flask) -> None:
    """The host shows who is signed in through its own context processor and its own
    ldptrain/base.html: the second trainee must not see the first one's address."""
    @any_app.context_processor
    def who() -> dict[str, str]:
        return {"host_who": current_user.email if current_user.is_authenticated else ""}

    with host_templates(any_app, {"ldptrain/base.html": _our_base(
            any_app, '<p id="host-who">{{ host_who }}</p>')}):
        pages = _pages(_two_trainees(any_app))
    for email in PEOPLE:
        assert f'<p id="host-who">{email}</p>' in pages[email]


def test_a_host_context_processor_reading_the_session_shows_each_their_own(
        any_app: Flask) -> None:
    @any_app.context_processor
    def note() -> dict[str, str]:
        return {"host_note": session.get("host_note", "")}

    with host_templates(any_app, {"ldptrain/base.html": _our_base(
            any_app, '<p id="host-note">{{ host_note }}</p>')}):
        setup = _two_trainees(any_app)
        for email in PEOPLE:
            with setup["clients"][email].session_transaction() as kept:
                kept["host_note"] = f"note for {email}"
        pages = _pages(setup)
    for email in PEOPLE:
        assert f'<p id="host-note">note for {email}</p>' in pages[email]


def test_a_host_override_of_the_module_page_shows_each_their_own(any_app: Flask) -> None:
    """An overridden page template (not base.html) that reads the request."""
    override = ('{% extends "ldptrain/base.html" %}{% block ldp_content %}'
                '<p id="agent">{{ request.user_agent.string }}</p>{{ percent }}{% endblock %}')
    with host_templates(any_app, {"ldptrain/learn/module.html": override}):
        agents = {email: {"headers": {"User-Agent": f"agent of {email}"}} for email in PEOPLE}
        pages = _pages(_two_trainees(any_app), **agents)
    for email in PEOPLE:
        assert f'<p id="agent">agent of {email}</p>' in pages[email]


@pytest.mark.parametrize("read", [
    "{{ current_user.email }}",
    "{{ session.get('host_note') }}",
    "{{ request.headers.get('X-Who') }}",
    "{{ g.host_who }}",
])
def test_our_templates_reading_the_session_g_request_or_user_get_no_shell(
        any_app: Flask, read: str) -> None:
    """Even a template served by ldptrain itself: reading any of them abandons the shell."""
    @any_app.before_request
    def remember_who() -> None:
        g.host_who = request.headers.get("X-Who", "")

    with ldptrain_templates(any_app, {"ldptrain/base.html": _our_base(
            any_app, f'<p id="read">{read}</p>')}):
        setup = _two_trainees(any_app)
        for email in PEOPLE:
            with setup["clients"][email].session_transaction() as kept:
                kept["host_note"] = email
        pages = _pages(setup, **{email: {"headers": {"X-Who": email}} for email in PEOPLE})
    for email in PEOPLE:
        assert f'<p id="read">{email}</p>' in pages[email]


@pytest.mark.parametrize("use", [
    "{% if percent == 0 %}not started{% else %}under way{% endif %}",
    "{% if percent %}under way{% else %}not started{% endif %}",
    "{{ 'not started' if percent < 1 else 'under way' }}",
    "{{ 'under way' if percent|int else 'not started' }}",
    "{{ ['not started', 'under way'][(percent > 0)|int] }}",
    "{{ 'not started' if (percent|string).startswith('0') else 'under way' }}",
])
def test_a_template_deciding_on_a_hole_decides_for_each_person(any_app: Flask, use: str) -> None:
    """A branch on the progress figure is not taken once for everyone: the first trainee is
    under way (50 %), the second has not started (0 %)."""
    with ldptrain_templates(any_app, {"ldptrain/base.html": _our_base(
            any_app, f'{{% if percent is defined %}}<p id="state">{use}</p>{{% endif %}}')}):
        setup = _two_trainees(any_app)
        progress.complete_module(setup["enrolments"][0], setup["course"].modules[1].id, None)
        get_session().commit()
        pages = _pages(setup)
    assert '<p id="state">under way</p>' in pages[PEOPLE[0]]
    assert '<p id="state">not started</p>' in pages[PEOPLE[1]]


def test_our_own_templates_are_still_remembered(any_app: Flask) -> None:
    """The guards leave ldptrain's own module page on its shell: the second view of the same
    module by another trainee renders no template."""
    from flask import template_rendered

    from ldptrain.lru import app_lru

    setup = _two_trainees(any_app)
    client = setup["clients"][PEOPLE[0]]
    client.get(setup["url"])  # the first visit records progress and builds the shell
    rendered: list[str] = []

    def seen(_app: Flask, template: Any, **_extra: Any) -> None:
        rendered.append(template.name)

    with template_rendered.connected_to(seen, any_app):
        for email in PEOPLE:
            page = setup["clients"][email].get(setup["url"])
            assert page.status_code == 200
    assert "ldptrain/learn/module.html" not in rendered
    assert len(app_lru("page_shells", 1)) >= 1

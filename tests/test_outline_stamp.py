"""A course's outline stamp is new after every change to the course, its modules or their
versions, whoever writes it (ORM, Core statements, SQL): workers key the outline and the module
pages they remember by it (services/progress/reads.py, web/shells.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

import ldptrain
from ldptrain.db import get_session
from ldptrain.models import Course, Module, ModuleVersion

from . import factories as f
from .factories import per_request_locale  # noqa: F401
from .test_page_cost import signed_in_trainee

pytestmark = pytest.mark.usefixtures("per_request_locale")


def _stamp(slug: str = "plan") -> str:
    found = get_session().execute(
        select(Course.outline_stamp).where(Course.slug == slug)).scalar_one()
    return str(found)


def _module(number: int, slug: str = "plan") -> Module:
    found = get_session().scalar(select(Module).join(Course).where(
        Course.slug == slug, Module.slug == f"module-{number}"))
    assert found is not None
    return found


def test_a_core_update_of_a_module_version_shows_on_the_next_view(any_app: Flask) -> None:
    base = f.prefix(any_app)
    client, _user = signed_in_trainee(any_app, 2)
    url = f"{base}/courses/plan/m/module-1"
    for _ in range(2):  # the second view comes from the worker's memory
        page = client.get(url).get_data(as_text=True)
    assert "Content of module 1 v1" in page and "Module 2 ›" in page
    one, two = _module(1), _module(2)
    before = _stamp()
    get_session().execute(update(ModuleVersion.__table__)
                          .where(ModuleVersion.id == one.current_version_id)
                          .values(html_en="<p>Rewritten by a script</p>"))
    get_session().execute(update(ModuleVersion.__table__)
                          .where(ModuleVersion.id == two.current_version_id)
                          .values(title_en="Partnerships in practice"))
    get_session().commit()
    assert _stamp() != before
    page = client.get(url).get_data(as_text=True)
    assert "Rewritten by a script" in page and "Partnerships in practice ›" in page


def test_core_writes_to_a_course_or_its_modules_renew_the_stamp(any_app: Flask) -> None:
    base = f.prefix(any_app)
    client, _user = signed_in_trainee(any_app, 2)
    url = f"{base}/courses/plan/m/module-1"
    client.get(url)
    session = get_session()
    course_id = session.execute(select(Course.id).where(Course.slug == "plan")).scalar_one()

    before = _stamp()
    session.execute(update(Course.__table__).where(Course.id == course_id)
                    .values(title_en="Planning, revised"))
    session.commit()
    assert _stamp() != before
    assert "Planning, revised" in client.get(url).get_data(as_text=True)

    before = _stamp()
    session.execute(update(Module.__table__).where(Module.id == _module(2).id)
                    .values(retired=True))
    session.commit()
    assert _stamp() != before
    assert "Module 1 of 1" in client.get(url).get_data(as_text=True)

    # A new module (and its version) added with Core statements, as a script would.
    before = _stamp()
    module_id = session.execute(insert(Module.__table__).values(
        course_id=course_id, slug="module-3", position=3, retired=False)
        .returning(Module.__table__.c.id)).scalar_one()
    after_module = _stamp()
    version_id = session.execute(insert(ModuleVersion.__table__).values(
        module_id=module_id, number=1, content_hash="h-core", title_th="บทที่ 3",
        title_en="Added by a script", html_th="", html_en="<p>Three</p>", source_th="",
        source_en="", toc={}, duration_minutes=5).returning(
        ModuleVersion.__table__.c.id)).scalar_one()
    session.execute(update(Module.__table__).where(Module.id == module_id)
                    .values(current_version_id=version_id))
    session.commit()
    assert before != after_module != _stamp()
    assert "Added by a script ›" in client.get(url).get_data(as_text=True)

    before = _stamp()
    session.execute(update(Module.__table__).where(Module.id == module_id)
                    .values(current_version_id=None))
    session.execute(ModuleVersion.__table__.delete().where(ModuleVersion.id == version_id))
    session.commit()
    assert _stamp() != before
    assert "Added by a script" not in client.get(url).get_data(as_text=True)


def test_setting_the_stamp_itself_is_kept(app: Flask) -> None:
    """The one write that does not renew it: the stamp's own (no endless renewal)."""
    course = f.course("plan")
    get_session().commit()
    get_session().execute(update(Course.__table__).where(Course.id == course.id)
                          .values(outline_stamp="f" * 32))
    get_session().commit()
    assert _stamp() == "f" * 32


def test_a_new_course_gets_a_stamp_of_its_own(app: Flask) -> None:
    first, second = f.course("one"), f.course("two")
    get_session().commit()
    stamps = {_stamp("one"), _stamp("two")}
    assert len(stamps) == 2 and all(len(s) == 32 for s in stamps)
    assert first.id != second.id


class _HostBase(DeclarativeBase):
    pass


class _HostNote(_HostBase):
    __tablename__ = "host_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]


def test_a_host_session_runs_no_ldptrain_code(app: Flask, tmp_path: Path) -> None:
    """ldptrain attaches nothing to SQLAlchemy's global Session class: a host's own session,
    on its own models, flushes and commits without entering ldptrain's code."""
    package = str(Path(ldptrain.__file__).parent)
    entered: list[str] = []

    def profile(frame: Any, event: str, _arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(package):
            entered.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    engine = create_engine(f"sqlite:///{tmp_path / 'host.sqlite3'}")
    _HostBase.metadata.create_all(engine)
    with Session(engine) as host:
        sys.setprofile(profile)
        try:
            host.add(_HostNote(text="hello"))
            host.flush()
            host.execute(text("UPDATE host_note SET text = 'bye'"))
            host.commit()
        finally:
            sys.setprofile(None)
    engine.dispose()
    assert entered == []

"""A trainer edits a module in the browser and publishes it (#19), with and without JavaScript:
a trainee then reads the new version, while another trainee's completion of the old version is
kept. With scripts the preview follows the typing; without, the Preview button renders it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import Course, Module, ModuleProgress, Role, TrainerAssignment
from ldptrain.services import accounts, enrolment

from .conftest import LiveServer
from .test_journey import PASSWORD, _check_page, _target

pytestmark = pytest.mark.browser


def _sign_in(page: Any, server: LiveServer, email: str) -> None:
    page.goto("/login")
    page.get_by_label("อีเมล", exact=True).fill(email)
    page.get_by_label("รหัสผ่าน", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    page.wait_for_url(f"{server.url}/")


def _people(server: LiveServer, tag: str) -> tuple[str, str, int, int]:
    """A trainer of the target course; a trainee who completed its first module's current
    version; a trainee enrolled who has not read it. Returns the module's slug, file name, id
    and the completed version's id."""
    target = _target(server)
    with server.app.app_context():
        session = get_session()
        course = session.scalar(select(Course).where(Course.slug == target.course_slug))
        assert course is not None
        module = session.scalar(select(Module).where(
            Module.course_id == course.id, Module.retired.is_(False))
            .order_by(Module.position).limit(1))
        assert module is not None and module.current_version_id is not None
        trainer = accounts.create_user(email=f"trainer-{tag}@dla.example", password=PASSWORD,
                                       name_th="วิทยากร ทดสอบ", roles=(Role.TRAINER,),
                                       language="th")
        session.add(TrainerAssignment(user_id=trainer.id, course_id=course.id))
        done = accounts.create_user(email=f"done-{tag}@dla.example", password=PASSWORD,
                                    name_th="ผู้เรียน จบแล้ว", language="th")
        mine = enrolment.enrol(done, course)
        session.add(ModuleProgress(enrolment_id=mine.id, module_id=module.id,
                                   module_version_id=module.current_version_id,
                                   completed_at=mine.enrolled_at))
        reader = accounts.create_user(email=f"reader-{tag}@dla.example", password=PASSWORD,
                                      name_th="ผู้เรียน ใหม่", language="th")
        enrolment.enrol(reader, course)
        session.commit()
        return (f"{module.position:02d}-{module.slug}.md", module.slug, module.id,
                module.current_version_id)


@pytest.mark.parametrize("scripts", [True, False], ids=["javascript", "no-javascript"])
def test_a_trainer_publishes_a_module_and_trainees_see_it(
        request: pytest.FixtureRequest, browser: Any, live_server: LiveServer,
        artifacts: Path, scripts: bool) -> None:
    from playwright.sync_api import expect

    tag = "js" if scripts else "nojs"
    name, slug, module_id, old_version = _people(live_server, tag)
    course = _target(live_server).course_slug
    added = f"ย่อหน้าที่วิทยากรเพิ่มในเบราว์เซอร์ ({tag})"

    page = request.getfixturevalue("phone" if scripts else "phone_without_scripts")
    _sign_in(page, live_server, f"trainer-{tag}@dla.example")
    page.goto("/author/")
    page.get_by_role("link", name=_target(live_server).course_title).click()
    page.locator("tr", has_text=f"courses/{course}/{name}").get_by_role(
        "link", name="แก้ไข", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    text = page.get_by_label("ข้อความ Markdown")
    text.fill(text.input_value() + f"\n\n{added}\n")
    preview = page.locator("#ldp-preview")
    if scripts:  # the live preview renders it without a click
        expect(preview).to_contain_text(added)
    else:
        expect(preview).not_to_contain_text(added)
        page.get_by_role("button", name="ดูตัวอย่าง", exact=True).click()
        expect(page.locator("#ldp-preview")).to_contain_text(added)
    _check_page(page, f"editor ({tag})")
    page.get_by_role("button", name="เผยแพร่", exact=True).click()
    expect(page.get_by_text(re.compile(r"เผยแพร่เป็นฉบับที่ \d+ แล้ว"))).to_be_visible()
    page.screenshot(path=str(artifacts / f"e2e-authoring-{tag}.png"), full_page=True)

    page.context.clear_cookies()
    _sign_in(page, live_server, f"reader-{tag}@dla.example")
    page.goto(f"/courses/{course}/m/{slug}")
    expect(page.locator("article.prose")).to_contain_text(added)

    with live_server.app.app_context():
        session = get_session()
        module = session.get(Module, module_id)
        assert module is not None and module.current_version_id != old_version
        kept = session.scalars(select(ModuleProgress).where(
            ModuleProgress.module_id == module_id,
            ModuleProgress.module_version_id == old_version,
            ModuleProgress.completed_at.is_not(None))).all()
        assert kept, "the completion of the earlier version was lost"

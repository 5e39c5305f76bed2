"""The question-bank editor (#19): reorder, retire and add questions of every kind on the
assessment's Markdown and its translation together, as drafts; publishing makes the new bank a
new version, earlier versions keep theirs."""

from __future__ import annotations

import html
import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from ldptrain.db import get_session
from ldptrain.models import Assessment, AssessmentVersion, AuditEvent, ContentDraft
from ldptrain.services.authoring import bank

from ..conftest import csrf_token
from ..factories import prefix
from .helpers import GOOD, set_up, signed_in

REVISION = re.compile(r'name="revision" value="(\d+)"')
TEXTAREA = re.compile(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', re.S)
QUIZ = (GOOD / "assessments" / "plan-basics-01-quiz.md").read_text(encoding="utf-8")


def test_bank_moves_on_the_text() -> None:
    keys = [q.key for q in bank.questions(QUIZ)]
    assert keys == ["fiscal-year", "sdg11-targets", ""]
    assert [q.kind for q in bank.questions(QUIZ)] == ["single", "multiple", "short"]
    moved = bank.move(QUIZ, 0, 1)
    assert [q.key for q in bank.questions(moved)] == ["sdg11-targets", "fiscal-year", ""]
    assert moved.startswith(QUIZ.split("## ")[0].rstrip("\n"))  # front matter and intro kept
    assert bank.move(QUIZ, 2, 1) == QUIZ  # the last cannot go further down
    retired = bank.retire(QUIZ, 1)
    assert [q.key for q in bank.questions(retired)] == ["fiscal-year", ""]
    grown = QUIZ
    for kind in bank.KINDS:
        grown = bank.add(grown, kind, bank.new_key([grown]))
    assert [q.kind for q in bank.questions(grown)][3:] == list(bank.KINDS)
    assert [q.key for q in bank.questions(grown)][3:] == ["q1", "q2", "q3", "q4", "q5"]


def _state(client, url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(url).get_data(as_text=True)
    return {"csrf_token": csrf_token(client, url), "revision": REVISION.search(page).group(1),
            "text": html.unescape(TEXTAREA.search(page).group(1))}


def _keys(version: AssessmentVersion) -> list[str]:
    return [q.key for q in version.questions]


def test_reorder_retire_add_and_publish_with_the_translation(any_app: Flask,
                                                             tmp_path: Path) -> None:
    set_up(tmp_path)
    client = signed_in(any_app, "trainer@example.org")
    url = prefix(any_app) + "/author/courses/plan-basics/quiz/plan-basics-01-quiz.md"
    page = client.get(url).get_data(as_text=True)
    assert 'value="down:0"' in page and 'value="retire:2"' in page
    assert "ปีงบประมาณ พ.ศ. 2569 เริ่มต้นวันใด" in page

    moved = client.post(url, data={**_state(client, url), "bank": "down:0"})
    assert moved.status_code == 302
    drafts = {d.path: d for d in get_session().scalars(select(ContentDraft))}
    assert set(drafts) == {"assessments/plan-basics-01-quiz.md",
                           "assessments/plan-basics-01-quiz.en.md"}  # the translation too
    assert [q.key for q in bank.questions(drafts["assessments/plan-basics-01-quiz.md"].text)
            ] == ["sdg11-targets", "fiscal-year", ""]
    assert [q.heading for q in bank.questions(
        drafts["assessments/plan-basics-01-quiz.en.md"].text)][:2] == [
        "Which are SDG 11 targets?", "When does fiscal year 2026 (B.E. 2569) start?"]
    assert client.post(url, data={**_state(client, url), "bank": "retire:2"}).status_code == 302
    added = client.post(url, data={**_state(client, url), "bank": "add", "new_kind": "ordering"})
    assert added.status_code == 302
    published = client.post(url, data={**_state(client, url), "action": "publish"})
    assert published.status_code == 302, published.get_data(as_text=True)[-3000:]

    item = get_session().scalar(select(Assessment).where(Assessment.slug == "plan-basics-01-quiz"))
    assert item is not None and item.current_version is not None
    get_session().refresh(item)
    assert item.current_version.number == 2
    assert _keys(item.current_version) == ["sdg11-targets", "fiscal-year", "q1"]
    assert item.current_version.questions[2].kind == "ordering"
    assert "New question" in item.current_version.questions[2].text_html_en
    first = get_session().scalar(select(AssessmentVersion).where(
        AssessmentVersion.assessment_id == item.id, AssessmentVersion.number == 1))
    assert first is not None and len(first.questions) == 3  # version 1 keeps its bank
    assert get_session().scalars(select(ContentDraft)).all() == []
    actions = list(get_session().scalars(select(AuditEvent.action)))
    assert actions.count("content.bank_edited") == 3 and "content.published" in actions


def test_a_bank_move_from_a_stale_page_is_a_conflict(any_app: Flask, tmp_path: Path) -> None:
    set_up(tmp_path)
    client = signed_in(any_app, "trainer@example.org")
    url = prefix(any_app) + "/author/courses/plan-basics/quiz/plan-basics-01-quiz.md"
    stale = _state(client, url)
    assert client.post(url, data={**stale, "bank": "down:0"}).status_code == 302
    again = client.post(url, data={**stale, "bank": "retire:0"})
    assert again.status_code == 409
    assert client.post(url, data={**_state(client, url), "bank": "sideways:0"}
                       ).status_code == 400

"""The editor's live preview endpoint (CSRF-protected POST, writes nothing) and image uploads
into the course's files (type by magic bytes, size capped, referenced by relative path)."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from ldptrain.db import get_session
from ldptrain.models import AuditEvent, ContentDraft, CourseFile
from ldptrain.services import authoring

from ..conftest import csrf_token
from ..factories import prefix
from .helpers import set_up, signed_in

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def _editor(app: Flask) -> str:
    return prefix(app) + "/author/courses/plan-basics/edit/01-intro.md"


def test_live_preview_renders_checks_and_writes_nothing(any_app: Flask, tmp_path: Path) -> None:
    people = set_up(tmp_path)
    client = signed_in(any_app, "trainer@example.org")
    token = csrf_token(client, _editor(any_app))
    audited = get_session().scalar(select(func.count()).select_from(AuditEvent))
    url = prefix(any_app) + "/author/courses/plan-basics/preview"
    text = authoring.published_text(people.course, authoring.find_source(
        people.course, "courses/plan-basics/01-intro.md"))
    live = client.post(url, headers={"X-CSRFToken": token}, data={
        "path": "courses/plan-basics/01-intro.md",
        "text": text.replace("duration: 30", "duration: นาน")
        + "\nย่อหน้าใหม่ <img src=x onerror=alert(1)>\n"})
    fragment = live.get_data(as_text=True)
    assert live.status_code == 200
    assert "ย่อหน้าใหม่" in fragment and "onerror" not in fragment
    assert 'data-line="5"' in fragment  # the check's finding, by line
    assert get_session().scalar(select(func.count()).select_from(ContentDraft)) == 0
    assert get_session().scalar(select(func.count()).select_from(AuditEvent)) == audited
    forged = client.post(url, data={"path": "courses/plan-basics/01-intro.md", "text": "x"})
    assert forged.status_code == 400
    other = signed_in(any_app, "other@example.org")
    token = csrf_token(other, prefix(any_app) + "/me")
    assert other.post(url, headers={"X-CSRFToken": token},
                      data={"path": "courses/plan-basics/01-intro.md", "text": "x"}
                      ).status_code == 404
    assert client.post(url, headers={"X-CSRFToken": csrf_token(client, _editor(any_app))},
                       data={"path": "courses/plan-advanced/01-review.md", "text": "x"}
                       ).status_code == 404


def test_an_image_is_uploaded_checked_and_shown_in_the_preview(any_app: Flask,
                                                                tmp_path: Path) -> None:
    set_up(tmp_path)
    client = signed_in(any_app, "trainer@example.org")
    editor = _editor(any_app)
    url = prefix(any_app) + "/author/courses/plan-basics/files"

    def send(name: str, data: bytes, **extra: str):  # type: ignore[no-untyped-def]
        return client.post(url, data={"csrf_token": csrf_token(client, editor),
                                      "back": "courses/plan-basics/01-intro.md",
                                      "image": (io.BytesIO(data), name), **extra},
                           content_type="multipart/form-data")

    done = send("แผนที่ Map 1.PNG", PNG)
    assert done.status_code == 302 and done.location.endswith("/edit/01-intro.md")
    stored = get_session().scalar(select(CourseFile).where(CourseFile.path == "images/map-1.png"))
    assert stored is not None and stored.media_type == "image/png" and stored.data == PNG
    page = client.get(editor).get_data(as_text=True)
    assert "![" in page and "(images/map-1.png)" in page  # the Markdown to paste
    served = client.get(prefix(any_app) + "/courses/plan-basics/files/images/map-1.png")
    assert served.status_code == 200 and served.data == PNG

    refused = [send("evil.png", b"<svg onload=alert(1)>"),
               send("big.png", PNG + b"0" * 1024 * 1024), send("map-1.png", PNG + b"changed")]
    assert all(r.status_code == 302 for r in refused)
    assert get_session().scalar(select(func.count()).select_from(CourseFile).where(
        CourseFile.path.like("images/%"))) == 2  # cycle.png and map-1.png, nothing else
    get_session().refresh(stored)
    assert stored.data == PNG  # not replaced without asking
    assert send("map-1.png", PNG + b"changed", replace="1").status_code == 302
    get_session().refresh(stored)
    assert stored.data == PNG + b"changed"
    actions = list(get_session().scalars(select(AuditEvent.action)))
    assert actions.count("content.file_uploaded") == 2

    other = signed_in(any_app, "other@example.org")
    assert other.post(url, data={"csrf_token": csrf_token(other, prefix(any_app) + "/me"),
                                 "image": (io.BytesIO(PNG), "x.png")},
                      content_type="multipart/form-data").status_code == 404


def test_image_kind_reads_the_bytes_not_the_name() -> None:
    assert authoring.image_kind(PNG) == ("image/png", "png")
    assert authoring.image_kind(b"\xff\xd8\xff\xe0rest") == ("image/jpeg", "jpg")
    assert authoring.image_kind(b"GIF89a...") == ("image/gif", "gif")
    assert authoring.image_kind(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image/webp", "webp")
    assert authoring.image_kind(b"<?xml version='1.0'?><svg/>") is None
    assert authoring.image_kind(b"%PDF-1.7") is None

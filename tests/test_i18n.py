"""The Thai/English UI: every string extracted from the code has a reviewed Thai translation, the
shipped .mo files are the compiled .po files, pages come out in the reader's language with
Buddhist Era dates in Thai, and the language switch is remembered on the account."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from ldptrain.db import get_session
from ldptrain.models import User
from ldptrain.resources import TRANSLATIONS
from ldptrain.services import attempts, enrolment

from . import factories as f
from .conftest import csrf_token

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def _po(lang: str) -> Catalog:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "ldptrain.po", "rb") as fh:
        return read_po(fh, locale=lang)


def _strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _key(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production. The fixtures hold one app context
    for the whole test, and Flask-Babel (locale) and Flask-Login (user) cache on `g`, so without
    this the first request's language and user would stick to every later request."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def web(any_app: Flask) -> Flask:
    any_app.test_client_class = FreshContextClient
    return any_app


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the code asks to translate today, extracted by the same command that builds the
    catalogue (scripts/i18n), so the keywords and mapping cannot drift from the test."""
    out = tmp_path_factory.mktemp("i18n") / "ldptrain.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(["bash", str(ROOT / "scripts" / "i18n"), "extract", str(out)], check=True,
                   env={**os.environ, "PYBABEL": str(pybabel)}, cwd=ROOT)
    with open(out, "rb") as fh:
        return read_po(fh)


def test_extraction_finds_python_and_template_strings(extracted: Catalog) -> None:
    # One known string from each source the extractor must cover: a template `_()`, a template
    # `ngettext()`, a view's `_()`, a form's `_l()` and a service's `lazy_gettext()`.
    found = {m.id if isinstance(m.id, str) else m.id[0] for m in extracted if m.id}
    assert {"Skip to content", "%(num)s module", "Enrol in the course to read its modules.",
            "Please fill this in.", "This course is no longer offered."} <= found


def test_every_ui_string_has_a_reviewed_thai_translation(extracted: Catalog) -> None:
    thai = _po("th")
    problems = []
    for message in extracted:
        if not message.id:
            continue
        entry = thai.get(message.id)
        label = _ids(message)[0][:70]
        if entry is None or not all(s.strip() for s in _strings(entry)):
            problems.append(f"missing: {label!r}")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy (review it): {label!r}")
        else:
            for text in _strings(entry):
                if _placeholders(text) != _placeholders(_ids(message)[-1]):
                    problems.append(f"placeholders differ: {label!r} -> {text!r}")
                if unicodedata.normalize("NFC", text) != text:
                    problems.append(f"not NFC: {label!r}")
    assert not problems, "Run scripts/i18n and translate:\n" + "\n".join(problems)


def test_thai_catalogue_is_one_plural_form_and_passes_babels_checks() -> None:
    thai = _po("th")
    assert thai.num_plurals == 1
    errors = [(m.id, str(e)) for m in thai if m.id and "fuzzy" not in m.flags
              for e in m.check(thai)]
    assert not errors


@pytest.mark.parametrize("lang", ["th", "en"])
def test_committed_mo_is_the_compiled_po(lang: str, tmp_path: Path) -> None:
    catalog = _po(lang)
    fresh = tmp_path / "fresh.mo"
    with open(fresh, "wb") as fh:
        write_mo(fh, catalog)
    with open(fresh, "rb") as fh:
        expected = {_key(m.id): _key(m.string) for m in read_mo(fh)}
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "ldptrain.mo", "rb") as fh:
        committed = {_key(m.id): _key(m.string) for m in read_mo(fh)}
    assert committed == expected, "stale .mo: run scripts/i18n compile"


def _course_with_an_attempt(language: str) -> tuple[str, str]:
    """A trainee who started the course's final assessment on 25 Nov 2026 (10:00 in Thailand)."""
    final = f.assessment("plans-final")
    course = f.course("plans", modules=1, final=final)
    person = f.user(f"{language}@example.org", language=language)
    mine = enrolment.enrol(person, course)
    started = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
    attempts.start(person, final, mine, now=started)
    get_session().commit()
    return person.email, "/courses/plans/a/plans-final"


def test_thai_page_shows_thai_ui_and_buddhist_era_dates(web: Flask) -> None:
    email, path = _course_with_an_attempt("th")
    client = web.test_client()
    f.sign_in(client, web, email)
    page = client.get(f.prefix(web) + path).get_data(as_text=True)
    assert '<html lang="th">' in page
    for thai in ("ออกจากระบบ", "การเรียนของฉัน", "การทำแบบทดสอบของท่าน", "เกณฑ์ผ่าน"):
        assert thai in page
    assert "25 พ.ย. 2569" in page
    assert "Sign out" not in page and "Your attempts" not in page


def test_english_page_shows_english_ui_and_gregorian_dates(web: Flask) -> None:
    email, path = _course_with_an_attempt("en")
    client = web.test_client()
    f.sign_in(client, web, email)
    page = client.get(f.prefix(web) + path).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign out" in page and "Your attempts" in page and "Pass mark" in page
    assert "25 Nov 2026" in page
    assert "ออกจากระบบ" not in page and "2569" not in page


def test_language_switch_is_remembered_on_the_account(web: Flask) -> None:
    base = f.prefix(web)
    f.course("plans", modules=2)
    person = f.user("somying@example.org", language="th")
    get_session().commit()
    phone = web.test_client()
    f.sign_in(phone, web, person.email)
    assert "หลักสูตร" in phone.get(f"{base}/").get_data(as_text=True)

    switched = phone.post(f"{base}/language", data={
        "csrf_token": csrf_token(phone, f"{base}/"), "lang": "en", "next": f"{base}/"})
    assert switched.status_code == 302
    page = phone.get(f"{base}/").get_data(as_text=True)
    assert '<html lang="en">' in page and "2 modules" in page

    get_session().rollback()  # end the test's transaction: read what the request committed
    get_session().expire_all()
    assert get_session().get(User, person.id).language == "en"
    # Another device: a fresh browser session, signed in, gets the saved choice.
    laptop = web.test_client()
    f.sign_in(laptop, web, person.email)
    page = laptop.get(f"{base}/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign out" in page and "ออกจากระบบ" not in page


def test_visitors_get_thai_by_default_and_can_switch_without_an_account(web: Flask) -> None:
    base = f.prefix(web)
    f.course("plans", modules=3)
    get_session().commit()
    client = web.test_client()
    page = client.get(f"{base}/").get_data(as_text=True)
    assert '<html lang="th">' in page and "3 บทเรียน" in page and "เข้าสู่ระบบ" in page
    client.post(f"{base}/language", data={"csrf_token": csrf_token(client, f"{base}/"),
                                           "lang": "en"})
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "3 modules" in page and "Sign in" in page


IMPORT = re.compile(r"{%-?\s*(?:from\s+[\"']([^\"']+)[\"']\s+import|import\s+[\"']([^\"']+)[\"'])"
                    r"(.*?)-?%}", re.S)


def test_macros_that_translate_are_imported_with_context() -> None:
    """Our `_` comes from a context processor; a macro imported without context gets the Jinja
    global instead (Flask-Babel's default domain, or the host's), so its strings stay English."""
    templates = ROOT / "templates"
    wrong = []
    for page in templates.rglob("*.html"):
        for match in IMPORT.finditer(page.read_text(encoding="utf-8")):
            imported = templates / (match.group(1) or match.group(2))
            uses_gettext = imported.is_file() and re.search(
                r"\b(_|gettext|ngettext)\(", imported.read_text(encoding="utf-8"))
            if uses_gettext and "with context" not in match.group(3):
                wrong.append(f"{page.relative_to(ROOT)}: {match.group(0).strip()}")
    assert not wrong, "add `with context`:\n" + "\n".join(wrong)

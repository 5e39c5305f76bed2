"""Form errors that a screen reader announces and a keyboard can reach: one summary at the top
(role=alert, focused on load without script), each error linking to its field, each field
described by its error and its hint; a failed sign-in announced the same way."""

from __future__ import annotations

import re

from flask import Flask

from ldptrain.db import get_session

from . import factories as f
from .conftest import csrf_token


def _summary(page: str) -> str:
    found = re.search(r'<div class="error-summary" role="alert" tabindex="-1" autofocus'
                      r'.*?</div>', page, re.S)
    assert found, "no announced error summary"
    return found.group(0)


def test_signup_errors_are_summarised_linked_and_described(any_app: Flask) -> None:
    base = f.prefix(any_app)
    client = any_app.test_client()
    token = csrf_token(client, f"{base}/signup")
    page = client.post(f"{base}/signup", data={"csrf_token": token, "email": "not-an-email"}
                       ).get_data(as_text=True)
    summary = _summary(page)
    links = re.findall(r'<a href="#([\w-]+)">', summary)
    # The organisation (a group of radios) links to its fieldset, consent to its checkbox.
    assert {"email", "name_th", "password", "org-picker", "consent"} <= set(links), links
    for target in links:
        assert f'id="{target}"' in page, target
    email = re.search(r'<input[^>]*id="email"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in email and 'aria-describedby="email-error' in email
    assert 'id="email-error"' in page
    consent = re.search(r'<input[^>]*id="consent"[^>]*>', page).group(0)
    assert 'aria-describedby="consent-error"' in consent and 'id="consent-error"' in page
    assert re.search(r'<fieldset id="org-picker"[^>]*aria-describedby="organisation-error"', page)


def test_hints_are_linked_to_their_fields(any_app: Flask) -> None:
    base = f.prefix(any_app)
    page = any_app.test_client().get(f"{base}/signup").get_data(as_text=True)
    hints = re.findall(r'<p class="hint" id="([\w-]+)-hint">', page)
    assert hints, "the sign-up form has field hints"
    for name in hints:
        field = re.search(rf'<(?:input|select|textarea)[^>]*id="{name}"[^>]*>', page).group(0)
        assert f"{name}-hint" in field, field
    assert "error-summary" not in page  # nothing to correct yet


def test_a_failed_sign_in_is_announced_and_focused(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.user("somchai@example.org")
    get_session().commit()
    client = any_app.test_client()
    token = csrf_token(client, f"{base}/login")
    page = client.post(f"{base}/login", data={"csrf_token": token, "email": "somchai@example.org",
                                              "password": "wrong password"},
                       follow_redirects=True).get_data(as_text=True)
    assert re.search(r'<p class="flash flash-error" role="alert" tabindex="-1" autofocus>', page)


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


def test_a_refused_form_says_so_in_the_page_title_in_thai_and_english(any_app: Flask) -> None:
    """The title is read first when the page loads: it says the form came back with errors."""
    base = f.prefix(any_app)
    client = any_app.test_client()
    token = csrf_token(client, f"{base}/signup")
    assert _title(client.get(f"{base}/signup").get_data(as_text=True)).startswith("สมัครสมาชิก")
    refused = client.post(f"{base}/signup", data={"csrf_token": token, "email": "x"})
    assert _title(refused.get_data(as_text=True)).startswith("ข้อผิดพลาด: สมัครสมาชิก")
    client.post(f"{base}/language", data={"csrf_token": token, "lang": "en"})
    refused = client.post(f"{base}/signup", data={"csrf_token": token, "email": "x"})
    assert _title(refused.get_data(as_text=True)).startswith("Error: Create an account")


def test_a_failed_sign_in_says_so_in_the_page_title(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.user("somchai@example.org")
    get_session().commit()
    client = any_app.test_client()
    token = csrf_token(client, f"{base}/login")
    assert _title(client.get(f"{base}/login").get_data(as_text=True)).startswith("เข้าสู่ระบบ")
    page = client.post(f"{base}/login", data={"csrf_token": token, "email": "somchai@example.org",
                                              "password": "wrong password"}).get_data(as_text=True)
    assert _title(page).startswith("ข้อผิดพลาด: เข้าสู่ระบบ")
    # A field left empty is refused before any password check: the same title.
    page = client.post(f"{base}/login", data={"csrf_token": token, "email": ""}
                       ).get_data(as_text=True)
    assert _title(page).startswith("ข้อผิดพลาด: เข้าสู่ระบบ")
    assert 'class="error-summary"' in page


def test_every_form_page_with_an_error_summary_titles_its_errors(any_app: Flask) -> None:
    """Signed in: the account pages (details, password, consent) come back titled as refused."""
    base = f.prefix(any_app)
    f.user("somchai@example.org")
    get_session().commit()
    client = any_app.test_client()
    f.sign_in(client, any_app, "somchai@example.org")
    token = csrf_token(client, f"{base}/account/")
    for path, data in [("/account/", {"name_th": ""}),
                       ("/account/password", {"current": ""}),
                       ("/account/consent", {})]:
        page = client.post(f"{base}{path}", data={"csrf_token": token, **data})
        text = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert _title(text).startswith("ข้อผิดพลาด: "), (path, _title(text))
        assert 'class="error-summary"' in text, path

"""Accounts: sign-up with consent, organisation search, passwords, reset links, rate limits."""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ldptrain import tasks
from ldptrain.db import get_session
from ldptrain.models import AuditEvent, Job, Membership, MembershipStatus, OutboxMessage, User
from ldptrain.services import accounts

from . import factories as f
from .conftest import _clear_g, csrf_token, make_standalone

CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')
CSRF_INPUT = re.compile(r'name="csrf_token"( type="hidden")? value="[^"]*"')
LINK_RE = re.compile(r"http://localhost(/\S*password/reset/\S+)")


def _links() -> list[str]:
    """The password links in the outbox, oldest first (no mail server is set in tests, so every
    message is held there for admins)."""
    get_session().expire_all()
    messages = get_session().scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return [link for m in messages for link in LINK_RE.findall(m.body_text)]


def english(client, base: str) -> None:  # type: ignore[no-untyped-def]
    """Read pages in English, so assertions do not depend on the Thai catalogue."""
    token = csrf_token(client, f"{base}/login")
    client.post(f"{base}/language", data={"csrf_token": token, "lang": "en"})


def _signup_data(token: str, org_id: int | None, **extra: str) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": token, "name_th": "นางสาวสุดา ทดสอบ", "name_en": "Suda Test",
        "email": "Suda@Example.org", "position": "นักวิเคราะห์นโยบายและแผน",
        "password": "long enough pw", "password_again": "long enough pw", "consent": "y"}
    if org_id is not None:
        data["organisation_id"] = str(org_id)
    data.update(extra)
    return data


def test_signup_records_consent_and_a_pending_claim(any_app: Flask) -> None:
    base = f.prefix(any_app)
    org = f.organisation("เทศบาลตำบลบ้านนาดี", code="5500101")
    get_session().commit()
    client = any_app.test_client()
    english(client, base)
    token = csrf_token(client, f"{base}/signup")
    notice = client.get(f"{base}/privacy").get_data(as_text=True)
    assert "B.E. 2562" in notice and any_app.config["LDPTRAIN_PRIVACY_VERSION"] in notice

    # Without JavaScript: the Search button reloads the form with matches to pick from.
    found = client.post(f"{base}/signup", data={**_signup_data(token, None), "org_q": "นาดี",
                                                 "find": "1"})
    assert found.status_code == 200
    assert f'name="organisation_id" value="{org.id}"' in found.get_data(as_text=True)
    assert get_session().scalar(select(User)) is None

    no_consent = _signup_data(token, org.id)
    del no_consent["consent"]
    refused = client.post(f"{base}/signup", data=no_consent)
    assert refused.status_code == 200
    assert "give your consent" in refused.get_data(as_text=True)
    assert get_session().scalar(select(User)) is None

    done = client.post(f"{base}/signup", data=_signup_data(token, org.id))
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"{base}/login")
    user = get_session().scalar(select(User))
    assert user is not None and user.email == "suda@example.org"
    assert user.consent_at is not None
    assert user.privacy_version == any_app.config["LDPTRAIN_PRIVACY_VERSION"]
    assert user.organisation_id is None  # not counted for the organisation until confirmed
    claim = get_session().scalar(select(Membership).where(Membership.user_id == user.id))
    assert claim is not None and claim.status == MembershipStatus.PENDING
    assert claim.organisation_id == org.id
    actions = set(get_session().scalars(select(AuditEvent.action)))
    assert {"user.create", "privacy.consent", "membership.request"} <= actions
    # No mail server: the sign-in page, the address filled in, then a page that says the
    # claim is waiting.
    login = client.get(f"{base}/login").get_data(as_text=True)
    assert 'value="suda@example.org"' in login and "Sign in with your e-mail address" in login
    assert _sign_in(client, base, "suda@example.org", "long enough pw").status_code == 302
    page = client.get(f"{base}/account/").get_data(as_text=True)
    assert "5500101" in page and "Waiting for confirmation" in page


def test_signup_needs_an_organisation(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.organisation()
    get_session().commit()
    client = any_app.test_client()
    english(client, base)
    token = csrf_token(client, f"{base}/signup")
    no_org = client.post(f"{base}/signup", data=_signup_data(token, None))
    assert no_org.status_code == 200
    assert "Choose your organisation from the list." in no_org.get_data(as_text=True)
    assert get_session().scalar(select(User)) is None


def _answer(client, base: str, data: dict[str, object]) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    """What a sign-up shows: status, where it leads, the cookies it sets, and the page it ends
    on, with the per-request CSRF token and the address typed masked out."""
    got = client.post(f"{base}/signup", data=data)
    page = got.get_data(as_text=True)
    if got.status_code == 302:
        page = client.get(got.headers["Location"]).get_data(as_text=True)
    page = CSRF_INPUT.sub("csrf", page).replace(str(data["email"]).lower(), "EMAIL")
    cookies = sorted(c.split("=", 1)[0] for c in got.headers.getlist("Set-Cookie"))
    return got.status_code, got.headers.get("Location"), cookies, page


def _hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the password hashes sign-up computes (the slow step that sets its timing)."""
    from ldptrain.services import signup

    seen: list[str] = []
    real = signup.generate_password_hash

    def counting(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
        seen.append(password)
        return real(password, method=method, salt_length=salt_length)

    monkeypatch.setattr(signup, "generate_password_hash", counting)
    return seen


def test_signup_answers_alike_for_a_registered_address_without_mail(
        any_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """No mail server: the same answer; the new address gets its account, the owner of the
    registered one a notice held in the outbox, and their account is left as it was."""
    base = f.prefix(any_app)
    org = f.organisation()
    owner = f.user("somchai@example.org", language="en")
    get_session().commit()
    hashes = _hashes(monkeypatch)
    answers = []
    for email in ("somchai@example.org", "newcomer@example.org"):
        client = any_app.test_client()
        english(client, base)
        token = csrf_token(client, f"{base}/signup")
        answers.append(_answer(client, base, _signup_data(token, org.id, email=email)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302 and "Sign in with your e-mail address" in str(answers[0][3])
    assert len(hashes) == 2  # the slow step ran for both addresses

    get_session().expire_all()
    assert {u.email for u in get_session().scalars(select(User))} == {
        "somchai@example.org", "newcomer@example.org"}
    notice = get_session().scalars(select(OutboxMessage)).one()
    assert notice.to == "somchai@example.org" and notice.status == "held"
    assert notice.subject == "Someone tried to sign up with your e-mail address"
    assert "no new account was created" in notice.body_text
    assert "/password/reset" in notice.body_text
    # The owner's password and name are untouched; the form's password does not sign in.
    client = any_app.test_client()
    assert _sign_in(client, base, "somchai@example.org", "long enough pw").status_code == 200
    assert _sign_in(client, base, "somchai@example.org", f.PASSWORD).status_code == 302
    get_session().refresh(owner)
    assert owner.name_en != "Suda Test"


def test_signup_with_mail_confirms_the_address_and_tells_a_registered_owner(
        any_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mail configured: one "check your e-mail" page for both; the owner's notice (in their
    language) and the newcomer's link go through the outbox and the queue, never in the request;
    the account exists once the link is used."""
    from ldptrain.models import PendingSignup

    base = f.prefix(any_app)
    org = f.organisation(code="5500777")
    f.user("somchai@example.org", language="th")
    get_session().commit()
    any_app.config.update(LDPTRAIN_MAIL_SERVER="127.0.0.1", LDPTRAIN_MAIL_PORT=1)
    sent: list[object] = []
    monkeypatch.setattr("ldptrain.services.mail._transport", sent.append)
    hashes = _hashes(monkeypatch)
    answers = []
    for email in ("somchai@example.org", "newcomer@example.org"):
        client = any_app.test_client()
        english(client, base)
        token = csrf_token(client, f"{base}/signup")
        answers.append(_answer(client, base, _signup_data(token, org.id, email=email)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200 and "Check your e-mail" in str(answers[0][3])
    assert len(hashes) == 2
    assert sent == []  # nothing was sent inside the requests

    get_session().expire_all()
    assert [u.email for u in get_session().scalars(select(User))] == ["somchai@example.org"]
    messages = {m.to: m for m in get_session().scalars(select(OutboxMessage))}
    assert {m.status for m in messages.values()} == {"queued"}
    jobs = get_session().scalars(select(Job)).all()
    assert sorted(j.args[0] for j in jobs) == sorted(m.id for m in messages.values())
    assert {j.name for j in jobs} == {"mail.send"}
    # The owner reads it in their own language (Thai), whatever the page's.
    notice = messages["somchai@example.org"]
    assert notice.subject == "มีผู้พยายามสมัครสมาชิกด้วยอีเมลของท่าน"
    assert tasks.run_pending(any_app) == 2 and len(sent) == 2

    link = re.search(r"http://localhost(/\S*signup/confirm/\S+)",
                     messages["newcomer@example.org"].body_text)
    assert link is not None
    assert get_session().scalars(select(PendingSignup)).one().email == "newcomer@example.org"
    client = any_app.test_client()
    english(client, base)
    # Opening the link (as a mail scanner would) uses nothing up.
    token = csrf_token(client, link.group(1))
    assert get_session().scalar(select(User).where(User.email == "newcomer@example.org")) is None
    done = client.post(link.group(1), data={"csrf_token": token})
    assert done.status_code == 302
    page = client.get(f"{base}/account/").get_data(as_text=True)
    assert "5500777" in page and "Waiting for confirmation" in page
    user = get_session().scalar(select(User).where(User.email == "newcomer@example.org"))
    assert user is not None and user.consent_at is not None and user.last_login_at is not None
    assert get_session().scalar(select(PendingSignup)) is None
    assert client.get(link.group(1)).status_code == 400  # spent
    # The password chosen on the form is the account's.
    other = any_app.test_client()
    assert _sign_in(other, base, "newcomer@example.org", "long enough pw").status_code == 302


def test_a_confirmation_link_expires(app: Flask) -> None:
    import datetime as dt

    from ldptrain.models import PendingSignup
    from ldptrain.services import signup

    org = f.organisation()
    get_session().commit()
    app.config.update(LDPTRAIN_MAIL_SERVER="127.0.0.1", LDPTRAIN_MAIL_PORT=1)
    with app.test_request_context():
        signup.sign_up(email="late@example.org", password="long enough pw", name_th="ช้า",
                       name_en="", position="", organisation_id=org.id, consent=True)
    get_session().commit()
    body = get_session().scalars(select(OutboxMessage)).one().body_text
    path = re.search(r"http://localhost(/\S*signup/confirm/\S+)", body).group(1)  # type: ignore[union-attr]
    pending = get_session().scalars(select(PendingSignup)).one()
    pending.created_at -= signup.SIGNUP_MAX_AGE + dt.timedelta(minutes=1)
    get_session().commit()
    client = app.test_client()
    assert client.get(path).status_code == 400
    assert client.get("/signup/confirm/" + "x" * 500).status_code == 400
    assert get_session().scalar(select(User)) is None


def test_organisation_search_by_thai_english_name_or_code(any_app: Flask) -> None:
    base = f.prefix(any_app)
    org = f.organisation("องค์การบริหารส่วนตำบลดอนแก้ว", code="6500102")
    org.name_en = "Don Kaeo SAO"
    f.organisation("เทศบาลตำบลอื่น", code="5500999")
    get_session().commit()
    client = any_app.test_client()
    for query in ("ดอนแก้ว", "don kaeo", "6500102"):
        results = client.get(f"{base}/orgs/search", query_string={"q": query}).get_json()
        assert [r["code"] for r in results["results"]] == ["6500102"], query
    assert client.get(f"{base}/orgs/search?q=x").get_json() == {"results": []}


def _sign_in(client, base: str, email: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"{base}/login")
    return client.post(f"{base}/login", data={"csrf_token": token, "email": email,
                                               "password": password})


def test_password_change_ends_other_sessions(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.user("somchai@example.org", language="en")
    get_session().commit()
    phone, laptop = any_app.test_client(), any_app.test_client()
    english(phone, base)
    for client in (phone, laptop):
        assert _sign_in(client, base, "somchai@example.org", f.PASSWORD).status_code == 302
        assert client.get(f"{base}/account/").status_code == 200

    token = csrf_token(phone, f"{base}/account/password")
    wrong = phone.post(f"{base}/account/password", data={
        "csrf_token": token, "current": "not my password", "password": "a new password 1",
        "password_again": "a new password 1"})
    assert "The current password is not right." in wrong.get_data(as_text=True)
    assert laptop.get(f"{base}/account/").status_code == 200  # nothing changed yet

    done = phone.post(f"{base}/account/password", data={
        "csrf_token": token, "current": f.PASSWORD, "password": "a new password 1",
        "password_again": "a new password 1"})
    assert done.status_code == 302
    assert phone.get(f"{base}/account/").status_code == 200  # this device stays signed in
    assert laptop.get(f"{base}/account/").status_code == 302  # the other one is signed out
    fresh = any_app.test_client()
    assert _sign_in(fresh, base, "somchai@example.org", f.PASSWORD).status_code == 200
    assert _sign_in(fresh, base, "somchai@example.org", "a new password 1").status_code == 302


def test_reset_link_works_once(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.user("somchai@example.org")
    get_session().commit()
    client = any_app.test_client()
    token = csrf_token(client, f"{base}/password/reset")
    sent = client.post(f"{base}/password/reset", data={"csrf_token": token,
                                                         "email": "SOMCHAI@example.org"})
    assert sent.status_code == 200
    links = _links()
    assert len(links) == 1 and links[0].startswith(f"{base}/password/reset/")

    form = client.get(links[0])
    assert form.status_code == 200 and "somchai@example.org" in form.get_data(as_text=True)
    token = csrf_token(client, links[0])
    done = client.post(links[0], data={"csrf_token": token, "password": "brand new pass 1",
                                       "password_again": "brand new pass 1"})
    assert done.status_code == 302
    again = any_app.test_client()
    english(again, base)
    reused = again.get(links[0])
    assert reused.status_code == 400
    assert "not valid" in reused.get_data(as_text=True)
    assert _sign_in(again, base, "somchai@example.org", "brand new pass 1").status_code == 302


def test_reset_link_expires_after_an_hour(any_app: Flask, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    base = f.prefix(any_app)
    user = f.user("somchai@example.org")
    get_session().commit()
    with any_app.test_request_context():
        link = f"{base}/password/reset/{accounts.password_token(user)}"
    client = any_app.test_client()
    english(client, base)
    assert client.get(link).status_code == 200
    issued = time.time()
    monkeypatch.setattr(time, "time", lambda: issued + 3601)
    expired = client.get(link)
    assert expired.status_code == 400
    assert "expired" in expired.get_data(as_text=True)


def test_reset_answer_does_not_reveal_whether_an_account_exists(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.user("somchai@example.org")
    get_session().commit()
    client = any_app.test_client()
    token = csrf_token(client, f"{base}/password/reset")
    known = client.post(f"{base}/password/reset", data={"csrf_token": token,
                                                          "email": "somchai@example.org"})
    unknown = client.post(f"{base}/password/reset", data={"csrf_token": token,
                                                            "email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    # Identical pages, apart from the per-request CSRF token of the header's forms.
    def page(response):  # type: ignore[no-untyped-def]
        return CSRF_VALUE.sub("", response.get_data(as_text=True))

    assert page(known) == page(unknown)
    assert len(_links()) == 1  # only the real account got a message


def test_too_many_sign_in_attempts_get_a_friendly_429(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.user("somchai@example.org")
    get_session().commit()
    client = any_app.test_client()
    english(client, base)
    token = csrf_token(client, f"{base}/login")
    codes = [client.post(f"{base}/login", data={"csrf_token": token,
                                                "email": "somchai@example.org",
                                                "password": "guess number 1"}).status_code
             for _ in range(10)]
    assert codes == [200] * 10
    blocked = client.post(f"{base}/login", data={"csrf_token": token,
                                                 "email": "somchai@example.org",
                                                 "password": f.PASSWORD})
    assert blocked.status_code == 429
    assert "Too many requests. Please wait a minute" in blocked.get_data(as_text=True)
    # Another account from the same office address is not locked out.
    f.user("somsri@example.org")
    get_session().commit()
    assert _sign_in(client, base, "somsri@example.org", f.PASSWORD).status_code == 302


def test_a_host_blueprint_limit_holds_with_ldptrain_mounted(any_app: Flask) -> None:
    """Flask-Limiter checks blueprint limits in its before-request pass: ldptrain must leave
    that pass in place, or a host's limit would silently stop counting."""
    from flask import Blueprint

    from ldptrain.web.limits import limiter

    host = Blueprint("host_limited", __name__)

    @host.get("/ping")
    def ping() -> str:
        return "pong"

    limiter.limit("2/minute")(host)
    any_app.register_blueprint(host, url_prefix="/host-limited")
    client = any_app.test_client()
    codes = [client.get("/host-limited/ping").status_code for _ in range(5)]
    assert codes == [200, 200, 429, 429, 429]


def test_language_choice_follows_the_user_to_another_device(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.user("somchai@example.org")
    get_session().commit()
    phone = any_app.test_client()
    _sign_in(phone, base, "somchai@example.org", f.PASSWORD)
    token = csrf_token(phone, f"{base}/account/")
    phone.post(f"{base}/language", data={"csrf_token": token, "lang": "en"})
    laptop = any_app.test_client()
    _sign_in(laptop, base, "somchai@example.org", f.PASSWORD)
    assert '<html lang="en">' in laptop.get(f"{base}/account/").get_data(as_text=True)


def test_reset_request_survives_a_mail_server_that_is_down(any_app: Flask) -> None:
    base = f.prefix(any_app)
    f.user("somchai@example.org")
    get_session().commit()
    any_app.config.update(LDPTRAIN_MAIL_SERVER="127.0.0.1", LDPTRAIN_MAIL_PORT=1,
                          LDPTRAIN_QUEUE_RETRY_DELAY=60)
    client = any_app.test_client()
    token = csrf_token(client, f"{base}/password/reset")
    known = client.post(f"{base}/password/reset", data={"csrf_token": token,
                                                          "email": "somchai@example.org"})
    unknown = client.post(f"{base}/password/reset", data={"csrf_token": token,
                                                            "email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    # The request only stored the message; the job that sends it records why it could not.
    assert tasks.run_pending(any_app) == 1
    get_session().expire_all()
    message = get_session().scalars(select(OutboxMessage)).one()
    assert message.to == "somchai@example.org" and message.status == "queued"
    assert "Connection refused" in message.last_error and message.attempts == 1
    job = get_session().scalars(select(Job)).one()
    assert job.state == "queued" and job.next_attempt_at is not None  # retried later


REDIS_URL = os.environ.get("LDPTRAIN_TEST_REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL, reason="set LDPTRAIN_TEST_REDIS_URL")
def test_rate_limit_counts_in_redis(database_url: str, tmp_path: Path) -> None:
    """Production runs several workers: the counters must live in the shared Redis."""
    from ldptrain.web.limits import limiter

    app = make_standalone(database_url, tmp_path / "instance",
                          LDPTRAIN_RATELIMIT_STORAGE_URL=REDIS_URL)
    with app.app_context():
        assert type(limiter.storage).__name__.lower().startswith("redis")
        app.before_request(_clear_g)
        email = f"{uuid.uuid4().hex}@example.org"  # Redis keeps counters between runs
        client = app.test_client()
        token = csrf_token(client, "/login")
        codes = [client.post("/login", data={"csrf_token": token, "email": email,
                                             "password": "guess number 1"}).status_code
                 for _ in range(11)]
        assert codes == [200] * 10 + [429]
        app.extensions["ldptrain"].db.engine.dispose()


def test_passwords_are_hashed_with_the_librarys_default_parameters(app: Flask) -> None:
    """Sign-in is slow by design (benchmarks/load.py reports it apart): the cost is Werkzeug's
    own default scrypt (N=2**15, r=8, p=1), neither raised nor lowered here."""
    from werkzeug.security import generate_password_hash

    user = f.user("hash@example.org")
    ours = user.password_hash.split("$", 1)[0]
    assert ours == generate_password_hash("any").split("$", 1)[0] == "scrypt:32768:8:1"


def test_a_process_hashes_one_password_at_a_time(app: Flask,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """In a sign-in rush, threads of one worker wait their turn for scrypt instead of running
    sixteen memory-hard hashes at once on two cores (docs/operations.md)."""
    import threading

    from werkzeug import security

    running, most = [0], [0]
    lock = threading.Lock()

    def slow_check(hashed: str, password: str) -> bool:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return security.check_password_hash(hashed, password)

    monkeypatch.setattr(accounts, "check_password_hash", slow_check)

    def sign_in() -> None:
        with app.app_context():
            assert accounts.authenticate("nobody@example.org", "wrong password") is None

    threads = [threading.Thread(target=sign_in) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == accounts.HASHES_AT_ONCE == 1

"""The foundation: schema, mounting, settings, the organisation register."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, func, inspect, select, text

from ldptrain.db import get_session
from ldptrain.models import Course, Organisation, Role
from ldptrain.services import accounts, enrolment, organisations, schema

from . import factories as f
from .conftest import csrf_token

ORG_HEADER = "code,name_th,name_en,type,province_code,district_th,district_en,parent_code\n"


def test_migrations_build_the_schema_the_models_describe(app: Flask) -> None:
    engine = app.extensions["ldptrain"].db.engine
    assert schema.current_revision(engine) == schema.head_revision()
    assert schema.differences(engine) == []
    assert "ldp_certificate" in inspect(engine).get_table_names()


def test_upgrade_then_downgrade_on_a_fresh_database(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    schema.upgrade(engine)
    assert schema.differences(engine) == []
    schema.downgrade(engine, "base")
    assert not [t for t in inspect(engine).get_table_names() if t != "ldp_alembic_version"]
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()


def _login(client, prefix: str, email: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"{prefix}/login")
    return client.post(f"{prefix}/login", data={
        "csrf_token": token, "email": email, "password": password})


def test_login_redirect_and_template_override_under_any_mount(any_app: Flask) -> None:
    prefix = any_app.extensions["ldptrain"].url_prefix
    accounts.create_user(email="somchai@example.org", password="correct horse 1",
                         name_th="นายสมชาย ใจดี")
    get_session().commit()
    client = any_app.test_client()
    response = client.get(f"{prefix}/me")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{prefix}/login?next=")
    login_page = client.get(response.headers["Location"])
    assert f'action="{prefix}/language"' in login_page.get_data(as_text=True)
    token = csrf_token(client, response.headers["Location"])
    done = client.post(response.headers["Location"], data={
        "csrf_token": token, "email": "somchai@example.org", "password": "correct horse 1"})
    assert done.status_code == 302 and done.headers["Location"] == f"{prefix}/me"
    page = client.get(f"{prefix}/me").get_data(as_text=True)
    assert "นายสมชาย ใจดี" in page
    mounted = prefix == "/training"
    assert ("HOST OVERRIDE" in page) is mounted
    assert f"{prefix}/static/css/ldptrain.css" in page


def test_wrong_password_and_missing_csrf_are_refused(any_app: Flask) -> None:
    prefix = any_app.extensions["ldptrain"].url_prefix
    accounts.create_user(email="a@example.org", password="correct horse 1", name_th="ก")
    get_session().commit()
    client = any_app.test_client()
    bad = _login(client, prefix, "a@example.org", "wrong password!")
    assert bad.status_code == 200
    assert client.get(f"{prefix}/me").status_code == 302
    no_token = client.post(f"{prefix}/login",
                           data={"email": "a@example.org", "password": "correct horse 1"})
    assert no_token.status_code == 400


def test_host_keeps_its_own_routes(any_app: Flask) -> None:
    if any_app.extensions["ldptrain"].url_prefix:
        assert any_app.test_client().get("/").get_data(as_text=True) == "host home"


def test_open_redirects_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    accounts.create_user(email="b@example.org", password="correct horse 1", name_th="ข")
    get_session().commit()
    token = csrf_token(client, "/login")
    response = client.post("/login?next=//evil.example/x", data={
        "csrf_token": token, "email": "b@example.org", "password": "correct horse 1"})
    assert response.headers["Location"] == "/"


def test_organisation_import_is_idempotent(app: Flask) -> None:
    organisations.load_provinces()
    csv_text = ORG_HEADER + (
        "5500101,เทศบาลตำบลบ้านนาดี,Ban Na Di Subdistrict Municipality,"
        "subdistrict_municipality,50,เมืองเชียงใหม่,Mueang Chiang Mai,\n"
        "6500102,องค์การบริหารส่วนตำบลดอนแก้ว,Don Kaeo SAO,sao,50,แม่ริม,Mae Rim,5500101\n")
    first = organisations.import_organisations(csv_text, "orgs.csv")
    get_session().commit()
    again = organisations.import_organisations(csv_text, "orgs.csv")
    get_session().commit()
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    child = get_session().scalar(select(Organisation).where(Organisation.code == "6500102"))
    assert child is not None and child.parent is not None and child.parent.code == "5500101"


def test_malformed_organisation_csv_reports_rows_and_writes_nothing(app: Flask) -> None:
    organisations.load_provinces()
    csv_text = ORG_HEADER + (
        "5500101,เทศบาลตำบลบ้านนาดี,Ban Na Di,subdistrict_municipality,50,,,\n"
        "5500102,,No Thai name,sao,50,,,\n"
        "5500103,อบต.ทดสอบ,Test,village,50,,,\n"
        "5500101,ซ้ำ,Duplicate,sao,99,,,\n"
        "5500104,อบต.หนึ่ง,One,sao,50,,,NOPE\n")
    try:
        organisations.import_organisations(csv_text, "bad.csv")
    except organisations.ImportFailed as exc:
        problems = exc.problems
    else:
        raise AssertionError("a bad file must fail")
    get_session().rollback()
    assert "bad.csv:3: 'name_th' is empty" in problems
    assert any(p.startswith("bad.csv:4: unknown type 'village'") for p in problems)
    assert "bad.csv:5: code 5500101 already used on row 2" in problems
    assert any(p.startswith("bad.csv:5: unknown province code '99'; ") for p in problems)
    assert "bad.csv:6: parent_code 'NOPE' is not a known organisation" in problems
    assert get_session().scalar(select(func.count()).select_from(Organisation)) == 0


def test_roles_are_stored_with_the_user(app: Flask) -> None:
    user = accounts.create_user(email="admin@example.org", password="correct horse 1",
                                name_th="ผู้ดูแล", roles=(Role.ADMIN,))
    get_session().commit()
    assert user.has_role(Role.ADMIN) and not user.has_role(Role.TRAINEE)


def test_pages_carry_security_headers(any_app: Flask) -> None:
    prefix = any_app.extensions["ldptrain"].url_prefix
    response = any_app.test_client().get(f"{prefix}/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_https_base_url_makes_cookies_secure(tmp_path: Path) -> None:
    from .conftest import make_standalone

    app = make_standalone("sqlite://", tmp_path / "i", LDPTRAIN_BASE_URL="https://t.example")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_unknown_address_gets_the_friendly_page_standalone(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert 'name="viewport"' in response.get_data(as_text=True)  # our page, readable on phones


def test_upgrading_to_0003_stamps_every_course_and_keeps_its_data(app: Flask) -> None:
    """The outline stamp migration on a database that already has courses and enrolments."""
    first, second = f.course("stamp-one"), f.course("stamp-two")
    enrolment.enrol(f.user(), first)
    get_session().commit()
    get_session().close()
    engine = app.extensions["ldptrain"].db.engine
    try:
        schema.downgrade(engine, "0002")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("ldp_course")}
        assert "outline_stamp" not in columns
        schema.upgrade(engine)
    finally:
        schema.upgrade(engine)
    stamps = dict(get_session().execute(select(Course.slug, Course.outline_stamp)).all())
    assert len(stamps[first.slug]) == 32 and stamps[first.slug] != stamps[second.slug]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ldp_enrolment")).scalar() == 1
    assert schema.differences(engine) == []


def test_gunicorn_workers_freeze_what_they_load() -> None:
    """`ldptrain serve` (and the pages benchmark) run gunicorn with ldptrain.gunicorn_hooks: the
    hook must be one gunicorn accepts, and take the app's objects out of the collector's view."""
    import gc

    from gunicorn.config import Config

    from ldptrain import gunicorn_hooks

    config = Config()
    config.set("post_worker_init", gunicorn_hooks.post_worker_init)  # gunicorn checks its arity
    assert gc.get_freeze_count() == 0
    try:
        config.post_worker_init(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_serve_runs_threaded_gunicorn_workers() -> None:
    """A sign-in's scrypt must not hold up the page views queued in the same process: gthread
    workers with several threads each (docs/operations.md)."""
    from ldptrain.gunicorn_hooks import post_worker_init
    from ldptrain.serve import THREADS, gunicorn_options

    options = gunicorn_options("127.0.0.1", 8000, 4, THREADS)
    assert options["worker_class"] == "gthread" and options["threads"] == THREADS >= 4
    assert options["workers"] == 4 and options["post_worker_init"] is post_worker_init
    assert options["timeout"] >= 60

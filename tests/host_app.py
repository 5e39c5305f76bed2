"""A realistic host application for ldptrain: the worked example of docs/host-integration.md.

What a host team typically has before it mounts ldptrain: an app factory, Flask-SQLAlchemy with its
own models, its own Flask-Login `LoginManager` with an integer-id `User` and a `user_loader`,
Flask-WTF's `CSRFProtect`, Flask-Babel with its own catalogue and locale selector, and its own
base template. `SecureUser` has what Flask-Security's user models have (`roles`, `has_role`,
`language`), the attributes ldptrain once mistook for its own.

`create_host(...)` mounts ldptrain before or after the host's LoginManager and Babel
(`ldptrain_first`), with ldptrain's own accounts or with the host's identity (`identity="host"`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask, abort, redirect, render_template, request, session, url_for
from flask_babel import Babel
from flask_babel import gettext as host_gettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ldptrain import HostIdentity, LDPTrain

TEMPLATES = Path(__file__).parent / "host_app_templates"

#: The host's own catalogue (Thai): its layout must keep it inside /training as well.
HOST_THAI = {"Host menu": "เมนูของเว็บหลัก", "Host home": "หน้าแรกเว็บหลัก"}
HOST_CDN = "https://cdn.host.example"


class HostBase(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=HostBase)
login_manager = LoginManager()
csrf = CSRFProtect()


class User(db.Model):  # type: ignore[name-defined,misc]
    """The host's plain user: integer ids 1, 2, 3... the same numbers as ldptrain's users."""

    __tablename__ = "host_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


class SecureUser(db.Model):  # type: ignore[name-defined,misc]
    """A Flask-Security-like user: roles, has_role and a language of its own."""

    __tablename__ = "host_secure_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="en")
    role_names: Mapped[str] = mapped_column(String(200), default="admin")

    is_authenticated = True
    is_active = True
    is_anonymous = False

    @property
    def roles(self) -> list[str]:
        return self.role_names.split(",")

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def get_id(self) -> str:
        return str(self.id)


def _model() -> type[Any]:
    from flask import current_app

    return SecureUser if current_app.config.get("HOST_SECURE_USERS") else User


@login_manager.user_loader
def load_user(user_id: str) -> Any:
    # A host's usual loader: its ids are integers (a string from elsewhere raises here).
    return db.session.get(_model(), int(user_id))


def host_locale() -> str:
    """The host's own rule: the language the host's visitor picked on the host's pages."""
    return str(session.get("host_lang", "th"))


def host_identity() -> HostIdentity:
    """ldptrain reads the host's signed-in user through this (identity="host")."""
    return HostIdentity(
        current_user,
        external_id=lambda u: f"host-user-{u.id}",
        email=lambda u: u.email,
        name=lambda u: u.name,
        login_url=lambda: url_for("host_login", next=request.full_path),
    )


def write_catalogue(folder: Path) -> Path:
    """The host's compiled Thai catalogue (domain "messages"), as `pybabel compile` makes it."""
    catalog = Catalog(locale="th", domain="messages")
    for english, thai in HOST_THAI.items():
        catalog.add(english, thai)
    target = folder / "th" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "messages.mo", "wb") as out:
        write_mo(out, catalog)
    return folder


def create_host(database_url: str, instance: Path, *, ldptrain_first: bool = False,
                identity: str = "own", mount: bool = True, **config: Any) -> Flask:
    from .conftest import TEST_CONFIG

    app = Flask("host_app", instance_path=str(instance), template_folder=str(TEMPLATES))
    app.config.update({**TEST_CONFIG, "SECRET_KEY": "host-app-secret",
                       "SQLALCHEMY_DATABASE_URI": database_url,
                       "BABEL_TRANSLATION_DIRECTORIES": str(
                           write_catalogue(instance / "host_translations")),
                       **config})
    db.init_app(app)
    csrf.init_app(app)

    def mount_ldptrain() -> None:
        if mount:
            LDPTrain(app, url_prefix="/training", db=db,
                     identity=host_identity() if identity == "host" else None)

    if ldptrain_first:
        mount_ldptrain()
    login_manager.init_app(app)
    login_manager.login_view = "host_login"
    Babel(app, locale_selector=host_locale)
    if not ldptrain_first:
        mount_ldptrain()

    app.context_processor(lambda: {"host_locale": host_locale})

    @app.get("/")
    def home() -> str:
        return render_template("home.html")

    @app.route("/login", methods=["GET", "POST"])
    def host_login() -> Any:
        if request.method == "POST":
            person = db.session.get(_model(), int(request.form["user_id"]))
            if person is None:
                abort(400)
            login_user(person)
            return redirect(request.args.get("next") or url_for("home"))
        return render_template("login.html")

    @app.post("/logout")
    def host_logout() -> Any:
        logout_user()
        return redirect(url_for("home"))

    @app.get("/private")
    @login_required
    def private() -> str:
        return f"host private page of {current_user.email}"

    @app.get("/lang/<lang>")
    def host_language(lang: str) -> Any:
        session["host_lang"] = lang
        return redirect(url_for("home"))

    @app.get("/boom")
    def boom() -> str:
        abort(404)

    @app.get("/gettext")
    def host_text() -> str:
        return host_gettext("Host home")

    with app.app_context():
        # Only the host's own tables (its metadata): ldptrain's come from its migrations.
        db.drop_all()
        db.create_all()
    return app


def add_host_user(app: Flask, user_id: int, email: str, name: str = "Host Person") -> Any:
    with app.app_context():
        person = _model()(id=user_id, email=email, name=name)
        db.session.add(person)
        db.session.commit()
        return person.id


def host_sign_in(client: Any, user_id: int) -> None:
    token = _token(client, "/login")
    done = client.post("/login", data={"user_id": user_id, "csrf_token": token})
    assert done.status_code == 302, done.get_data(as_text=True)


def host_sign_out(client: Any) -> None:
    token = _token(client, "/login")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def _token(client: Any, url: str) -> str:
    from .conftest import csrf_token

    return csrf_token(client, url)

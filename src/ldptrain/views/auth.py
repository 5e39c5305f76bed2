"""Sign in, sign out, language choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..db import get_session
from ..forms.auth import LoginForm
from ..i18n import LANGUAGES, gettext as _
from ..services import accounts

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: an open redirect would make phishing links look ours."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            get_session().rollback()
            flash(_("The e-mail or password is not right."), "error")
        else:
            get_session().commit()
            login_user(user, remember=bool(form.remember.data))
            session.pop("ldp_lang", None)
            return redirect(_safe_next(request.args.get("next"))
                            or url_for("ldptrain.catalogue.index"))
    return render_template("ldptrain/auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("ldptrain.catalogue.index"))


@bp.post("/language")
def language():  # type: ignore[no-untyped-def]
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["ldp_lang"] = lang
        if current_user.is_authenticated:
            accounts.set_language(current_user, lang)
            get_session().commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("ldptrain.catalogue.index"))

"""The trainee's own account: profile, password, organisation and transfer, personal data."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from ...db import get_session
from ...i18n import gettext as _
from ...models import Organisation, User
from ...services import accounts, api_tokens, membership, organisations, privacy, sessions
from .. import params, signed_in
from ..forms.account import ConsentForm, PasswordChangeForm, ProfileForm, SignOutEverywhereForm
from ..signed_in import login_required, who
from ..transaction import step
from .auth import safe_next

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is the signed-in person's own."""


def _me() -> User:
    """The signed-in user itself, not the proxy (services inspect the model)."""
    return signed_in.model(who)


def _membership_context() -> dict[str, object]:
    return {"current": membership.current_membership(who),
            "pending": membership.pending_membership(who),
            "history": membership.history(who)}


@bp.route("/", methods=["GET", "POST"])
def profile():  # type: ignore[no-untyped-def]
    form = ProfileForm(obj=who)
    if form.validate_on_submit():
        with step(form) as done:
            accounts.update_profile(who, name_th=form.name_th.data or "",
                                    name_en=form.name_en.data or "",
                                    position=form.position.data or "",
                                    language=form.language.data or "th")
        if done.ok:
            flash(_("Your details have been saved."), "success")
            return redirect(url_for(".profile"))
    query = request.args.get("q", "")
    results = organisations.search(query) if query.strip() else []
    return render_template("ldptrain/account/profile.html", form=form, query=query,
                           results=results, searched=bool(query.strip()),
                           **_membership_context())


@bp.post("/transfer")
def transfer():  # type: ignore[no-untyped-def]
    org_id = params.parse_id(request.form.get("organisation_id"))
    org = get_session().get(Organisation, org_id) if org_id else None
    if org is None:
        flash(_("Choose your organisation from the list."), "error")
        return redirect(url_for(".profile"))
    with step() as done:
        membership.request_membership(who, org, actor=who)
    if done.ok:
        flash(_("Your request has been sent. Your results count for your current organisation "
                "until the new one confirms it."), "success")
    return redirect(url_for(".profile"))


@bp.post("/transfer/withdraw")
def withdraw():  # type: ignore[no-untyped-def]
    with step() as done:
        membership.withdraw(who)
    if done.ok:
        flash(_("Your request has been withdrawn."), "info")
    return redirect(url_for(".profile"))


@bp.route("/password", methods=["GET", "POST"])
def password():  # type: ignore[no-untyped-def]
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with step(form) as done:
            accounts.change_password(who, form.current.data or "",
                                     form.password.data or "",
                                     keep_session=who.session_id,
                                     revoke_tokens=bool(form.revoke_tokens.data))
        if done.ok:
            flash(_("Your password has been changed. You have been signed out everywhere "
                    "else."), "success")
            return redirect(url_for(".profile"))
    return render_template("ldptrain/account/password.html", form=form,
                           has_tokens=bool(api_tokens.active_tokens(who)))


@bp.get("/sessions")
def sessions_list():  # type: ignore[no-untyped-def]
    """Where this account is signed in, with "sign out everywhere"."""
    return render_template(
        "ldptrain/account/sessions.html", form=SignOutEverywhereForm(),
        sessions=sessions.live_for_user(who.id, signed_in.limits()),
        this_session=who.session_id)


@bp.post("/sessions/end")
def sign_out_everywhere():  # type: ignore[no-untyped-def]
    form = SignOutEverywhereForm()  # the CSRF token is checked for every POST (web/csrf.py)
    if not form.validate_on_submit():
        return redirect(url_for(".sessions_list"))
    accounts.sign_out_everywhere(_me())
    signed_in.sign_out()
    flash(_("You have been signed out on every device, this one included."), "info")
    return redirect(url_for("ldptrain.auth.login"))


@bp.route("/consent", methods=["GET", "POST"])
def consent():  # type: ignore[no-untyped-def]
    """Asked once for accounts created in bulk, and again when the privacy notice changes."""
    target = safe_next(request.args.get("next")) or url_for("ldptrain.catalogue.index")
    form = ConsentForm()
    if form.validate_on_submit():
        accounts.record_consent(_me())
        return redirect(target)
    return render_template("ldptrain/account/consent.html", form=form,
                           renewed=who.consent_at is not None)


@bp.get("/data")
def my_data():  # type: ignore[no-untyped-def]
    return render_template("ldptrain/account/data.html", data=privacy.export(_me()))


@bp.get("/data.json")
def my_data_json():  # type: ignore[no-untyped-def]
    body = json.dumps(privacy.export_download(_me()), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="ldptrain-my-data-{who.id}.json"',
        "Cache-Control": "no-store"})

"""Sign in and out, sign up, password links, language choice, and the organisation search."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ...db import get_session
from ...i18n import LANGUAGES
from ...i18n import gettext as _
from ...models import Organisation
from ...services import accounts, api_tokens, mail, organisations
from ...services import signup as signups
from .. import limits, signed_in
from ..forms.auth import (
    ConfirmSignupForm,
    LoginForm,
    NewPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from ..language import current_language
from ..limits import limiter
from ..signed_in import login_required, who
from ..transaction import step

bp = Blueprint("auth", __name__)
# The limiter hooks into whichever app mounts ldptrain (standalone or a host).
bp.record_once(lambda state: limits.init_app(state.app))


#: ldptrain's own sign-in pages: off when the host signs people in (identity mode "host").
OWN_ACCOUNTS_ONLY = {"ldptrain.auth.login", "ldptrain.auth.signup", "ldptrain.auth.logout",
                     "ldptrain.auth.forgot_password", "ldptrain.auth.reset_password",
                     "ldptrain.auth.confirm_signup"}


@bp.before_request
def host_signs_in():  # type: ignore[no-untyped-def]
    """With the host's accounts, signing in, up and out is the host's: send people there."""
    if signed_in.host_identity() is None or request.endpoint not in OWN_ACCOUNTS_ONLY:
        return None
    if request.endpoint == "ldptrain.auth.logout" or who.is_authenticated:
        return redirect(url_for("ldptrain.catalogue.index"))
    target = signed_in.login_url()
    if not target:
        abort(404)
    return redirect(target)


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: an open redirect would make phishing links look ours."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(limits.LOGIN_PER_ACCOUNT, key_func=limits.by_ip_and_email, methods=["POST"])
@limiter.limit(limits.LOGIN_PER_ADDRESS, key_func=limits.by_ip, methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if request.method == "GET" and not form.email.data:
        # Straight after sign-up: the address just typed (whichever answer it got).
        form.email.data = session.pop("ldp_signup_email", None)
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            flash(_("The e-mail or password is not right."), "error")
        else:
            signed_in.sign_in(user, remember=bool(form.remember.data))
            session.pop("ldp_lang", None)
            target = safe_next(request.args.get("next")) or url_for("ldptrain.catalogue.index")
            if accounts.needs_consent(user):
                return redirect(url_for("ldptrain.account.consent", next=target))
            return redirect(target)
    return render_template("ldptrain/auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    signed_in.sign_out()
    flash(_("You have signed out."), "info")
    return redirect(url_for("ldptrain.catalogue.index"))


@bp.post("/language")
def language():  # type: ignore[no-untyped-def]
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["ldp_lang"] = lang
        if who.is_authenticated:
            accounts.set_language(who, lang)
    return redirect(safe_next(request.form.get("next")) or url_for("ldptrain.catalogue.index"))


def _selected_organisation(org_id: int | None) -> Organisation | None:
    org = get_session().get(Organisation, org_id) if org_id else None
    return org if org is not None and org.active else None


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(limits.SIGNUP_PER_ADDRESS, key_func=limits.by_ip, methods=["POST"])
def signup():  # type: ignore[no-untyped-def]
    if who.is_authenticated:
        return redirect(url_for("ldptrain.account.profile"))
    form = SignupForm()
    results: list[Organisation] = []
    searched = False
    if request.method == "POST" and "find" in request.form:
        # The no-JavaScript search: reload the form with matches to pick from.
        searched = True
        results = organisations.search(form.org_q.data or "")
    elif form.validate_on_submit():
        if _selected_organisation(form.organisation_id.data) is None:
            form.organisation_id.errors = [_("Choose your organisation from the list.")]
        else:
            with step(form) as done:
                signups.sign_up(
                    email=form.email.data or "", password=form.password.data or "",
                    name_th=form.name_th.data or "", name_en=form.name_en.data or "",
                    position=form.position.data or "",
                    organisation_id=form.organisation_id.data or 0,
                    consent=bool(form.consent.data), language=current_language())
            if done.ok:
                # One answer whether or not the address has an account (docs/security.md).
                if mail.configured():
                    return render_template("ldptrain/auth/signup_sent.html")
                session["ldp_signup_email"] = accounts.normalise_email(form.email.data or "")
                flash(_("Thank you. Sign in with your e-mail address and the password you "
                        "chose. Your organisation's coordinator will confirm that you work "
                        "there; until then your results are not counted for it."), "success")
                return redirect(url_for("ldptrain.auth.login"))
    elif request.method == "POST" and not form.organisation_id.data:
        form.organisation_id.errors = [_("Choose your organisation from the list.")]
    return render_template(
        "ldptrain/auth/signup.html", form=form, results=results, searched=searched,
        selected=_selected_organisation(form.organisation_id.data))


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def confirm_signup(token: str):  # type: ignore[no-untyped-def]
    """The link in the confirmation e-mail. Opening it shows a button: mail scanners that
    fetch links must not use it up."""
    try:
        pending = signups.pending_for(token)
    except accounts.LinkError as exc:
        return render_template("ldptrain/auth/signup_invalid.html", message=str(exc)), 400
    form = ConfirmSignupForm()
    if form.validate_on_submit():
        with step(form) as done:
            user = signups.confirm(token)
        if done.ok:
            signed_in.sign_in(user)
            flash(_("Welcome! Your organisation's coordinator will confirm that you work "
                    "there; until then your results are not counted for it."), "success")
            return redirect(url_for("ldptrain.account.profile"))
    return render_template("ldptrain/auth/signup_confirm.html", form=form, pending=pending)


@bp.get("/privacy")
def privacy():  # type: ignore[no-untyped-def]
    return render_template("ldptrain/auth/privacy.html")


@bp.get("/orgs/search")
@limiter.limit(limits.SEARCH_PER_ADDRESS, key_func=limits.by_ip)
def org_search():  # type: ignore[no-untyped-def]
    """JSON for the type-ahead: the register is public, so no sign-in is needed."""
    query = request.args.get("q", "")
    found = organisations.search(query) if len(query.strip()) >= 2 else []
    lang = current_language()
    return jsonify(results=[
        {"id": o.id, "code": o.code, "name_th": o.name_th, "name_en": o.name_en,
         "province": o.province.name_th if lang == "th" else o.province.name_en,
         "label": _("%(name)s, %(province)s (%(code)s)", name=o.name(lang), code=o.code,
                    province=o.province.name_th if lang == "th" else o.province.name_en)}
        for o in found])


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(limits.RESET_PER_ACCOUNT, key_func=limits.by_ip_and_email, methods=["POST"])
@limiter.limit(limits.RESET_PER_ADDRESS, key_func=limits.by_ip, methods=["POST"])
def forgot_password():  # type: ignore[no-untyped-def]
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data or "")
        # The same answer whether or not the address has an account.
        return render_template("ldptrain/auth/reset_sent.html")
    return render_template("ldptrain/auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):  # type: ignore[no-untyped-def]
    try:
        user, purpose = accounts.user_for_token(token)
    except accounts.LinkError as exc:
        return render_template("ldptrain/auth/reset_invalid.html", message=str(exc)), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        with step(form) as done:
            user = accounts.reset_password(token, form.password.data or "",
                                           revoke_tokens=bool(form.revoke_tokens.data))
        if done.ok:
            signed_in.sign_in(user)
            flash(_("Your password has been set. You are signed in."), "success")
            if accounts.needs_consent(user, first_visit=purpose == "welcome"):
                return redirect(url_for("ldptrain.account.consent"))
            return redirect(url_for("ldptrain.catalogue.index"))
    return render_template("ldptrain/auth/reset_password.html", form=form, user=user,
                           purpose=purpose, has_tokens=bool(api_tokens.active_tokens(user)))

"""Certificates: downloads for holders and scoped staff, the public verification page, the
signing key, revoke and re-issue for admins, an organisation's certificates as a ZIP made in the
background, and the admin page (signatory, bulk re-sign)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from ...access import scope_for
from ...certificates.issuer import cert_pem, published_certificates
from ...certificates.serials import is_serial, parse_serial
from ...certificates.signing import public_jwks, public_pem
from ...db import get_session
from ...i18n import gettext as _
from ...models import Organisation, Role
from ...services import certificate_pdfs, downloads
from ...services import certificates as certs
from .. import params
from ..limits import limiter
from ..signed_in import login_required, roles_required, who
from ..transaction import step

bp = Blueprint("certificates", __name__)

#: Verification is public: generous for people, a wall for anyone walking serial numbers.
VERIFY_LIMIT = "30/minute;300/hour"


@bp.before_request
def _canonical_serial() -> Response | None:
    """A serial typed into an address however people type it ("dla ldp ๒๕๖๙ 000001", en-dashes)
    redirects to the one address of that certificate, so links and bookmarks agree."""
    serial = (request.view_args or {}).get("serial")
    if request.method != "GET" or not serial or not is_serial(serial):
        return None
    canonical = str(parse_serial(serial))
    if canonical == serial:
        return None
    assert request.endpoint is not None
    return redirect(url_for(request.endpoint, **{**request.view_args, "serial": canonical},
                            **request.args), 301)


def _readable(serial: str):  # type: ignore[no-untyped-def]
    cert = certs.by_serial(serial)
    if cert is None or not certs.can_read(who, cert):
        abort(404)  # not 403: do not confirm that a serial exists
    return cert


@bp.get("/certificates/<serial>.pdf")
@login_required
def pdf(serial: str) -> Response:
    cert = _readable(serial)
    return Response(certs.render_pdf(cert), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{cert.serial}.pdf"',
        "Cache-Control": "private, no-store"})


@bp.get("/certificates/<serial>/badge.jwt")
@login_required
def badge(serial: str) -> Response:
    """Open Badges 3.0 credential as a VC-JWT (see docs/certificates.md)."""
    cert = _readable(serial)
    # The well-known path where this app publishes the key: under the prefix by default.
    root = "ldptrain.certificate_keys" not in current_app.view_functions
    keys_path = "" if root else url_for("ldptrain.certificate_keys")
    return Response(certs.badge_jwt(cert, keys_path), mimetype="application/vc+jwt", headers={
        "Content-Disposition": f'attachment; filename="{cert.serial}.jwt"'})


@bp.get("/certificates/<serial>")
@login_required
def detail(serial: str) -> str:
    cert = _readable(serial)
    return render_template("ldptrain/certificates/detail.html", cert=cert,
                           status=certs.public_status(cert.serial),
                           can_manage=who.has_role(Role.ADMIN),
                           reasons=certs.REVOCATION_REASONS)


@bp.post("/certificates/<serial>/revoke")
@roles_required(Role.ADMIN)
def revoke(serial: str) -> Response:
    cert = certs.by_serial(serial) or abort(404)
    with step() as done:
        certs.revoke(cert, request.form.get("reason", ""), actor=who,
                     code=request.form.get("code", ""), ip=request.remote_addr or "")
    if done.ok:
        flash(_("The certificate was revoked."), "success")
    return redirect(url_for(".detail", serial=serial))


@bp.post("/certificates/<serial>/reissue")
@roles_required(Role.ADMIN)
def reissue(serial: str) -> Response:
    cert = certs.by_serial(serial) or abort(404)
    with step() as done:
        new = certs.reissue(cert, request.form.get("reason", ""), actor=who,
                            ip=request.remote_addr or "")
    if not done.ok:
        return redirect(url_for(".detail", serial=serial))
    flash(_("A new certificate %(serial)s replaces the old one.", serial=new.serial), "success")
    return redirect(url_for(".detail", serial=new.serial))


@bp.post("/verify")
@params.accepts_upload("LDPTRAIN_MAX_UPLOAD_BYTES")
@limiter.limit(VERIFY_LIMIT)
def verify_upload() -> tuple[str, int]:
    """The CLI's verdict for an uploaded PDF. Read into memory, checked, dropped: never stored.
    CSRF is checked by the app-wide CSRFProtect; the size cap by request.content_length."""
    upload = request.files.get("pdf")
    data = upload.read(certificate_pdfs.MAX_UPLOAD_BYTES + 1) if upload else b""
    error = None
    if not data:
        error = _("Choose a certificate PDF to check.")
    elif len(data) > certificate_pdfs.MAX_UPLOAD_BYTES:
        error = _("That file is larger than 5 MB: it is not a certificate from this system.")
    if error:
        flash(error, "error")
        return render_template("ldptrain/certificates/verify_form.html", serial=""), 400
    result = certificate_pdfs.verify_upload(data)
    return render_template("ldptrain/certificates/verify_result.html", result=result,
                           filename=upload.filename if upload else ""), 200


@bp.get("/verify/<serial>.json")
@limiter.limit(VERIFY_LIMIT)
def verify_json(serial: str) -> tuple[Response, int]:
    """Registry status for `ldptrain certs verify --online`: what the public page shows."""
    status = certs.public_status(serial) if is_serial(serial) else None
    if status is None or status.state == "unknown":
        return jsonify({"serial": serial, "state": "unknown"}), 404
    return jsonify({
        "serial": status.serial, "state": status.state, "name": status.name,
        "organisation": status.organisation, "organisation_en": status.organisation_en,
        "course": {"th": status.course_th,
                                                        "en": status.course_en},
        "completed_on": status.completed_on.isoformat() if status.completed_on else None,
        "expires_on": status.expires_on.isoformat() if status.expires_on else None,
        "revoked_on": status.revoked_on.isoformat() if status.revoked_on else None,
        "revoked_reason": status.revoked_reason_code or None,
    }), 200


@bp.get("/verify")
@limiter.limit(VERIFY_LIMIT)
def verify_form() -> Response | str:
    serial = (request.args.get("serial") or "").strip()
    if serial:
        if is_serial(serial):
            return redirect(url_for(".verify", serial=str(parse_serial(serial))))
        flash(_("That is not a certificate number. It looks like DLA-LDP-2569-000123."), "error")
    return render_template("ldptrain/certificates/verify_form.html", serial=serial)


@bp.get("/verify/<serial>")
@limiter.limit(VERIFY_LIMIT)
def verify(serial: str) -> tuple[str, int]:
    status = certs.public_status(serial) if is_serial(serial) else None
    response = render_template("ldptrain/certificates/verify.html", serial=serial,
                               status=status)
    # Unknown serials answer 404 so crawlers and scripts learn nothing from the page's shape.
    return response, 200 if status is not None and status.state != "unknown" else 404


def _published_key() -> Any:
    """The key as published; 404 until `db upgrade` or setup has made it (a GET never does)."""
    key = certs.published_key()
    if key is None:
        abort(404)
    return key.public_key()


@bp.get("/certificates/keys.json")
def keys() -> Response:
    return jsonify(public_jwks(_published_key()))


@bp.get("/certificates/issuers.pem")
def issuers_pem() -> Response:
    """Every PDF-signing certificate this instance has used (old ones stay after a rotation)."""
    found = published_certificates(certs.issuer_settings())
    return Response("".join(cert_pem(c) for c in found), mimetype="application/x-pem-file")


@bp.get("/certificates/key.pem")
def key_pem() -> Response:
    return Response(public_pem(_published_key()),
                    mimetype="application/x-pem-file")


def _organisation_in_scope(organisation_id: int) -> Organisation:
    organisation = get_session().get(Organisation, organisation_id)
    if organisation is None or not scope_for(who).covers(organisation):
        abort(404)
    return organisation


@bp.get("/organisations/<ldp_id:organisation_id>/certificates")
@login_required
def organisation_certificates(organisation_id: int) -> str:
    """An organisation's certificates as one ZIP: asked for here, made in the background."""
    organisation = _organisation_in_scope(organisation_id)
    return render_template(
        "ldptrain/certificates/organisation.html", organisation=organisation,
        count=len(certs.organisation_certificates(organisation_id)),
        files=[(d, downloads.state(d)) for d in downloads.recent(who, organisation_id)])


@bp.get("/organisations/<ldp_id:organisation_id>/certificates.zip")
@login_required
def organisation_zip(organisation_id: int) -> Response:
    """The old address of the ZIP: the page where it is asked for."""
    _organisation_in_scope(organisation_id)
    return redirect(url_for(".organisation_certificates", organisation_id=organisation_id))


@bp.post("/organisations/<ldp_id:organisation_id>/certificates.zip")
@login_required
def organisation_zip_request(organisation_id: int) -> Response:
    """Queue the ZIP (rendering hundreds of signed PDFs never runs inside a request)."""
    organisation = _organisation_in_scope(organisation_id)
    download = downloads.request_organisation_certificates(organisation, who,
                                                           ip=request.remote_addr or "")
    return redirect(url_for(".download", download_id=download.id))


@bp.get("/downloads/<ldp_id:download_id>")
@login_required
def download(download_id: int) -> str:
    found = downloads.own(download_id, who) or abort(404)
    organisation = _organisation_in_scope(found.organisation_id) \
        if found.organisation_id else None
    return render_template("ldptrain/certificates/download.html", download=found,
                           state=downloads.state(found), organisation=organisation)


@bp.get("/downloads/<ldp_id:download_id>/file")
@login_required
def download_file(download_id: int) -> Response:
    found = downloads.own(download_id, who) or abort(404)
    if found.organisation_id:
        _organisation_in_scope(found.organisation_id)  # still in the requester's scope
    if found.ready_at is None or found.data is None:
        return redirect(url_for(".download", download_id=download_id))
    return Response(found.data, mimetype=found.media_type, headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"',
        "Cache-Control": "private, no-store"})


@bp.get("/admin/certificates")
@roles_required(Role.ADMIN)
def admin() -> str:
    """Signatory settings, certificates issued before PDF signatures, the bulk re-sign."""
    return render_template(
        "ldptrain/certificates/admin.html",
        problem=certs.signatory_problem(current_app.config),
        signatory=None if certs.signatory_problem(current_app.config)
        else certs.signatory_for(None, current_app.config),
        courses=certs.course_signatories(), legacy=certificate_pdfs.legacy_count(),
        held_back=certificate_pdfs.held_back_count(), jobs=certificate_pdfs.resign_jobs())


@bp.post("/admin/certificates/resign")
@roles_required(Role.ADMIN)
def admin_resign() -> Response:
    with step() as done:
        job = certificate_pdfs.start_resign(None, reason=request.form.get("reason", ""),
                                            actor=who, origin="web",
                                            ip=request.remote_addr or "")
    if done.ok:
        flash(_("Re-signing runs in the background as job %(id)s.", id=job.id), "success")
    return redirect(url_for(".admin"))


@bp.post("/admin/certificates/issue-held-back")
@roles_required(Role.ADMIN)
def admin_issue_held_back() -> Response:
    with step() as done:
        job = certificate_pdfs.start_issue_held_back(actor=who, ip=request.remote_addr or "")
    if done.ok:
        flash(_("The certificates are issued in the background as job %(id)s.", id=job.id),
              "success")
    return redirect(url_for(".admin"))


@bp.get("/certificates/expiring")
@roles_required(Role.COORDINATOR, Role.PROVINCIAL_OFFICER, Role.ADMIN)
def expiring() -> str:
    """Certificates in the viewer's scope that expire within 90 days."""
    return render_template("ldptrain/certificates/expiring.html",
                           rows=certs.expiring_in_scope(scope_for(who)),
                           days=certs.EXPIRY_WARNING_DAYS)

"""The organisation register for administrators: browse and search (paged), edit one
organisation, and upload a CSV with a preview of its changes before they are written."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from ...db import get_session
from ...i18n import gettext as _
from ...models import Organisation, Role
from ...services import org_import, organisations, user_import
from .. import params
from ..forms.organisations import (
    TYPE_LABELS,
    OrganisationForm,
    RegisterConfirmForm,
    RegisterUploadForm,
)
from ..signed_in import roles_required, who
from ..transaction import step

bp = Blueprint("org_admin", __name__, url_prefix="/admin/orgs")
PAGE_SIZE = 50


@bp.get("/")
@roles_required(Role.ADMIN)
def index():  # type: ignore[no-untyped-def]
    query = request.args.get("q", "")
    province = request.args.get("province", "")
    page = params.page_number(request.args.get("page"))
    found, total = organisations.browse(query, page=page, size=PAGE_SIZE,
                                        province_code=province)
    return render_template("ldptrain/admin/orgs.html", orgs=found, total=total, query=query,
                           province=province, page=page, provinces=organisations.provinces(),
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                           type_labels=TYPE_LABELS)


@bp.route("/<ldp_id:org_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(org_id: int):  # type: ignore[no-untyped-def]
    org = get_session().get(Organisation, org_id)
    if org is None:
        abort(404)
    form = OrganisationForm(obj=None if request.method == "POST" else org)
    form.province_code.choices = [SelectChoice(p.code, f"{p.code} {p.name_th} ({p.name_en})")
                                  for p in organisations.provinces()]
    if request.method == "GET":
        form.parent_code.data = org.parent.code if org.parent else ""
        form.merged_into_code.data = org.merged_into.code if org.merged_into else ""
    if form.validate_on_submit():
        with step(form) as done:
            changes = organisations.update(
                org, type=form.type.data or "", province_code=form.province_code.data or "",
                parent_code=form.parent_code.data or "", active=bool(form.active.data),
                merged_into_code=form.merged_into_code.data or "",
                merged_on=form.merged_on.data, actor=who)
        if done.ok:
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for(".edit", org_id=org.id))
    return render_template("ldptrain/admin/org_edit.html", org=org, form=form,
                           successors=organisations.successors(org),
                           type_labels=TYPE_LABELS)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def upload():  # type: ignore[no-untyped-def]
    """Step 1: upload and preview; nothing is written."""
    form = RegisterUploadForm()
    problems: list[str] = []
    plan = confirm = None
    if form.validate_on_submit():
        name = form.file.data.filename or "organisations.csv"
        try:
            text = user_import.decode(form.file.data.read(), name)  # UTF-8, with or without BOM
            plan = org_import.plan_import(text, name,
                                          deactivate_missing=bool(form.deactivate_missing.data))
        except (org_import.ImportFailed, user_import.ImportFailed) as exc:
            problems = exc.problems
        else:
            confirm = RegisterConfirmForm(formdata=None, text=text, name=name,
                                          digest=plan.digest(),
                                          deactivate_missing="1" if form.deactivate_missing.data
                                          else "")
    return render_template("ldptrain/admin/org_import.html", form=form, problems=problems,
                           plan=plan, confirm=confirm, columns=org_import.COLUMN_HELP,
                           types=org_import.TYPE_HELP)


@bp.post("/import/confirm")
@roles_required(Role.ADMIN)
def confirm_upload():  # type: ignore[no-untyped-def]
    """Step 2: write the previewed file, if it still makes the changes shown."""
    form = RegisterConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        plan = org_import.plan_import(form.text.data or "", form.name.data or "upload.csv",
                                      deactivate_missing=form.deactivate_missing.data == "1")
    except org_import.ImportFailed:
        flash(_("The register has changed since the preview: upload the file again."), "error")
        return redirect(url_for(".upload"))
    if plan.digest() != form.digest.data:
        flash(_("The register has changed since the preview: upload the file again."), "error")
        return redirect(url_for(".upload"))
    report = org_import.apply_import(plan, actor=who)
    flash(_("Register updated: %(created)s created, %(changed)s changed, %(deactivated)s "
            "deactivated.", created=report.created, changed=report.updated,
            deactivated=report.deactivated), "success")
    return redirect(url_for(".index"))

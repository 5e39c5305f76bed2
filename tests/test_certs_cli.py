"""`ldptrain certs verify` on an instance: genuine passes; revoked, altered and forged fail."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf
from click.testing import CliRunner
from sqlalchemy import select

from ldptrain import create_app
from ldptrain.certificates.pdf import ATTACHMENT_NAME
from ldptrain.cli import main
from ldptrain.db import get_session
from ldptrain.models import Certificate, Role
from ldptrain.services import accounts, schema
from ldptrain.services import certificates as certs

from .certificate_helpers import complete, setup

CONFIG = {"LDPTRAIN_SECRET_KEY": "x", "LDPTRAIN_CERT_SIGNATORY_NAME": "นายทดสอบ ลงนาม"}


def _instance_with_certificate(folder: Path) -> tuple[str, Path]:
    app = create_app(CONFIG, instance_path=folder)
    with app.app_context():
        schema.upgrade(app.extensions["ldptrain"].db.engine)
        user, org, (course,) = setup()
        complete(user, org, course)
        get_session().commit()
        cert = get_session().scalars(select(Certificate)).one()
        pdf = folder / f"{cert.serial}.pdf"
        pdf.write_bytes(certs.render_pdf(cert))
        serial = cert.serial
        get_session().remove()
        app.extensions["ldptrain"].db.engine.dispose()
    return serial, pdf


def _verify(folder: Path, pdf: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--instance", str(folder), "certs", "verify", str(pdf),
                                     *extra])


def test_verify_checks_signature_and_registry(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    serial, pdf = _instance_with_certificate(folder)
    genuine = _verify(folder, pdf)
    assert genuine.exit_code == 0, genuine.output
    assert "GENUINE" in genuine.output and "นางสาวกำไล คำแสง" in genuine.output

    app = create_app(CONFIG, instance_path=folder)
    with app.app_context():
        admin = accounts.create_user(email="admin@example.org", password="correct horse 1",
                                     name_th="ผู้ดูแล", roles=(Role.ADMIN,))
        certs.revoke(certs.by_serial(serial), "ออกผิดคน", actor=admin, code="issued_in_error")  # type: ignore[arg-type]
        get_session().commit()
        get_session().remove()
        app.extensions["ldptrain"].db.engine.dispose()
    revoked = _verify(folder, pdf)
    assert revoked.exit_code != 0 and "REVOKED" in revoked.output


def test_verify_rejects_altered_and_forged_files(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    _, pdf = _instance_with_certificate(folder)
    altered = tmp_path / "altered.pdf"
    with pikepdf.open(pdf) as doc:  # change the name in the signed payload, keep the signature
        document = json.loads(doc.attachments[ATTACHMENT_NAME].get_file().read_bytes())
        document["payload"]["name"] = "นางสาวกำไร คำแสง"
        doc.attachments[ATTACHMENT_NAME] = pikepdf.AttachedFileSpec(
            doc, json.dumps(document, ensure_ascii=False).encode("utf-8"))
        doc.save(altered)
    result = _verify(folder, altered)
    assert result.exit_code != 0 and "GENUINE" not in result.output
    other = tmp_path / "other"
    _instance_with_certificate(other)  # a different instance: a different signing key
    forged = _verify(folder, other / pdf.name)
    assert forged.exit_code != 0 and ("FORGED" in forged.output or "ALTERED" in forged.output)

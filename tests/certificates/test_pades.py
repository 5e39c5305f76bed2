"""The PDF is PDF/A-3b with the payload as its associated data file, certified by the issuer;
rotation keeps old certificates verifiable; the issuer key file is private."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pikepdf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ldptrain.certificates.data import sample_certificate
from ldptrain.certificates.issuer import (
    ISSUER_FILENAME,
    Issuer,
    IssuerSettings,
    ensure_issuer,
    published_certificates,
    rotate_issuer,
)
from ldptrain.certificates.pdf import ATTACHMENT_NAME, render_certificate_pdf
from ldptrain.certificates.verify import verify_pdf


def test_pdf_declares_pdfa3b_with_the_payload_as_associated_file(sample_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(sample_pdf)) as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "B")
        assert len(pdf.Root.OutputIntents) >= 1
        spec = pdf.Root.AF[0]
        assert spec.AFRelationship == pikepdf.Name.Data and spec.F == ATTACHMENT_NAME
        assert spec.EF.F.Subtype == pikepdf.Name("/application/json")
        assert "/ModDate" in spec.EF.F.Params
        widget = pdf.Root.AcroForm.Fields[0]
        assert int(widget.F) & 4  # Print flag, required for PDF/A annotations
        assert pdf.Root.Perms.DocMDP.Reference[0].TransformParams.P == 1  # no changes allowed


def test_issuer_key_is_private_and_rotation_keeps_old_pdfs_verifying(
        tmp_path: Path, key: Ed25519PrivateKey) -> None:
    settings = IssuerSettings(tmp_path)
    first: Issuer = ensure_issuer(settings)
    assert stat.S_IMODE((tmp_path / ISSUER_FILENAME).stat().st_mode) == 0o600
    old_pdf = render_certificate_pdf(sample_certificate(), key=key, issuer=first)
    old, new = rotate_issuer(settings)
    assert old is not None and old.fingerprint == first.fingerprint != new.fingerprint
    published = published_certificates(settings)
    assert len(published) == 2
    assert verify_pdf(old_pdf, key.public_key(), issuer_certs=published).ok
    new_pdf = render_certificate_pdf(sample_certificate(), key=key, issuer=ensure_issuer(settings))
    assert verify_pdf(new_pdf, key.public_key(), issuer_certs=published).ok
    assert ensure_issuer(settings).fingerprint == new.fingerprint

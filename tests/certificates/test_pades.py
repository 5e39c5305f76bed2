"""The PDF is PDF/A-3b with the payload as its associated data file, certified by the issuer;
rotation keeps old certificates verifiable; the issuer key file is private."""

from __future__ import annotations

import io
import re
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
from ldptrain.certificates.pdf import ATTACHMENT_NAME, METADATA_KEY, render_certificate_pdf
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
        # The info dict's copy of the payload is a separate object, so the signer's update of
        # the info dict (its dates) does not write the payload into the file a second time.
        assert pdf.docinfo[METADATA_KEY].is_indirect
    update = sample_pdf[sample_pdf.index(b"%%EOF"):]  # the signer's revision
    assert re.search(rb"/LDPTrainCertificate\s+\d+\s+0\s+R", update)  # a reference, not a copy


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


def test_later_signatures_skip_the_size_estimate_and_stay_valid(
        tmp_path: Path, key: Ed25519PrivateKey, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """pyHanko sizes a signature by building a dummy one first; per issuer (B-B) that size is
    fixed, so only the first signature pays for it. Every signature still validates."""
    from pyhanko.sign.signers import SimpleSigner

    from ldptrain.certificates.pades import check_signature

    calls = []
    original = SimpleSigner.async_sign

    async def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs.get("dry_run", False))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SimpleSigner, "async_sign", counted)
    issuer = ensure_issuer(IssuerSettings(tmp_path))
    pdfs = [render_certificate_pdf(sample_certificate(serial=f"DLA-LDP-2569-00000{i}"), key=key,
                                   issuer=issuer) for i in range(1, 4)]
    assert calls == [True, False, False, False]  # one dry run, for the first only
    for pdf in pdfs:
        assert check_signature(pdf, issuer_certs=[issuer.cert]).ok
        assert verify_pdf(pdf, key.public_key(), issuer_certs=[issuer.cert]).ok
    _, new = rotate_issuer(IssuerSettings(tmp_path))  # a new issuer is sized afresh
    calls.clear()
    rotated = render_certificate_pdf(sample_certificate(), key=key, issuer=new)
    assert calls == [True, False]
    assert check_signature(rotated, issuer_certs=[new.cert]).ok


def test_the_default_stylesheet_is_parsed_once_and_its_fonts_are_used(
        key: Ed25519PrivateKey) -> None:
    from ldptrain.certificates.pdf import render_html

    assert "<style>" not in render_html(sample_certificate(), inline_css=False)[0]
    assert "<style>" in render_html(sample_certificate())[0]  # self-contained by default
    for _ in range(2):  # the second render reuses the parsed stylesheet and its fonts
        pdf = render_certificate_pdf(sample_certificate(), key=key)
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            fonts = {str(f.get("/BaseFont")) for f in doc.pages[0].Resources.Font.values()}
        assert fonts and all("Sarabun" in name for name in fonts), fonts

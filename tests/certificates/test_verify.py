"""Offline verification: genuine passes; altered, forged, unsigned and unreadable fail with
a reason a person can act on."""

from __future__ import annotations

import datetime as dt
import io
import json

import pikepdf
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ldptrain.certificates.data import sample_certificate
from ldptrain.certificates.pdf import ATTACHMENT_NAME, METADATA_KEY, render_certificate_pdf
from ldptrain.certificates.verify import RegistryStatus, verify_pdf

ISSUERS: list = []  # filled by the autouse fixture below


@pytest.fixture(autouse=True)
def _issuer_certs(issuer) -> None:  # type: ignore[no-untyped-def]
    ISSUERS[:] = [issuer.cert]


def _verify(pdf: bytes, key, **kwargs):  # type: ignore[no-untyped-def]
    return verify_pdf(pdf, key, issuer_certs=ISSUERS, **kwargs)


def _edit(pdf_bytes: bytes, change) -> bytes:
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _block(pdf: pikepdf.Pdf) -> dict:
    return json.loads(pdf.attachments[ATTACHMENT_NAME].get_file().read_bytes())


def _put_block(pdf: pikepdf.Pdf, block: dict, *, info: bool = True) -> None:
    text = json.dumps(block, ensure_ascii=False)
    pdf.attachments[ATTACHMENT_NAME] = pikepdf.AttachedFileSpec(pdf, text.encode())
    if info:
        pdf.docinfo[METADATA_KEY] = text


def test_genuine_certificate_verifies(sample_pdf: bytes, key: Ed25519PrivateKey) -> None:
    result = _verify(sample_pdf, key.public_key())
    assert result.ok, result.reasons
    assert result.status == "genuine"
    assert result.serial == "DLA-LDP-2569-000123"
    assert result.payload["name"] == "นางสาวกำไล คำแสง"


def test_changed_name_in_signed_data_is_altered(sample_pdf: bytes, key: Ed25519PrivateKey) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        block = _block(pdf)
        block["payload"]["name"] = "นายสมชาย ทำแทน"
        _put_block(pdf, block)

    result = _verify(_edit(sample_pdf, change), key.public_key())
    assert result.status == "altered"
    assert any("changed after signing" in r for r in result.reasons)


def test_byte_flip_in_attachment_is_caught(sample_pdf: bytes, key: Ed25519PrivateKey) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        raw = bytearray(pdf.attachments[ATTACHMENT_NAME].get_file().read_bytes())
        at = raw.index(b"2026-11-25")  # completion date: 2026-11-25 -> 2026-11-26
        raw[at + 9] = ord("6")
        pdf.attachments[ATTACHMENT_NAME] = pikepdf.AttachedFileSpec(pdf, bytes(raw))

    result = _verify(_edit(sample_pdf, change), key.public_key())
    assert not result.ok
    assert result.status == "altered"


def test_regenerated_pdf_with_old_signature_is_altered(
    sample_pdf: bytes, key: Ed25519PrivateKey
) -> None:
    """A forger renders a new certificate with another name and pastes in a genuine block."""
    with pikepdf.open(io.BytesIO(sample_pdf)) as genuine:
        block = _block(genuine)
    other = render_certificate_pdf(sample_certificate(name="นายสมชาย ทำแทน"))
    result = _verify(_edit(other, lambda pdf: _put_block(pdf, block)), key.public_key())
    assert result.status == "altered"
    assert any("does not show the signed name" in r for r in result.reasons)


def test_payload_signed_by_another_key_is_altered(key: Ed25519PrivateKey) -> None:
    forged = render_certificate_pdf(sample_certificate(), key=Ed25519PrivateKey.generate())
    result = _verify(forged, key.public_key())
    assert result.status == "altered"
    assert any("another key" in r for r in result.reasons)
    assert any("PDF signature is missing" in r for r in result.reasons)


def test_legacy_pdf_verifies_as_signed_payload_only(key: Ed25519PrivateKey) -> None:
    """A v1 PDF (before PDF signatures) keeps verifying, but never as GENUINE; a v1 payload
    dated after the first issuer certificate was made is a stripped PDF signature."""
    import dataclasses

    from ldptrain.certificates import pdf as pdf_module
    from ldptrain.certificates.data import CertificateData

    class V1(CertificateData):
        def payload(self) -> dict:  # type: ignore[override]
            data = super().payload()
            for name in ("name_en", "organisation_en", "signatory"):
                data.pop(name, None)
            return {**data, "v": 1}

    old = V1(**{f.name: getattr(sample_certificate(issued_on=dt.date(2026, 11, 1)), f.name)
                for f in dataclasses.fields(CertificateData)})
    legacy = pdf_module.render_certificate_pdf(old, key=key)
    result = _verify(legacy, key.public_key())
    assert result.status == "legacy", result.reasons
    late = dataclasses.replace(old, issued_on=dt.date(2099, 1, 1))
    stripped = _verify(pdf_module.render_certificate_pdf(late, key=key), key.public_key())
    assert stripped.status == "altered"
    assert any("PDF-signed" in r for r in stripped.reasons)


def test_forged_signature_value_is_rejected(sample_pdf: bytes, key: Ed25519PrivateKey) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        block = _block(pdf)
        sig = block["signature"]
        block["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
        _put_block(pdf, block)

    assert _verify(_edit(sample_pdf, change), key.public_key()).status == "altered"


def test_copies_in_attachment_and_metadata_must_agree(
    sample_pdf: bytes, key: Ed25519PrivateKey
) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.docinfo[METADATA_KEY] = '{"payload": {}, "signature": ""}'

    result = _verify(_edit(sample_pdf, change), key.public_key())
    assert result.status == "altered"


def test_unsigned_and_unreadable(key: Ed25519PrivateKey) -> None:
    unsigned = render_certificate_pdf(sample_certificate())
    assert _verify(unsigned, key.public_key()).status == "unsigned"
    assert _verify(b"not a PDF at all", key.public_key()).status == "unreadable"
    assert _verify(b"%PDF-1.7 cut short", key.public_key()).status == "altered"
    assert _verify(b"", key.public_key()).status == "unreadable"


def test_registry_status_hook(sample_pdf: bytes, key: Ed25519PrivateKey) -> None:
    asked: list[str] = []

    def lookup(serial: str) -> RegistryStatus:
        asked.append(serial)
        return RegistryStatus("revoked", "2026-12-01: issued in error")

    result = _verify(sample_pdf, key.public_key(), status_lookup=lookup)
    assert asked == ["DLA-LDP-2569-000123"]
    assert result.status == "revoked"
    assert "issued in error" in result.reasons[-1]
    ok = _verify(sample_pdf, key.public_key(), status_lookup=lambda s: RegistryStatus("valid"))
    assert ok.ok


def test_expired_certificate(key: Ed25519PrivateKey, issuer) -> None:  # type: ignore[no-untyped-def]
    pdf = render_certificate_pdf(sample_certificate(valid_until=dt.date(2028, 11, 25)), key=key,
                                 issuer=issuer)
    assert _verify(pdf, key.public_key(), today=dt.date(2028, 11, 25)).ok
    late = _verify(pdf, key.public_key(), today=dt.date(2028, 11, 26))
    assert late.status == "expired"

"""Offline verification of a certificate PDF.

GENUINE needs all of: the PAdES signature is intact, covers the whole file and no later revision
changes anything; its signer is this instance's issuer (a published issuer certificate, or one
that chains to a configured trust root); the embedded payload's Ed25519 signature is valid; and
the page's text is exactly the template's wording plus the payload's fields. Anything else is
ALTERED, with every reason found.

A PDF rendered before PDF signatures existed (payload v1, issued before the first issuer
certificate) verifies as LEGACY: "signed payload, issued before PDF signatures".
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pikepdf
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ldptrain.certificates.data import from_payload
from ldptrain.certificates.pades import SignatureCheck, check_signature
from ldptrain.certificates.pagetext import compare, extract_text, legacy_compare
from ldptrain.certificates.pdf import ATTACHMENT_NAME, METADATA_KEY
from ldptrain.certificates.signing import ALGORITHM, key_id, verify_payload

Status = Literal[
    "genuine",
    "legacy",
    "altered",
    "unreadable",
    "unsigned",
    "expired",
    "revoked",
    "superseded",
    "unknown",
]
#: Registry answers that keep a (genuine or legacy) certificate from being valid today.
NOT_VALID = ("expired", "revoked", "superseded", "unknown")


@dataclass(frozen=True)
class RegistryStatus:
    """What the issuing database says about a serial (filled by the services layer)."""

    state: Literal["valid", "revoked", "superseded", "unknown", "expired"]
    detail: str = ""  # e.g. "revoked 2026-12-01: issued in error"


StatusLookup = Callable[[str], RegistryStatus]


@dataclass
class VerificationResult:
    status: Status
    reasons: list[str] = field(default_factory=list)
    payload: dict[str, Any] | None = None
    kid: str | None = None
    pdf_signature: SignatureCheck | None = None
    registry: RegistryStatus | None = None

    @property
    def ok(self) -> bool:
        return self.status == "genuine"

    @property
    def serial(self) -> str | None:
        return self.payload.get("serial") if self.payload else None


def _signed_blocks(pdf: pikepdf.Pdf) -> tuple[bytes | None, str | None]:
    attachment = None
    if ATTACHMENT_NAME in pdf.attachments:
        attachment = pdf.attachments[ATTACHMENT_NAME].get_file().read_bytes()
    info = pdf.docinfo.get(METADATA_KEY)
    return attachment, (str(info) if info is not None else None)


_NO_PAYLOAD = f"no signed ldptrain payload in this PDF ({ATTACHMENT_NAME} missing)"


def _read_block(pdf_bytes: bytes) -> tuple[dict[str, Any] | None, list[str]]:
    """The embedded signed block, or why it cannot be read."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        attachment, info = _signed_blocks(pdf)
        names = set(pdf.attachments.keys())
    if attachment is None and info is None:
        return None, [_NO_PAYLOAD]
    reasons = []
    if names - {ATTACHMENT_NAME}:
        reasons.append(f"unexpected attached files: {', '.join(sorted(names - {ATTACHMENT_NAME}))}")
    try:
        block_text = attachment.decode("utf-8") if attachment is not None else info
        block = json.loads(block_text or "")
        if not isinstance(block.get("payload"), dict) or not isinstance(block.get("signature"),
                                                                        str):
            raise TypeError("payload must be an object and signature a string")
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError) as exc:
        return None, [*reasons, f"the signed data block is damaged: {exc}"]
    if info is not None and attachment is not None:
        try:
            same = json.loads(info) == block
        except ValueError:
            same = False
        if not same:
            reasons.append("the two embedded copies of the signed data differ")
    return block, reasons


def _payload_reasons(block: dict[str, Any], keys: list[Ed25519PublicKey]) -> list[str]:
    if block.get("alg") != ALGORITHM:
        return [f"unsupported payload signature algorithm {block.get('alg')!r}"]
    by_kid = {key_id(k): k for k in keys}
    key = by_kid.get(str(block.get("kid")))
    if key is None:
        return [f"the payload is signed with another key (kid {block.get('kid')}), not the "
                f"issuer's ({', '.join(by_kid) or 'none known'})"]
    if not verify_payload(block["payload"], block["signature"], key):
        return ["the payload signature does not match the embedded data: it was changed after "
                "signing, or the signature is forged"]
    return []


def verify_pdf(
    pdf_bytes: bytes,
    public_keys: Ed25519PublicKey | Iterable[Ed25519PublicKey],
    *,
    issuer_certs: Iterable[x509.Certificate] = (),
    trust_roots: Iterable[x509.Certificate] = (),
    template: str | Path | None | Callable[[dict[str, Any]], str | Path | None] = None,
    status_lookup: StatusLookup | None = None,
    today: dt.date | None = None,
) -> VerificationResult:
    """Check a certificate PDF offline (see the module docstring); with `status_lookup`, also
    ask the registry whether the serial is still valid. `template` may be a function of the
    signed payload (an instance where each course may have its own template)."""
    keys = [public_keys] if isinstance(public_keys, Ed25519PublicKey) else list(public_keys)
    issuer_certs = list(issuer_certs)
    try:
        block, reasons = _read_block(pdf_bytes)
    except (pikepdf.PdfError, ValueError, OSError) as exc:
        if pdf_bytes.lstrip()[:5] == b"%PDF-":  # a PDF, damaged or cut short: not as issued
            return VerificationResult("altered", [f"the PDF is damaged or truncated: {exc}"])
        return VerificationResult("unreadable", [f"not a readable PDF: {exc}"])
    signature = check_signature(pdf_bytes, issuer_certs=issuer_certs, trust_roots=trust_roots)
    if block is None:
        # No payload at all and no PDF signature: some other PDF. Anything else was tampered with.
        unsigned = not signature.present and reasons == [_NO_PAYLOAD]
        return VerificationResult("unsigned" if unsigned else "altered",
                                  reasons + signature.problems, pdf_signature=signature)

    payload = block["payload"]
    result = VerificationResult("genuine", reasons, payload=payload, kid=block.get("kid"),
                                pdf_signature=signature)
    result.reasons += _payload_reasons(block, keys)
    legacy = not signature.present
    if legacy:
        first = min((c.not_valid_before_utc.date() for c in issuer_certs), default=None)
        if payload.get("v", 1) != 1:
            result.reasons.append("the PDF signature is missing: every certificate with this "
                                  "payload version is PDF-signed (it was removed)")
        elif first is not None and str(payload.get("issued", "")) > first.isoformat():
            result.reasons.append(f"the PDF signature is missing, but certificates issued since "
                                  f"{first.isoformat()} are all PDF-signed")
    else:
        result.reasons += signature.problems

    try:
        data = from_payload(payload)
        visible = extract_text(pdf_bytes)
    except (KeyError, ValueError, TypeError) as exc:
        result.reasons.append(f"the signed payload lacks what the page shows: {exc}")
    except Exception as exc:  # pypdf raises many types on damaged content streams
        result.reasons.append(f"the page text cannot be read: {exc}")
    else:
        # v1 payloads lack the English name, organisation and signatory: no exact tiling.
        v1 = payload.get("v", 1) == 1
        chosen = template(payload) if callable(template) else template
        result.reasons += legacy_compare(visible, data) if v1 else compare(
            visible, data, chosen)
    if result.reasons:
        result.status = "altered"
        return result
    if legacy:
        result.status = "legacy"

    valid_until = payload.get("valid_until")
    if valid_until and str(valid_until) < (today or dt.date.today()).isoformat():
        result.status = "expired"
        result.reasons.append(f"valid only until {valid_until}")
    if status_lookup is not None:
        result.registry = status_lookup(str(payload.get("serial", "")))
        if result.registry.state != "valid":
            result.status = result.registry.state
            result.reasons.append(
                f"the registry says {result.registry.state}"
                + (f": {result.registry.detail}" if result.registry.detail else ""))
    return result

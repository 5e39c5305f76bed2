"""Offline verification of a certificate PDF: is the embedded payload signed by our key, and
does the visible text say what the signed payload says?

The signed payload is the source of truth; the visible text check catches a PDF re-generated
with another name (or course, or serial) around an old, genuine signature block.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pikepdf
import pypdf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ldptrain.certificates.pdf import ATTACHMENT_NAME, METADATA_KEY
from ldptrain.certificates.signing import ALGORITHM, key_id, verify_payload
from ldptrain.thai import nfc

Status = Literal[
    "genuine",
    "forged",
    "altered",
    "unreadable",
    "unsigned",
    "expired",
    "revoked",
    "superseded",
    "unknown",
]
_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


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

    @property
    def ok(self) -> bool:
        return self.status == "genuine"

    @property
    def serial(self) -> str | None:
        return self.payload.get("serial") if self.payload else None


def _squash(text: str) -> str:
    """Text compared without whitespace: PDF extraction breaks lines where the layout did."""
    return _INVISIBLE.sub("", nfc(text))


def extract_text(pdf_bytes: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _signed_blocks(pdf: pikepdf.Pdf) -> tuple[bytes | None, str | None]:
    attachment = None
    if ATTACHMENT_NAME in pdf.attachments:
        attachment = pdf.attachments[ATTACHMENT_NAME].get_file().read_bytes()
    info = pdf.docinfo.get(METADATA_KEY)
    return attachment, (str(info) if info is not None else None)


def verify_pdf(
    pdf_bytes: bytes,
    public_key: Ed25519PublicKey,
    *,
    status_lookup: StatusLookup | None = None,
    today: dt.date | None = None,
) -> VerificationResult:
    """Check a certificate PDF offline; with `status_lookup`, also ask the registry whether the
    serial is still valid (revoked / superseded / unknown)."""
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            attachment, info = _signed_blocks(pdf)
    except (pikepdf.PdfError, ValueError, OSError) as exc:
        return VerificationResult("unreadable", [f"not a readable PDF: {exc}"])
    if attachment is None and info is None:
        return VerificationResult(
            "unsigned",
            [f"no signed ldptrain payload in this PDF (attachment {ATTACHMENT_NAME} missing)"],
        )
    try:
        block_text = attachment.decode("utf-8") if attachment is not None else info
        assert block_text is not None
        block = json.loads(block_text)
        payload, signature = block["payload"], block["signature"]
        if not isinstance(payload, dict) or not isinstance(signature, str):
            raise TypeError("payload must be an object and signature a string")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AssertionError) as exc:
        return VerificationResult("altered", [f"the signed data block is damaged: {exc}"])

    result = VerificationResult("genuine", payload=payload, kid=block.get("kid"))
    if info is not None and attachment is not None:
        try:
            same = json.loads(info) == block
        except ValueError:
            same = False
        if not same:
            result.reasons.append("the two embedded copies of the signed data differ")
            result.status = "altered"
            return result
    if block.get("alg") != ALGORITHM:
        result.status = "forged"
        result.reasons.append(f"unsupported signature algorithm {block.get('alg')!r}")
        return result
    if block.get("kid") != key_id(public_key):
        result.status = "forged"
        result.reasons.append(
            f"signed with a different key (kid {block.get('kid')}), not the issuer's key "
            f"(kid {key_id(public_key)})"
        )
        return result
    if not verify_payload(payload, signature, public_key):
        result.status = "altered"
        result.reasons.append(
            "the signature does not match the embedded data: it was changed "
            "after signing, or the signature is forged"
        )
        return result

    try:
        visible = _squash(extract_text(pdf_bytes))
    except Exception as exc:  # pypdf raises many types on damaged content streams
        result.status = "unreadable"
        result.reasons.append(f"the signature is valid but the page text cannot be read: {exc}")
        return result
    course = payload.get("course", {})
    expected = {
        "name": payload.get("name", ""),
        "serial": payload.get("serial", ""),
        "course title": course.get("title", {}).get("th", "") if isinstance(course, dict) else "",
    }
    for label, value in expected.items():
        if not value or _squash(value) not in visible:
            result.status = "altered"
            result.reasons.append(f"the page does not show the signed {label} {value!r}")
    if result.status != "genuine":
        return result

    valid_until = payload.get("valid_until")
    if valid_until and dt.date.fromisoformat(valid_until) < (today or dt.date.today()):
        result.status = "expired"
        result.reasons.append(f"genuine, but valid only until {valid_until}")
        return result
    if status_lookup is not None:
        registry = status_lookup(str(payload.get("serial", "")))
        if registry.state != "valid":
            result.status = registry.state
            result.reasons.append(
                f"genuine signature, but the registry says {registry.state}"
                + (f": {registry.detail}" if registry.detail else "")
            )
    return result

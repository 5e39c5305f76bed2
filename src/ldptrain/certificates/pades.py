"""PAdES document signatures with pyHanko: sign a rendered certificate, check one.

The signature is a *certifying* signature (DocMDP P=1: no change of any kind allowed) over the
whole file, PAdES baseline B-B, or B-T when a timestamp authority (RFC 3161) is configured. It is
what PDF readers (Acrobat, poppler's pdfsig) and auditors check; the Ed25519 payload signature
stays inside as the machine-readable data (see docs/certificates.md and ADR 0007).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ldptrain.certificates.issuer import Issuer

FIELD_NAME = "ldptrain-issuer"
log = logging.getLogger(__name__)


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


_signers: dict[str, signers.SimpleSigner] = {}


def _signer(issuer: Issuer) -> signers.SimpleSigner:
    """One pyHanko signer per issuer certificate (converting the key costs ~1 ms)."""
    signer = _signers.get(issuer.fingerprint)
    if signer is None:
        der = issuer.key.private_bytes(serialization.Encoding.DER,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
        chain = [_asn1_cert(c) for c in (issuer.cert, *issuer.chain)]
        signer = signers.SimpleSigner(
            signing_cert=chain[0], signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs(chain))
        _signers.clear()  # after a rotation only the new one is used
        _signers[issuer.fingerprint] = signer
    return signer


#: Bytes to reserve for the signature container, per issuer certificate (B-B only). pyHanko
#: otherwise sizes it by building and encoding a whole dummy CMS signature first — about half
#: the signing time. For B-B the container's size depends only on the signer (certificate chain
#: and algorithms), so the first signature's reservation, which pyHanko sized with its 50%
#: margin, fits every later one. With a timestamp authority (B-T) the token's size is not ours to
#: know: pyHanko estimates each time.
_reserved: dict[str, int] = {}


def _reserved_size(signed: bytes) -> int:
    """The hex length of the /Contents placeholder pyHanko reserved in `signed`."""
    sig = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures[0]
    return 2 * len(sig.sig_object["/Contents"])


def timestamper(url: str | None) -> TimeStamper | None:
    return HTTPTimeStamper(url, timeout=10) if url else None


def sign_pdf(pdf: bytes, issuer: Issuer, *, tsa: TimeStamper | None = None,
             reason: str = "Certificate issued by ldptrain") -> bytes:
    """`pdf` with a certifying PAdES signature appended as its last revision."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, certify=True, docmdp_permissions=MDPPerm.NO_CHANGES,
        subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256", reason=reason,
        location="Thailand")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    reserved = None if tsa is not None else _reserved.get(issuer.fingerprint)
    out = signers.PdfSigner(meta, signer=_signer(issuer), timestamper=tsa).sign_pdf(
        writer, bytes_reserved=reserved)
    signed: bytes = out.getvalue()
    if tsa is None and reserved is None:
        _reserved.clear()  # after a rotation only the new issuer signs
        _reserved[issuer.fingerprint] = _reserved_size(signed)
    return signed


@dataclass
class SignatureCheck:
    """What the PDF signature proves; `problems` empty means all of it holds."""

    present: bool
    problems: list[str] = field(default_factory=list)
    signer: str = ""  # subject of the signing certificate
    signer_fingerprint: str = ""
    signed_at: str = ""
    timestamped: bool = False

    @property
    def ok(self) -> bool:
        return self.present and not self.problems


def check_signature(pdf: bytes, *, issuer_certs: Iterable[x509.Certificate],
                    trust_roots: Iterable[x509.Certificate] = ()) -> SignatureCheck:
    """Is `pdf` certified by this instance's issuer, intact, covering the whole file, with no
    later revision? `issuer_certs` are the instance's published issuer certificates; a signer
    that chains to one of `trust_roots` (e.g. DLA's CA) is accepted too."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises many types on damaged files
        return SignatureCheck(present=False, problems=[f"the PDF structure is damaged: {exc}"])
    if not signatures:
        return SignatureCheck(present=False)
    check = SignatureCheck(present=True)
    if len(signatures) > 1:
        check.problems.append(f"{len(signatures)} signatures in the file; a certificate has one")
    sig = signatures[0]
    if sig.field_name != FIELD_NAME:
        check.problems.append(f"unexpected signature field {sig.field_name!r}")
    published = {c.public_bytes(serialization.Encoding.DER) for c in issuer_certs}
    roots = [_asn1_cert(c) for c in trust_roots]
    anchors = [asn1_x509.Certificate.load(der) for der in published] + roots
    try:
        context = ValidationContext(trust_roots=anchors, allow_fetching=False)
        status = validate_pdf_signature(sig, context)
    except Exception as exc:
        check.problems.append(f"the PDF signature cannot be checked: {exc}")
        return check
    cert = status.signing_cert
    check.signer = cert.subject.human_friendly
    check.signer_fingerprint = cert.sha256.hex()
    check.signed_at = status.signer_reported_dt.isoformat() if status.signer_reported_dt else ""
    check.timestamped = status.timestamp_validity is not None
    if not status.intact or not status.valid:
        check.problems.append("the PDF signature is broken: the file was changed after signing")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        check.problems.append("the PDF signature does not cover the whole file: something was "
                              "added after signing")
    if status.modification_level not in (None, ModificationLevel.NONE):
        check.problems.append("a later revision changes the signed document "
                              f"({status.modification_level.name.lower()})")
    if status.docmdp_ok is False:
        check.problems.append("a later revision breaks the issuer's no-changes certification")
    if sig.docmdp_level != MDPPerm.NO_CHANGES:
        check.problems.append("the signature is not a no-changes certification signature")
    if cert.dump() not in published and not (roots and status.trusted):
        check.problems.append(f"signed by {check.signer!r}, which is not this instance's issuer "
                              "certificate" + (" nor one issued under the configured trust "
                                               "root" if roots else ""))
    elif not status.trusted:
        check.problems.append("the issuer certificate is not valid at the signing time")
    return check


__all__ = ["FIELD_NAME", "SignatureCheck", "check_signature", "sign_pdf", "timestamper"]

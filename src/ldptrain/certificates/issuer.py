"""The instance's issuer certificate: the X.509 identity that PAdES-signs every certificate PDF.

Ed25519 (signing.py) stays for the embedded payload and the Open Badges token; PDF readers
(Acrobat, poppler's pdfsig, pyHanko) validate document signatures made with RSA or ECDSA keys
in an X.509 certificate, so the PDF signature needs one of those.

Where it comes from, in this order:
- a PKCS#12 file (`LDPTRAIN_CERT_ISSUER_P12`, password `LDPTRAIN_CERT_ISSUER_PASSWORD`), e.g.
  issued by DLA's CA;
- a PEM certificate (+ chain) and a PEM key (`LDPTRAIN_CERT_ISSUER_CERT`, `..._KEY`);
- otherwise a self-signed ECDSA P-256 certificate that `ensure_issuer` creates in the instance
  folder (`certificate-issuer.pem`: key and certificate in one file, mode 0600, so a rotation
  replaces both in one atomic rename).

Every certificate ever used is kept in `certificate-issuers/<sha256>.pem` (public) so that PDFs
signed before a rotation still verify; the keys route publishes them all. Creation happens only
in `ensure_issuer` / `rotate_issuer` (db upgrade, issuing, the CLI), never when serving a page.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .signing import write_private

ISSUER_FILENAME = "certificate-issuer.pem"
PUBLISHED_DIRNAME = "certificate-issuers"
VALID_YEARS = 10


class IssuerError(ValueError):
    """The configured issuer certificate or key cannot be used (message says which setting)."""


@dataclass(frozen=True)
class IssuerSettings:
    """Where the issuer comes from: the instance folder, or files from DLA's CA."""

    instance_path: Path
    p12: str | None = None
    cert: str | None = None
    key: str | None = None
    password: str | None = None
    common_name: str = "Department of Local Administration (ldptrain certificates)"

    @classmethod
    def from_config(cls, instance_path: str | os.PathLike[str],
                    config: Any) -> IssuerSettings:
        return cls(
            instance_path=Path(instance_path),
            p12=config.get("LDPTRAIN_CERT_ISSUER_P12") or None,
            cert=config.get("LDPTRAIN_CERT_ISSUER_CERT") or None,
            key=config.get("LDPTRAIN_CERT_ISSUER_KEY") or None,
            password=config.get("LDPTRAIN_CERT_ISSUER_PASSWORD") or None,
            common_name=f"{config.get('LDPTRAIN_CERT_ISSUER_EN') or 'ldptrain'} "
                        "(ldptrain certificates)",
        )

    @property
    def external(self) -> bool:
        return bool(self.p12 or self.cert)


@dataclass(frozen=True)
class Issuer:
    key: Any  # an RSA or EC private key (cryptography)
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.cert)


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _check_key(key: Any, where: str) -> Any:
    if isinstance(key, ec.EllipticCurvePrivateKey) or (
        isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048
    ):
        return key
    raise IssuerError(f"{where}: the PDF signing key must be ECDSA or RSA (2048 bits or more)")


def _self_signed(common_name: str) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
    ])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * VALID_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _bundle_pem(key: Any, cert: x509.Certificate) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + cert.public_bytes(serialization.Encoding.PEM)


def _publish(instance_path: Path, cert: x509.Certificate) -> None:
    folder = instance_path / PUBLISHED_DIRNAME
    path = folder / f"{fingerprint(cert)}.pem"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{path.name}.{os.getpid()}.tmp"
        tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        os.replace(tmp, path)


def _password(settings: IssuerSettings) -> bytes | None:
    return settings.password.encode("utf-8") if settings.password else None


def _load_external(settings: IssuerSettings) -> Issuer:
    try:
        if settings.p12:
            key, cert, extra = pkcs12.load_key_and_certificates(
                Path(settings.p12).read_bytes(), _password(settings))
            if key is None or cert is None:
                raise IssuerError(f"{settings.p12}: no key and certificate in this PKCS#12 file")
            return Issuer(_check_key(key, settings.p12), cert, tuple(extra))
        if not settings.key:
            raise IssuerError("LDPTRAIN_CERT_ISSUER_CERT is set but LDPTRAIN_CERT_ISSUER_KEY "
                              "is not: both are needed")
        certs = x509.load_pem_x509_certificates(Path(settings.cert or "").read_bytes())
        key = serialization.load_pem_private_key(Path(settings.key).read_bytes(),
                                                 _password(settings))
    except (OSError, ValueError, TypeError) as exc:
        if isinstance(exc, IssuerError):
            raise
        raise IssuerError(f"cannot load the configured issuer certificate: {exc}") from exc
    key = _check_key(key, settings.key)
    if certs[0].public_key().public_numbers() != key.public_key().public_numbers():
        raise IssuerError(f"{settings.key} is not the key of the first certificate in "
                          f"{settings.cert}")
    return Issuer(key, certs[0], tuple(certs[1:]))


@functools.lru_cache(maxsize=8)
def _load_bundle(path: str, mtime_ns: int) -> Issuer:
    """Parsed once per file version: a rotation (new file, new mtime) is picked up by running
    workers at their next signature without a restart."""
    data = Path(path).read_bytes()
    key = _check_key(serialization.load_pem_private_key(data, password=None), path)
    return Issuer(key, x509.load_pem_x509_certificates(data)[0])


def load_issuer(settings: IssuerSettings) -> Issuer:
    """The current issuer, without creating anything (raises FileNotFoundError if none yet)."""
    if settings.external:
        # Keyed by the files' versions too: DLA's certificate replaced in place is picked up.
        versions = tuple(os.stat(f).st_mtime_ns if os.path.exists(f) else 0
                         for f in (settings.p12, settings.cert, settings.key) if f)
        return _load_external_cached(settings, versions)
    path = settings.instance_path / ISSUER_FILENAME
    return _load_bundle(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load_external_cached(settings: IssuerSettings, versions: tuple[int, ...]) -> Issuer:
    return _load_external(settings)


def ensure_issuer(settings: IssuerSettings) -> Issuer:
    """The current issuer, creating the self-signed one on first use, and published."""
    if not settings.external and not (settings.instance_path / ISSUER_FILENAME).exists():
        key, cert = _self_signed(settings.common_name)
        write_private(settings.instance_path, ISSUER_FILENAME, _bundle_pem(key, cert),
                       replace=False)
    issuer = load_issuer(settings)
    _publish(settings.instance_path, issuer.cert)
    return issuer


def rotate_issuer(settings: IssuerSettings) -> tuple[Issuer | None, Issuer]:
    """Replace the self-signed issuer with a new key and certificate; the old certificate stays
    published (PDFs signed with it keep verifying) and its key is gone."""
    if settings.external:
        raise IssuerError("the issuer certificate comes from LDPTRAIN_CERT_ISSUER_P12 / _CERT: "
                          "rotate by configuring the new file (the old certificate stays "
                          "published)")
    old = None
    if (settings.instance_path / ISSUER_FILENAME).exists():
        old = load_issuer(settings)
        _publish(settings.instance_path, old.cert)
    key, cert = _self_signed(settings.common_name)
    write_private(settings.instance_path, ISSUER_FILENAME, _bundle_pem(key, cert), replace=True)
    _publish(settings.instance_path, cert)
    return old, load_issuer(settings)


def published_certificates(settings: IssuerSettings) -> list[x509.Certificate]:
    """Every issuer certificate of this instance, oldest first (read-only: safe for GETs)."""
    found: dict[str, x509.Certificate] = {}
    folder = settings.instance_path / PUBLISHED_DIRNAME
    if folder.is_dir():
        for path in sorted(folder.glob("*.pem")):
            for cert in x509.load_pem_x509_certificates(path.read_bytes()):
                found[fingerprint(cert)] = cert
    try:
        current = load_issuer(settings).cert
        found.setdefault(fingerprint(current), current)
    except (FileNotFoundError, IssuerError):
        pass
    return sorted(found.values(), key=lambda c: c.not_valid_before_utc)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or many) or a single DER certificate."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

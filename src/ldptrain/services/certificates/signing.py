"""Who signs certificates and with what: the signatory settings, the PDF-signing issuer
certificate, the instance's Ed25519 key, the verify URL printed on each; and the errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from ...certificates.issuer import Issuer, IssuerSettings, ensure_issuer
from ...certificates.signing import load_or_create_key
from ...i18n import lazy_gettext as _l
from ..errors import ServiceError

if TYPE_CHECKING:
    from ...models import Course


class CertificateError(ServiceError, ValueError):
    pass


class SignatoryNotConfigured(CertificateError):
    pass


@dataclass(frozen=True)
class Signatory:
    """Who signs a certificate: the course's own (course.md's `signatory:`) or the instance's
    settings (LDPTRAIN_CERT_SIGNATORY_*)."""

    name: str
    title_th: str
    title_en: str
    source: str  # course | instance


def _unset() -> str:
    return str(_l("Certificates cannot be issued: no signatory is set. An administrator must "
                  "set LDPTRAIN_CERT_SIGNATORY_NAME and LDPTRAIN_CERT_SIGNATORY_TITLE_TH (or the "
                  "course's own signatory in course.md) before certificates can be issued."))


def signatory_for(course: Course | None, config: Any) -> Signatory:
    """The course's signatory when course.md names one, else the instance's settings. Raises
    SignatoryNotConfigured when neither is set: no certificate prints "()" for a name."""
    if course is not None and (course.signatory_name or "").strip():
        return Signatory(course.signatory_name.strip(), course.signatory_title_th,
                         course.signatory_title_en, "course")
    name = (config.get("LDPTRAIN_CERT_SIGNATORY_NAME") or "").strip()
    title = (config.get("LDPTRAIN_CERT_SIGNATORY_TITLE_TH") or "").strip()
    if not name or not title:
        raise SignatoryNotConfigured(_unset())
    return Signatory(name, title, (config.get("LDPTRAIN_CERT_SIGNATORY_TITLE_EN") or "").strip(),
                     "instance")


def signatory_problem(config: Any, course: Course | None = None) -> str | None:
    """Why certificates (of `course`, or any without their own signatory) cannot be issued with
    this configuration, if they cannot."""
    try:
        signatory_for(course, config)
    except SignatoryNotConfigured as exc:
        return str(exc)
    return None


def issuer_settings() -> IssuerSettings:
    return IssuerSettings.from_config(current_app.instance_path, current_app.config)


def issuer() -> Issuer:
    """The PDF-signing issuer certificate, created on first use (never call from a GET)."""
    return ensure_issuer(issuer_settings())


def signing_key() -> Ed25519PrivateKey:
    """The instance's Ed25519 key (made on first use, mode 0600), cached per app."""
    extras = current_app.extensions["ldptrain"].extras
    if "signing_key" not in extras:
        extras["signing_key"] = load_or_create_key(current_app.instance_path)
    return extras["signing_key"]  # type: ignore[no-any-return]


def published_key() -> Ed25519PrivateKey | None:
    """The signing key if `db upgrade`/setup has made it; None before (read-only: for GETs)."""
    extras = current_app.extensions["ldptrain"].extras
    if "signing_key" not in extras:
        from ...certificates.signing import load_key

        found = load_key(current_app.instance_path)
        if found is None:
            return None
        extras["signing_key"] = found
    return extras["signing_key"]  # type: ignore[no-any-return]


def verify_url(serial: str) -> str:
    base = current_app.config.get("LDPTRAIN_BASE_URL", "").rstrip("/")
    prefix = current_app.extensions["ldptrain"].url_prefix
    return f"{base}{prefix}/verify/{serial}"

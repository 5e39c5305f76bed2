"""Who signs certificates and with what: the signatory settings, the PDF-signing issuer
certificate, the instance's Ed25519 key, the verify URL printed on each; and the errors.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from ...certificates.issuer import Issuer, IssuerSettings, ensure_issuer
from ...certificates.signing import load_or_create_key
from ...i18n import lazy_gettext as _l
from ..errors import ServiceError


class CertificateError(ServiceError, ValueError):
    pass


class SignatoryNotConfigured(CertificateError):
    pass


def signatory_problem(config: Any) -> str | None:
    """Why certificates cannot be issued with this configuration's signatory, if they cannot."""
    if not (config.get("LDPTRAIN_CERT_SIGNATORY_NAME") or "").strip():
        return str(_l("Certificates cannot be issued: the signatory's name is not set. An "
                      "administrator must set LDPTRAIN_CERT_SIGNATORY_NAME (and the title "
                      "settings) before certificates can be issued."))
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

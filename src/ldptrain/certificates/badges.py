"""Open Badges 3.0 export: an OpenBadgeCredential (W3C VC Data Model 2.0) signed as a VC-JWT
with EdDSA (Ed25519), using the same key as the PDF certificates.

Why VC-JWT rather than a Data Integrity `eddsa-rdfc-2022` proof: the JWT proof needs only
JSON + JWS (PyJWT over `cryptography`), while `eddsa-rdfc-2022` needs RDF Dataset
Canonicalization of the JSON-LD expansion, which means fetching (or pinning) remote JSON-LD
contexts and a canonicaliser whose Python implementations are thinly maintained. Both are
allowed by OB 3.0; see docs/certificates.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ldptrain.certificates.data import CertificateData
from ldptrain.certificates.signing import key_id, public_jwk

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
KEYS_PATH = "/.well-known/ldptrain-certificate-keys.json"
BANGKOK = dt.timezone(dt.timedelta(hours=7), "Asia/Bangkok")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _stamp(day: dt.date) -> dt.datetime:
    # Certificates carry dates; the credential needs date-times: midnight in Thailand.
    return dt.datetime.combine(day, dt.time(0, 0), BANGKOK)


def issuer_id(data: CertificateData) -> str:
    return data.issuer_url or _origin(data.verify_url)


def build_credential(data: CertificateData) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for a certificate."""
    issuer = issuer_id(data)
    hours = f" ({data.hours:g} ชั่วโมง / hours)" if data.hours is not None else ""
    description = data.course_title_en or data.course_title_th
    if data.kind == "programme":
        listed = "; ".join(c.title_th for c in data.courses)
        criteria = f"ผ่านการฝึกอบรมครบทุกหลักสูตรของโครงการ: {listed}{hours}"
    else:
        criteria = f"ผ่านการฝึกอบรมและการประเมินของหลักสูตร{hours}"
    if data.delivery == "blended":
        criteria += " · blended training (online and in person)"
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": data.verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"เกียรติบัตร · {data.course_title_th}",
        "description": f"{data.issuer_th} · {data.issuer_en}: {description}",
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": data.issuer_th,
            "description": data.issuer_en,
        },
        "validFrom": _stamp(data.issued_on).isoformat(),
        "awardedDate": _stamp(data.completed_on).isoformat(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": data.name,
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": {
                "id": f"{issuer}/courses/{data.course_slug}",
                "type": ["Achievement"],
                "achievementType": "CertificateOfCompletion",
                "name": data.course_title_th,
                "description": description,
                "criteria": {"narrative": criteria},
                "inLanguage": "th",
                "version": data.content_version,
            },
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if data.valid_until is not None:
        credential["validUntil"] = _stamp(data.valid_until).isoformat()
    return credential


def sign_badge(data: CertificateData, key: Ed25519PrivateKey) -> str:
    """The credential as a compact JWS (VC-JWT, alg EdDSA). The JWT claims mirror the
    credential (iss = issuer.id, jti = id, nbf = validFrom, exp = validUntil)."""
    credential = build_credential(data)
    claims = dict(credential)
    claims["iss"] = credential["issuer"]["id"]
    claims["jti"] = credential["id"]
    claims["nbf"] = int(dt.datetime.fromisoformat(credential["validFrom"]).timestamp())
    if "validUntil" in credential:
        claims["exp"] = int(dt.datetime.fromisoformat(credential["validUntil"]).timestamp())
    headers = {
        "kid": f"{issuer_id(data)}{data.keys_path or KEYS_PATH}#{key_id(key)}",
        "jwk": public_jwk(key),
        "typ": "JWT",
    }
    return jwt.encode(claims, key, algorithm="EdDSA", headers=headers)


_CLAIMS = ("iss", "jti", "nbf", "exp", "sub", "iat")


@dataclass
class BadgeVerification:
    ok: bool
    credential: dict[str, Any] | None = None
    reasons: list[str] = field(default_factory=list)


def verify_badge(token: str, public_key: Ed25519PublicKey) -> BadgeVerification:
    """Check the signature with *our* key (never the `jwk` in the header, which anyone can
    set) and that the JWT claims agree with the credential, as OB 3.0 requires."""
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=["EdDSA"],
            options={"require": ["iss", "jti", "nbf"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        return BadgeVerification(False, reasons=["the credential has expired (exp)"])
    except jwt.ImmatureSignatureError:
        return BadgeVerification(False, reasons=["the credential is not valid yet (nbf)"])
    except jwt.InvalidTokenError as exc:
        return BadgeVerification(False, reasons=[f"invalid signature or token: {exc}"])
    credential = {k: v for k, v in claims.items() if k not in _CLAIMS}
    reasons = []
    issuer = credential.get("issuer")
    issuer_value = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims["iss"] != issuer_value:
        reasons.append("iss does not match issuer.id")
    if claims["jti"] != credential.get("id"):
        reasons.append("jti does not match id")
    valid_from = credential.get("validFrom")
    if not valid_from or int(dt.datetime.fromisoformat(valid_from).timestamp()) != claims["nbf"]:
        reasons.append("nbf does not match validFrom")
    return BadgeVerification(not reasons, credential, reasons)

"""Open Badges 3.0: the credential validates against 1EdTech's schema, the VC-JWT verifies
with our key and fails when anything is changed."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import jsonschema
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ldptrain.certificates.badges import build_credential, sign_badge, verify_badge
from ldptrain.certificates.data import CourseLine, sample_certificate
from ldptrain.certificates.signing import public_jwk

SCHEMA = json.loads(
    (Path(__file__).parent / "ob_v3p0_achievementcredential_schema.json").read_text(
        encoding="utf-8"
    )
)
VALIDATOR = jsonschema.Draft201909Validator(
    SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
)

PROGRAMME = sample_certificate(
    kind="programme",
    course_slug="lao-staff",
    serial="DLA-LAOP-2569-000001",
    course_title_th="หลักสูตรพัฒนาศักยภาพบุคลากรท้องถิ่น",
    delivery="blended",
    courses=(
        CourseLine("ldp-sfci", "การจัดทำแผนพัฒนาท้องถิ่น"),
        CourseLine("partnerships", "การสร้างความร่วมมือ"),
    ),
    valid_until=dt.date(2029, 11, 25),
)


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict, dict, str]:
    head, body, sig = token.split(".")
    decode = lambda s: json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))  # noqa: E731
    return decode(head), decode(body), sig


@pytest.mark.parametrize("data", [sample_certificate(), PROGRAMME], ids=["course", "programme"])
def test_credential_validates_against_ob3_schema(data) -> None:
    errors = [e.message for e in VALIDATOR.iter_errors(build_credential(data))]
    assert errors == []


def test_schema_rejects_a_broken_credential() -> None:
    """Guards the vendored schema: it must actually reject things."""
    credential = build_credential(sample_certificate())
    del credential["credentialSubject"]["achievement"]["criteria"]
    credential["type"] = ["VerifiableCredential"]
    assert len(list(VALIDATOR.iter_errors(credential))) >= 2


def test_signed_badge_verifies_and_carries_the_credential(key: Ed25519PrivateKey) -> None:
    token = sign_badge(sample_certificate(), key)
    header, claims, _ = _parts(token)
    assert header["alg"] == "EdDSA" and header["jwk"] == public_jwk(key)
    assert "d" not in header["jwk"]
    result = verify_badge(token, key.public_key())
    assert result.ok, result.reasons
    assert VALIDATOR.is_valid(result.credential)
    subject = result.credential["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "นางสาวกำไล คำแสง"
    assert claims["jti"] == result.credential["id"] == sample_certificate().verify_url


def test_altered_badge_fails(key: Ed25519PrivateKey) -> None:
    header, claims, sig = _parts(sign_badge(sample_certificate(), key))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "นายสมชาย ทำแทน"
    token = ".".join([_b64(header), _b64(claims), sig])
    result = verify_badge(token, key.public_key())
    assert not result.ok
    assert "Signature verification failed" in result.reasons[0]


def test_badge_signed_by_another_key_fails_even_with_its_own_jwk(key: Ed25519PrivateKey) -> None:
    token = sign_badge(sample_certificate(), Ed25519PrivateKey.generate())
    assert not verify_badge(token, key.public_key()).ok


def test_claims_must_match_the_credential(key: Ed25519PrivateKey) -> None:
    _, claims, _ = _parts(sign_badge(sample_certificate(), key))
    claims["jti"] = "https://elsewhere.example/verify/X"
    token = jwt.encode(claims, key, algorithm="EdDSA")
    result = verify_badge(token, key.public_key())
    assert result.reasons == ["jti does not match id"]


def test_expired_badge_fails(key: Ed25519PrivateKey) -> None:
    old = sample_certificate(
        issued_on=dt.date(2020, 1, 1),
        completed_on=dt.date(2020, 1, 1),
        valid_until=dt.date(2022, 1, 1),
    )
    result = verify_badge(sign_badge(old, key), key.public_key())
    assert not result.ok and "expired" in result.reasons[0]

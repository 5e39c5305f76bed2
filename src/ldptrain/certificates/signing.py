"""Ed25519 signing of certificate payloads over RFC 8785 canonical JSON.

One key per instance, generated on first use into the instance folder (mode 0600) and loaded
afterwards. The public half is published as a JWK set and as PEM (see docs/certificates.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

KEY_FILENAME = "certificate-signing-key.pem"
ALGORITHM = "Ed25519"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_json(payload: Any) -> bytes:
    """RFC 8785 (JCS) bytes: sorted keys, no whitespace, ECMAScript number form, UTF-8."""
    return rfc8785.dumps(payload)


def write_private(folder: Path, name: str, data: bytes, *, replace: bool = False) -> bool:
    """Write `data` to folder/name with mode 0600, atomically. Without `replace`, an existing
    file wins (several workers starting at once all end up with the same key)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    tmp = Path(tmp_name)  # mkstemp creates the file with mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, folder / name)
            return True
        try:
            os.link(tmp, folder / name)
            return True
        except FileExistsError:
            return False
    finally:
        tmp.unlink(missing_ok=True)


def load_or_create_key(instance_path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """The instance's signing key; generated on first use.

    Safe when several workers start at once: the key is written to a private temporary file and
    hard-linked into place, so exactly one key wins and every worker loads that one.
    """
    folder = Path(instance_path)
    path = folder / KEY_FILENAME
    if path.exists():
        return _load_private(path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(folder, KEY_FILENAME, pem, replace=False)  # another worker's key may win
    return _load_private(path)


def load_existing_key(instance_path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """The instance's signing key, without creating one (for verification tools)."""
    path = Path(instance_path) / KEY_FILENAME
    if not path.exists():
        raise FileNotFoundError(f"no signing key at {path}")
    return _load_private(path)


def load_key(instance_path: str | os.PathLike[str]) -> Ed25519PrivateKey | None:
    """The instance's signing key if it has been made (by `db upgrade` or setup); never makes
    one (for the public GETs that publish it)."""
    path = Path(instance_path) / KEY_FILENAME
    return _load_private(path) if path.exists() else None


def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def _public(key: Ed25519PrivateKey | Ed25519PublicKey) -> Ed25519PublicKey:
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else key


def sign_payload(payload: dict[str, Any], key: Ed25519PrivateKey) -> str:
    """The base64url Ed25519 signature of the payload's canonical JSON."""
    return b64url(key.sign(canonical_json(payload)))


def verify_payload(
    payload: dict[str, Any], signature: str, public_key: Ed25519PublicKey | Ed25519PrivateKey
) -> bool:
    """True only if `signature` was made over exactly this payload by this key."""
    try:
        raw = b64url_decode(signature)
    except (ValueError, TypeError):
        return False
    try:
        _public(public_key).verify(raw, canonical_json(payload))
    except InvalidSignature:
        return False
    return True


def _raw_public(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    return _public(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256), used as `kid` everywhere the key is named."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(_raw_public(key))}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return b64url(digest.digest())


def public_jwk(key: Ed25519PublicKey | Ed25519PrivateKey) -> dict[str, str]:
    """The public key as an RFC 8037 OKP JWK."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(_raw_public(key)),
        "kid": key_id(key),
        "alg": "EdDSA",
        "use": "sig",
    }


def public_jwks(key: Ed25519PublicKey | Ed25519PrivateKey) -> dict[str, list[dict[str, str]]]:
    """The JWK Set document to serve at /.well-known/ldptrain-certificate-keys.json."""
    return {"keys": [public_jwk(key)]}


def public_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    return (
        _public(key)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def load_public_key(data: str | bytes | dict[str, Any]) -> Ed25519PublicKey:
    """Read a public key from PEM, a JWK, or a JWK set (first Ed25519 key)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("-----BEGIN"):
            loaded = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(loaded, Ed25519PublicKey):
                raise ValueError("PEM does not hold an Ed25519 public key")
            return loaded
        data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("expected a PEM public key, a JWK or a JWK set")
    jwk: dict[str, Any] = data
    if "keys" in jwk:
        found = [k for k in jwk["keys"] if isinstance(k, dict) and k.get("crv") == "Ed25519"]
        if not found:
            raise ValueError("the JWK set holds no Ed25519 key")
        jwk = found[0]
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("JWK is not an Ed25519 (OKP) key")
    return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))


def load_public_keys(data: str | bytes) -> list[Ed25519PublicKey]:
    """Every Ed25519 key of a PEM, JWK or JWK set (a set keeps the keys of past rotations)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if text.strip().startswith("-----BEGIN"):
        return [load_public_key(text)]
    document = json.loads(text)
    if isinstance(document, dict) and isinstance(document.get("keys"), list):
        return [load_public_key(k) for k in document["keys"]
                if isinstance(k, dict) and k.get("crv") == "Ed25519"]
    return [load_public_key(document)]

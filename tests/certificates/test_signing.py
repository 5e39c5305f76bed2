from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ldptrain.certificates import signing
from ldptrain.certificates.serials import SerialError, format_serial, is_serial, parse_serial


def test_key_created_once_private_and_reloaded(tmp_path: Path) -> None:
    first = signing.load_or_create_key(tmp_path / "instance")
    path = tmp_path / "instance" / signing.KEY_FILENAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = signing.load_or_create_key(tmp_path / "instance")
    assert signing.key_id(first) == signing.key_id(again)
    assert signing.key_id(signing.load_existing_key(tmp_path / "instance")) == signing.key_id(first)


def test_concurrent_first_use_yields_one_key(tmp_path: Path) -> None:
    ids: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        ids.append(signing.key_id(signing.load_or_create_key(tmp_path)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and len(ids) == 8
    assert [p.name for p in tmp_path.iterdir()] == [signing.KEY_FILENAME]


def test_load_existing_key_never_creates(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        signing.load_existing_key(tmp_path)
    assert not any(tmp_path.iterdir())


def test_signature_covers_every_field_and_ignores_key_order() -> None:
    key = Ed25519PrivateKey.generate()
    payload = {"serial": "DLA-LDP-2569-000001", "name": "นางสาวกำไล คำแสง", "n": [1, 2]}
    signature = signing.sign_payload(payload, key)
    reordered = {"n": [1, 2], "name": "นางสาวกำไล คำแสง", "serial": "DLA-LDP-2569-000001"}
    assert signing.verify_payload(reordered, signature, key.public_key())
    assert not signing.verify_payload(
        {**payload, "name": "นางสาวกาไล คำแสง"}, signature, key.public_key()
    )
    assert not signing.verify_payload(payload, signature, Ed25519PrivateKey.generate())
    assert not signing.verify_payload(payload, "not base64!", key.public_key())


def test_canonical_json_is_rfc8785() -> None:
    assert signing.canonical_json({"b": 1, "a": "ก", "c": 1.0}) == '{"a":"ก","b":1,"c":1}'.encode()


def test_public_key_round_trips_through_pem_jwk_and_jwks() -> None:
    key = Ed25519PrivateKey.generate()
    kid = signing.key_id(key)
    jwk = signing.public_jwk(key)
    assert "d" not in jwk and jwk["kid"] == kid and jwk["alg"] == "EdDSA"
    for published in (signing.public_pem(key), jwk, signing.public_jwks(key)):
        assert signing.key_id(signing.load_public_key(published)) == kid


def test_serial_format_and_parse() -> None:
    assert format_serial("DLA", "LDP", 2569, 123) == "DLA-LDP-2569-000123"
    serial = parse_serial(" dla-ldp-๒๕๖๙-000123 ")
    assert (serial.prefix, serial.code, serial.be_year, serial.sequence) == (
        "DLA",
        "LDP",
        2569,
        123,
    )
    assert str(serial) == "DLA-LDP-2569-000123"
    assert parse_serial("DLA-LDP-2569-000002") > parse_serial("DLA-LDP-2569-000001")


@pytest.mark.parametrize(
    "bad",
    [
        "DLA-LDP-2026-000123",
        "DLA-LDP-2569-123",
        "DLA-LDP-2569-000000",
        "DLA_LDP_2569_000123",
        "D-LDP-2569-000123",
        "",
    ],
)
def test_serial_rejects_malformed(bad: str) -> None:
    assert not is_serial(bad)
    with pytest.raises(SerialError):
        parse_serial(bad)


def test_format_serial_rejects_gregorian_year_and_overflow() -> None:
    with pytest.raises(SerialError):
        format_serial("DLA", "LDP", 2026, 1)
    with pytest.raises(SerialError):
        format_serial("DLA", "LDP", 2569, 1_000_000)
    with pytest.raises(SerialError):
        format_serial("DLA", "ldp", 2569, 1)

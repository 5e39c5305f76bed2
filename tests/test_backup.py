"""`ldptrain backup` / `restore`: a backup restored into a fresh instance has every record and the
certificates issued before it still verify; wrong passphrases, altered files and non-empty
instances are refused; PostgreSQL sites are pointed at pg_dump."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ldptrain import create_app
from ldptrain.cli import main
from ldptrain.db import get_session
from ldptrain.models import Certificate
from ldptrain.services import certificates as certs
from ldptrain.services import schema

from .certificate_helpers import complete, setup

CONFIG = {"LDPTRAIN_SECRET_KEY": "x", "LDPTRAIN_CERT_SIGNATORY_NAME": "นายทดสอบ ลงนาม"}
PASS = {"LDPTRAIN_BACKUP_PASSPHRASE": "correct horse battery staple"}


def _instance_with_certificate(folder: Path) -> Path:
    app = create_app(CONFIG, instance_path=folder)
    with app.app_context():
        schema.upgrade(app.extensions["ldptrain"].db.engine)
        user, org, (course,) = setup()
        complete(user, org, course)
        get_session().commit()
        cert = get_session().scalars(select(Certificate)).one()
        pdf = folder.parent / f"{cert.serial}.pdf"
        pdf.write_bytes(certs.render_pdf(cert))
        get_session().remove()
        app.extensions["ldptrain"].db.engine.dispose()
    return pdf


def _run(folder: Path, *args: str, env: dict[str, str] | None = None,
         data: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--instance", str(folder), *args], env=env or PASS,
                              input=data)


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        counts = {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    conn.close()
    return counts


def test_round_trip_keeps_every_record_and_certificates_verify(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    pdf = _instance_with_certificate(old)
    saved = tmp_path / "site.ldpbak"
    made = _run(old, "backup", str(saved))
    assert made.exit_code == 0, made.output
    assert b"ldptrain" not in saved.read_bytes()[8:]  # encrypted: no readable table names

    restored = _run(new, "restore", str(saved))
    assert restored.exit_code == 0, restored.output
    before, after = _counts(old / "ldptrain.sqlite3"), _counts(new / "ldptrain.sqlite3")
    assert after == before and before["ldp_certificate"] == 1 and before["ldp_user"] == 1
    for name in ("secret_key", "certificate-signing-key.pem", "certificate-issuer.pem"):
        assert (new / name).read_bytes() == (old / name).read_bytes()
        assert (new / name).stat().st_mode & 0o077 == 0  # owner only

    verified = _run(new, "certs", "verify", str(pdf))
    assert verified.exit_code == 0, verified.output
    assert "GENUINE" in verified.output


def test_restore_refuses_a_non_empty_instance_without_force(tmp_path: Path) -> None:
    old = tmp_path / "old"
    _instance_with_certificate(old)
    saved = tmp_path / "site.ldpbak"
    assert _run(old, "backup", str(saved)).exit_code == 0
    refused = _run(old, "restore", str(saved))
    assert refused.exit_code != 0 and "not empty" in refused.output and "--force" in refused.output
    forced = _run(old, "restore", "--force", str(saved))
    assert forced.exit_code == 0, forced.output


def test_wrong_passphrase_and_altered_file_are_refused(tmp_path: Path) -> None:
    old = tmp_path / "old"
    _instance_with_certificate(old)
    saved = tmp_path / "site.ldpbak"
    assert _run(old, "backup", str(saved)).exit_code == 0
    wrong = _run(tmp_path / "a", "restore", str(saved),
                 env={"LDPTRAIN_BACKUP_PASSPHRASE": "not it"})
    assert wrong.exit_code != 0 and "wrong passphrase" in wrong.output
    data = bytearray(saved.read_bytes())
    data[len(data) // 2] ^= 1
    altered = tmp_path / "altered.ldpbak"
    altered.write_bytes(bytes(data))
    refused = _run(tmp_path / "b", "restore", str(altered))
    assert refused.exit_code != 0 and "altered" in refused.output
    assert not (tmp_path / "b" / "ldptrain.sqlite3").exists()  # nothing half-restored
    cut = tmp_path / "cut.ldpbak"
    cut.write_bytes(saved.read_bytes()[:-10])
    assert _run(tmp_path / "c", "restore", str(cut)).exit_code != 0


def test_without_keys_leaves_keys_out_and_prompts_for_passphrase(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    _instance_with_certificate(old)
    saved = tmp_path / "nokeys.ldpbak"
    made = _run(old, "backup", "--without-keys", str(saved), env={},
                data="a long passphrase\na long passphrase\n")
    assert made.exit_code == 0, made.output
    assert "--keys-only" in made.output
    restored = _run(new, "restore", str(saved), env={}, data="a long passphrase\n")
    assert restored.exit_code == 0, restored.output
    assert _counts(new / "ldptrain.sqlite3")["ldp_certificate"] == 1
    assert not (new / "certificate-signing-key.pem").exists()
    assert "no keys in this backup" in restored.output


@pytest.mark.parametrize("keys_only", [False, True])
def test_postgresql_points_at_pg_dump_and_backs_up_keys_only(tmp_path: Path,
                                                             keys_only: bool) -> None:
    old = tmp_path / "old"
    _instance_with_certificate(old)  # makes the keys; the database below is never contacted
    env = {**PASS, "LDPTRAIN_DATABASE_URL": "postgresql+psycopg://ldp@127.0.0.1:1/none"}
    saved = tmp_path / "keys.ldpbak"
    args = ["backup", "--keys-only", str(saved)] if keys_only else ["backup", str(saved)]
    result = _run(old, *args, env=env)
    if not keys_only:
        assert result.exit_code != 0
        assert "pg_dump" in result.output and "--keys-only" in result.output
        return
    assert result.exit_code == 0, result.output
    new = tmp_path / "new"
    restored = _run(new, "restore", str(saved), env=env)
    assert restored.exit_code == 0, restored.output
    assert (new / "certificate-issuer.pem").read_bytes() == \
        (old / "certificate-issuer.pem").read_bytes()

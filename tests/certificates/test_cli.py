from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from ldptrain.certificates.cli import STATUS_LOOKUP_META, certs
from ldptrain.certificates.signing import load_or_create_key, public_jwks, public_pem
from ldptrain.certificates.verify import RegistryStatus


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_preview_then_verify_with_instance_key(runner: CliRunner, tmp_path: Path) -> None:
    out, instance = tmp_path / "preview.pdf", tmp_path / "instance"
    result = runner.invoke(certs, ["preview", "--out", str(out), "--instance", str(instance)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")

    result = runner.invoke(certs, ["verify", str(out), "--instance", str(instance)])
    assert result.exit_code == 0, result.output
    assert "นางสาวกำไล คำแสง" in result.output
    assert "DLA-LDP-2569-000123" in result.output
    assert "GENUINE" in result.output


def test_verify_with_published_keys(runner: CliRunner, tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "instance")
    out = tmp_path / "c.pdf"
    runner.invoke(certs, ["preview", "--out", str(out), "--instance", str(tmp_path / "instance")])
    import json

    from ldptrain.certificates.issuer import IssuerSettings, cert_pem, published_certificates

    (tmp_path / "key.pem").write_text(public_pem(key))
    (tmp_path / "keys.json").write_text(json.dumps(public_jwks(key)))
    issuers = published_certificates(IssuerSettings(tmp_path / "instance"))
    (tmp_path / "issuers.pem").write_text("".join(cert_pem(c) for c in issuers))
    for published in ("key.pem", "keys.json"):
        result = runner.invoke(
            certs, ["verify", str(out), "--public-key", str(tmp_path / published),
                    "--issuer-cert", str(tmp_path / "issuers.pem")]
        )
        assert result.exit_code == 0, result.output
    # Without the issuer's published certificate, the PDF signer is a stranger.
    result = runner.invoke(certs, ["verify", str(out), "--public-key", str(tmp_path / "key.pem"),
                                   "--instance", str(tmp_path / "elsewhere")])
    assert result.exit_code == 1 and "not this instance's issuer" in result.output


def test_preview_default_key_is_throwaway_so_verify_says_altered(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "c.pdf"
    assert runner.invoke(certs, ["preview", "--out", str(out)]).exit_code == 0
    load_or_create_key(tmp_path / "instance")
    result = runner.invoke(certs, ["verify", str(out), "--instance", str(tmp_path / "instance")])
    assert result.exit_code == 1
    assert "ALTERED" in result.output


def test_verify_unreadable_file(runner: CliRunner, tmp_path: Path) -> None:
    load_or_create_key(tmp_path / "instance")
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"this is not a pdf")
    result = runner.invoke(certs, ["verify", str(junk), "--instance", str(tmp_path / "instance")])
    assert result.exit_code == 3
    assert "UNREADABLE" in result.output


def test_verify_without_a_key_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    junk = tmp_path / "c.pdf"
    junk.write_bytes(b"%PDF")
    result = runner.invoke(certs, ["verify", str(junk), "--instance", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "issuer's keys" in result.output
    assert not (tmp_path / "none").exists()


def test_status_lookup_hook_reports_revoked(runner: CliRunner, tmp_path: Path) -> None:
    out, instance = tmp_path / "c.pdf", tmp_path / "instance"
    runner.invoke(certs, ["preview", "--out", str(out), "--instance", str(instance)])

    def revoked(serial: str) -> RegistryStatus:
        return RegistryStatus("revoked", f"{dt.date(2026, 12, 1)}: issued in error")

    # The lead's parent group sets this when a database is configured.
    import click

    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.meta[STATUS_LOOKUP_META] = revoked

    root.add_command(certs)
    result = runner.invoke(root, ["certs", "verify", str(out), "--instance", str(instance)])
    assert result.exit_code == 4, result.output
    assert "REVOKED" in result.output and "issued in error" in result.output

"""The forgery corpus: `verify_pdf` and `ldptrain certs verify` accept the genuine certificate
and reject every forgery, each with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ldptrain.certificates.cli import certs
from ldptrain.certificates.issuer import Issuer
from ldptrain.certificates.verify import verify_pdf

from .forgeries import corpus


@pytest.fixture(scope="module")
def forged(sample_pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return corpus(sample_pdf, tmp_path_factory.mktemp("forger"))


NAMES = ["genuine", "re-rendered fields, original attachment", "hidden text, original attachment",
         "incremental update: text", "incremental update: annotation", "incremental update: page",
         "replaced attachment", "edited byte", "truncated", "another instance's keys"]


@pytest.mark.parametrize("name", NAMES)
def test_verifier_verdicts(name: str, forged: dict, key: Ed25519PrivateKey,
                           issuer: Issuer) -> None:
    pdf, expected = forged[name]
    result = verify_pdf(pdf, key.public_key(), issuer_certs=[issuer.cert])
    assert result.status == expected, result.reasons
    assert bool(result.reasons) == (expected != "genuine"), result.reasons


@pytest.mark.parametrize("name", NAMES)
def test_cli_verdicts(name: str, forged: dict, instance: Path, tmp_path: Path) -> None:
    pdf, expected = forged[name]
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    result = CliRunner().invoke(certs, ["verify", str(path), "--instance", str(instance)])
    assert result.exit_code == (0 if expected == "genuine" else 1), result.output
    assert ("GENUINE" if expected == "genuine" else "ALTERED") in result.output


def test_reasons_name_what_was_changed(forged: dict, key: Ed25519PrivateKey,
                                       issuer: Issuer) -> None:
    def reasons(name: str) -> str:
        return " | ".join(verify_pdf(forged[name][0], key.public_key(),
                                     issuer_certs=[issuer.cert]).reasons)

    rerendered = reasons("re-rendered fields, original attachment")
    assert "PDF signature is missing" in rerendered
    assert "organisation" in rerendered and "completion date" in rerendered
    assert "hours" in rerendered
    hidden = reasons("hidden text, original attachment")
    assert "text the issuer did not put there" in hidden and "fake" in hidden.lower()
    assert "does not cover the whole file" in reasons("incremental update: annotation")
    assert "does not match the embedded data" in reasons("replaced attachment")
    assert "not this instance's issuer" in reasons("another instance's keys")


def test_pdfsig_reports_a_fresh_certificate_valid_over_the_whole_file(
        sample_pdf: bytes, tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed")
    path = tmp_path / "c.pdf"
    path.write_bytes(sample_pdf)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." in out, out
    assert "Total document signed" in out, out
    path.write_bytes(sample_pdf[:-1200] + b" " + sample_pdf[-1199:])
    broken = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" not in broken or "Total document signed" not in broken

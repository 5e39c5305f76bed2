from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ldptrain.certificates.data import sample_certificate
from ldptrain.certificates.issuer import Issuer, IssuerSettings, ensure_issuer
from ldptrain.certificates.pdf import render_certificate_pdf
from ldptrain.certificates.signing import load_or_create_key

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="session")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def key(instance: Path) -> Ed25519PrivateKey:
    return load_or_create_key(instance)


@pytest.fixture(scope="session")
def issuer(instance: Path) -> Issuer:
    return ensure_issuer(IssuerSettings(instance))


@pytest.fixture(scope="session")
def sample_pdf(key: Ed25519PrivateKey, issuer: Issuer) -> bytes:
    return render_certificate_pdf(sample_certificate(), key=key, issuer=issuer)

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ldptrain.certificates.data import sample_certificate
from ldptrain.certificates.pdf import render_certificate_pdf
from ldptrain.certificates.signing import load_or_create_key

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="session")
def key(tmp_path_factory: pytest.TempPathFactory) -> Ed25519PrivateKey:
    return load_or_create_key(tmp_path_factory.mktemp("instance"))


@pytest.fixture(scope="session")
def sample_pdf(key: Ed25519PrivateKey) -> bytes:
    return render_certificate_pdf(sample_certificate(), key=key)

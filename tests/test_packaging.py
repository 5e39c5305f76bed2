"""A non-editable install carries everything the checkout uses: templates, content, static
files, translations, migrations and reference data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True)
    (built,) = out.glob("ldptrain-*.whl")
    return zipfile.ZipFile(built)


def test_wheel_ships_bundled_content_and_templates(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for course in ("ldp-sfci", "partnerships", "trainer-guide"):
        assert f"ldptrain/_bundled/courses/{course}/course.md" in names
    assert "ldptrain/_bundled/assessments/ldp-sfci-final.md" in names
    assert "ldptrain/_bundled/templates/ldptrain/base.html" in names
    assert "ldptrain/_bundled/templates/ldptrain/certificates/certificate.html" in names


def test_wheel_ships_static_files_migrations_and_data(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "ldptrain/static/css/ldptrain.css" in names
    assert any(n.startswith("ldptrain/static/fonts/") and n.endswith(".ttf") for n in names)
    assert any(n.startswith("ldptrain/static/fonts/") and n.endswith("OFL.txt") for n in names)
    assert "ldptrain/migrations/env.py" in names
    assert any(n.startswith("ldptrain/migrations/versions/0001") for n in names)
    assert "ldptrain/data/provinces.csv" in names
    assert "ldptrain/data/sample_organisations.csv" in names
    for name in ("thailand.json", "LICENSE.md", "SOURCE.md"):  # the map and its CC BY notice
        assert f"ldptrain/static/vendor/svg-maps-thailand/{name}" in names


def test_wheel_ships_compiled_translations(wheel: zipfile.ZipFile) -> None:
    assert "ldptrain/translations/th/LC_MESSAGES/ldptrain.mo" in set(wheel.namelist())

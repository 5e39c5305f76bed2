"""Where the bundled templates, courses and assessments are: inside the wheel, or the checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """`templates`, `courses` or `assessments`: ``ldptrain/_bundled/<name>`` in an installed wheel,
    the repository's top-level folder in a checkout (editable install)."""
    installed = _PACKAGE / "_bundled" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / name


STATIC = _PACKAGE / "static"
DATA = _PACKAGE / "data"
MIGRATIONS = _PACKAGE / "migrations"
TRANSLATIONS = _PACKAGE / "translations"

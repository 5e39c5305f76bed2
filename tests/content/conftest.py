from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ldptrain.cli.content import content

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "content"


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages follow the locale (LC_ALL, LANG): these tests read the English ones whatever
    the machine's locale is; test_check_thai.py sets its own."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch):
    """Run `content check` from the fixtures folder, as an author would from their project."""
    monkeypatch.chdir(FIXTURES)

    def run(*paths: str) -> tuple[int, list[str]]:
        result = CliRunner().invoke(content, ["check", *paths])
        return result.exit_code, [line for line in result.stdout.splitlines() if line]

    return run

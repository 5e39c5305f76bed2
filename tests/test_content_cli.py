"""`ldptrain content import|export` as an author runs them on an instance (#19)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ldptrain.cli import main

GOOD = Path(__file__).parent / "fixtures" / "content" / "good"
ENV = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def _run(instance: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--instance", str(instance), *args], env=env or ENV)


def test_import_before_db_upgrade_says_to_run_it_instead_of_a_traceback(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    first = _run(instance, "content", "import", str(GOOD))
    assert first.exit_code == 2
    assert first.stderr.strip() == (
        "this database has no ldptrain tables yet: run `ldptrain db upgrade` first, then "
        "try again")
    assert "Traceback" not in first.output and "no such table" not in first.output

    thai = _run(instance, "content", "import", str(GOOD), env={"LC_ALL": None, "LC_MESSAGES": None,
                                                                "LANG": "th_TH.UTF-8"})
    assert thai.exit_code == 2 and "ldptrain db upgrade" in thai.stderr
    assert "ฐานข้อมูล" in thai.stderr

    for other in (["export", "plan-basics", "--to", str(tmp_path / "out")], ["stats", "quiz"]):
        refused = _run(instance, "content", *other)
        assert refused.exit_code == 2 and "ldptrain db upgrade" in refused.stderr, other

    assert _run(instance, "db", "upgrade").exit_code == 0
    imported = _run(instance, "content", "import", str(GOOD))
    assert imported.exit_code == 0, imported.output
    assert "created" in imported.stdout

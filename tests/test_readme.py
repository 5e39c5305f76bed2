"""The README's configuration table is the settings the code reads."""

from pathlib import Path

from ldptrain.config import settings_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_documents_every_setting() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- settings:start -->") + len("<!-- settings:start -->")
    end = text.index("<!-- settings:end -->")
    assert text[start:end].strip() == settings_table().strip(), (
        "README settings table is stale: regenerate it with `ldptrain settings`")

"""The layers of docs/architecture.md, and ldptrain's use of its libraries' public API only."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import ldptrain

PACKAGE = Path(ldptrain.__file__).parent


def _modules(*packages: str) -> Iterator[tuple[Path, ast.Module]]:
    for package in packages:
        for path in sorted((PACKAGE / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imports(path: Path, tree: ast.Module) -> Iterator[tuple[str, str]]:
    """(module, name) for every import; relative imports resolved to ldptrain.*."""
    here = ["ldptrain", *path.relative_to(PACKAGE).with_suffix("").parts[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ""
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                yield module, alias.name


def test_services_never_reach_into_the_web_layer() -> None:
    """Services get the user and what they need from their caller: no web/, no request,
    session, g or signed-in user of their own."""
    found = []
    for path, tree in _modules("services", "content", "models", "certificates"):
        for module, name in _imports(path, tree):
            if (module.startswith(("ldptrain.web", "flask_login", "flask_wtf"))
                    or (module == "flask" and name in {"request", "session", "g"})
                    or f"{module}.{name}".startswith("ldptrain.web")):
                found.append(f"{path.relative_to(PACKAGE)}: {module} {name}")
    assert found == []


def test_content_is_pure() -> None:
    """The Markdown pipeline knows nothing of Flask or the database."""
    found = [f"{path.relative_to(PACKAGE)}: {module}"
             for path, tree in _modules("content") for module, _ in _imports(path, tree)
             if module.split(".")[0] in {"flask", "sqlalchemy", "flask_sqlalchemy"}
             or module.startswith(("ldptrain.models", "ldptrain.services", "ldptrain.web",
                                   "ldptrain.db"))]
    assert found == []


#: Underscore names that are public API: werkzeug's documented way to unwrap a proxy
#: (current_user, current_app), and namedtuple's constructor from an iterable.
PUBLIC_UNDERSCORED = {"_get_current_object", "_make"}


def test_no_private_attribute_of_a_library_is_used() -> None:
    """No `x._name` (nor getattr(x, "_name"), x.get("_name"), "_name" in x) on anything but
    ldptrain's own objects (`self`, `cls`) and ldptrain's own keys on Flask's `g` (`_ldp...`):
    SQLAlchemy, Flask, Flask-Limiter, WTForms and Flask-Babel may change their internals in
    any release."""
    found = []
    everything = [p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "migrations"
                  and not p.name.startswith("_")]
    for path, tree in [*_modules(*everything),
                       *((p, ast.parse(p.read_text(encoding="utf-8")))
                         for p in sorted(PACKAGE.glob("*.py")))]:
        for node in ast.walk(tree):
            name = ""
            if isinstance(node, ast.Attribute):
                owner = node.value.id if isinstance(node.value, ast.Name) else ""
                if owner not in {"self", "cls"}:
                    name = node.attr
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in {"getattr", "hasattr", "setattr"} and len(node.args) > 1
                  and isinstance(node.args[1], ast.Constant)):
                name = str(node.args[1].value)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "get" and node.args
                  and isinstance(node.args[0], ast.Constant)):
                name = str(node.args[0].value)  # a library's key on g or in the session
            elif (isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant)
                  and isinstance(node.ops[0], ast.In | ast.NotIn)):
                name = str(node.left.value)
            if (name.startswith("_") and not name.startswith("__")
                    and name not in PUBLIC_UNDERSCORED and not name.startswith("_ldp")):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    assert found == []

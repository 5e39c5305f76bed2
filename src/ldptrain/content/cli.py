"""`ldptrain content ...` commands. `check` needs no app and no database."""

from __future__ import annotations

import sys

import click

from ldptrain.content.loader import load_content


@click.group("content")
def content() -> None:
    """Check, import and export courses and assessments written in Markdown."""


@content.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def check(paths: tuple[str, ...]) -> None:
    """Validate PATH... (course folders, assessments, or folders of them); print every problem as
    `path:line: message` and exit 1 if there is any."""
    _, problems = load_content(list(paths), render=False)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}", err=True)
        sys.exit(1)

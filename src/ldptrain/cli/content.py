"""`ldptrain content ...` commands. `check` needs no app and no database; import and export load
the app (and so Flask) only when they run, so the content package itself never imports Flask."""

from __future__ import annotations

import sys

import click

from ldptrain.content.lint import lint_content
from ldptrain.content.loader import load_content
from ldptrain.content.messages import LANGUAGES, N_, language, translate


@click.group("content")
def content() -> None:
    """Check, import and export courses and assessments written in Markdown."""


def _app_context(ctx: click.Context) -> None:
    """What flask.cli.with_appcontext does, imported only when a command needs the app."""
    from flask import current_app
    from flask.cli import ScriptInfo

    if not current_app:
        ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())


def _require_schema(ctx: click.Context) -> None:
    """Stop with a plain instruction (exit 2) when the database has no ldptrain tables yet or an
    older schema: an import there would die half-way with `no such table`."""
    from flask import current_app

    from ldptrain.services import schema

    engine = current_app.extensions["ldptrain"].db.engine
    current, head = schema.current_revision(engine), schema.head_revision()
    if current == head:
        return
    command = "flask ldptrain db upgrade" if ctx.find_root().info_name == "flask" else (
        "ldptrain db upgrade")
    if current is None:
        message = N_("this database has no ldptrain tables yet: run `%(command)s` first, then "
                     "try again", command=command)
    else:
        message = N_("this database has an older ldptrain schema (%(current)s, needs "
                     "%(head)s): run `%(command)s` first, then try again",
                     current=current, head=head, command=command)
    click.echo(translate(message, language(None)), err=True)
    ctx.exit(2)


@content.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--strict", is_flag=True, help="Treat question lint warnings as errors.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="Language of the messages (default: th when LANG/LC_ALL is Thai, else en).")
def check(paths: tuple[str, ...], strict: bool, lang: str | None) -> None:
    """Validate PATH... (course folders, assessments, or folders of them); print every problem as
    `path:line: message` and exit 1 if there is any. Question lint warnings are printed too
    (`path:line: warning: ...`); with --strict they also make the exit status 1. Ends with a
    one-line summary: files checked, errors, warnings."""
    lang = language(lang)
    files: list[str] = []
    found, problems = load_content(list(paths), render=False, files=files)
    warnings = lint_content(found)
    for problem in sorted([*problems, *warnings], key=lambda p: (p.path, p.line)):
        click.echo(f"{problem.path}:{problem.line}: {translate(problem.message, lang)}")
    click.echo(translate(N_("%(files)s files checked, %(errors)s errors, %(warnings)s warnings",
                            files=len(files), errors=len(problems), warnings=len(warnings)),
                         lang), err=True)
    if problems or (strict and warnings):
        sys.exit(1)


@content.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--dry-run", is_flag=True,
              help="Report what would change and its impact; write nothing.")
@click.option("--force", is_flag=True,
              help="Import even files that would replace a later edit made in the browser.")
@click.pass_context
def import_(ctx: click.Context, paths: tuple[str, ...], dry_run: bool, force: bool) -> None:
    """Check PATH... and, if clean, import it: unchanged content is skipped, changed modules and
    assessments get a new version, removed modules are retired. Writes nothing on any problem.
    For each changed assessment already in use it reports the impact: questions whose correct
    answer changed, attempts still open on the old version (they finish on it) and trainees who
    passed it (their pass stands). --dry-run reports the same and writes nothing.

    A file that differs from a text published in the browser after the version the file is
    based on (the one `content export` wrote it from, or the last file import) is a conflict:
    it is listed with the version, who published it and when, and nothing is imported, unless
    --force (which replaces the browser edit with the file, as a new version)."""
    _app_context(ctx)
    _require_schema(ctx)
    lang = language(None)
    from ldptrain.db import get_session
    from ldptrain.services.importer import import_content

    session = get_session()
    try:
        result = import_content(list(paths), dry_run=dry_run, force=force)
        if not result.ok:
            session.rollback()
            for problem in result.problems:
                click.echo(f"{problem.path}:{problem.line}: {translate(problem.message, lang)}")
            for conflict in result.conflicts:
                click.echo(translate(conflict.message(), lang))
            click.echo(translate(_import_refused(result), lang), err=True)
            sys.exit(1)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
    for change in result.changes:
        click.echo(change)
    for impact in result.impacts:
        click.echo(translate(impact.message(), lang))
    click.echo(str(result))


def _import_refused(result: object) -> str:
    from ldptrain.services.importer import ImportResult

    assert isinstance(result, ImportResult)
    if result.problems:
        return str(result)
    count = len(result.conflicts)
    return (N_("1 conflict with edits made in the browser; nothing imported") if count == 1
            else N_("%(count)s conflicts with edits made in the browser; nothing imported",
                    count=count))


@content.command("export")
@click.argument("course_slug")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write courses/<slug>/ and assessments/ into.",
)
@click.option("--force", is_flag=True,
              help="Overwrite files in the target that differ from the export.")
@click.option("--version", "version_number", type=int, default=None,
              help="Write this version of one module (SLUG = course/module) or assessment "
                   "(SLUG = its slug), as the history numbers them.")
@click.pass_context
def export(ctx: click.Context, course_slug: str, target: str, force: bool,
           version_number: int | None) -> None:
    """Write COURSE_SLUG, its assessments and files back to the Markdown format. Files that
    already hold the same bytes are left alone; if any file in the target differs (edited since
    the import), nothing is written unless --force. Files in the course folder that the export
    does not write are listed as stray (left as they are). Files whose text was published in
    the browser are recorded as the files' base in a hidden .ldptrain-base.json beside them.

    With --version N, COURSE_SLUG names a module as course/module, or an assessment by its
    slug, and that version's files are written at their place in the layout."""
    _app_context(ctx)
    _require_schema(ctx)
    from ldptrain.services.exporter import (
        ExportConflict,
        ExportError,
        export_course,
        export_version,
    )

    try:
        if version_number is not None:
            result = export_version(course_slug, version_number, target, force=force)
        else:
            result = export_course(course_slug, target, force=force)
    except ExportConflict as exc:
        click.echo("differs from the export (not overwritten):", err=True)
        for rel in exc.changed:
            click.echo(f"  {rel}", err=True)
        raise click.ClickException(
            f"{len(exc.changed)} changed file(s) in {target}; nothing written. "
            "Use --force to overwrite them.") from exc
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    for rel in result.written:
        click.echo(f"written: {rel}")
    for rel in result.stray:
        click.echo(f"stray (not written by this export, left as it is): {rel}")
    click.echo(str(result))


@content.command("preview")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--port", default=8765, show_default=True, help="Port on 127.0.0.1.")
def preview(paths: tuple[str, ...], port: int) -> None:
    """Serve PATH... (a project, course folders, assessments) on http://127.0.0.1:PORT/ as
    trainees will see it: modules, overviews and quizzes rendered by the importer's own
    sanitising renderer, files read again on every reload, problems shown on the page. Needs
    no database and writes nothing; only this computer can open it."""
    from ldptrain.web.preview import HOST, preview_app

    click.echo(f"Preview on http://{HOST}:{port}/ (Ctrl+C to stop)")
    preview_app(list(paths)).run(host=HOST, port=port, debug=False, use_reloader=False)


@content.command("stats")
@click.argument("slug")
@click.option("--version", "version_number", type=int, default=None,
              help="Only this version number (default: every version).")
@click.pass_context
def stats(ctx: click.Context, slug: str, version_number: int | None) -> None:
    """Item analysis of assessment SLUG as CSV on standard output: per question of each version,
    attempts, facility, discrimination, each choice's share, median time and flags."""
    _app_context(ctx)
    _require_schema(ctx)
    from sqlalchemy import select

    from ldptrain.db import get_session
    from ldptrain.models import Assessment
    from ldptrain.services.item_stats import to_csv

    found = get_session().scalar(select(Assessment).where(Assessment.slug == slug))
    if found is None:
        raise click.ClickException(f"no assessment '{slug}'")
    click.echo(to_csv(found, version_number), nl=False)

"""`ldptrain orgs ...`: the organisation register on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..db import get_session
from ..services import org_import
from ..services.org_import import COLUMN_HELP, TYPE_HELP


def _help_text() -> str:
    columns = "\n".join(f"  {name}: {text}" for name, text in COLUMN_HELP.items())
    types = "\n".join(f"  {name}: {text}" for name, text in TYPE_HELP.items())
    return ("Create or update organisations by DLA code from a CSV file (UTF-8, with or "
            "without a byte-order mark; `ldptrain orgs template` prints one). Shows what would "
            "be created, changed and deactivated, then asks before writing (--yes: no "
            "question; --dry-run: only show). Every bad row is reported as FILE:ROW: message "
            "and nothing is written if any row is bad.\n\n\b\nColumns:\n" + columns
            + "\n\n\b\nTypes:\n" + types
            + "\n\nProvince codes: the 2-digit TIS-1099 codes of data/provinces.csv "
            "(`ldptrain orgs provinces`).")


@click.group(help="The organisation register: list, search, show, import.")
def orgs() -> None:
    pass


def _line(org) -> str:  # type: ignore[no-untyped-def]
    state = (f"merged into {org.merged_into.code}" if org.merged_into
             else "active" if org.active else "inactive")
    return f"{org.code}\t{org.name_th}\t{org.type}\t{org.province_code}\t{state}"


@orgs.command("list", help="List organisations (code, Thai name, type, province, state), by "
              "province then name.")
@click.option("--province", default="", help="Only this province code, e.g. 50.")
@click.option("--type", "type_", default="", help="Only this type, e.g. sao.")
@click.option("--active-only", is_flag=True, help="Leave out inactive and merged ones.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100000))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@with_appcontext
def orgs_list(province: str, type_: str, active_only: bool, limit: int, page: int) -> None:
    from ..services import organisations

    found, total = organisations.browse(page=page, size=limit, province_code=province,
                                        type=type_, include_inactive=not active_only)
    for org in found:
        click.echo(_line(org))
    click.echo(f"{len(found)} of {total} organisation(s)", err=True)


@orgs.command("search", help="Organisations whose Thai or English name or DLA code contains "
              "QUERY (Thai is compared in NFC, so any typing order of marks matches).")
@click.argument("query")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@with_appcontext
def orgs_search(query: str, limit: int) -> None:
    from ..services import organisations

    found, total = organisations.browse(query, size=limit)
    for org in found:
        click.echo(_line(org))
    if not total:
        click.echo(f"no organisation matches '{query}'", err=True)
        sys.exit(1)


@orgs.command("show", help="Everything about one organisation, by DLA code.")
@click.argument("code")
@with_appcontext
def orgs_show(code: str) -> None:
    from ..services import organisations

    org = organisations.find(code)
    if org is None:
        raise click.ClickException(f"no organisation has the code '{code}' "
                                   f"(try `ldptrain orgs search`)")
    chain = " -> ".join(f"{o.code} {o.name_th}" for o in organisations.successors(org))
    rows = [("code", org.code), ("name_th", org.name_th), ("name_en", org.name_en),
            ("type", org.type), ("province", f"{org.province_code} {org.province.name_en}"),
            ("district", f"{org.district_th} / {org.district_en}".strip(" /")),
            ("parent", f"{org.parent.code} {org.parent.name_th}" if org.parent else ""),
            ("active", "yes" if org.active else "no"),
            ("merged_into", chain), ("merged_on", org.merged_on.isoformat()
                                     if org.merged_on else "")]
    for key, value in rows:
        click.echo(f"{key:12} {value}")


@orgs.command("provinces", help="The province codes (2-digit TIS-1099) and names.")
@with_appcontext
def orgs_provinces() -> None:
    from ..services import organisations

    organisations.load_provinces()
    get_session().commit()
    for p in organisations.provinces():
        click.echo(f"{p.code}\t{p.name_th}\t{p.name_en}")


@orgs.command("template", help="Print a CSV template for `ldptrain orgs import` (header and "
              "two example rows).")
def orgs_template() -> None:
    click.echo(org_import.template_csv(), nl=False)


def _show_plan(plan: org_import.ImportPlan, limit: int = 50) -> None:
    for title, changes in (("create", plan.created), ("change", plan.changed),
                           ("deactivate", plan.deactivated)):
        for change in changes[:limit]:
            detail = "; ".join(f"{k}: {b or '-'} -> {a or '-'}"
                               for k, (b, a) in change.fields.items())
            click.echo(f"{title:10} {change.code} {change.name_th}: {detail}")
        if len(changes) > limit:
            click.echo(f"{title:10} ... and {len(changes) - limit} more")
    click.echo(plan.summary())


@orgs.command("import", help=_help_text())
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--yes", "-y", is_flag=True, help="Write without asking.")
@click.option("--deactivate-missing", is_flag=True, help="The file is the whole register: "
              "deactivate organisations not in it (never deleted; their records stay).")
@with_appcontext
def orgs_import(csv_file: Path, dry_run: bool, yes: bool, deactivate_missing: bool) -> None:
    from ..services import organisations
    from . import _fail_all_or_nothing

    session = get_session()
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file}: not UTF-8 ({exc.reason})") from exc
    organisations.load_provinces()
    try:
        plan = org_import.plan_import(text, str(csv_file), deactivate_missing=deactivate_missing)
    except org_import.ImportFailed as exc:
        _fail_all_or_nothing(exc.problems, "nothing was imported")
    _show_plan(plan)
    if dry_run or plan.empty:
        session.commit()  # the provinces, if they were missing
        click.echo("nothing written" if dry_run else "nothing to write")
        return
    if not yes and not click.confirm("Write these changes?", default=False):
        session.rollback()
        click.echo("nothing written")
        sys.exit(1)
    report = org_import.apply_import(plan)
    session.commit()
    click.echo(f"{report.created} created, {report.updated} updated, "
               f"{report.deactivated} deactivated, {report.unchanged} unchanged")

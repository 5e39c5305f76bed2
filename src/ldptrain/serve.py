"""`ldptrain serve`: the platform on gunicorn (a production WSGI server), N worker processes."""

from __future__ import annotations

from functools import partial
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from . import gunicorn_hooks
from .certificates.data import signatory_warning


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, factory: Any, options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Each worker builds its own app: no database connection crosses a fork.
        return self._factory()


def next_step(administrators: int, url: str, folder: str) -> str:
    """What the operator does next: create the first administrator once, then open the site."""
    if administrators:
        return f"open the site at {url} and sign in as an administrator"
    return f"create the first administrator with: ldptrain --instance {folder} users create-admin"


@click.command("serve", help="Run the platform: upgrade the schema, load the sample register and "
               "the bundled courses on first start, then serve with gunicorn.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--instance", envvar="LDPTRAIN_INSTANCE", type=click.Path(file_okay=False),
              help="Instance folder (database, keys). Default: ./instance.")
@click.option("--worker/--no-worker", "embedded_worker", default=None,
              help="Also run one background-job worker (mail...) beside gunicorn. Default: "
              "LDPTRAIN_EMBEDDED_WORKER (on); turn it off when `ldptrain worker` runs apart.")
def serve(host: str, port: int, workers: int, instance: str | None,
          embedded_worker: bool | None) -> None:
    from .app import create_app, instance_folder
    from .services.setup import prepare
    from .tasks.queue import queue_for
    from .tasks.worker import start_embedded, stop_embedded

    folder = instance_folder(instance)
    factory = partial(create_app, instance_path=folder)
    app = factory()
    with app.app_context():
        report = prepare()
        app.extensions["ldptrain"].db.engine.dispose()
        queue = queue_for(app)
    if embedded_worker is None:
        embedded_worker = bool(app.config.get("LDPTRAIN_EMBEDDED_WORKER", True))
    embedded_worker = embedded_worker and queue.kind != "immediate"
    url = f"http://{host}:{port}/"
    click.echo(f"ldptrain: instance {folder}")
    click.echo(f"ldptrain: schema {report.revision}, {report.provinces} provinces, "
               f"{report.organisations_loaded} sample organisations loaded, "
               f"content: {report.content}")
    click.echo(f"ldptrain: serving on {url} with {workers} worker(s)")
    click.echo(f"ldptrain: job queue {queue.kind} ({queue.where}); "
               + ("one background worker started beside gunicorn" if embedded_worker
                  else "no background worker here: run `ldptrain worker`"))
    click.echo(f"ldptrain: {next_step(report.administrators, url, str(folder))}")
    warning = signatory_warning(app.config)
    if warning:
        # Issuing refuses an unset signatory (no certificate says "()"): say so at start.
        click.secho(f"ldptrain: WARNING: {warning}", err=True, fg="yellow")
    # One consumer per serve, in its own process, whatever the number of gunicorn workers.
    consumer = start_embedded(str(folder)) if embedded_worker else None
    # ldptrain's JSON access lines (web/access_log.py) replace gunicorn's, which would log
    # query strings; configured before the fork, so every worker inherits it.
    from .web.access_log import configure_stderr

    configure_stderr()
    try:
        _Gunicorn(factory, {"bind": f"{host}:{port}", "workers": workers, "timeout": 120,
                            "post_worker_init": gunicorn_hooks.post_worker_init}).run()
    finally:  # gunicorn exits through SystemExit on SIGTERM/SIGINT
        if consumer is not None:
            stop_embedded(consumer)

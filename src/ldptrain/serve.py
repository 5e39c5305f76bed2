"""`ldptrain serve`: the platform on gunicorn (a production WSGI server), N worker processes of
T threads each (gunicorn's `gthread` worker class).

Why threads: a sign-in spends ~0.1–1 s in scrypt (by design, docs/security.md), and a sync worker
would hold every page view queued behind it in that process. scrypt (hashlib) and the database
drivers release the GIL, so while some threads hash or wait on the database the others serve
pages (benchmarks/load.py; figures and the choice in docs/performance.md and
docs/operations.md)."""

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


#: Threads per worker process (see the module's docstring).
THREADS = 4


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """Gunicorn's settings for `serve` (docs/operations.md, "The web server")."""
    return {
        "bind": f"{host}:{port}", "workers": workers, "threads": threads,
        "worker_class": "gthread",
        # A worker silent this long is stuck and is restarted. With gthread only the worker's
        # main loop must answer in time (requests run in its threads), so even the largest
        # XLSX export (about 30 s, docs/performance.md) never trips it.
        "timeout": 120, "graceful_timeout": 30,
        # Connections nginx keeps open between requests (gthread can hold them cheaply).
        "keepalive": 5,
        # Connections waiting for a thread before the kernel refuses more.
        "backlog": 2048,
        "post_worker_init": gunicorn_hooks.post_worker_init,
    }


def next_step(administrators: int, url: str, folder: str) -> str:
    """What the operator does next: create the first administrator once, then open the site."""
    if administrators:
        return f"open the site at {url} and sign in as an administrator"
    return f"create the first administrator with: ldptrain --instance {folder} users create-admin"


@click.command("serve", help="Run the platform: upgrade the schema, load the sample register and "
               "the bundled courses on first start, then serve with gunicorn.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes: about one per core (2 on a 2-core host).")
@click.option("--threads", default=THREADS, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker process: requests one process serves at once.")
@click.option("--instance", envvar="LDPTRAIN_INSTANCE", type=click.Path(file_okay=False),
              help="Instance folder (database, keys). Default: ./instance.")
@click.option("--worker/--no-worker", "embedded_worker", default=None,
              help="Also run one background-job worker (mail...) beside gunicorn. Default: "
              "LDPTRAIN_EMBEDDED_WORKER (on); turn it off when `ldptrain worker` runs apart.")
def serve(host: str, port: int, workers: int, threads: int, instance: str | None,
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
    click.echo(f"ldptrain: serving on {url} with {workers} worker(s) x {threads} thread(s)")
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
        _Gunicorn(factory, gunicorn_options(host, port, workers, threads)).run()
    finally:  # gunicorn exits through SystemExit on SIGTERM/SIGINT
        if consumer is not None:
            stop_embedded(consumer)

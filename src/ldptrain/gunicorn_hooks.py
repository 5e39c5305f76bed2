"""Gunicorn settings for ldptrain's workers (`ldptrain serve` uses them; so can any gunicorn
command: ``gunicorn -c python:ldptrain.gunicorn_hooks ...``)."""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(_worker: Any) -> None:
    """Once the worker has built its app, move everything it holds so far (SQLAlchemy metadata,
    compiled templates, translations: ~180,000 objects that live as long as the worker) out of
    the garbage collector's view. Otherwise each full collection walks them all again (~0.2 s of
    CPU, several times an hour under load) to find nothing to free."""
    gc.freeze()

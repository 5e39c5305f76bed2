"""What a job name means: the function that runs it and how often it may be tried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JobFunction = Callable[..., None]


class Permanent(Exception):  # noqa: N818 - reads as `raise tasks.Permanent(...)`
    """Raised by a job that must not be tried again (a refused address, a deleted record):
    the job fails at once instead of retrying."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunction
    attempts: int
    #: Called with the job's arguments and the error once the job has failed for good.
    on_failure: Callable[..., None] | None = None


_JOBS: dict[str, JobSpec] = {}


def job(name: str, *, attempts: int = 5,
        on_failure: Callable[..., None] | None = None) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under a stable name (the name is what the queue stores, so a
    function can move between modules without stranding queued jobs)."""
    def register(func: JobFunction) -> JobFunction:
        _JOBS[name] = JobSpec(name, func, max(attempts, 1), on_failure)
        return func
    return register


def lookup(name: str) -> JobSpec | None:
    from . import jobs  # noqa: F401 - the application's jobs register on import

    return _JOBS.get(name)


def names() -> list[str]:
    from . import jobs  # noqa: F401

    return sorted(_JOBS)


def describe(args: list[Any]) -> str:
    return ", ".join(str(a) for a in args)

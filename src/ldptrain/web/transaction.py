"""One transaction boundary per request (Indico's request handler is the model).

Views never commit. Each ldptrain request runs in one database transaction that commits when the
view's response is a success or a redirect (status < 400) and rolls back otherwise, or when the
view raised. A service call that a rule may refuse runs as a `step`: its writes sit in a
savepoint, so a refusal undoes that step only and shows its message, and the rest of the request
(an audit entry, an earlier step) commits as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, request

from ..db import get_session
from ..services.audit import written_this_transaction
from ..services.errors import ServiceError


def finish(response: Any) -> Any:
    """After the view: commit a success or a redirect, roll back an error answer."""
    session = get_session()
    if response.status_code < 400:
        # "From where" for audit entries a service wrote deep down (a certificate issued by a
        # completion) without the view passing the address: this request's client.
        for event in written_this_transaction(session):
            if not event.ip:
                event.ip = (request.remote_addr or "")[:45]
        session.commit()
    else:
        written_this_transaction(session)
        session.rollback()
    return response


def abandon(error: BaseException | None) -> None:
    """When the request ends with an exception nobody handled: roll back."""
    if error is not None:
        written_this_transaction(get_session())
        get_session().rollback()


def init_blueprint(bp: Blueprint) -> None:
    """Only ldptrain's own requests: a host's views keep their own transactions."""
    bp.after_request(finish)
    bp.teardown_request(abandon)


@dataclass
class Outcome:
    error: ServiceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def step(form: Any = None, *, show: bool = True) -> Iterator[Outcome]:
    """Run service calls as one step: a `ServiceError` undoes the step's writes and becomes the
    message: beside the form field it names (`error.field`), else flashed at the top (unless
    `show` is false: the view shows `done.error` itself)::

        with step(form) as done:
            accounts.update_profile(...)
        if done.ok:
            return redirect(...)
    """
    outcome = Outcome()
    try:
        with get_session().begin_nested():
            yield outcome
    except ServiceError as exc:
        outcome.error = exc
        if not show:
            return
        name = getattr(exc, "field", "") or ""
        if form is not None and name and name in form:
            form[name].errors = [*form[name].errors, str(exc)]
        else:
            flash(str(exc), "error")

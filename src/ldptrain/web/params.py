"""Request parameters parsed in one place: ids, page numbers, cursors, control characters and
request size.

Every id in a path goes through the ``ldp_id`` converter (1..2**63-1, else 404), so a number
beyond the id columns never reaches the database (PostgreSQL refuses it with an error, SQLite
with an overflow). Page numbers and API cursors go through `page_number` and `cursor`. A NUL or
other control character in a query parameter, form field or path segment is refused with a 400
before any view runs (PostgreSQL cannot store NUL in text). Request bodies are capped per
request (Flask 3.1's ``request.max_content_length``), so the cap holds when ldptrain is mounted
in a host whose own MAX_CONTENT_LENGTH is unset; views that take an upload say how much.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from werkzeug.routing import BaseConverter, ValidationError
from wtforms import IntegerField

from .. import db

#: The largest id a primary key holds: the tables' ids are SQLAlchemy `Integer`, which is
#: PostgreSQL's 32-bit INTEGER (2**63-1 still failed there with "integer out of range").
MAX_ID = db.MAX_ID
#: Page numbers beyond this are treated as the last page anyway; the bound keeps the OFFSET
#: (page * size) well inside 64 bits.
MAX_PAGE = 1_000_000
#: C0 controls and DEL, except tab, line feed and carriage return, which a textarea may send.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: In a single-line value (query parameters, path segments) tab and line breaks are refused too.
CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")
#: Bodies of ordinary forms and API calls; uploads declare their own limit (`accepts_upload`).
DEFAULT_MAX_BYTES = 2 * 1024 * 1024

F = TypeVar("F", bound=Callable[..., Any])


class IdConverter(BaseConverter):
    """``<ldp_id:name>``: a positive whole number that fits the id columns, else 404."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()  # the rule does not match: 404
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def parse_id(raw: Any) -> int | None:
    """An id from a form or query value: None unless a whole number in 1..MAX_ID."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def page_number(raw: Any) -> int:
    """``?page=``: 1 unless a whole number, at most MAX_PAGE."""
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return max(1, min(int(text) if len(text) <= 7 else MAX_PAGE, MAX_PAGE))


def cursor(raw: Any) -> int | None:
    """An API cursor (an id from ``next_cursor``): None when absent; ValueError when it is not
    one a previous page could have given."""
    if raw in (None, ""):
        return None
    number = parse_id(raw)
    if number is None:
        raise ValueError("cursor must be a value of next_cursor from a previous page")
    return number


def accepts_upload(max_bytes_setting: str) -> Callable[[F], F]:
    """Mark a view that takes a file: its body may be as large as the named setting allows."""

    def mark(view: F) -> F:
        view.ldp_max_bytes_setting = max_bytes_setting  # type: ignore[attr-defined]
        return view

    return mark


def _has_control(values: Iterable[str], pattern: re.Pattern[str]) -> bool:
    return any(isinstance(v, str) and pattern.search(v) for v in values)


def limit_body() -> None:
    """Cap this request's body before anything reads the form (the rate limiter's key reads
    the e-mail field, CSRF the token)."""
    if not (request.blueprint or "").startswith("ldptrain"):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    setting = getattr(view, "ldp_max_bytes_setting", None)
    config = current_app.config
    limit = config.get(setting) if setting else None
    request.max_content_length = int(limit or config.get("LDPTRAIN_MAX_REQUEST_BYTES")
                                     or DEFAULT_MAX_BYTES)


def refuse_control_characters() -> None:
    """A 400 for control characters anywhere a person or a client could type them."""
    if _has_control(request.args.keys(), CONTROL_LINE) or any(
            _has_control(request.args.getlist(k), CONTROL_LINE) for k in request.args):
        abort(400, description="A parameter contains a control character.")
    if _has_control((request.view_args or {}).values(), CONTROL_LINE):
        abort(400, description="The address contains a control character.")
    if request.method in {"POST", "PUT", "PATCH"} and request.mimetype in {
            "application/x-www-form-urlencoded", "multipart/form-data"}:
        form = request.form
        if _has_control(form.keys(), CONTROL_LINE) or any(
                _has_control(form.getlist(k), CONTROL) for k in form):
            abort(400, description="A form field contains a control character.")


def init_app(app: Flask) -> None:
    """The id converter (before any route uses it) and the body cap (before the rate limiter's
    pass, which reads the form)."""
    app.url_map.converters.setdefault("ldp_id", IdConverter)
    app.before_request(limit_body)


INVALID_NUMBER = "Not a valid integer value."


class IdField(IntegerField):
    """A form's id field: a number outside 1..MAX_ID is an error and its data None, so no view
    ever looks it up (WTForms keeps the parsed number even when a validator fails)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and str(valuelist[0]).strip():
            self.data = parse_id(valuelist[0])
            if self.data is None:
                # WTForms' own message for a bad number (its catalogue translates it).
                raise ValueError(self.gettext(INVALID_NUMBER))

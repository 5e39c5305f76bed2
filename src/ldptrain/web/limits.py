"""Rate limits, set up in one place so every view module can use them.

One Flask-Limiter instance; its counters live where ``LDPTRAIN_RATELIMIT_STORAGE_URL`` says
(redis:// for several hosts), by default in a SQLite file in the instance folder that every
worker of `ldptrain serve` shares (limit_storage.py, ADR 0010).
A breach raises ``RateLimitExceeded`` (a 429), which ldptrain's error page turns into a friendly
message.

Usage in a view module::

    from ...limits import limiter, by_ip, by_ip_and_email

    @bp.route("/login", methods=["GET", "POST"])
    @limiter.limit("10/minute", key_func=by_ip_and_email, methods=["POST"])
    def login(): ...
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ..thai import nfc
from .limit_storage import url_for_file


def _always_exempt() -> bool:
    return True


# Flask-Limiter's request hook is app-wide (that is how Flask-Limiter works); what ldptrain's
# limiter checks is only ldptrain's own route limits. A host's RATELIMIT_DEFAULT/APPLICATION
# limits are for the host's own Limiter to apply (to ldptrain's routes too, if it likes): read
# from the app's config by this limiter as well, they are exempted everywhere here, or they
# would count the host's pages a second time.
limiter = Limiter(key_func=get_remote_address, key_prefix="ldptrain",
                  default_limits_exempt_when=_always_exempt,
                  application_limits_exempt_when=_always_exempt)

#: Login attempts for one account from one address. What protects a password is this and the
#: per-account lockout in the database (services/lockout.py); the per-address limits are sized
#: for a training room (200 people behind one public address sign up and sign in within five
#: minutes) and configurable.
LOGIN_PER_ACCOUNT = "10/minute;50/hour"
#: Password-reset e-mails: few per account, more per address.
RESET_PER_ACCOUNT = "3/minute;10/hour"
RESET_PER_ADDRESS = "300/5 minutes"
#: The organisation search behind the type-ahead (a room types at once).
SEARCH_PER_ADDRESS = "2000/5 minutes"


def login_per_address() -> str:
    return str(current_app.config.get("LDPTRAIN_SIGNIN_PER_ADDRESS") or "600/5 minutes")


def signup_per_address() -> str:
    return str(current_app.config.get("LDPTRAIN_SIGNUP_PER_ADDRESS") or "400/5 minutes")


#: Callables: read from the app's settings at each request.
LOGIN_PER_ADDRESS = login_per_address
SIGNUP_PER_ADDRESS = signup_per_address


def by_ip() -> str:
    return get_remote_address()


def by_ip_and_email() -> str:
    """The submitted e-mail with the address: guessing one account's password is slowed down
    without locking out a whole office behind one address."""
    email = nfc((request.form.get("email") or "").strip().lower())
    return f"{get_remote_address()}|{email}"


def init_app(app: Flask) -> None:
    """Attach the limiter to an app (once per app); storage from LDPTRAIN_RATELIMIT_STORAGE_URL."""
    if limiter in app.extensions.get("limiter", set()):
        return
    url = app.config.get("LDPTRAIN_RATELIMIT_STORAGE_URL") or url_for_file(
        Path(app.instance_path) / "ldptrain-ratelimits.sqlite3")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # A host with its own Flask-Limiter keeps its RATELIMIT_* settings; otherwise use ours.
    app.config.setdefault("RATELIMIT_STORAGE_URI", url)
    # Flask-Limiter's before-request pass stays: it is where blueprint, meta and default limits
    # (a host's as well as ours) are checked. Dropping it saved ~0.1 ms a request and silently
    # switched off every such limit (#14).
    limiter.init_app(app)

"""Rate limits, set up in one place so every view module can use them.

One Flask-Limiter instance; its counters live where ``LDPTRAIN_RATELIMIT_STORAGE_URL`` says
(memory:// on one process, redis:// when several gunicorn workers must share the count).
A breach raises ``RateLimitExceeded`` (a 429), which ldptrain's error page turns into a friendly
message.

Usage in a view module::

    from ...limits import limiter, by_ip, by_ip_and_email

    @bp.route("/login", methods=["GET", "POST"])
    @limiter.limit("10/minute", key_func=by_ip_and_email, methods=["POST"])
    def login(): ...
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ..thai import nfc


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

#: Login attempts for one account from one address, and from one address in all (a LAO office
#: often shares one address, so the per-address limit is generous).
LOGIN_PER_ACCOUNT = "10/minute;50/hour"
LOGIN_PER_ADDRESS = "100/minute"
#: Password-reset e-mails: few per account, more per address.
RESET_PER_ACCOUNT = "3/minute;10/hour"
RESET_PER_ADDRESS = "30/minute"
#: Sign-ups and the organisation search behind the type-ahead.
SIGNUP_PER_ADDRESS = "20/minute"
SEARCH_PER_ADDRESS = "120/minute"


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
    url = app.config.get("LDPTRAIN_RATELIMIT_STORAGE_URL") or "memory://"
    # A host with its own Flask-Limiter keeps its RATELIMIT_* settings; otherwise use ours.
    app.config.setdefault("RATELIMIT_STORAGE_URI", url)
    # Flask-Limiter's before-request pass stays: it is where blueprint, meta and default limits
    # (a host's as well as ours) are checked. Dropping it saved ~0.1 ms a request and silently
    # switched off every such limit (#14).
    limiter.init_app(app)

"""Thin Flask views, one blueprint per area, nested under the ``ldptrain`` blueprint."""

from __future__ import annotations

from flask import Blueprint


def register_views(parent: Blueprint) -> None:
    from . import assess, auth, catalogue, certificates, files, learn, workshops

    for module in (auth, catalogue, learn, assess, files, certificates, workshops):
        parent.register_blueprint(module.bp)
    from . import account, people  # accounts, membership, personal data
    parent.register_blueprint(account.bp)
    parent.register_blueprint(people.bp)
    from . import dashboard; parent.register_blueprint(dashboard.bp)  # noqa: E702 (issue 7)
    from . import api; parent.register_blueprint(api.bp); parent.register_blueprint(api.tokens_bp)  # noqa: E702

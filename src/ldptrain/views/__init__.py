"""Thin Flask views, one blueprint per area, nested under the ``ldptrain`` blueprint."""

from __future__ import annotations

from flask import Blueprint


def register_views(parent: Blueprint) -> None:
    from . import (
        account,
        api,
        assess,
        auth,
        catalogue,
        certificates,
        dashboard,
        files,
        learn,
        people,
        workshops,
    )
    from .admin_ops import bp as admin_ops_bp

    for bp in (admin_ops_bp, auth.bp, catalogue.bp, learn.bp, assess.bp, files.bp, certificates.bp,
               workshops.bp, account.bp, people.bp, dashboard.bp, api.bp, api.tokens_bp):
        parent.register_blueprint(bp)

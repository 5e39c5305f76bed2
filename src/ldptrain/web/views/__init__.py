"""Thin Flask views, one blueprint per area, nested under the ``ldptrain`` blueprint."""

from __future__ import annotations

from flask import Blueprint


def register_views(parent: Blueprint) -> None:
    from . import (
        account,
        api,
        api_attempts,  # noqa: F401  (adds /api/v1/me/attempts to api.bp)
        assess,
        auth,
        authoring,
        catalogue,
        cert_templates,
        certificates,
        dashboard,
        files,
        health,
        item_analysis,
        learn,
        people,
        people_admin,  # noqa: F401  (adds the administrators' account actions to people.bp)
        workshops,
    )
    from .admin_ops import bp as admin_ops_bp
    from .org_admin import bp as org_admin_bp

    for bp in (admin_ops_bp, org_admin_bp, auth.bp, catalogue.bp, learn.bp, assess.bp, files.bp,
               certificates.bp, health.bp, workshops.bp, account.bp, people.bp, dashboard.bp,
               api.bp, api.tokens_bp, item_analysis.bp, authoring.bp,
               cert_templates.bp):
        parent.register_blueprint(bp)

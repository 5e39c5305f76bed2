"""Schemathesis against /api/v1, driven by the OpenAPI document the API serves (issue #13).

Every documented operation gets generated requests (valid and invalid parameters, ids and
cursors of any size, odd text) through WSGI, signed in with an administrator's API token on a
world with organisations, trainees and certificates; each answer must not be a 5xx and must
conform to the document: status, content type, headers and body schema. 200 cases per
operation (1,000 per run over the five that read data), each one a request.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from ldptrain.db import get_session
from ldptrain.services import api_tokens

from .. import report_fixtures

CASES_PER_OPERATION = 200
#: No 5xx; status, content type, headers and body as documented; invalid input refused with a
#: 4xx. Not "positive data acceptance": a filter naming no course is a documented 400 although
#: any string fits the parameter's schema.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_headers_conformance,
          checks.response_schema_conformance, checks.negative_data_rejection]


def test_the_api_answers_every_generated_request_as_documented(app: Flask) -> None:
    """(Schemathesis's own pytest plug-in does not run on pytest 9.2, so each operation's
    strategy is driven by hypothesis here.)"""
    world = report_fixtures.build()
    admin = report_fixtures.staff(world)["admin"]
    token = api_tokens.create(admin, "schemathesis")[1]
    get_session().commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Schemathesis leaves out the document's own path; the five data operations remain.
    assert {o.path for o in operations} == {"/organisations", "/summary", "/trainees",
                                            "/certificates", "/me/attempts/{attempt_id}"}

    for operation in operations:
        @settings(max_examples=CASES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def answers_as_documented(case: Any) -> None:
            # identity: Werkzeug's test client does not undo the gzip/brotli a real client would.
            case.call_and_validate(headers={"Authorization": f"Bearer {token}",
                                            "Accept-Encoding": "identity"}, checks=CHECKS)

        answers_as_documented()

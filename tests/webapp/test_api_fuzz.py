"""Property-based run of the JSON API against its own OpenAPI document (schemathesis,
in-process on the Flask app): no request, however odd, gets a 500, and responses match the
documented status codes, content types and schemas. Each operation runs with a token of the
role it is meant for; examples are bounded so the whole run stays well under two minutes."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.webapp.conftest import bearer
from webapp.api.openapi import openapi_document

MAX_EXAMPLES = 25
OPERATIONS = sorted((method.upper(), path) for path, item in openapi_document()["paths"].items()
                    for method in item)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _role_for(method: str, path: str) -> str:
    """The role an operation is meant for."""
    if path.startswith("/users"):
        return "admin"
    if path.startswith("/offers") or (path == "/contact-requests" and method == "POST"):
        return "employer"
    if path == "/messages":
        return "seeker"
    if path.startswith("/me") or path.startswith("/contact-requests"):
        return "seeker"
    return "counsellor"


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_api_operation_never_fails(app: Flask, token: dict[str, str], method: str,
                                   path: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    headers = bearer(token[_role_for(method, path)])

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()

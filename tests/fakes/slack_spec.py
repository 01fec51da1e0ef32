"""Slack's Web API description (tests/specs/slack-web-openapi-v2.json) as a checker.

Every call the fake answers is held against it: the parameters the method takes and needs,
and the shape of a successful answer. Methods the archived description does not cover
(the ``files.*External`` uploads, newer than it) are not checked.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema

SPEC = Path(__file__).resolve().parents[1] / "specs" / "slack-web-openapi-v2.json"
ERRATA: tuple[tuple[tuple[str, ...], str, Any], ...] = (
    (
        ("paths", "/chat.update", "post", "responses", "200", "schema", "properties", "message"),
        "chat.update answers with the edited message, whose blocks are an array and which "
        "carries the same fields as any message (Slack's docs; the archived description types "
        "blocks as an object and allows only text, blocks and attachments)",
        {"$ref": "#/definitions/objs_message"},
    ),
    (
        ("definitions", "objs_message", "properties", "edited"),
        "an edited message says who edited it and when (Slack's message docs)",
        {
            "type": "object",
            "properties": {"user": {"type": "string"}, "ts": {"type": "string"}},
            "required": ["user", "ts"],
        },
    ),
)
"""(where in the document, why, the corrected value): places where the archived description
is wrong about what Slack sends today."""
EVERY_METHOD_TAKES = frozenset({"token", "team_id"})
"""The token (which slack-sdk sends as ``Authorization: Bearer`` instead) and ``team_id``,
which Slack accepts on every method and ignores for a workspace token (bolt sends it to
``auth.test``; Slack's "APIs for organization-wide apps")."""


@functools.cache
def load_spec() -> dict[str, Any]:
    """The description, read once, with ``ERRATA`` applied."""
    spec: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    for path, _why, value in ERRATA:
        node = spec
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return spec


@functools.cache
def _operation(method: str) -> dict[str, Any] | None:
    operations = load_spec()["paths"].get(f"/{method}")
    return next(iter(operations.values())) if operations else None


@functools.cache
def _validator(method: str) -> jsonschema.Draft4Validator:
    """Swagger 2 schemas are JSON Schema draft 4, with the document's definitions."""
    operation = _operation(method)
    assert operation is not None
    schema = {**operation["responses"]["200"]["schema"], "definitions": load_spec()["definitions"]}
    return jsonschema.Draft4Validator(schema)


def described(method: str) -> bool:
    return _operation(method) is not None


def call_problems(method: str, params: Mapping[str, Any], response: Any) -> list[str]:
    """What a call does that the description does not allow: a parameter the method does
    not take, one it needs that is missing, or a successful answer of the wrong shape."""
    operation = _operation(method)
    if operation is None:
        return []
    parameters = {p["name"]: p for p in operation.get("parameters", [])}
    problems = [
        f"{method}: unknown parameter {name!r}"
        for name in sorted(set(params) - set(parameters) - EVERY_METHOD_TAKES)
    ]
    problems.extend(
        f"{method}: required parameter {name!r} missing"
        for name, parameter in sorted(parameters.items())
        if parameter.get("required") and name not in params and name not in EVERY_METHOD_TAKES
    )
    if isinstance(response, dict) and response.get("ok") is True:
        problems.extend(
            f"{method} answer at {'/'.join(map(str, error.absolute_path)) or '(top)'}: "
            f"{error.message[:200]}"
            for error in _validator(method).iter_errors(response)
        )
    return problems

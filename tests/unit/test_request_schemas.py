"""Every request the API parses goes through the same two guards: JSON by `ledger.json_input`,
and every string field a `Text` (no unpaired surrogates). A new endpoint cannot skip them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import Schema, fields

from ledger.schemas import Text
from ledger.web.api import BLUEPRINTS
from ledger.web.bodies import LedgerParser


def request_schemas() -> Iterator[tuple[str, Schema]]:
    for blueprint in BLUEPRINTS:
        for endpoint, methods in blueprint._docs.items():
            for method, doc in methods.items():
                if method == "parameters":  # the route's path parameters, not a method
                    continue
                for parameter in doc.get("arguments", {}).get("parameters", []):
                    schema = parameter["schema"]
                    yield (
                        f"{method.upper()} {endpoint}",
                        schema() if isinstance(schema, type) else schema,
                    )


def string_fields(schema: Schema, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, field in schema.fields.items():
        yield from _strings(field, f"{prefix}{name}")


def _strings(field: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(field, fields.Nested):
        yield from string_fields(field.schema, f"{path}.")
    elif isinstance(field, fields.List):
        yield from _strings(field.inner, f"{path}.N")
    elif isinstance(field, fields.String):
        yield path, field


SCHEMAS = list(request_schemas())


def test_the_api_has_request_schemas_to_check() -> None:
    names = {name for name, _ in SCHEMAS}
    assert {"POST record", "POST record_batch", "POST correct", "GET subject_disclosures"} <= names
    assert len(SCHEMAS) >= 8


@pytest.mark.parametrize(("endpoint", "schema"), SCHEMAS, ids=[name for name, _ in SCHEMAS])
def test_every_string_field_of_a_request_refuses_what_is_not_text(
    endpoint: str, schema: Schema
) -> None:
    plain = [path for path, field in string_fields(schema) if not isinstance(field, Text)]
    assert plain == [], f"{endpoint}: use ledger.schemas.Text for {plain}"


def test_every_api_blueprint_parses_json_bodies_within_bounds() -> None:
    for blueprint in BLUEPRINTS:
        assert isinstance(blueprint.ARGUMENTS_PARSER, LedgerParser), blueprint.name

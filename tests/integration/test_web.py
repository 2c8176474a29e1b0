"""A FastAPI application returns the facade's results as they are, and its OpenAPI describes them.

Skipped when FastAPI is not installed (the ``tests`` extra installs it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import pytest

pytest.importorskip("fastapi")

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from chorus_onboarding import (
    Actor,
    Address,
    OnboardingError,
    StructureSummary,
    StructureView,
)
from chorus_onboarding.serialisation import VIEWS, json_schema, to_json_data
from chorus_onboarding.testing.world import World, build_world
from tests.views import every_result

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def results(world: World) -> list[object]:
    """A result of every kind, from a journey on an in-memory service."""
    return every_result(world)


def _first(results: list[object], kind: type) -> object:
    return next(result for result in results if type(result) is kind)


def _returning(value: object) -> Callable[[], object]:
    def endpoint() -> object:
        return value

    return endpoint


@pytest.fixture(scope="module")
def client(world: World, results: list[object]) -> TestClient:
    """An application with one endpoint per view, one on the facade itself, and the problem handler."""
    app = FastAPI()

    @app.exception_handler(OnboardingError)
    def refused(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, OnboardingError)
        return JSONResponse(
            error.to_problem(instance=request.url.path),
            status_code=error.http_status,
            media_type="application/problem+json",
        )

    for kind in VIEWS:
        app.add_api_route(
            f"/views/{kind.__name__}", _returning(_first(results, kind)), response_model=kind
        )

    @app.get("/structures/{structure_id}")
    def structure(structure_id: str) -> StructureView:
        return world.service.structure(Actor.support(), structure_id)

    @app.get("/summaries")
    def summaries() -> list[StructureSummary]:
        return [result for result in results if isinstance(result, StructureSummary)]

    @app.post("/addresses")
    def address(address: Annotated[Address, Body()]) -> Address:
        # Body(): FastAPI takes a class that is not a pydantic model for a query parameter.
        return address

    return TestClient(app)


@pytest.fixture(scope="module")
def openapi(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _validates(openapi: dict[str, Any], schema: dict[str, Any], data: object) -> None:
    """``data`` follows ``schema``, a schema of the OpenAPI document that may refer to its components."""
    jsonschema.Draft202012Validator({**openapi, **schema}).validate(data)


def _response_schema(openapi: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    operation = openapi["paths"][path][method]
    schema: dict[str, Any] = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return schema


@pytest.mark.parametrize("kind", VIEWS, ids=lambda kind: kind.__name__)
def test_an_endpoint_returns_a_view_as_its_json_data(
    kind: type, client: TestClient, results: list[object], openapi: dict[str, Any]
) -> None:
    response = client.get(f"/views/{kind.__name__}")
    assert response.status_code == 200
    assert response.json() == to_json_data(_first(results, kind))
    schema = _response_schema(openapi, f"/views/{kind.__name__}")
    assert schema == {"$ref": f"#/components/schemas/{kind.__name__}"}
    _validates(openapi, schema, response.json())


@pytest.mark.parametrize("kind", VIEWS, ids=lambda kind: kind.__name__)
def test_the_openapi_component_of_a_view_is_its_json_schema(
    kind: type, openapi: dict[str, Any]
) -> None:
    def plain(node: Any) -> Any:
        # pydantic titles each property and points at components (with -Output for a
        # class also read from a request, whose fields with a default may be left out).
        if isinstance(node, dict):
            return {
                key: plain(value).removeprefix("#/components/schemas/").removesuffix("-Output")
                if key == "$ref"
                else {name: _untitled(plain(field)) for name, field in value.items()}
                if key == "properties"
                else plain(value)
                for key, value in node.items()
                if key not in ("$schema", "$defs")
            }
        if isinstance(node, list):
            return [plain(item) for item in node]
        return node

    ours = json_schema(kind)
    components = openapi["components"]["schemas"]
    for name, definition in {kind.__name__: ours, **ours.get("$defs", {})}.items():
        expected = json.loads(json.dumps(definition).replace('"#/$defs/', '"'))
        assert plain(components.get(name) or components[f"{name}-Output"]) == plain(expected)


def _untitled(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "title"}


def test_a_return_annotation_serves_as_well_as_response_model(
    client: TestClient, results: list[object], openapi: dict[str, Any]
) -> None:
    view = _first(results, StructureView)
    assert isinstance(view, StructureView)
    response = client.get(f"/structures/{view.id}")
    assert response.json() == to_json_data(view)
    summaries = client.get("/summaries").json()
    assert summaries == to_json_data([r for r in results if isinstance(r, StructureSummary)])
    _validates(openapi, _response_schema(openapi, "/summaries"), summaries)


def test_a_refusal_of_the_facade_is_a_problem_with_its_status(client: TestClient) -> None:
    response = client.get("/structures/no-such-structure")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:chorus-onboarding:error:not_found",
        "title": "Introuvable",
        "status": 404,
        "detail": "La structure introuvable.",
        "instance": "/structures/no-such-structure",
        "code": "not_found",
        "field": "structure_id",
        "params": {"what": "structure"},
    }


def test_a_value_in_a_request_body_is_built_by_its_class(client: TestClient) -> None:
    sent = {"street": " 5 quai de la Fosse ", "postal_code": "44000", "city": "Nantes"}
    response = client.post("/addresses", json=sent)
    assert response.status_code == 200
    assert response.json() == to_json_data(
        Address(street="5 quai de la Fosse", postal_code="44000", city="Nantes")
    )
    assert client.post("/addresses", json={"street": "5 quai de la Fosse"}).status_code == 422
    assert client.post("/addresses", json={**sent, "street": ""}).status_code == 422


def test_a_class_read_from_a_request_may_leave_out_its_defaults_but_always_writes_them(
    openapi: dict[str, Any],
) -> None:
    components = openapi["components"]["schemas"]
    assert components["Address-Input"]["required"] == ["street", "postal_code", "city"]
    assert components["Address-Output"]["required"] == [
        "street",
        "postal_code",
        "city",
        "country",
        "complement",
        "complement_2",
    ]


@pytest.mark.parametrize("kind", VIEWS, ids=lambda kind: kind.__name__)
def test_pydantic_writes_and_reads_a_view_as_the_library_does(
    kind: type, results: list[object]
) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    for result in (r for r in results if type(r) is kind):
        data = to_json_data(result)
        assert adapter.dump_python(result, mode="json") == data
        assert json.loads(adapter.dump_json(result)) == data
        assert adapter.validate_python(result) is result
        assert adapter.validate_json(json.dumps(data)) == result

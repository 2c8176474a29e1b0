"""The facade's results become JSON data with one call, and each has a JSON Schema its data follows."""

from __future__ import annotations

import enum
import json
import subprocess
import sys
import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from attrs import frozen

from chorus_onboarding import (
    Address,
    AttachmentState,
    AttachmentView,
    OnboardingService,
    Purpose,
    StructureSummary,
    StructureView,
)
from chorus_onboarding.errors import InvalidInput, RequiredField
from chorus_onboarding.serialisation import (
    DIALECT,
    VIEWS,
    from_json_data,
    json_schema,
    to_json_data,
)
from chorus_onboarding.testing.world import build_world
from tests.views import every_result

jsonschema = pytest.importorskip("jsonschema")


def _top_level_classes(hint: Any) -> set[type]:
    """The attrs classes a return annotation gives back: alone, in a list, or optional."""
    if typing.get_origin(hint) in (list, typing.Union, types.UnionType):
        return set().union(*(_top_level_classes(argument) for argument in typing.get_args(hint)))
    return {hint} if isinstance(hint, type) and attrs.has(hint) else set()


def _facade_results() -> set[type]:
    found: set[type] = set()
    for name, method in vars(OnboardingService).items():
        use_case = getattr(method, "__wrapped__", None)
        if use_case is not None and not name.startswith("_"):
            found |= _top_level_classes(typing.get_type_hints(use_case)["return"])
    return found


@pytest.fixture(scope="module")
def results() -> list[object]:
    """A result of every kind, from a journey on an in-memory service."""
    return every_result(build_world())


def test_views_names_every_class_the_facade_returns() -> None:
    assert set(VIEWS) == _facade_results()


def test_the_journey_gets_back_a_result_of_every_view(results: list[object]) -> None:
    assert {type(result) for result in results} == set(VIEWS)


@pytest.mark.parametrize("view", VIEWS, ids=lambda kind: kind.__name__)
def test_each_view_has_a_valid_draft_2020_12_schema(view: type) -> None:
    schema = json_schema(view)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT
    assert schema["title"] == view.__name__
    assert schema["type"] == "object"
    assert schema["required"] == [field.name for field in attrs.fields(view)]


def test_the_json_data_of_every_result_follows_its_schema_and_survives_json(
    results: list[object],
) -> None:
    for result in results:
        data = to_json_data(result)
        validator = jsonschema.Draft202012Validator(
            json_schema(type(result)), format_checker=jsonschema.FormatChecker()
        )
        validator.validate(data)
        assert json.loads(json.dumps(data)) == data


def test_every_result_comes_back_from_its_json_data(results: list[object]) -> None:
    for result in results:
        assert from_json_data(type(result), json.loads(json.dumps(to_json_data(result)))) == result


def test_a_list_of_views_is_one_call_and_has_its_schema(results: list[object]) -> None:
    summaries = [result for result in results if isinstance(result, StructureSummary)]
    data = to_json_data(summaries)
    jsonschema.Draft202012Validator(json_schema(list[StructureSummary])).validate(data)
    assert from_json_data(list[StructureSummary], data) == summaries
    assert to_json_data(None) is None
    optional = json_schema(StructureSummary | None)
    assert optional["anyOf"] == [{"$ref": "#/$defs/StructureSummary"}, {"type": "null"}]
    jsonschema.Draft202012Validator(optional).validate(None)


def test_enums_are_written_by_name_never_by_their_french_value(results: list[object]) -> None:
    pending = next(
        result
        for result in results
        if isinstance(result, AttachmentView) and result.state is AttachmentState.PENDING
    )
    assert AttachmentState.PENDING.value == "EN_ATTENTE"
    assert to_json_data(pending)["state"] == "PENDING"
    schema = json_schema(AttachmentView)
    assert schema["$defs"]["AttachmentState"]["enum"] == [state.name for state in AttachmentState]


def test_instants_are_iso_8601_with_their_offset_and_dates_iso_8601() -> None:
    paris = timezone(timedelta(hours=1))
    assert to_json_data(datetime(2018, 1, 4, 10, 5, 10, tzinfo=paris)) == (
        "2018-01-04T09:05:10+00:00"
    )
    assert to_json_data(date(2018, 1, 4)) == "2018-01-04"
    assert json_schema(datetime) == {"$schema": DIALECT, "type": "string", "format": "date-time"}


def test_frozensets_are_arrays_in_the_same_order_every_time(results: list[object]) -> None:
    view = next(result for result in results if isinstance(result, StructureView))
    data = to_json_data(attrs.evolve(view, purposes=frozenset(Purpose)))
    assert data["purposes"] == sorted(purpose.name for purpose in Purpose)
    assert json_schema(StructureView)["properties"]["purposes"] == {
        "type": "array",
        "items": {"$ref": "#/$defs/Purpose"},
        "uniqueItems": True,
    }


def test_nested_values_are_named_definitions_described_by_their_docstring() -> None:
    schema = json_schema(StructureView)
    assert schema["properties"]["address"] == {"$ref": "#/$defs/Address"}
    assert schema["properties"]["rcs"] == {"anyOf": [{"$ref": "#/$defs/Rcs"}, {"type": "null"}]}
    assert schema["$defs"]["Address"]["description"].startswith("A postal address")
    assert schema["description"] == "What the pages show of a structure."
    assert {"StructureIdentifier", "IdentifierType", "OpenEspace", "EspaceParameters"} <= set(
        schema["$defs"]
    )


class Colour(enum.Enum):
    """A colour, named."""

    RED = "rouge"


@frozen
class Swatch:
    colour: Colour
    seen: tuple[datetime, ...] = ()


@frozen
class Palette:
    """Swatches, in a row."""

    swatches: tuple[Swatch, ...]
    name: str | None = None


@frozen
class Node:
    children: tuple[Node, ...] = ()


# Two classes named alike, as two modules might have.
TextItem = attrs.make_class("Item", {"value": attrs.field(type=str)}, frozen=True)
NumberItem = attrs.make_class("Item", {"value": attrs.field(type=int)}, frozen=True)


@frozen
class Pair:
    text: TextItem  # type: ignore[valid-type]
    number: NumberItem  # type: ignore[valid-type]


def test_any_attrs_class_works_without_code_of_its_own() -> None:
    palette = Palette((Swatch(Colour.RED, (datetime(2018, 1, 4, tzinfo=UTC),)),))
    data = to_json_data(palette)
    assert data == {
        "swatches": [{"colour": "RED", "seen": ["2018-01-04T00:00:00+00:00"]}],
        "name": None,
    }
    jsonschema.Draft202012Validator(json_schema(Palette)).validate(data)
    assert from_json_data(Palette, data) == palette
    assert json_schema(Palette)["description"] == "Swatches, in a row."
    assert json_schema(Palette)["$defs"]["Colour"] == {
        "title": "Colour",
        "description": "A colour, named.",
        "type": "string",
        "enum": ["RED"],
    }


def test_a_class_holding_itself_refers_to_its_definition() -> None:
    schema = json_schema(Node)
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    jsonschema.Draft202012Validator(schema).validate(to_json_data(Node((Node(),))))


def test_two_classes_of_one_name_get_two_definitions() -> None:
    schema = json_schema(Pair)
    assert len(schema["$defs"]) == 2
    assert schema["properties"]["text"] != schema["properties"]["number"]
    jsonschema.Draft202012Validator(schema).validate(
        to_json_data(Pair(TextItem("a"), NumberItem(1)))
    )


def test_a_type_outside_the_rules_is_refused_plainly() -> None:
    with pytest.raises(TypeError):
        json_schema(dict[str, int])
    with pytest.raises(TypeError):
        json_schema(tuple[int, str])
    with pytest.raises(TypeError):
        to_json_data(object())


@pytest.mark.parametrize(
    "junk",
    [None, [], "text", {"street": 5, "postal_code": "44000", "city": "NANTES"}, {"street": "x"}],
)
def test_json_data_of_another_shape_is_the_library_s_error(junk: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        from_json_data(Address, junk)
    assert refused.value.field == "data"


def test_a_value_its_class_refuses_raises_the_class_s_own_error() -> None:
    with pytest.raises(RequiredField):
        from_json_data(Address, {"street": "", "postal_code": "44000", "city": "NANTES"})


def test_importing_the_library_does_not_import_pydantic() -> None:
    code = "import sys, chorus_onboarding; sys.exit('pydantic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

"""The facade's results as JSON data, each with a JSON Schema; pydantic and FastAPI read them too.

One call turns what the service returns into data ``json.dumps`` takes, and
one gives the JSON Schema (draft 2020-12) that data follows::

    to_json_data(service.structure(actor, structure_id))   # a dict
    to_json_data(service.my_attachments(actor))            # a list of dicts
    json_schema(StructureView)                             # its schema, $defs for what it holds
    from_json_data(StructureView, data)                    # and back

The JSON data of a value: text, numbers and booleans as they are; enum
members by NAME (``"PENDING"``, never the French label some carry as
value, so that rewording a label changes no client); datetimes in ISO 8601
with their offset, in UTC (``"2018-01-04T09:05:10+00:00"``); dates in ISO
8601; tuples as arrays, frozensets as arrays sorted the same way every
time; an attrs class as an object of its fields. The database stores write
their documents with the same rules (``adapters.sql.codec``).

Everything is read from the attrs fields and their type hints, for any attrs
class: no view has code of its own, and a new field or a new view is covered
as soon as it is written. :data:`VIEWS` names the facade's results.

**pydantic and FastAPI.** Importing the package gives every view, and every
value and enum inside one, a ``__get_pydantic_core_schema__`` hook, as an
ORM maps classes that know nothing of it: pydantic is never imported unless
it asks (it is not a dependency of the library; the ``fastapi`` extra
installs it). pydantic then serialises a view with :func:`to_json_data`,
validates one from its JSON data, and describes it with the same schema, in
which the nested values and enums are named components. So
``@app.get(..., response_model=StructureView)`` (or a return annotation)
returns a view as it is, and the OpenAPI document describes it.

Why code of our own: pydantic does not read attrs classes, and cattrs (which
does structure and unstructure them) gives no JSON Schema, the part that was
missing; either, as a dependency, would bring far more than the few
functions here, which only read attrs' own field list (and the stores
already had the half that writes and reads the data).
"""

from __future__ import annotations

import enum
import functools
import inspect
import types
import typing
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import attrs

from .domain.errors import InvalidInput, OnboardingError
from .domain.history import ManagerAction
from .domain.passwords import PasswordStrength
from .domain.structures import CompanyRecord
from .domain.support_log import SupportAction
from .service.access import StructureUser
from .service.account_management import AccountView
from .service.attachments import AttachmentView, BatchOutcome
from .service.authentication import PasswordResetChallenge
from .service.my_account import Authorisation, RequestHistory
from .service.registration import Registration
from .service.second_factor import LoginCodeSent
from .service.sessions import LoginResult
from .service.structures import StructureSummary, StructureView
from .service.subscriptions import SubscriptionView

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema

Json = Any
"""What ``json.loads`` gives and ``json.dumps`` takes."""

VIEWS: tuple[type, ...] = (
    AccountView,
    AttachmentView,
    Authorisation,
    BatchOutcome,
    CompanyRecord,
    LoginCodeSent,
    LoginResult,
    ManagerAction,
    PasswordResetChallenge,
    PasswordStrength,
    Registration,
    RequestHistory,
    StructureSummary,
    StructureUser,
    StructureView,
    SubscriptionView,
    SupportAction,
)
"""Every class whose instances the facade returns (alone, in a list, or ``None``)."""

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect of :func:`json_schema`."""


# --- values to data and back ----------------------------------------------------


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(kind: type) -> dict[str, Any]:
    # Modules use ``from __future__ import annotations``: resolve the strings once.
    hints = _HINTS.get(kind)
    if hints is None:
        hints = _HINTS[kind] = typing.get_type_hints(kind)
    return hints


def _fields(kind: type) -> list[attrs.Attribute[Any]]:
    return [field for field in attrs.fields(kind) if field.init]


def to_json_data(value: Any) -> Json:
    """``value`` as JSON data: a view, a list of views, ``None``, or any value inside one.

    Raises ``TypeError`` for a value of another kind (a Python object the
    rules of the module docstring do not cover).
    """
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted((to_json_data(item) for item in value), key=repr)
    if isinstance(value, tuple | list):
        return [to_json_data(item) for item in value]
    if attrs.has(type(value)):
        return {
            field.name: to_json_data(getattr(value, field.name)) for field in _fields(type(value))
        }
    raise TypeError(f"no JSON data for {type(value).__name__}")


def decode(hint: Any, data: Json) -> Any:
    """The value of type ``hint`` that :func:`to_json_data` turned into ``data``.

    The raw form, for the stores: data of another shape raises ``KeyError``,
    ``TypeError`` or ``ValueError`` (or the value's own error when built).
    Fields left out take their defaults.
    """
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        options = [option for option in typing.get_args(hint) if option is not type(None)]
        return decode(options[0], data)
    if origin in (frozenset, set):
        (item,) = typing.get_args(hint)
        return frozenset(decode(item, element) for element in _array(data))
    if origin in (tuple, list):
        item = typing.get_args(hint)[0]
        return origin(decode(item, element) for element in _array(data))
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint is date:
        return date.fromisoformat(data)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if not isinstance(data, str):
            raise TypeError(f"{hint.__name__} name expected, not {type(data).__name__}")
        return hint[data]
    if isinstance(hint, type) and attrs.has(hint):
        return _build(hint, data)
    if hint in _SCALARS and (type(data) is not hint and not (hint is float and type(data) is int)):
        # Written by other hands: a wrong type would only fail later, far from here.
        raise TypeError(f"{hint.__name__} expected, not {type(data).__name__}")
    return data


_SCALARS = (str, int, bool, float)


def _array(data: Json) -> list[Json]:
    if not isinstance(data, list):
        raise TypeError(f"array expected, not {type(data).__name__}")
    return data


def _build(kind: type, document: Json) -> Any:
    if not isinstance(document, dict):
        raise TypeError(f"object expected, not {type(document).__name__}")
    hints = _hints(kind)
    values = {
        field.name: decode(hints[field.name], document[field.name])
        for field in _fields(kind)
        if field.name in document
    }
    return _construct(kind, values)


def _construct(kind: type, values: dict[str, Any]) -> Any:
    """An instance of ``kind`` from its fields' values, by name (not by private alias)."""
    return kind(
        **{
            field.alias or field.name: values[field.name]
            for field in _fields(kind)
            if field.name in values
        }
    )


def from_json_data(kind: Any, data: Json) -> Any:
    """The value of type ``kind`` (a view class, ``list[StructureSummary]``...) whose JSON data is ``data``.

    Data of another shape raises ``InvalidInput`` on ``field="data"``; a
    value its class refuses raises the class's own error.
    """
    try:
        return decode(kind, data)
    except OnboardingError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        name = getattr(kind, "__name__", str(kind))
        raise InvalidInput(
            field="data", expected="données JSON de {document}", document=name
        ) from error


# --- JSON Schema ------------------------------------------------------------------

_SCALAR_SCHEMAS: dict[Any, dict[str, Json]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
}


def _named(hint: Any) -> bool:
    """Whether ``hint`` is a class that becomes a named definition: an attrs class or an enum."""
    return isinstance(hint, type) and (issubclass(hint, enum.Enum) or attrs.has(hint))


def _described(kind: type) -> dict[str, Json]:
    """The ``title`` and, from the class's own docstring, the ``description`` of ``kind``."""
    described: dict[str, Json] = {"title": kind.__name__}
    own = kind.__dict__.get("__doc__")
    if isinstance(own, str) and own.strip():
        described["description"] = inspect.cleandoc(own).split("\n\n")[0].replace("\n", " ")
    return described


class _Schemas:
    """Writes the schema of type hints, collecting the named classes' definitions."""

    def __init__(self) -> None:
        self.definitions: dict[str, dict[str, Json]] = {}
        self.named: dict[str, type] = {}

    def of(self, hint: Any) -> dict[str, Json]:
        """The schema of ``hint``, a ``$ref`` for a named class."""
        origin = typing.get_origin(hint)
        arguments = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            return {"anyOf": [self.of(option) for option in arguments]}
        if origin in (tuple, list, frozenset, set):
            if origin is tuple and arguments[1:] != (Ellipsis,):
                raise TypeError(f"no JSON Schema for {hint!r}: tuple[X, ...] only")
            array: dict[str, Json] = {"type": "array", "items": self.of(arguments[0])}
            return array | {"uniqueItems": True} if origin in (frozenset, set) else array
        if hint in _SCALAR_SCHEMAS:
            return dict(_SCALAR_SCHEMAS[hint])
        if _named(hint):
            return {"$ref": f"#/$defs/{self.define(hint)}"}
        raise TypeError(f"no JSON Schema for {hint!r}")

    def define(self, kind: type) -> str:
        """The name of ``kind``'s definition, written on first use."""
        name = kind.__name__
        if self.named.setdefault(name, kind) is not kind:  # two classes of one name
            name = f"{kind.__module__}.{kind.__qualname__}"
            self.named[name] = kind
        if name not in self.definitions:
            self.definitions[name] = {}  # taken before its fields are read: a class may hold itself
            self.definitions[name] = self.body(kind)
        return name

    def body(self, kind: type) -> dict[str, Json]:
        """The schema of a named class itself: an object of its fields, or an enum's names."""
        if issubclass(kind, enum.Enum):
            return {**_described(kind), "type": "string", "enum": [member.name for member in kind]}
        hints = _hints(kind)
        fields = _fields(kind)
        return {
            **_described(kind),
            "type": "object",
            "properties": {field.name: self.of(hints[field.name]) for field in fields},
            # Every field is always in the data, defaults included.
            "required": [field.name for field in fields],
        }


def json_schema(kind: Any) -> dict[str, Json]:
    """The JSON Schema (draft 2020-12) of the JSON data of ``kind``.

    ``kind`` is a view class (:data:`VIEWS`), any attrs class or enum, or a
    type hint over them (``list[StructureSummary]``, ``CompanyRecord |
    None``). The attrs classes and enums it holds are definitions under
    ``$defs``, named after their class; enums list their members' names.
    """
    schemas = _Schemas()
    root = schemas.body(kind) if _named(kind) else schemas.of(kind)
    schema: dict[str, Json] = {"$schema": DIALECT, **root}
    if schemas.definitions:
        schema["$defs"] = dict(sorted(schemas.definitions.items()))
    return schema


# --- pydantic -----------------------------------------------------------------------


def _pydantic_core_schema(kind: type, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    """How pydantic validates and serialises ``kind``: from and to its JSON data."""
    from pydantic_core import core_schema

    if issubclass(kind, enum.Enum):
        names = core_schema.literal_schema([member.name for member in kind])
        parse = core_schema.no_info_after_validator_function(kind.__getitem__, names)
    else:
        hints = _hints(kind)
        fields = {
            field.name: core_schema.typed_dict_field(
                handler.generate_schema(hints[field.name]),
                required=field.default is attrs.NOTHING,
            )
            for field in _fields(kind)
        }
        parse = core_schema.no_info_after_validator_function(
            functools.partial(_construct, kind), core_schema.typed_dict_schema(fields)
        )
    return core_schema.json_or_python_schema(
        json_schema=parse,
        python_schema=core_schema.union_schema([core_schema.is_instance_schema(kind), parse]),
        # The data it gives is JSON already: pydantic writes it as it is, and
        # describes it with the schema above.
        serialization=core_schema.plain_serializer_function_ser_schema(to_json_data),
        ref=f"{kind.__module__}.{kind.__qualname__}:{id(kind)}",
    )


def _pydantic_json_schema(
    kind: type, schema: CoreSchema, handler: GetJsonSchemaHandler
) -> JsonSchemaValue:
    """The JSON Schema pydantic writes for ``kind``, titled and described as :func:`json_schema` does.

    Read (a request's body), a field with a default may be left out;
    written (a response), every field is there.
    """
    written = handler(schema)
    described = handler.resolve_ref_schema(written)
    described.update(_described(kind))
    if handler.mode == "serialization" and "properties" in described:
        described["required"] = list(described["properties"])
    return written


def _reachable(kinds: tuple[type, ...]) -> list[type]:
    """``kinds`` and every attrs class and enum their fields hold, each once."""
    schemas = _Schemas()
    for kind in kinds:
        schemas.define(kind)
    return list(dict.fromkeys(schemas.named.values()))


for _kind in _reachable(VIEWS):
    _kind.__get_pydantic_core_schema__ = classmethod(_pydantic_core_schema)  # type: ignore[attr-defined]
    _kind.__get_pydantic_json_schema__ = classmethod(_pydantic_json_schema)  # type: ignore[attr-defined]
del _kind

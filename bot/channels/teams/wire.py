"""msrest's JSON for a Bot Framework model, and its model of such JSON, each worked out in one pass.

Every reply to Teams is an `Activity` that botbuilder's connector turns into JSON with msrest's
`Serializer.body`: it first rebuilds the model through a deserializer "in case this is a dict", then validates
it, then serializes it, each a walk of every attribute and of the card inside. Profiled under load
(benchmarks/load_bench.py) that was a sixth of a Teams turn, about 1 ms for one answer card.

`model_json` gives the same JSON in one walk, for the models botbuilder uses: attributes named by their REST
key, None left out, strings, numbers and nested models as msrest writes them, dates by msrest's own functions,
and free-form values (a card, channel data) copied as plain JSON. Whatever lies outside that (a class with
validation rules or flattened keys, a dict where a model belongs, a value that is not plain JSON) raises
`NotPlain`, and `FastBodySerializer` (and `serialized`) then leave the whole body to msrest, so the output is
msrest's in every case (tests/test_teams_wire.py compares the two).

The other way, `deserialized` reads an incoming activity's JSON into the model msrest's `Deserializer` makes of
it (the same attribute values, and any keys the model does not name kept in `additional_properties`), in one
walk where msrest took 0.2 ms for a short message. Whatever is not plain JSON of the declared type (a number
where a string belongs, say, which msrest converts) is left to msrest the same way.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Any, TypeVar

from botframework.connector import ConnectorClient
from msrest.exceptions import DeserializationError
from msrest.serialization import Deserializer, Model, Serializer

M = TypeVar("M", bound=Model)

#: msrest's basic types other than str: a value is written as `int(value)` and so on.
_NUMBERS = {"int": int, "bool": bool, "float": float}
#: Types msrest writes with a function of the value alone (dates, durations, bytes): its own functions do.
_FORMATTED = {"iso-8601": Serializer.serialize_iso, "rfc-1123": Serializer.serialize_rfc,
              "unix-time": Serializer.serialize_unix, "duration": Serializer.serialize_duration,
              "date": Serializer.serialize_date, "time": Serializer.serialize_time,
              "decimal": Serializer.serialize_decimal, "long": Serializer.serialize_long,
              "bytearray": Serializer.serialize_bytearray, "base64": Serializer.serialize_base64}


class NotPlain(Exception):
    """The model holds something msrest would treat specially: leave it to msrest."""


@cache
def _fields(cls: type[Model]) -> tuple[tuple[str, str, str], ...]:
    """(attribute, REST key, msrest type) of each attribute; raises NotPlain for a class msrest would validate,
    flatten (a dotted key), write as XML or extend with additional properties."""
    if getattr(cls, "_validation", None) or getattr(cls, "_xml_map", None):
        raise NotPlain(cls.__name__)
    fields = []
    for attribute, description in cls._attribute_map.items():
        key = description["key"]
        if not key or "." in key or "\\" in key:
            raise NotPlain(f"{cls.__name__}.{attribute}")
        fields.append((attribute, key, description["type"]))
    return tuple(fields)


def model_json(model: Model, dependencies: dict[str, type]) -> dict[str, Any]:
    """The JSON msrest writes for `model` (its `Serializer(dependencies)` on the model's own class), or
    NotPlain."""
    written: dict[str, Any] = {}
    for attribute, key, kind in _fields(type(model)):
        value = getattr(model, attribute)
        if value is not None:
            written[key] = _value(value, kind, dependencies)
    return written


def _value(value: Any, kind: str, dependencies: dict[str, type]) -> Any:
    if kind == "str":
        return _text(value)
    if kind in _NUMBERS:
        return _NUMBERS[kind](value)
    if kind in _FORMATTED:
        return _FORMATTED[kind](value)
    if kind == "object":
        return _plain(value)
    if kind.startswith("[") and kind.endswith("]"):
        if not isinstance(value, list | tuple):
            raise NotPlain(kind)
        return [None if item is None else _value(item, kind[1:-1], dependencies) for item in value]
    if kind.startswith("{") and kind.endswith("}"):
        if not isinstance(value, dict):
            raise NotPlain(kind)
        return {_text(k): None if v is None else _value(v, kind[1:-1], dependencies) for k, v in value.items()}
    declared = dependencies.get(kind)
    if isinstance(declared, type) and issubclass(declared, Model) and isinstance(value, Model):
        return model_json(value, dependencies)
    raise NotPlain(kind)  # an enum type, or a dict standing for a model: msrest's own rules


def _text(value: Any) -> str:
    """msrest's string: an enum's value, or the string itself (anything else msrest would pass through `str()`:
    NotPlain)."""
    if isinstance(value, Enum):
        return value.value
    if type(value) is not str:
        raise NotPlain(type(value).__name__)
    return value


def _plain(value: Any) -> Any:
    """A free-form value that is plain JSON, copied; anything else is NotPlain (msrest would convert it)."""
    kind = type(value)
    if value is None or kind in (str, int, bool, float):
        return value
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise NotPlain("a key that is not a string")
        return {key: _plain(item) for key, item in value.items()}
    if kind is list:
        return [_plain(item) for item in value]
    raise NotPlain(kind.__name__)


def model_from_json(cls: type[M], data: Any, dependencies: dict[str, type]) -> M:
    """The model msrest's `Deserializer(dependencies)` makes of `data` as a `cls`, or NotPlain: every attribute
    read from its REST key and passed to the class as msrest passes it, keys the class does not name kept in
    `additional_properties`."""
    if type(data) is not dict or getattr(cls, "_subtype_map", None):
        raise NotPlain(cls.__name__)  # not an object, or a polymorphic class msrest would classify
    fields = _fields(cls)
    model = cls(**{attribute: _read(data.get(key), kind, dependencies) for attribute, key, kind in fields})
    unknown = data.keys() - {key for _, key, _ in fields}
    if unknown:
        model.additional_properties = {key: data[key] for key in unknown}
    return model


def _read(value: Any, kind: str, dependencies: dict[str, type]) -> Any:
    if value is None:
        return None
    if kind == "str":
        if type(value) is not str:
            raise NotPlain(kind)  # msrest would write it out with str()
        return value
    if kind in _NUMBERS:
        return _number(value, kind)
    if kind == "iso-8601":
        try:
            return Deserializer.deserialize_iso(value)
        except (DeserializationError, ValueError, TypeError) as exc:
            raise NotPlain(kind) from exc
    if kind == "object":
        return _plain(value)
    if kind.startswith("[") and kind.endswith("]"):
        if type(value) is not list:
            raise NotPlain(kind)
        return [_read(item, kind[1:-1], dependencies) for item in value]
    if kind.startswith("{") and kind.endswith("}"):
        if type(value) is not dict:
            raise NotPlain(kind)
        return {key: _read(item, kind[1:-1], dependencies) for key, item in value.items()}
    declared = dependencies.get(kind)
    if isinstance(declared, type) and issubclass(declared, Model):
        return model_from_json(declared, value, dependencies)
    raise NotPlain(kind)  # an enum type, or a format read by msrest's own rules


def _number(value: Any, kind: str) -> Any:
    """A JSON number (or true/false) where msrest reads one: the value as msrest would leave it."""
    if kind == "bool" and type(value) is bool:
        return value
    if kind == "int" and type(value) is int:
        return value
    if kind == "float" and type(value) in (int, float):
        return float(value)
    raise NotPlain(kind)  # a string or the like, which msrest converts by its own rules


@cache
def _models_of(cls: type[Model]) -> dict[str, type]:
    """The models of `cls`'s package, as `Model.serialize` looks them up (on every call)."""
    return cls._infer_class_models()


def serialized(model: Model) -> dict[str, Any]:
    """`model.serialize()`, in one pass when the model is plain."""
    try:
        return model_json(model, _models_of(type(model)))
    except NotPlain:
        return model.serialize()


def deserialized(cls: type[M], data: Any) -> M:
    """`cls.deserialize(data)`, in one pass when the data is plain JSON of the declared types."""
    try:
        return model_from_json(cls, data, _models_of(cls))
    except NotPlain:
        return cls.deserialize(data)


class FastBodySerializer(Serializer):
    """msrest's Serializer whose request bodies come from `model_json` when the model is plain."""

    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if not kwargs and isinstance(data, Model) and type(data).__name__ == data_type:
            try:
                return model_json(data, self.dependencies)
            except NotPlain:
                pass
        return super().body(data, data_type, **kwargs)


def use_fast_bodies(client: ConnectorClient) -> None:
    """Write `client`'s conversation request bodies (replies, proactive messages) with FastBodySerializer."""
    kept = client.conversations._serialize
    fast = FastBodySerializer(kept.dependencies)
    fast.client_side_validation = kept.client_side_validation
    client.conversations._serialize = fast

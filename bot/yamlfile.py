"""YAML loading that remembers line numbers, and schema validation whose errors name them.

Every configuration file (intents, forms, campaigns, the school file, policy files) is
loaded through `load_yaml` and checked with `validate`, so that a mistake is reported as
`intents/answers.yaml:42: intents[3].form: unknown form 'pupil_contct' - use one of ...`
rather than as a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import ConfigError

try:  # the C parser is several times faster; the Python one is the fallback
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class ConfigModel(BaseModel):
    """The base of the models configuration files are validated into: an unknown key is a mistake to report
    (a misspelt option must not be silently ignored), and what was loaded does not change while it runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LineDict(dict):
    """A mapping from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    """A sequence from YAML that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader whose mappings and sequences carry line numbers."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as exc:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found an unhashable key",
                key_node.start_mark,
            ) from exc
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a syntax error becomes a ConfigError naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError("file not found - check the path (or POLICYBOT_HOME)", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError("is not UTF-8 text - save it as UTF-8", file=str(path)) from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(
            f"YAML syntax error: {problem} - check indentation, colons and quotes on this line",
            file=str(path),
            line=line,
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", file=str(path)) from exc


def line_of(data: Any, loc: Sequence[Any]) -> int | None:
    """The line of the deepest element of `loc` (a pydantic error location) found in `data`."""
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def describe_loc(loc: Sequence[Any]) -> str:
    """`("intents", 3, "form")` -> `intents[3].form`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, *, file: str | Path) -> M:
    """Validate parsed YAML against a pydantic model; the first error names file, line and fix."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        where = describe_loc(loc)
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "this field is required - add it"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field - remove it or check its spelling"
        more = len(exc.errors()) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''} in this file)" if more else ""
        raise ConfigError(
            f"{where}: {msg}{suffix}" if where else f"{msg}{suffix}", file=str(file), line=line_of(data, loc)
        ) from exc

"""Reading parameter YAML so that every mapping and list remembers its line.

- Mappings load as `YMap` (a dict) and lists as `YList`; both carry `.line` (1-based) and a
  mapping also `.key_lines` (key → line), so an error can name the line of a bad key.
- A key that appears twice in one mapping is an error (PyYAML would keep the last silently).
- Numbers with a decimal point load as `Decimal`, exactly as written: 0.8 is 0.8, never the
  float 0.80000000000000004. `.inf` and `.nan` are refused.
- Dates `2019-01-01` load as `datetime.date` (PyYAML's own rule).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .errors import PolicyError, PolicyErrorCode


class YMap(dict):
    line: int | None = None
    key_lines: dict

    def __init__(self, *args: Any, line: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.line = line
        self.key_lines = {}

    def line_of(self, key: Any) -> int | None:
        return self.key_lines.get(key, self.line)


class YList(list):
    line: int | None = None

    def __init__(self, *args: Any, line: int | None = None):
        super().__init__(*args)
        self.line = line


def line_of(node: Any, key: Any = None) -> int | None:
    """Line of a key in a mapping, or of a node; None for data built in memory."""
    if isinstance(node, YMap) and key is not None:
        return node.line_of(key)
    return getattr(node, "line", None)


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int):
        self.key = key
        self.line = line


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YMap:
    loader.flatten_mapping(node)
    result = YMap(line=node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> YList:
    return YList((loader.construct_object(n, deep=True) for n in node.value),
                 line=node.start_mark.line + 1)


def _construct_decimal(loader: _Loader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text  # .inf, .nan and the like: kept as text, refused by the schema
    return value if value.is_finite() else text


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_yaml_text(text: str, *, file: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except _DuplicateKey as e:
        raise PolicyError(PolicyErrorCode.DUPLICATE_KEY, file=file, line=e.line, what=e.key) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(e, "problem", None) or str(e)
        raise PolicyError(PolicyErrorCode.YAML_SYNTAX, file=file, line=line, what=problem) from None


def load_yaml_file(path: Path, *, display: str | None = None) -> Any:
    name = display or str(path)
    if not path.is_file():
        raise PolicyError(PolicyErrorCode.FILE_MISSING, file=name, what=path.name)
    return load_yaml_text(path.read_text(encoding="utf-8"), file=name)


T = TypeVar("T")
_WHEN_CHANGED: dict[tuple[str, str], tuple[float, Any]] = {}


def read_when_changed(path: Path, load: Callable[[Path], T]) -> T:
    """`load(path)`, kept until the file changes (its modification time): the one cache of the
    dated data files that pages read on every request (procedure, standards, programmes)."""
    mtime = path.stat().st_mtime if path.exists() else 0.0
    key = (str(path), f"{load.__module__}.{load.__qualname__}")
    hit = _WHEN_CHANGED.get(key)
    if hit is None or hit[0] != mtime:
        hit = _WHEN_CHANGED[key] = (mtime, load(path))
    return hit[1]

"""Small helpers that validate loaded YAML and collect every error before failing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import PolicyError, PolicyErrorCode
from .yamlfile import line_of

_TYPE_NAMES = {str: "文本", int: "整数", date: "日期 YYYY-MM-DD", bool: "true/false",
               dict: "映射", list: "列表"}


@dataclass
class Problems:
    """All errors found while loading a folder."""

    errors: list[PolicyError] = field(default_factory=list)

    def ctx(self, file: str) -> Ctx:
        return Ctx(file, self)


@dataclass
class Ctx:
    """Where we are (one file) and where errors go."""

    file: str
    problems: Problems

    def error(self, code: PolicyErrorCode, key: str, node: Any = None, node_key: Any = None,
              *, line: int | None = None, **fmt: object) -> None:
        where = line if line is not None else line_of(node, node_key)
        self.problems.errors.append(PolicyError(code, file=self.file, line=where, key=key, **fmt))

    def keys(self, node: Any, path: str, spec: tuple[set[str], set[str]]) -> bool:
        """Check `node` is a mapping with the required keys and no unknown key."""
        if not isinstance(node, dict):
            self.error(PolicyErrorCode.BAD_TYPE, path, node, expected="映射", what=_show(node))
            return False
        required, optional = spec
        ok = True
        allowed = sorted(required | optional)
        for k in node:
            if k not in required and k not in optional:
                self.error(PolicyErrorCode.UNKNOWN_KEY, _join(path, k), node, k, what=k,
                           allowed="、".join(allowed))
                ok = False
        for k in sorted(required):
            if k not in node:
                self.error(PolicyErrorCode.MISSING_KEY, _join(path, k), node, what=k)
                ok = False
        return ok

    def typed(self, node: dict, key: str, path: str, kind: type, *,
              default: Any = None) -> Any:
        """node[key] if of the right type (bool is not an int here), else record an error."""
        if key not in node:
            return default
        value = node[key]
        good = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is date and isinstance(value, date):
            good = True
        if not good:
            self.error(PolicyErrorCode.BAD_TYPE, _join(path, key), node, key,
                       expected=_TYPE_NAMES.get(kind, kind.__name__), what=_show(value))
            return default
        return value

    def ident(self, node: dict, key: str, path: str) -> str | None:
        value = self.typed(node, key, path, str)
        if value is not None and not re.match(r"^[a-z0-9][a-z0-9_-]*$", value):
            self.error(PolicyErrorCode.BAD_VALUE, _join(path, key), node, key, what=value,
                       allowed="小写字母、数字、_ 和 -")
            return None
        return value

    def choice(self, node: dict, key: str, path: str, choices: Any) -> Any:
        value = node.get(key)
        allowed = [str(c) for c in choices]
        if value is None or str(value) not in allowed or not isinstance(value, str):
            if key in node:
                self.error(PolicyErrorCode.BAD_VALUE, _join(path, key), node, key,
                           what=_show(value), allowed="、".join(allowed))
            return None
        return value


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def join(path: str, key: Any) -> str:
    return _join(path, key)


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) < 60 else text[:57] + "..."


def show(value: Any) -> str:
    return _show(value)

"""Param schemas: what a node's settings are, and what values they accept.

A :class:`Param` declares one setting: its kind, default, range, step, choices, unit and
whether it is animatable.  The schema drives the inspector, the workflow validator,
``cinegraph nodes --json`` and docs/nodes.md.  :meth:`Param.check` returns every problem
with a value as ``(relative path, message)`` pairs, naming the bad value (shortened by
:func:`studio.errors.shown`, so a 10 MB value makes a one-line message).

Kinds: ``float``, ``int``, ``bool``, ``choice``, ``string`` (one line), ``text`` (multi-line,
e.g. prompts), ``path`` (a file; ``file_filter`` says which kind, ``save`` whether it is
written), ``color`` (``#rrggbb``) and ``data`` (structured JSON checked by ``checker``,
e.g. motion brushes).

Bounds (:mod:`studio.graph.limits`) beyond each param's own range: a number without a
declared ``min`` or ``max`` lies within +-``MAX_MAGNITUDE`` on that side; ``string`` values
are one line of at most ``MAX_LINE_CHARS`` printable characters (:func:`line_problem`),
``text`` at most ``MAX_TEXT_CHARS`` characters, ``path`` ``MAX_PATH_CHARS``, and a path
holds no NUL character.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from studio.errors import shown
from studio.graph.limits import MAX_LINE_CHARS, MAX_MAGNITUDE, MAX_PATH_CHARS, MAX_TEXT_CHARS

PARAM_KINDS = ("float", "int", "bool", "choice", "string", "text", "path", "color", "data")
FILE_FILTERS: dict[str, tuple[str, ...]] = {
    "image": (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".webp", ".bmp"),
    "video": (".mov", ".mp4", ".m4v", ".mkv", ".avi", ".webm", ".mxf", ".gif"),
    "media": (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".webp", ".bmp",
              ".mov", ".mp4", ".m4v", ".mkv", ".avi", ".webm", ".mxf", ".gif"),
    "any": (),
}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: the longest value of each text kind, in characters
MAX_CHARS = {"string": MAX_LINE_CHARS, "text": MAX_TEXT_CHARS, "path": MAX_PATH_CHARS}

Checker = Callable[[Any], list[tuple[str, str]]]


def line_problem(value: str, limit: int = MAX_LINE_CHARS) -> str | None:
    """Why ``value`` is not one line of at most ``limit`` printable characters (ids, names,
    node types, one-line params), or None.  No tab, line break or other control character."""
    if len(value) > limit:
        return f"at most {limit} characters, got {shown(value)}"
    if not value.isprintable():
        return f"expected one line without control characters, got {shown(value)}"
    return None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any
    label: str = ""
    description: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    animatable: bool = False
    file_filter: str = "any"
    save: bool = False
    checker: Checker | None = field(default=None, compare=False)
    #: data params holding a list of objects with file paths under these keys (keyframes)
    path_keys: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def check(self, value: Any) -> list[tuple[str, str]]:
        """Every problem with ``value`` for this param; empty when it is acceptable."""
        k = self.kind
        if self.animatable and isinstance(value, dict):
            from studio.graph.animation import check_curve
            return check_curve(value, self.min, self.max)
        if k in ("float", "int"):
            if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
                return [("", f"expected a number, got {shown(value)}")]
            if k == "int" and not (isinstance(value, int) or float(value).is_integer()):
                return [("", f"expected a whole number, got {shown(value)}")]
            lo = -MAX_MAGNITUDE if self.min is None else self.min
            hi = MAX_MAGNITUDE if self.max is None else self.max
            if value < lo:
                return [("", f"{shown(value)} is below the minimum {lo:g}")]
            if value > hi:
                return [("", f"{shown(value)} is above the maximum {hi:g}")]
            return []
        if k == "bool":
            return [] if isinstance(value, bool) else [("", f"expected true or false, got {shown(value)}")]
        if k == "choice":
            if not isinstance(value, str) or value not in self.choices:
                return [("", f"expected one of {', '.join(map(repr, self.choices))}, got {shown(value)}")]
            return []
        if k in ("string", "text", "path"):
            if not isinstance(value, str):
                return [("", f"expected text, got {shown(value)}")]
            if k == "string":
                why = line_problem(value)
                return [("", why)] if why else []
            if len(value) > MAX_CHARS[k]:
                what = "a file path" if k == "path" else "this text"
                return [("", f"{what} is at most {MAX_CHARS[k]} characters, got {shown(value)}")]
            if k == "path" and "\0" in value:
                return [("", f"a file path cannot hold a NUL character, got {shown(value)}")]
            return []
        if k == "color":
            if not (isinstance(value, str) and _COLOR.match(value)):
                return [("", f"expected a colour like '#ff8800', got {shown(value)}")]
            return []
        if k == "data":
            return list(self.checker(value)) if self.checker else []
        return [("", f"unknown param kind {k!r}")]

    def normalise(self, value: Any) -> Any:
        """The canonical form of an accepted value (ints for int params; curves as given)."""
        if isinstance(value, dict):
            return value
        if self.kind == "int":
            return int(value)
        if self.kind == "float":
            return float(value)
        return value

    def schema(self) -> dict:
        """The JSON form used by ``cinegraph nodes --json``, the inspector and the docs."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "label": self.title, "default": self.default}
        for key in ("min", "max", "step"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.choices:
            out["choices"] = list(self.choices)
        if self.unit:
            out["unit"] = self.unit
        if self.animatable:
            out["animatable"] = True
        if self.path_keys:
            out["path_keys"] = list(self.path_keys)
        if self.kind == "path":
            out["file_filter"] = self.file_filter
            out["extensions"] = list(FILE_FILTERS.get(self.file_filter, ()))
            out["save"] = self.save
        if self.description:
            out["description"] = self.description
        return out

    def declaration_problems(self) -> list[str]:
        """Problems with the declaration itself (checked at registration)."""
        problems = []
        if not self.name.isidentifier():
            problems.append(f"param name {self.name!r} is not an identifier")
        if self.kind not in PARAM_KINDS:
            problems.append(f"param {self.name!r}: unknown kind {self.kind!r}")
            return problems
        if self.kind == "choice" and not self.choices:
            problems.append(f"param {self.name!r}: a choice needs choices")
        if self.min is not None and self.max is not None and self.min > self.max:
            problems.append(f"param {self.name!r}: min {self.min} is above max {self.max}")
        if self.kind == "path" and self.file_filter not in FILE_FILTERS:
            problems.append(f"param {self.name!r}: unknown file filter {self.file_filter!r}")
        if self.animatable and self.kind not in ("float", "int"):
            problems.append(f"param {self.name!r}: only numbers can be animatable")
        for where, msg in self.check(self.default):
            problems.append(f"param {self.name!r}: default {shown(self.default)} is invalid: {msg}")
        return problems


# Factories: short declarations in node modules -----------------------------------------

def Float(name: str, default: float, *, min: float | None = None, max: float | None = None,
          step: float | None = None, unit: str = "", animatable: bool = False, label: str = "",
          description: str = "") -> Param:
    return Param(name, "float", float(default), label, description, min, max, step, unit=unit, animatable=animatable)


def Int(name: str, default: int, *, min: int | None = None, max: int | None = None, step: int | None = 1,
        unit: str = "", animatable: bool = False, label: str = "", description: str = "") -> Param:
    return Param(name, "int", int(default), label, description, min, max, step, unit=unit, animatable=animatable)


def Bool(name: str, default: bool, *, label: str = "", description: str = "") -> Param:
    return Param(name, "bool", bool(default), label, description)


def Choice(name: str, choices: tuple[str, ...] | list[str], default: str | None = None, *, label: str = "",
           description: str = "") -> Param:
    choices = tuple(choices)
    return Param(name, "choice", choices[0] if default is None else default, label, description, choices=choices)


def String(name: str, default: str = "", *, label: str = "", description: str = "") -> Param:
    return Param(name, "string", default, label, description)


def Text(name: str, default: str = "", *, label: str = "", description: str = "") -> Param:
    return Param(name, "text", default, label, description)


def FilePath(name: str, default: str = "", *, file_filter: str = "any", save: bool = False, label: str = "",
             description: str = "") -> Param:
    return Param(name, "path", default, label, description, file_filter=file_filter, save=save)


def Color(name: str, default: str = "#808080", *, label: str = "", description: str = "") -> Param:
    return Param(name, "color", default, label, description)


def Data(name: str, default: Any, checker: Checker | None = None, *, label: str = "", description: str = "",
         path_keys: tuple[str, ...] = ()) -> Param:
    return Param(name, "data", default, label, description, checker=checker, path_keys=path_keys)

"""Typed errors shared by every layer.

Every error the user can cause derives from :class:`StudioError`; its message names the
file, node or field and the bad value.  Code never prints and returns ``None`` instead of
raising.  This module imports only the standard library so that every layer may use it.

A message that quotes a value the user gave quotes it through :func:`shown`, never with a
bare ``{value!r}``: a workflow file may hold a 10 MB string or a list of a million items,
and a message must stay one readable line (``got 'yyyy…' (10000000 characters)``).
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from dataclasses import dataclass
from typing import Any

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_key(key: Any) -> str:
    """The step of a JSON path (``Problem.where``) into an object's ``key``: ``.strength``
    for a plain name, else the key quoted and escaped, at most about 40 characters, so a
    path stays one line: ``["x\\ny"]``, ``["kkkk…"]``."""
    key = str(key)
    if len(key) <= 40 and _PLAIN_KEY.fullmatch(key):
        return "." + key
    text = json.dumps(key[:40])          # ASCII: control characters and line breaks escaped
    return f"[{text[:-1]}…\"]" if len(key) > 40 else f"[{text}]"


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message, about ``limit`` characters at most.

    A longer value is cut with ``…`` and says how big it was: ``'yyyy…' (10000000
    characters)``, ``[1, 2, 3, …] (5000 items)``; a whole number too long to print
    becomes ``<a whole number of about 5000 digits>``.  Only the part that is shown is
    looked at, so a huge string or a deeply nested list costs next to nothing.
    """
    limit = max(int(limit), 8)
    text, cut = _brief(value, limit, 0)
    if len(text) > limit + 8:          # a safety net: _brief keeps close to the limit
        text, cut = text[:limit] + "…", True
    if not cut:
        return text
    if isinstance(value, str):
        return f"{text} ({len(value)} characters)"
    if isinstance(value, (bytes, bytearray)):
        return f"{text} ({len(value)} bytes)"
    if isinstance(value, (list, tuple, dict)):
        return f"{text} ({len(value)} item{'' if len(value) == 1 else 's'})"
    return text


def _brief(value: Any, budget: int, depth: int) -> tuple[str, bool]:
    """A repr of ``value`` of about ``budget`` characters, and whether part of ``value``
    itself (characters, items; not of what it contains) was left out."""
    if isinstance(value, (str, bytes, bytearray)):
        n = min(len(value), max(budget, 1))
        text = repr(value[:n])
        while len(text) > budget + 3 and n > 1:      # escapes (\x00) make the repr longer
            n = n * 2 // 3
            text = repr(value[:n])
        if n < len(value):
            return text[:-1] + "…" + text[-1], True
        return text, False
    if isinstance(value, bool) or value is None:
        return repr(value), False
    if isinstance(value, int):
        if value.bit_length() <= 3 * budget:
            return repr(value), False
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"<a whole number of about {digits} digits>", False
    if isinstance(value, float):
        return repr(value), False
    if isinstance(value, (list, tuple, dict)):
        opener, closer = ("{", "}") if isinstance(value, dict) else ("(", ")") if isinstance(value, tuple) else ("[", "]")
        if not value:
            return repr(value), False
        if depth >= 3:
            return f"{opener}…{closer}", True
        parts: list[str] = []
        used, cut = 2, False
        for item in (value.items() if isinstance(value, dict) else value):
            if used >= budget:
                cut = True
                break
            if isinstance(value, dict):
                k = _brief(item[0], max(budget - used, 4), depth + 1)[0]
                text = f"{k}: {_brief(item[1], max(budget - used - len(k) - 2, 4), depth + 1)[0]}"
            else:
                text = _brief(item, max(budget - used, 4), depth + 1)[0]
            parts.append(text)
            used += len(text) + 2
        if cut:
            parts.append("…")
        trailer = "," if isinstance(value, tuple) and len(value) == 1 else ""
        return opener + ", ".join(parts) + trailer + closer, cut
    return reprlib.Repr().repr(value), False


class StudioError(Exception):
    """Base of all Cinegraph errors that describe bad input or a failed operation."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating or loading: where it is and what is wrong.

    ``where`` is a JSON path for workflow files (``nodes[3].params.strength``) or
    ``node_id.field`` for graph validation.
    """

    where: str
    message: str
    node_id: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ProblemsError(StudioError):
    """An error that carries every problem found, not just the first one."""

    def __init__(self, summary: str, problems: list[Problem]):
        self.summary = summary
        self.problems = list(problems)
        lines = [summary] + [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class GraphError(StudioError):
    """An illegal change to a graph (unknown node, port or param; refused connection)."""


class ParamError(GraphError):
    """A param value that does not fit its schema."""


class RegistryError(ProblemsError):
    """Node declarations that are invalid; lists every problem at once."""


class WorkflowError(ProblemsError):
    """A workflow file that cannot be loaded; lists every problem with its JSON path."""

    def __init__(self, path: str, problems: list[Problem], summary: str | None = None):
        self.path = path
        super().__init__(summary or f"{path}: cannot load workflow", problems)


class NodeError(StudioError):
    """A node failed while evaluating; names the node."""

    def __init__(self, node_id: str, message: str):
        self.node_id = node_id
        super().__init__(f"node {node_id!r}: {message}")


class MediaError(StudioError):
    """A media file that cannot be read or written; names the file."""


class EngineError(StudioError):
    """A generator engine that cannot serve a request (bad inputs, missing weights)."""


class DeviceError(StudioError):
    """A compute device that was asked for but is not available."""


class Cancelled(StudioError):
    """Raised by cooperative cancellation checks; not a failure."""

    def __init__(self, message: str = "cancelled"):
        super().__init__(message)

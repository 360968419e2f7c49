"""Typed errors shared by every layer.

Every error the user can cause derives from :class:`StudioError`; its message names the
file, node or field and the bad value.  Code never prints and returns ``None`` instead of
raising.  This module imports only the standard library so that every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass


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

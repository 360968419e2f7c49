"""The GUI's undo stack: a QUndoStack over the graph core's commands.

:class:`UndoCommand` wraps one :class:`~studio.graph.commands.Command`: ``redo()`` calls
``command.do(graph)``, ``undo()`` calls ``command.undo(graph)`` and ``mergeWith`` asks
``Command.merge`` (so one slider drag or one node drag is one undo step: commands carrying a
``merge_key`` share a QUndoCommand id and merge when their keys match).

:meth:`UndoStack.push_command` runs the command *before* it reaches the stack, so a refused
command (a :class:`~studio.errors.GraphError`, e.g. a connection the model refuses) raises
nowhere near Qt: it returns False, emits ``refused(reason)`` and leaves graph and stack as
they were.  The first ``redo()`` Qt makes on push is then skipped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from studio.errors import GraphError
from studio.graph.commands import Command

MERGEABLE_ID = 4242


class UndoCommand(QUndoCommand):
    def __init__(self, graph_of: Callable, command: Command, already_done: bool = False):
        super().__init__(str(command.text))
        self._graph_of = graph_of
        self.command = command
        self._skip_redo = already_done

    def id(self) -> int:  # noqa: A003 - Qt's name
        return MERGEABLE_ID if getattr(self.command, "merge_key", None) is not None else -1

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.command.do(self._graph_of())

    def undo(self) -> None:
        self.command.undo(self._graph_of())

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, UndoCommand):
            return False
        merged = self.command.merge(other.command)
        if merged:
            self.setText(str(self.command.text))
        return merged


class UndoStack(QUndoStack):
    refused = Signal(str)   # the model's reason, for the status bar

    def __init__(self, graph_of: Callable, parent=None):
        super().__init__(parent)
        self._graph_of = graph_of

    def push_command(self, command: Command) -> bool:
        """Do ``command`` on the current graph and record it; False (and ``refused``) if refused."""
        try:
            command.do(self._graph_of())
        except GraphError as exc:
            self.refused.emit(str(exc))
            return False
        self.push(UndoCommand(self._graph_of, command, already_done=True))
        return True

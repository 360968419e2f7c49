"""The one Qt bridge: graph events and executor events become Qt signals.

* :class:`GraphBridge` subscribes to a :class:`~studio.graph.Graph`.  Graph events happen on
  the GUI thread (commands run there), so its signals are emitted synchronously.
* :class:`ExecutorBridge` subscribes to an :class:`~studio.executor.Executor`.  Executor
  events arrive **on the worker thread**; the bridge only emits ``nodeEvent`` there, and every
  receiver is connected with ``Qt.QueuedConnection`` so slots run later on the GUI thread.
  The listener does nothing else, so the worker is never slowed by the GUI.

Both bridges must be :meth:`detach`-ed before they are deleted.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from studio.graph import model as m


class GraphBridge(QObject):
    nodeAdded = Signal(str)
    nodeRemoved = Signal(str)
    linkAdded = Signal(object)        # Link
    linkRemoved = Signal(object)      # Link
    paramChanged = Signal(str, str)   # node id, param name
    nodeMoved = Signal(str)
    nodeRenamed = Signal(str)
    nodeBypassed = Signal(str)
    changed = Signal(object)          # every event, after the specific signal

    def __init__(self, graph: m.Graph, parent: QObject | None = None):
        super().__init__(parent)
        self.graph = graph
        self._unsubscribe: Callable[[], None] | None = graph.subscribe(self._on_event)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, ev: m.Event) -> None:
        if isinstance(ev, m.NodeAdded):
            self.nodeAdded.emit(ev.node_id)
        elif isinstance(ev, m.NodeRemoved):
            self.nodeRemoved.emit(ev.node_id)
        elif isinstance(ev, m.LinkAdded):
            self.linkAdded.emit(ev.link)
        elif isinstance(ev, m.LinkRemoved):
            self.linkRemoved.emit(ev.link)
        elif isinstance(ev, m.ParamChanged):
            self.paramChanged.emit(ev.node_id, ev.name)
        elif isinstance(ev, m.NodeMoved):
            self.nodeMoved.emit(ev.node_id)
        elif isinstance(ev, m.NodeRenamed):
            self.nodeRenamed.emit(ev.node_id)
        elif isinstance(ev, m.NodeBypassed):
            self.nodeBypassed.emit(ev.node_id)
        self.changed.emit(ev)


class ExecutorBridge(QObject):
    """Executor events (worker thread) -> ``nodeEvent`` delivered queued on the GUI thread."""

    nodeEvent = Signal(object)   # NodeEvent

    def __init__(self, executor, parent: QObject | None = None):
        super().__init__(parent)
        self.executor = executor
        self._unsubscribe: Callable[[], None] | None = executor.subscribe(self._on_event)

    def connect_queued(self, slot: Callable) -> None:
        """Connect ``slot`` so it always runs on the receiver's (GUI) thread."""
        self.nodeEvent.connect(slot, Qt.QueuedConnection)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event) -> None:   # worker thread: emit and return at once
        try:
            self.nodeEvent.emit(event)
        except RuntimeError:   # the bridge was deleted while a run finished
            pass

"""Runs from the GUI: Run, Stop, Auto-run, node states, thumbnails and the viewer's value.

* ``run(targets)`` submits to the background executor and returns at once (the snapshot is
  taken on the GUI thread; nothing here ever waits for the worker).
* Executor events arrive on the worker thread; the :class:`~studio.ui.bridge.ExecutorBridge`
  re-delivers them queued, and only events of runs submitted here are used (an executor may
  be shared by several windows).
* Auto-run: a graph change that can affect the viewed node restarts a 300 ms debounce; then
  the viewed node is re-run with ``cancel_previous=True``.  The executor's cache means only
  the changed nodes and those after them are evaluated.  Writer nodes (side effects) are never
  auto-run: the viewer shows their input instead.
* Writers are checked before a run is submitted: a Write Video whose path would overwrite a
  file the workflow reads, or the workflow itself, fails at once with the reason and nothing
  is written (:meth:`RunController.unsafe_outputs`).
* Node states: ``queued``/``running``/``cached``/``done``/``failed``/``blocked``/``cancelled``
  from the events; a change upstream of a node puts it back to ``idle`` (its thumbnail stays
  until a new result replaces it).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from studio.errors import StudioError
from studio.graph import model as m
from studio.ui.bridge import ExecutorBridge
from studio.ui.frames import is_clip, picture, visual

THUMB_W, THUMB_H = 400, 240
AUTO_RUN_MS = 300


class RunController(QObject):
    nodeState = Signal(str, str, float, str, float)   # node id, state, progress, message, seconds
    thumbnail = Signal(str, object)                    # node id, QImage
    outputReady = Signal(str)                          # node id whose outputs are now known
    runStarted = Signal(int)
    runFinished = Signal(int, str)                     # run id, status
    progressText = Signal(str, float)                  # text, overall fraction (-1: idle)

    def __init__(self, executor, frames, parent=None):
        super().__init__(parent)
        self.executor = executor
        self.frames = frames
        self.graph = None
        self.bridge = ExecutorBridge(executor, self)
        self.bridge.connect_queued(self._on_event)
        frames.ready.connect(self._thumb_ready)
        self.handles: dict[int, object] = {}
        self.keys: dict[str, str] = {}        # node id -> cache key of its last result
        self.states: dict[str, str] = {}
        self._results: dict[str, dict] = {}   # outputs the cache did not keep (too large)
        self._totals: dict[int, list] = {}    # run id -> [nodes to do, nodes finished]
        self._names: dict[str, str] = {}
        self.view_target: str | None = None
        self.workflow_path: Callable[[], str | None] = lambda: None   # the window's saved file
        self.auto_run = False
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(AUTO_RUN_MS)
        self.debounce.timeout.connect(self._auto_fire)

    def set_graph(self, graph, bridge) -> None:
        self.stop()
        self.handles.clear()          # events of the old document's runs are ignored from now on
        self._totals.clear()
        self.graph = graph
        self.keys.clear()
        self.states.clear()
        self._results.clear()
        self.view_target = None
        bridge.changed.connect(self._graph_changed)

    def detach(self) -> None:
        self.debounce.stop()
        self.stop()
        self.bridge.detach()

    # -- targets --------------------------------------------------------------------------------
    def display_target(self, node_id: str | None) -> str | None:
        """The node whose output shows ``node_id``: itself, or for a writer (no outputs) its input."""
        if not node_id or self.graph is None or node_id not in self.graph.nodes:
            return None
        node = self.graph.nodes[node_id]
        t = node.node_type
        if t is not None and not t.outputs:
            links = self.graph.links_to(node_id)
            return links[0].source if links else None
        return node_id

    def set_view_target(self, node_id: str | None) -> None:
        if node_id == self.view_target:
            return
        self.view_target = node_id
        if self.auto_run and self.display_target(node_id):
            self.debounce.start()

    def set_auto_run(self, on: bool) -> None:
        self.auto_run = bool(on)
        if on and self.display_target(self.view_target):
            self.debounce.start()
        elif not on:
            self.debounce.stop()

    # -- running -------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return any(not h.done for h in self.handles.values())

    def run(self, targets: list[str], cancel_previous: bool = True) -> object | None:
        """Submit ``targets``; returns the RunHandle (None if the graph cannot run).

        ``cancel_previous=False`` queues behind a running render instead of stopping it (an
        editor fetching its source frame must not cancel the user's render)."""
        targets = [t for t in targets if self.graph is not None and t in self.graph.nodes]
        if not targets:
            return None
        unsafe = self.unsafe_outputs(targets)
        if unsafe:
            for nid, message in unsafe:
                self.states[nid] = "failed"
                self.nodeState.emit(nid, "failed", 0.0, message, 0.0)
            self.progressText.emit(f"Cannot run: {unsafe[0][1]}", -1.0)
            return None
        try:
            handle = self.executor.submit(self.graph, targets, cancel_previous=cancel_previous)
        except StudioError as exc:
            self.progressText.emit(f"Cannot run: {exc}", -1.0)
            return None
        self.handles[handle.run_id] = handle
        return handle

    def unsafe_outputs(self, targets: list[str]) -> list[tuple[str, str]]:
        """``(node id, message)`` for each writer among ``targets`` whose file the run must not write.

        A Write Video whose path is a file the workflow reads, the workflow file itself or an
        existing folder (:func:`studio.graph.outputs.output_problems`) is refused before the
        run starts, so a render never destroys its own source footage.
        """
        from studio.graph.outputs import output_problems
        found = []
        for nid in targets:
            node = self.graph.nodes[nid]
            t = node.node_type
            if t is None or not t.side_effect:
                continue
            for spec in t.params:
                value = node.params.get(spec.name)
                if spec.kind == "path" and spec.save and isinstance(value, str) and value:
                    for problem in output_problems(value, self.graph, self.workflow_path()):
                        found.append((nid, f"not written: {os.path.basename(value.rstrip('/')) or value} {problem} "
                                           f"({node.name}.{spec.name} {value})"))
        return found

    def stop(self) -> None:
        self.debounce.stop()
        for handle in self.handles.values():
            handle.cancel()

    def _auto_fire(self) -> None:
        target = self.display_target(self.view_target)
        if target is not None:
            self.run([target])

    # -- graph edits ------------------------------------------------------------------------------------
    def _graph_changed(self, ev) -> None:
        graph = self.graph
        if graph is None:
            return
        if isinstance(ev, (m.ParamChanged, m.NodeBypassed)):
            start = ev.node_id
        elif isinstance(ev, (m.LinkAdded, m.LinkRemoved)):
            start = ev.link.target
        elif isinstance(ev, m.NodeAdded):
            start = ev.node_id
        else:
            return
        if start not in graph.nodes:
            return
        affected = graph.downstream(start)
        for nid in affected:
            if self.states.get(nid, "idle") not in ("idle", "running", "queued"):
                self._set_state(nid, "idle")
        target = self.display_target(self.view_target)
        if self.auto_run and target is not None and target in affected:
            self.debounce.start()

    # -- executor events (GUI thread, queued) ----------------------------------------------------------
    def _set_state(self, node_id: str, state: str, progress: float = 0.0, message: str = "",
                   seconds: float = 0.0) -> None:
        self.states[node_id] = state
        self.nodeState.emit(node_id, state, progress, message, seconds)

    def _on_event(self, ev) -> None:
        if ev.run_id not in self.handles:
            return
        kind, nid = ev.kind, ev.node_id
        totals = self._totals.setdefault(ev.run_id, [0, 0])
        if kind == "run-started":
            self.runStarted.emit(ev.run_id)
            self.progressText.emit("Rendering…", 0.0)
            return
        if kind == "run-finished":
            self._totals.pop(ev.run_id, None)
            self._finish(ev.run_id, ev.message)
            return
        if self.graph is None or nid not in self.graph.nodes:
            return
        name = self.graph.nodes[nid].name
        if kind == "queued":
            totals[0] += 1
            self._set_state(nid, "queued")
        elif kind == "running":
            self._set_state(nid, "running", ev.progress, ev.message)
            frac = (totals[1] + ev.progress) / totals[0] if totals[0] else ev.progress
            detail = f" — {ev.message}" if ev.message else ""
            self.progressText.emit(f"Rendering {name}: {int(ev.progress * 100)}%{detail}", frac)
        elif kind in ("done", "cached"):
            if kind == "done":
                totals[1] += 1
            self.keys[nid] = ev.key
            self._results.pop(nid, None)
            self._set_state(nid, kind, 1.0, "", ev.seconds)
            self._output_known(nid)
        elif kind in ("failed", "blocked"):
            totals[1] += 1
            self._set_state(nid, kind, 0.0, ev.message)
        elif kind == "cancelled":
            self._set_state(nid, "cancelled")

    def _finish(self, run_id: int, status: str) -> None:
        handle = self.handles.get(run_id)
        if handle is not None and not handle.done:   # the result lands right after the event
            QTimer.singleShot(5, lambda: self._finish(run_id, status))
            return
        self.handles.pop(run_id, None)
        result = getattr(handle, "result", None)
        if result is not None:
            for nid, outputs in result.outputs.items():
                key = result.keys.get(nid)
                if key and self.executor.cache.peek(key) is None and nid in (self.graph.nodes if self.graph else {}):
                    self._results[nid] = outputs    # too large for the cache: keep the viewed result
                    self.keys[nid] = key
                    self._output_known(nid)
        words = {"done": "Render finished", "failed": "Render failed", "cancelled": "Render stopped"}
        text = words.get(status, f"Render {status}")
        if result is not None and result.seconds:
            text += f" in {result.seconds:.2f} s"
        if result is not None and result.errors:
            first = next(iter(result.errors.items()))
            text += f" — {first[0]}: {first[1]}"
        self.progressText.emit(text, -1.0)
        self.runFinished.emit(run_id, status)

    # -- outputs and thumbnails --------------------------------------------------------------------------
    def outputs(self, node_id: str) -> dict | None:
        """The last outputs of ``node_id`` still held (cache or a kept result), or None."""
        if node_id in self._results:
            return self._results[node_id]
        key = self.keys.get(node_id)
        return self.executor.cache.peek(key) if key else None

    def _output_known(self, node_id: str) -> None:
        value = visual(self.outputs(node_id))
        if value is not None:
            index = len(value) // 2 if is_clip(value) else 0
            self.frames.request(f"thumb:{node_id}", lambda: picture(value, index, THUMB_W, THUMB_H))
        self.outputReady.emit(node_id)

    def _thumb_ready(self, channel: str, rid: int, image) -> None:
        if channel.startswith("thumb:") and image is not None:
            self.thumbnail.emit(channel[len("thumb:"):], image)

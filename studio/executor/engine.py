"""The executor: evaluates the part of a graph that feeds the requested outputs.

``submit(graph, targets)`` snapshots the graph on the caller's thread (so the GUI may keep
editing) and queues a run for the worker thread.  A run:

1. takes the targets and everything upstream, in topological order;
2. computes each node's cache key from its type, version, params, fingerprint and its
   inputs' keys, so a param change invalidates exactly that node and what depends on it;
3. serves cached nodes from the :class:`~studio.executor.cache.OutputCache` and evaluates
   the rest with an :class:`~studio.executor.context.EvalContext` (progress, cancel, device);
4. isolates failures: a node that raises is ``failed``, its dependents are ``blocked``,
   every other branch still runs; the process never goes down.

Cancellation is cooperative: the run's token is checked between nodes and by nodes once per
frame or step; while a node evaluates, the token is also the *active* one
(:func:`studio.executor.cancel.checkpoint`), so work done inside streaming clips made by
earlier nodes or runs (the bands of a large frame) stops with this run.  Listeners receive :class:`~studio.executor.events.NodeEvent` objects on the
worker thread and must return quickly (the Qt bridge re-emits them as queued signals).

A bypassed node passes, for each output, the value of its first input of the same type.

The output cache keeps up to half the process's memory budget (:func:`default_cache_bytes`,
1 GB unless ``CINEGRAPH_MEMORY_LIMIT`` says otherwise).  Nothing here recurses per node (the
snapshot, the keys and the graph walks are loops), and frames pulled through long chains of
streaming clips are fetched without deep recursion (:mod:`studio.media.clip`), so a chain of
thousands of nodes runs like a short one.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from studio.errors import Cancelled, GraphError, StudioError
from studio.executor.cache import OutputCache
from studio.executor.cancel import CancelToken, active
from studio.executor.context import EvalContext
from studio.executor.device import DeviceManager
from studio.executor.events import NodeEvent, Throttle
from studio.executor.memory import DEFAULT_LIMIT, memory_limit
from studio.graph.model import Graph
from studio.graph.nodetype import NodeType, _copy
from studio.graph.types import coerce

log = logging.getLogger(__name__)
Listener = Callable[[NodeEvent], None]


@dataclass(frozen=True)
class _InputRef:
    source: str
    output: str
    out_type: str
    in_type: str


@dataclass
class _Step:
    node_id: str
    node_type: NodeType | None
    type_id: str
    params: dict
    bypass: bool
    inputs: dict[str, _InputRef]


@dataclass
class RunResult:
    run_id: int
    status: str = "running"                  #: done, failed or cancelled
    outputs: dict[str, dict] = field(default_factory=dict)   #: target id -> outputs
    errors: dict[str, str] = field(default_factory=dict)     #: node id -> message (failed and blocked)
    failed: list[str] = field(default_factory=list)          #: nodes whose own evaluation raised
    evaluated: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "done"


class RunHandle:
    def __init__(self, run_id: int, token: CancelToken):
        self.run_id = run_id
        self.token = token
        self._done = threading.Event()
        self.result: RunResult | None = None

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> RunResult | None:
        self._done.wait(timeout)
        return self.result

    def _finish(self, result: RunResult) -> None:
        self.result = result
        self._done.set()


def snapshot(graph: Graph, targets: Iterable[str]) -> list[_Step]:
    """The steps needed for ``targets`` in topological order, copied out of the graph."""
    targets = list(targets)
    for t in targets:
        graph.node(t)
    needed = graph.upstream(targets)
    incoming: dict[str, list] = {}
    for link in graph.links:
        if link.target in needed:
            incoming.setdefault(link.target, []).append(link)
    steps = []
    for nid in graph.topological_order(needed):
        node = graph.nodes[nid]
        inputs = {}
        for link in incoming.get(nid, ()):
            src = graph.nodes[link.source]
            op = src.output_port(link.output)
            ip = node.input_port(link.input)
            inputs[link.input] = _InputRef(link.source, link.output, op.type if op else "Any", ip.type if ip else "Any")
        steps.append(_Step(nid, node.node_type, node.type_id, _copy(node.params), node.bypass, inputs))
    return steps


def default_cache_bytes() -> int:
    """The output cache's budget: half the process's memory budget (1 GB by default), at most
    2 GB, so that what is cached leaves room for the work in hand."""
    try:
        limit = memory_limit()
    except StudioError:                    # a bad CINEGRAPH_MEMORY_LIMIT: the render says so
        limit = DEFAULT_LIMIT
    return 2 << 30 if limit is None else min(2 << 30, limit // 2)


def _key(step: _Step, input_keys: dict[str, str]) -> str:
    t = step.node_type
    fp = ""
    if t is not None and t.fingerprint is not None:
        try:
            fp = t.fingerprint(step.params)
        except Exception as exc:  # a missing file: let evaluation report it
            fp = f"error:{exc}"
    # params keep their declaration order (defaults first, then updates), so repr is stable
    sig = (step.type_id, t.version if t else 0, step.bypass, step.params, fp,
           sorted((name, input_keys.get(ref.source, ""), ref.output, ref.in_type) for name, ref in step.inputs.items()))
    return hashlib.blake2b(repr(sig).encode(), digest_size=16).hexdigest()


class Executor:
    def __init__(self, cache_bytes: int | None = None, devices: DeviceManager | None = None):
        self.cache = OutputCache(default_cache_bytes() if cache_bytes is None else cache_bytes)
        self.devices = devices or DeviceManager()
        self._listeners: list[Listener] = []
        self._queue: queue.Queue = queue.Queue()
        self._next_id = 1
        self._lock = threading.Lock()
        self._current: RunHandle | None = None
        self._thread = threading.Thread(target=self._work, name="cinegraph-executor", daemon=True)
        self._thread.start()

    # -- listeners ---------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: NodeEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not break the run
                log.exception("executor listener failed")

    # -- running -----------------------------------------------------------------------
    def submit(self, graph: Graph, targets: Iterable[str], *, cancel_previous: bool = False,
               frames: tuple[int, int] | None = None) -> RunHandle:
        """Queue a run of ``targets`` (node ids); returns at once with a handle."""
        steps = snapshot(graph, targets)
        with self._lock:
            run_id = self._next_id
            self._next_id += 1
            if cancel_previous and self._current is not None:
                self._current.cancel()
        handle = RunHandle(run_id, CancelToken())
        self._queue.put((handle, steps, list(targets), frames))
        return handle

    def run(self, graph: Graph, targets: Iterable[str], timeout: float | None = None, **kw) -> RunResult:
        """Submit and wait; Ctrl+C (KeyboardInterrupt) cancels the run and waits for it to stop."""
        handle = self.submit(graph, targets, **kw)
        try:
            while not handle.done:
                handle.wait(0.05 if timeout is None else min(0.05, timeout))
        except KeyboardInterrupt:
            handle.cancel()
            handle.wait()
            raise
        return handle.result

    def shutdown(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.cancel()
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            handle, steps, targets, frames = job
            with self._lock:
                self._current = handle
            try:
                result = self._execute(handle, steps, targets, frames)
            except Exception as exc:  # never lose the worker
                log.exception("executor run failed")
                result = RunResult(handle.run_id, status="failed", errors={"": f"{type(exc).__name__}: {exc}"})
            with self._lock:
                self._current = None
            self._emit(NodeEvent(handle.run_id, "", "run-finished", message=result.status, seconds=result.seconds))
            handle._finish(result)

    def _execute(self, handle: RunHandle, steps: list[_Step], targets: list[str],
                 frames: tuple[int, int] | None) -> RunResult:
        t0 = time.perf_counter()
        run_id, token = handle.run_id, handle.token
        result = RunResult(run_id)
        self._emit(NodeEvent(run_id, "", "run-started"))
        keys: dict[str, str] = {}
        for step in steps:
            keys[step.node_id] = _key(step, keys)
        result.keys = keys
        pending = [s.node_id for s in steps if s.node_type is None or s.node_type.side_effect or keys[s.node_id] not in self.cache]
        for nid in pending:
            self._emit(NodeEvent(run_id, nid, "queued", key=keys[nid]))
        values: dict[str, dict] = {}
        bad: set[str] = set()
        throttle = Throttle()
        for i, step in enumerate(steps):
            nid = step.node_id
            if token.cancelled:
                for rest in steps[i:]:
                    self._emit(NodeEvent(run_id, rest.node_id, "cancelled"))
                result.status = "cancelled"
                break
            failed_inputs = sorted({ref.source for ref in step.inputs.values() if ref.source in bad})
            if failed_inputs:
                bad.add(nid)
                msg = f"not run: input node {', '.join(failed_inputs)} failed"
                result.errors[nid] = msg
                self._emit(NodeEvent(run_id, nid, "blocked", message=msg))
                continue
            key = keys[nid]
            side_effect = step.node_type is not None and step.node_type.side_effect
            cached = None if side_effect else self.cache.get(key)
            if cached is not None:
                values[nid] = cached
                result.cached.append(nid)
                self._emit(NodeEvent(run_id, nid, "cached", progress=1.0, key=key))
                continue
            self._emit(NodeEvent(run_id, nid, "running", 0.0, key=key))
            started = time.perf_counter()

            def report(fraction: float, message: str, _nid=nid, _key=key) -> None:
                if throttle.allow(_nid):
                    self._emit(NodeEvent(run_id, _nid, "running", fraction, message, key=_key))

            ctx = EvalContext(nid, token, report, self.devices, frames)
            try:
                with active(token):   # frames pulled from streaming inputs check this run
                    outputs = self._evaluate(step, values, ctx)
            except Exception as exc:
                if not (isinstance(exc, Cancelled) or token.cancelled):
                    bad.add(nid)
                    msg = str(exc) if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
                    if not isinstance(exc, StudioError):
                        log.error("node %s failed:\n%s", nid, traceback.format_exc())
                    result.errors[nid] = msg
                    result.failed.append(nid)
                    self._emit(NodeEvent(run_id, nid, "failed", message=msg, seconds=time.perf_counter() - started))
                    continue
                # cancelled, or failed because the cancel stopped what it waited on (a decoder
                # whose ffmpeg was interrupted): a cancel, not a failure
                self._emit(NodeEvent(run_id, nid, "cancelled"))
                for rest in steps[i + 1:]:
                    self._emit(NodeEvent(run_id, rest.node_id, "cancelled"))
                result.status = "cancelled"
                break
            values[nid] = outputs
            if not side_effect:
                self.cache.put(key, outputs)
            result.evaluated.append(nid)
            self._emit(NodeEvent(run_id, nid, "done", 1.0, seconds=time.perf_counter() - started, key=key))
        else:
            result.status = "failed" if bad else "done"
        for t in targets:
            if t in values:
                result.outputs[t] = values[t]
        result.seconds = time.perf_counter() - t0
        return result

    def _evaluate(self, step: _Step, values: dict[str, dict], ctx: EvalContext) -> dict:
        t = step.node_type
        if t is None:
            raise GraphError(f"unknown node type {step.type_id!r}: install the plugin that provides it "
                             f"or replace the node")
        kwargs: dict[str, Any] = {}
        for port in t.inputs:
            ref = step.inputs.get(port.name)
            if ref is None:
                if not port.optional and not step.bypass:
                    raise GraphError(f"required input {port.name!r} is not connected")
                kwargs[port.name] = None
                continue
            value = values[ref.source].get(ref.output)
            kwargs[port.name] = coerce(value, ref.out_type, ref.in_type)
        if step.bypass:
            out = {}
            for op in t.outputs:
                src = next((p for p in t.inputs if p.type == op.type and kwargs.get(p.name) is not None), None)
                out[op.name] = kwargs[src.name] if src else None
            return out
        ctx.check_cancel()
        kwargs.update(_copy(step.params))
        outputs = t.evaluate(ctx, **kwargs)
        if not isinstance(outputs, dict):
            raise TypeError(f"{t.type_id}.evaluate returned {type(outputs).__name__}, not a dict of outputs")
        missing = [p.name for p in t.outputs if p.name not in outputs]
        if missing:
            raise TypeError(f"{t.type_id}.evaluate did not return output(s) {', '.join(missing)}")
        return outputs

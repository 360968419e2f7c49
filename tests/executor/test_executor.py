"""The executor: partial re-evaluation from the cache, failure isolation, cancellation, events."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from studio.executor import Executor, OutputCache
from studio.executor.events import MAX_RATE
from studio.graph import Graph, SetParam, SetBypass


@pytest.fixture
def executor():
    ex = Executor()
    yield ex
    ex.shutdown()


def chain(registry, n=5):
    g = Graph(registry)
    ids = [g.add("Const", value=1.0)]
    for _ in range(n - 1):
        nid = g.add("Add", bias=1.0)
        g.connect(ids[-1], "value", nid, "a")
        ids.append(nid)
    return g, ids


def test_results_are_correct_and_a_rerun_is_served_from_the_cache(toy_registry, executor, calls):
    g, ids = chain(toy_registry)
    r = executor.run(g, [ids[-1]])
    assert r.ok and r.outputs[ids[-1]]["value"] == 5.0
    assert calls.log == ids
    calls.log.clear()
    r2 = executor.run(g, [ids[-1]])
    assert r2.outputs[ids[-1]]["value"] == 5.0
    assert calls.log == [] and r2.cached == ids


def test_changing_one_param_re_evaluates_only_that_node_and_its_dependents(toy_registry, executor, calls):
    g, ids = chain(toy_registry, 6)
    executor.run(g, [ids[-1]])
    calls.log.clear()
    g.apply(SetParam(ids[3], "bias", 10.0))
    r = executor.run(g, [ids[-1]])
    assert calls.log == ids[3:]
    assert r.outputs[ids[-1]]["value"] == 15.0
    calls.log.clear()
    g.apply(SetParam(ids[3], "bias", 1.0))       # back to a known state: all cached again
    executor.run(g, [ids[-1]])
    assert calls.log == []


def test_only_the_nodes_feeding_the_requested_output_run(toy_registry, executor, calls):
    g, ids = chain(toy_registry, 4)
    other = g.add("Const", value=9.0)
    executor.run(g, [ids[1]])
    assert calls.log == ids[:2]
    assert other not in calls.log


def test_a_failing_node_blocks_its_dependents_but_not_other_branches(toy_registry, executor):
    g = Graph(toy_registry)
    boom = g.add("Boom", message="the lens cap is on")
    after = g.add("Add")
    g.connect(boom, "value", after, "a")
    crash = g.add("Crash")
    good = g.add("Const", value=3.0)
    events = []
    executor.subscribe(events.append)
    r = executor.run(g, [after, crash, good])
    assert r.status == "failed"
    assert r.errors[boom] == "the lens cap is on"
    assert "ZeroDivisionError" in r.errors[crash]
    assert r.errors[after] == f"not run: input node {boom} failed"
    assert r.outputs[good]["value"] == 3.0
    kinds = {(e.node_id, e.kind) for e in events}
    assert (boom, "failed") in kinds and (after, "blocked") in kinds and (good, "done") in kinds
    r2 = executor.run(g, [good])                      # the executor keeps working
    assert r2.ok


def test_cancel_takes_effect_quickly(toy_registry, executor):
    g = Graph(toy_registry)
    slow = g.add("Slow", steps=1000, step_seconds=0.01)
    after = g.add("Add")
    g.connect(slow, "value", after, "a")
    started = threading.Event()
    executor.subscribe(lambda e: started.set() if e.kind == "running" else None)
    handle = executor.submit(g, [after])
    assert started.wait(5)
    time.sleep(0.05)
    t0 = time.perf_counter()
    handle.cancel()
    result = handle.wait(5)
    latency = time.perf_counter() - t0
    assert result.status == "cancelled"
    assert latency < 0.2


def test_events_come_in_order_and_progress_is_throttled(toy_registry, executor):
    g = Graph(toy_registry)
    slow = g.add("Slow", steps=200, step_seconds=0.002)
    events = []
    executor.subscribe(events.append)
    t0 = time.perf_counter()
    executor.run(g, [slow])
    elapsed = time.perf_counter() - t0
    mine = [e for e in events if e.node_id == slow]
    assert [e.kind for e in mine][:2] == ["queued", "running"] and mine[-1].kind == "done"
    running = [e for e in mine if e.kind == "running"]
    assert 2 <= len(running) <= MAX_RATE * elapsed + 2
    assert mine[-1].seconds > 0
    assert any("step" in e.message for e in running)
    assert events[-1].kind == "run-finished" and events[-1].message == "done"


def test_cached_nodes_report_cached(toy_registry, executor):
    g, ids = chain(toy_registry, 3)
    executor.run(g, [ids[-1]])
    events = []
    executor.subscribe(events.append)
    executor.run(g, [ids[-1]])
    assert Counter(e.kind for e in events if e.node_id)["cached"] == 3


def test_bypassed_node_passes_its_input_through(toy_registry, executor):
    g, ids = chain(toy_registry, 3)
    g.apply(SetBypass(ids[1], True))
    assert executor.run(g, [ids[-1]]).outputs[ids[-1]]["value"] == 2.0


def test_missing_required_input_fails_that_node_by_name(toy_registry, executor):
    g = Graph(toy_registry)
    add = g.add("Add")
    r = executor.run(g, [add])
    assert "required input 'a' is not connected" in r.errors[add]


def test_cache_is_bounded_by_bytes_and_evicts_least_recently_used():
    import numpy as np
    from studio.executor.cache import size_of
    blob = lambda: {"o": np.zeros(1000, np.uint8)}  # noqa: E731
    cache = OutputCache(max_bytes=int(2.5 * size_of(blob())))
    cache.put("a", blob())
    cache.put("b", blob())
    assert cache.get("a") is not None                 # a is now the most recent
    cache.put("c", blob())
    assert "b" not in cache and "a" in cache and "c" in cache
    assert cache.bytes_used <= cache.max_bytes
    assert not cache.put("huge", {"o": np.zeros(50000, np.uint8)})


def test_events_from_two_graphs_carry_their_run_ids(toy_registry, executor):
    g, ids = chain(toy_registry, 2)
    h1 = executor.submit(g, [ids[-1]])
    h2 = executor.submit(g, [ids[-1]])
    assert h1.wait(5).run_id != h2.wait(5).run_id


def test_a_node_that_fails_because_the_run_was_cancelled_is_cancelled_not_failed(executor):
    """A decoder whose ffmpeg the cancel interrupted raises its own error; the run is still cancelled."""
    from studio.errors import MediaError
    from studio.graph import NodeType, Output, Registry
    started = threading.Event()

    def interrupted(ctx):
        started.set()
        while not ctx.token.cancelled:
            time.sleep(0.01)
        raise MediaError("ffmpeg stopped reading (killed by SIGINT)")

    g = Graph(Registry([NodeType("Reader", "Reader", "Test", interrupted, outputs=(Output("value", "Any"),),
                                 description="Fails once cancelled.")]))
    nid = g.add("Reader")
    handle = executor.submit(g, [nid])
    assert started.wait(5)
    handle.cancel()
    result = handle.wait(10)
    assert result.status == "cancelled" and result.failed == [] and nid not in result.errors

"""Executor overhead on a 200-node graph.

(a) a re-run with every node cached (goal: under 5 ms), measured from submit to result;
(b) a re-run after one param change at the end of a chain: how many nodes were evaluated
    (must be 1) and how long it took.

Run: ``python -m benchmarks.bench_executor``.  Uses trivial nodes so the figures are the
executor's own cost (snapshot, keys, cache look-ups, events, thread hand-off).
"""

from __future__ import annotations

import platform
import statistics
import time

from studio.executor import Executor
from studio.graph import Float, Graph, Input, NodeType, Output, Registry, SetParam

EVALUATED: list[str] = []


def _const(ctx, *, value):
    EVALUATED.append(ctx.node_id)
    return {"value": value}


def _add(ctx, *, a, b, bias):
    EVALUATED.append(ctx.node_id)
    return {"value": (a or 0.0) + (b or 0.0) + bias}


REGISTRY = Registry([
    NodeType("Const", "Const", "Bench", _const, outputs=(Output("value", "Any"),), params=(Float("value", 1.0),),
             description="a number"),
    NodeType("Add", "Add", "Bench", _add, inputs=(Input("a", "Any"), Input("b", "Any", optional=True)),
             outputs=(Output("value", "Any"),), params=(Float("bias", 0.0),), description="a + b + bias"),
])


def build(n: int = 200) -> tuple[Graph, str]:
    """A 200-node graph: ten chains of 19 adders fed by constants, merged into one output."""
    g = Graph(REGISTRY)
    tails = []
    while len(g.nodes) < n - 10:
        prev = g.add("Const", value=float(len(g.nodes)))
        for _ in range(18):
            nxt = g.add("Add", bias=1.0)
            g.connect(prev, "value", nxt, "a")
            prev = nxt
        tails.append(prev)
    out = tails[0]
    for t in tails[1:]:
        nxt = g.add("Add")
        g.connect(out, "value", nxt, "a")
        g.connect(t, "value", nxt, "b")
        out = nxt
    while len(g.nodes) < n:
        nxt = g.add("Add", bias=0.0)
        g.connect(out, "value", nxt, "a")
        out = nxt
    return g, out


def main() -> dict:
    g, out = build(200)
    ex = Executor()
    try:
        ex.run(g, [out])                                  # first run fills the cache
        cached = []
        for _ in range(50):
            t0 = time.perf_counter()
            r = ex.run(g, [out])
            cached.append((time.perf_counter() - t0) * 1000)
            assert len(r.cached) == len(g.nodes)
        changed, counts = [], []
        for i in range(20):
            g.apply(SetParam(out, "bias", float(i + 1)))
            EVALUATED.clear()
            t0 = time.perf_counter()
            ex.run(g, [out])
            changed.append((time.perf_counter() - t0) * 1000)
            counts.append(len(EVALUATED))
    finally:
        ex.shutdown()
    figures = {
        "nodes": len(g.nodes),
        "all_cached_ms_median": statistics.median(cached),
        "all_cached_ms_p90": sorted(cached)[int(0.9 * len(cached))],
        "one_change_ms_median": statistics.median(changed),
        "one_change_evaluated": max(counts),
    }
    print(f"machine: {platform.machine()}, {platform.processor() or platform.platform()}, python {platform.python_version()}")
    print(f"graph: {figures['nodes']} nodes")
    print(f"(a) re-run, all cached:     median {figures['all_cached_ms_median']:.2f} ms, "
          f"p90 {figures['all_cached_ms_p90']:.2f} ms  (goal < 5 ms)")
    print(f"(b) re-run after one change: median {figures['one_change_ms_median']:.2f} ms, "
          f"nodes evaluated: {figures['one_change_evaluated']} (must be 1)")
    return figures


if __name__ == "__main__":
    main()

"""A cancel takes effect within 200 ms for the built-in nodes doing real work."""

from __future__ import annotations

import threading
import time

import pytest

from studio.executor import Executor
from studio.graph import Graph, default_registry
from tests.conftest import SAMPLES

LIMIT = 0.2


@pytest.fixture
def executor():
    ex = Executor()
    yield ex
    ex.shutdown()


def _latency(executor, graph, target, busy_node, wait=0.3):
    running = threading.Event()
    executor.subscribe(lambda e: running.set() if e.kind == "running" and e.node_id == busy_node else None)
    handle = executor.submit(graph, [target])
    assert running.wait(30), "the node never started"
    time.sleep(wait)
    assert not handle.done, "the work finished before it could be cancelled; make it longer"
    t0 = time.perf_counter()
    handle.cancel()
    result = handle.wait(10)
    return result, time.perf_counter() - t0


def brushes():
    return [{"name": "b", "horizontal": 4, "ambient": 5,
             "shapes": [{"kind": "polygon", "points": [[0.2, 0.2], [0.7, 0.2], [0.7, 0.8], [0.2, 0.8]]}]}]


def test_cancelling_the_flow_generator_animating_a_still(executor):
    g = Graph(default_registry())
    img = g.add("LoadImage", path=str(SAMPLES / "kodim03.png"))
    mb = g.add("MotionBrush", brushes=brushes())
    cam = g.add("CameraMove", zoom=3.0)
    gen = g.add("FlowGenerator", frames=300, width=1280, height=720)   # rendered into memory
    g.connect(img, "image", gen, "image")
    g.connect(mb, "motion", gen, "motion")
    g.connect(cam, "camera", gen, "camera")
    result, latency = _latency(executor, g, gen, gen)
    assert result.status == "cancelled" and latency < LIMIT


def test_cancelling_the_flow_generator_interpolating_keyframes(executor):
    g = Graph(default_registry())
    keys = g.add("Keyframes", keys=[{"path": str(SAMPLES / n), "frame": f, "hold": 0}
                                    for n, f in (("sill_a.png", 0), ("sill_b.png", 150), ("sill_c.png", 299))])
    gen = g.add("FlowGenerator", width=1280, height=720)
    g.connect(keys, "keyframes", gen, "keyframes")
    result, latency = _latency(executor, g, gen, gen)
    assert result.status == "cancelled" and latency < LIMIT


def test_cancelling_write_video_leaves_no_file(executor, tmp_path):
    g = Graph(default_registry())
    img = g.add("LoadImage", path=str(SAMPLES / "kodim03.png"))
    mb = g.add("MotionBrush", brushes=brushes())
    gen = g.add("FlowGenerator", frames=20000, width=640, height=360)   # streams: too big to hold
    out = g.add("WriteVideo", path=str(tmp_path / "long.mov"))
    g.connect(img, "image", gen, "image")
    g.connect(mb, "motion", gen, "motion")
    g.connect(gen, "clip", out, "clip")
    result, latency = _latency(executor, g, out, out, wait=1.0)
    assert result.status == "cancelled" and latency < LIMIT
    assert list(tmp_path.iterdir()) == []

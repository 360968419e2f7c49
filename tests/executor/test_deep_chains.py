"""Deep chains of nodes evaluate without reaching Python's recursion limit.

A streaming clip pulls its frames from the clip before it, so a frame fetched at the end of a
chain of thousands of nodes passes through thousands of frame sources; the executor's
snapshot, cache keys and graph walks must not recurse per node either.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from studio.errors import Cancelled, MediaError
from studio.executor import Executor
from studio.executor.cancel import CancelToken, active, checkpoint
from studio.graph import Graph, Registry, default_registry
from studio.media import clip as clip_module
from studio.media.clip import CallableSource, Clip
from studio.media.probe import count_video_packets
from tests.conftest import SAMPLES, TOY_TYPES

DEPTH = 3000


@pytest.fixture
def executor():
    ex = Executor()
    yield ex
    ex.shutdown()


def _wrap(clip: Clip, fn=None) -> Clip:
    """A clip whose frames come from ``clip`` through one more frame source."""
    fn = fn or (lambda i, c=clip: c.frame(i))
    return Clip(CallableSource(fn, len(clip), clip.height, clip.width), clip.fps)


def test_a_frame_passes_through_thousands_of_streaming_clips():
    frames = np.arange(3 * 4 * 5 * 3, dtype=np.uint8).reshape(3, 4, 5, 3)
    clip = Clip(frames, 24)
    for _ in range(DEPTH):
        clip = _wrap(clip)
    assert DEPTH * 2 > sys.getrecursionlimit()      # a plain recursion this deep would fail
    assert np.array_equal(clip.frame(2), frames[2])
    assert np.array_equal(np.stack(list(clip.iter_frames())), frames)


def test_an_error_deep_in_a_chain_reaches_the_caller_as_itself():
    def broken(i):
        raise MediaError("frame 1 of the source is unreadable")

    clip = Clip(CallableSource(broken, 2, 4, 5), 24)
    for _ in range(DEPTH):
        clip = _wrap(clip)
    with pytest.raises(MediaError, match="unreadable"):
        clip.frame(1)


def test_a_cancel_reaches_work_deep_in_a_chain():
    seen = []

    def bottom(i):
        seen.append(threading.current_thread().name)
        checkpoint()                     # what a band of an 8K frame does
        return np.zeros((4, 5, 3), np.uint8)

    clip = Clip(CallableSource(bottom, 1, 4, 5), 24)
    for _ in range(DEPTH):
        clip = _wrap(clip)
    token = CancelToken()
    with active(token):
        clip.frame(0)
        token.cancel()
        with pytest.raises(Cancelled):
            clip.frame(0)
    assert seen[0] != threading.current_thread().name, "the fetch never moved to a fresh thread"
    assert clip_module.NEST_LIMIT < sys.getrecursionlimit() // 4


def test_a_3000_node_chain_of_a_cheap_node_evaluates_and_reruns_from_the_cache(executor):
    g = Graph(Registry(TOY_TYPES))
    ids = [g.add("Const", value=1.0)]
    for _ in range(DEPTH - 1):
        nid = g.add("Add", bias=1.0)
        g.connect(ids[-1], "value", nid, "a")
        ids.append(nid)
    first = executor.run(g, [ids[-1]])
    assert first.ok and first.outputs[ids[-1]]["value"] == float(DEPTH)
    again = executor.run(g, [ids[-1]])
    assert again.ok and len(again.cached) == DEPTH and again.outputs[ids[-1]]["value"] == float(DEPTH)


def test_a_3000_node_chain_of_retime_nodes_writes_the_video(executor, tmp_path):
    """Each Retime really wraps the one before (a rate change with whole source frames), so
    every written frame is fetched through 3000 frame sources."""
    g = Graph(default_registry())
    src = g.add("LoadVideo", path=str(SAMPLES / "realshort.mp4"), last=3)        # 30 fps, 4 frames
    prev = src
    for i in range(DEPTH):
        params = {"speed": 2.0, "fps": "60"} if i % 2 == 0 else {"speed": 0.5, "fps": "30"}
        node = g.add("Retime", **params)
        g.connect(prev, "clip", node, "clip")
        prev = node
    out = tmp_path / "chain.mov"
    write = g.add("WriteVideo", path=str(out))
    g.connect(prev, "clip", write, "clip")
    result = executor.run(g, [write])
    assert result.ok, result.errors
    assert count_video_packets(out) == 4


def test_a_retime_that_changes_nothing_returns_its_clip_unwrapped():
    from studio.motion.retime import retime
    frames = np.zeros((5, 4, 6, 3), np.uint8)
    clip = Clip(frames, 30, start_frame=12)
    same = retime(clip, 1.0)
    assert same._frames is clip._frames and same.start_frame == 12 and len(same) == 5
    assert retime(clip, 1.0, "60")._frames is not clip._frames

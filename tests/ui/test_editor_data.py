"""The editors' pure edits of param JSON (no Qt): brushes, curve keys, keyframe lists.
Every result is accepted by the param's own checker."""

from __future__ import annotations

import numpy as np
import pytest

from nodes.keyframes import check_keys
from studio.graph.animation import check_curve, value_at
from studio.motion.spec import check_brushes
from studio.ui.editors import brushdata as bd
from studio.ui.editors import curvedata as cd
from studio.ui.editors import keydata as kd


def test_a_drag_becomes_a_short_resolution_independent_stroke():
    xs = np.linspace(0.1, 0.9, 200)
    pts = [[x, 0.5 + 0.0005 * np.sin(40 * x)] for x in xs]          # a wobbly straight line
    shape = bd.stroke_shape(pts, (1920, 1080), radius=0.05, softness=0.3)
    assert shape["kind"] == "stroke" and len(shape["points"]) <= 4
    assert shape["points"][0] == pytest.approx([0.1, 0.5], abs=1e-3)
    assert shape["points"][-1] == pytest.approx([0.9, 0.5], abs=1e-3)
    brushes, i = bd.add_brush([])
    assert check_brushes(bd.add_shape(brushes, i, shape)) == []
    erase = bd.stroke_shape([[0.5, 0.5]], (640, 360), 0.02, 0.0, erase=True)
    assert erase["erase"] is True and erase["points"] == [[0.5, 0.5]]


def test_trajectories_are_simplified_to_a_few_control_points():
    t = np.linspace(0, 1, 400)
    pts = np.column_stack([0.2 + 0.6 * t, 0.5 - 0.3 * np.sin(np.pi * t)]).tolist()
    path = bd.path_points(pts, (1280, 720))
    assert 3 <= len(path) <= 24 and path[0] == [0.2, 0.5] and path[-1] == pytest.approx([0.8, 0.5], abs=1e-3)
    assert bd.path_points([[0.5, 0.5]], (1280, 720)) == []


def test_keys_are_set_moved_and_removed_inside_the_params_range():
    v = cd.set_key(0.0, 0, lo=-10, hi=10)
    v = cd.set_key(v, 24, 12.0, lo=-10, hi=10)                       # clamped to the range
    assert check_curve(v, -10, 10) == [] and v["keys"][1]["value"] == 10
    assert value_at(v, 12) == pytest.approx(5.0)
    moved = cd.move_key(v, 0, 40, 1.0)                                  # never past its neighbour
    assert moved["keys"][0]["frame"] == 23
    assert cd.move_key(v, 1, 30.4, 2, snap=False)["keys"][1]["frame"] == pytest.approx(30.4)
    assert cd.next_key_frame(v, 0) == 24 and cd.prev_key_frame(v, 24) == 0 and cd.prev_key_frame(v, 0) is None
    assert cd.remove_key(cd.remove_key(v, 24), 0) == 0.0                # the last key: a plain number again
    b = cd.set_interp(v, 0, "bezier")
    assert [h[1] for h in cd.handles(b)] == ["out", "in"] and check_curve(b) == []
    assert cd.set_handle(b, 0, "out", -3, 1)["keys"][0]["out"] == [0, 1]   # out handles point forward


def test_keyframe_lists_stay_sorted_with_legal_holds():
    keys = kd.add_keys([], ["a.png", "b.png", "c.png"])
    assert [(k["path"], k["frame"]) for k in keys] == [("a.png", 0), ("b.png", 24), ("c.png", 48)]
    keys = kd.set_hold(keys, 0, 100)
    assert keys[0]["hold"] == 23 and check_keys(keys) == []
    keys = kd.move_key(keys, 1, 10)                                     # the hold before it is clipped
    assert [k["frame"] for k in keys] == [0, 10, 48] and keys[0]["hold"] == 9
    keys = kd.swap(keys, 0, 2)
    assert [k["path"] for k in keys] == ["c.png", "b.png", "a.png"] and [k["frame"] for k in keys] == [0, 10, 48]
    assert kd.next_frame(keys) == 48 + 38

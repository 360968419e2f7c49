"""Animated params: curves evaluate per frame, validate with JSON paths, and round trip."""

from __future__ import annotations

import json

import pytest

from studio.errors import ParamError
from studio.graph import Graph, History, SetParam
from studio.graph import workflow as wf
from studio.graph.animation import Curve, Key, check_curve, curve_from_json, value_at


def test_linear_ease_hold_and_bezier_interpolate_between_keys():
    lin = Curve((Key(0, 0.0), Key(10, 10.0)))
    assert [lin.at(f) for f in (-5, 0, 2.5, 10, 99)] == [0.0, 0.0, 2.5, 10.0, 10.0]
    ease = Curve((Key(0, 0.0, "ease"), Key(10, 10.0)))
    assert ease.at(5) == pytest.approx(5.0) and ease.at(1) < 1.0 and ease.at(9) > 9.0
    hold = Curve((Key(0, 1.0, "hold"), Key(10, 5.0)))
    assert hold.at(9.99) == 1.0 and hold.at(10) == 5.0
    flat = Curve((Key(0, 0.0, "bezier"), Key(12, 6.0)))      # default flat handles: an S-curve
    assert flat.at(6) == pytest.approx(3.0, abs=1e-6) and flat.at(2) < 2 * 0.5
    steep = Curve((Key(0, 0.0, "bezier", tangent_out=(4, 6)), Key(12, 6.0, tangent_in=(-4, 0))))
    assert steep.at(3) > flat.at(3)


def test_plain_numbers_and_json_curves_share_value_at():
    curve = {"keys": [{"frame": 0, "value": 1.0}, {"frame": 4, "value": 3.0}]}
    assert value_at(2.5, 100) == 2.5
    assert value_at(curve, 2) == pytest.approx(2.0)
    assert curve_from_json(curve).to_json()["keys"][1] == {"frame": 4.0, "value": 3.0, "interp": "linear"}


def test_curve_problems_name_the_key_and_field():
    problems = dict(check_curve({"keys": [{"frame": 0, "value": "x"}, {"frame": 0, "value": 1, "interp": "cubic"},
                                          {"frame": 3, "value": 50}]}, -10, 10))
    assert problems[".keys[0].value"] == "expected a number, got 'x'"
    assert problems[".keys[1].frame"] == "frame 0 already has key [0]"
    assert problems[".keys[1].interp"].startswith("expected one of linear")
    assert problems[".keys[2].value"] == "50 is above the maximum 10"


def test_animatable_params_accept_curves_and_round_trip(toy_registry):
    g = Graph(toy_registry)
    h = History(g)
    c = g.add("Const")
    curve = {"keys": [{"frame": 0, "value": 0.0, "interp": "ease"}, {"frame": 24, "value": 4.0}]}
    h.push(SetParam(c, "value", curve))
    assert g.nodes[c].params["value"] == curve
    g2, problems = wf.loads(wf.dumps(g), toy_registry)
    assert problems == [] and g2.nodes[c].params["value"] == curve
    h.undo()
    assert g.nodes[c].params["value"] == 1.0
    with pytest.raises(ParamError, match=r"value\.keys\[0\]\.value: expected a number"):
        h.push(SetParam(c, "value", {"keys": [{"frame": 0, "value": "a"}]}))
    a = g.add("Add")
    with pytest.raises(ParamError, match="expected a number"):     # bias is not animatable
        h.push(SetParam(a, "bias", curve))
    bad = json.loads(wf.dumps(g))
    bad["nodes"][0]["params"]["value"] = {"keys": []}
    with pytest.raises(Exception, match=r"nodes\[0\]\.params\.value\.keys: a curve needs at least one key"):
        wf.loads(json.dumps(bad), toy_registry)

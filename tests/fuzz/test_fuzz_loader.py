"""Fuzzing the workflow loader: any bytes give a graph or a WorkflowError, never another exception.

Hostile documents (mutated examples, flipped and cut bytes, 5000-digit numbers, ``1e999``,
arrays nested 950 deep, 10 MB strings, 200,000-point brushes, 3000-node chains) are fed
to :func:`studio.graph.workflow.loads` in strict and lenient mode.  The guarantees:

* the only exception is :class:`studio.errors.WorkflowError`, with at least one problem;
* every problem is one line of at most 2000 characters (long values are shortened);
* a graph that loads saves (``dumps``) and loads back strictly to the same text, so what
  the app opened it can always write again.

Hypothesis runs derandomized (the same examples on every run) with a fixed budget.
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from studio.errors import WorkflowError
from studio.graph import workflow
from studio.graph.registry import default_registry
from tests.conftest import ROOT
from tests.fuzz.hostile import EXAMPLES, RAW_HOSTILE, Raw, dump, mutated_documents, nested

REGISTRY = default_registry()
BASE_DIR = str(ROOT / "examples")
TEXTS = {name: (ROOT / "examples" / f"{name}.cgraph").read_bytes() for name in EXAMPLES}
LONG_LINE = 2000   # characters in one problem line: long values are shortened
FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=12)


def one_short_line_each(problems) -> None:
    for p in problems:
        text = str(p)
        assert "\n" not in text and "\r" not in text, f"a problem spans lines: {text[:300]!r}"
        assert len(text) <= LONG_LINE, f"a problem of {len(text)} characters: {text[:300]!r}"


def load_or_refuse(text: str | bytes) -> None:
    """Load strictly and leniently; a loaded graph must save and reload to the same text.

    Problems, raised or returned, are one line each and at most LONG_LINE characters."""
    for strict in (True, False):
        try:
            graph, problems = workflow.loads(text, REGISTRY, BASE_DIR, strict=strict)
        except WorkflowError as exc:
            assert exc.problems, "a WorkflowError names at least one problem"
            one_short_line_each(exc.problems)
            continue
        one_short_line_each(problems)
        saved = workflow.dumps(graph, base_dir=BASE_DIR)
        again, _ = workflow.loads(saved, REGISTRY, BASE_DIR)
        assert workflow.dumps(again, base_dir=BASE_DIR) == saved, "a reloaded workflow saves the same text"


@FUZZ
@given(name=st.sampled_from(sorted(TEXTS)),
       flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=8),
       cut=st.one_of(st.none(), st.floats(0, 1)))
def test_flipped_or_cut_bytes_load_or_raise_workflow_error(name, flips, cut):
    data = bytearray(TEXTS[name])
    for where, xor in flips:
        data[int(where * len(data))] ^= xor
    if cut is not None:
        data = data[:int(cut * len(data))]
    load_or_refuse(bytes(data))


@FUZZ
@given(text=mutated_documents())
def test_mutated_documents_load_or_raise_workflow_error(text):
    load_or_refuse(text)


def _with(name: str, edit) -> str:
    doc = copy.deepcopy(EXAMPLES[name])
    edit(doc)
    return dump(doc)


def _node(doc, type_id):
    return next(n for n in doc["nodes"] if n["type"] == type_id)


# the rows of issue #19, each at the place it was found
ISSUE_ROWS = {
    "5000-digit frames": _with("camera_move",
                               lambda d: _node(d, "FlowGenerator")["params"].update(frames=Raw("9" * 5000))),
    "5000-digit pos[0]": _with("camera_move", lambda d: d["nodes"][0].update(pos=[Raw("1" * 5000), 0])),
    "5000-digit version": _with("camera_move", lambda d: d.update(version=Raw("1" * 5000))),
    "keyframe hold 10**30": _with("keyframes",
                                  lambda d: _node(d, "Keyframes")["params"]["keys"][2].update(hold=10 ** 30)),
    "params nested 950 deep": _with("camera_move", lambda d: d["nodes"].append(
        {"id": "Future1", "type": "FutureNode", "params": {"x": nested(950)}})),
    "ui nested 5000 deep": _with("camera_move", lambda d: d.update(ui={"view": nested(5000, "dict")})),
    "1e999 width": _with("camera_move", lambda d: _node(d, "FlowGenerator")["params"].update(width=Raw("1e999"))),
    "NaN in ui": _with("camera_move", lambda d: d.update(ui={"zoom": Raw("NaN")})),
    "a key with a line break": _with("camera_move", lambda d: d.update(ui={"x\ny": Raw("1e999")})),
    "Infinity in an unknown node": _with("camera_move", lambda d: d["nodes"].append(
        {"id": "Future1", "type": "FutureNode", "params": {"x": Raw("Infinity")}})),
}


@pytest.mark.parametrize("row", sorted(ISSUE_ROWS))
def test_each_hostile_value_of_the_issue_loads_or_raises_workflow_error(row):
    load_or_refuse(ISSUE_ROWS[row])


@FEW
@given(name=st.sampled_from(sorted(EXAMPLES)), value=st.sampled_from(RAW_HOSTILE),
       spot=st.sampled_from(["version", "ui", "extra", "node_extra", "unknown_params", "name", "link", "id"]))
def test_hostile_values_anywhere_load_or_raise_workflow_error(name, value, spot):
    def edit(doc):
        if spot in ("version",):
            doc["version"] = value
        elif spot == "ui":
            doc["ui"] = {"v": value}
        elif spot == "extra":
            doc["plugin"] = value
        elif spot == "node_extra":
            doc["nodes"][-1]["note"] = value
        elif spot == "unknown_params":
            doc["nodes"].append({"id": "Future1", "type": "FutureNode", "params": {"x": [value]}})
        elif spot == "name":
            doc["nodes"][0]["name"] = value
        elif spot == "link":
            doc["links"][0]["output"] = value
        else:
            doc["nodes"][0]["id"] = value
    load_or_refuse(_with(name, edit))


def _big_string(doc, where: str, text: str) -> None:
    if where == "name":
        doc["nodes"][0]["name"] = text
    elif where == "reel":
        _node(doc, "WriteVideo")["params"]["reel"] = text
    elif where == "path":
        doc["nodes"][0]["params"]["path"] = text
    elif where == "ui":
        doc["ui"] = {"note": text}
    else:
        doc["nodes"][0]["id"] = text


@settings(FEW, max_examples=6)
@given(where=st.sampled_from(["name", "reel", "path", "ui", "id"]), size=st.sampled_from([2_000_000, 10_000_000]))
@example(where="reel", size=10_000_000)
def test_ten_megabyte_strings_load_or_raise_workflow_error(where, size):
    load_or_refuse(_with("camera_move", lambda d: _big_string(d, where, "x" * size)))


def test_brushes_of_200000_points_load_or_raise_workflow_error():
    doc = copy.deepcopy(EXAMPLES["animate_still"])
    points = [[(i % 997) / 997, (i % 991) / 991] for i in range(200_000)]
    brushes = _node(doc, "MotionBrush")["params"]["brushes"]
    brushes[0]["shapes"][0].update(kind="polygon", points=points)
    brushes[1]["shapes"][0].update(kind="stroke", points=points)
    load_or_refuse(json.dumps(doc))


def test_a_chain_of_3000_retime_nodes_loads_saves_and_reloads():
    doc = copy.deepcopy(EXAMPLES["camera_move"])
    gen = _node(doc, "FlowGenerator")["id"]
    retimes = [{"id": f"Retime{i}", "type": "Retime", "params": {"speed": 1.0}} for i in range(3000)]
    doc["nodes"][-1:-1] = retimes
    chain = [gen] + [r["id"] for r in retimes] + ["WriteVideo1"]
    doc["links"] = [lk for lk in doc["links"] if lk["target"] != "WriteVideo1"] + [
        {"source": a, "output": "clip", "target": b, "input": "clip"} for a, b in zip(chain, chain[1:])]
    graph, problems = workflow.loads(json.dumps(doc), REGISTRY, BASE_DIR)
    assert not problems
    assert graph.validate() == []
    assert len(graph.upstream(["WriteVideo1"])) == len(chain) + 2   # + LoadImage1, CameraMove1
    load_or_refuse(json.dumps(doc))

"""Workflow files: round trips, placeholders for unknown types, every problem with its JSON path."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.errors import WorkflowError
from studio.graph import Graph, Registry
from studio.graph import workflow as wf
from studio.graph.params import FilePath, Float
from studio.graph.nodetype import Input, NodeType, Output


def doc(nodes, links=(), **top):
    d = {"format": "cinegraph", "version": wf.VERSION, "nodes": list(nodes), "links": list(links), "ui": {}}
    d.update(top)
    return d


def test_save_and_load_round_trip_keeps_everything(toy_registry, tmp_path):
    g = Graph(toy_registry)
    a = g.add("Const", pos=(10, 20), value=4.5)
    b = g.add("Add", bias=1.0)
    g.connect(a, "value", b, "a")
    g.ui["view"] = {"zoom": 1.5}
    path = tmp_path / "shot.cgraph"
    wf.save(g, path)
    text = path.read_text("utf-8")
    assert json.loads(text)["format"] == "cinegraph"
    g2, problems = wf.load(path, toy_registry)
    assert problems == []
    assert wf.to_document(g2) == wf.to_document(g)
    wf.save(g2, path)
    assert path.read_text("utf-8") == text, "a second save writes the same bytes"


def test_unknown_node_types_survive_a_round_trip_unchanged(toy_registry):
    future = {"id": "z1", "type": "NeuralGen9000", "version": 4, "params": {"steps": 30, "cfg": [1, 2]},
              "pos": [5, 6], "magic": {"keep": True}}
    d = doc([{"id": "c", "type": "Const", "params": {"value": 2}, "pos": [0, 0]}, future],
            [{"source": "c", "output": "value", "target": "z1", "input": "latent"}],
            sequence={"shots": [1, 2]})
    g, problems = wf.loads(json.dumps(d), toy_registry, strict=False)
    assert g.nodes["z1"].is_placeholder
    assert any("NeuralGen9000" in p.message for p in g.validate())
    out = wf.to_document(g)
    assert out["nodes"][1] == future
    assert out["links"] == d["links"]
    assert out["sequence"] == {"shots": [1, 2]}


def test_every_problem_is_reported_with_its_json_path(toy_registry):
    d = doc([
        {"id": "a", "type": "Const", "params": {"value": "abc"}, "pos": [0, 0]},
        {"id": "b", "type": "Add", "params": {"bias": 1, "nope": 2}, "pos": "here"},
        {"id": "a", "type": "Const"},
        "not a node",
    ], [
        {"source": "a", "output": "value", "target": "ghost", "input": "a"},
        {"source": "a", "output": "value", "target": "b", "input": "zzz"},
    ])
    with pytest.raises(WorkflowError) as err:
        wf.loads(json.dumps(d), toy_registry, source="shot.cgraph")
    lines = [str(p) for p in err.value.problems]
    assert "nodes[0].params.value: expected a number, got 'abc'" in lines
    assert "nodes[1].params.nope: Add has no param 'nope'" in lines
    assert any(line.startswith("nodes[1].pos: expected [x, y]") for line in lines)
    assert "nodes[2].id: the id 'a' is used twice" in lines
    assert "nodes[3]: expected an object, got text" in lines
    assert "links[0].target: no node with id 'ghost'" in lines
    assert any(line.startswith("links[1].input:") for line in lines)
    assert "shot.cgraph" in str(err.value)


def test_lenient_load_keeps_what_can_be_kept(toy_registry):
    d = doc([{"id": "a", "type": "Const", "params": {"value": "abc"}, "pos": [0, 0]},
             {"id": "b", "type": "Add", "params": {"bias": 2.0}, "pos": [1, 1]}],
            [{"source": "a", "output": "value", "target": "b", "input": "a"}])
    g, problems = wf.loads(json.dumps(d), toy_registry, strict=False)
    assert len(problems) == 1
    assert g.nodes["a"].params["value"] == 1.0        # the default
    assert g.nodes["b"].params["bias"] == 2.0
    assert g.link_to("b", "a").source == "a"


def test_a_newer_file_is_refused_with_a_clear_message(toy_registry):
    with pytest.raises(WorkflowError, match="newer Cinegraph"):
        wf.loads(json.dumps(doc([], version=wf.VERSION + 1)), toy_registry)


def test_older_files_are_upgraded_by_the_migration_hook(toy_registry, monkeypatch):
    def from_0(d):
        # version 0 stored links as [source, output, target, input] lists
        d["links"] = [dict(zip(("source", "output", "target", "input"), lk)) for lk in d["links"]]
        return d
    monkeypatch.setattr(wf, "VERSION", 1)
    monkeypatch.setitem(wf.MIGRATIONS, 0, from_0)
    old = {"format": "cinegraph", "version": 0,
           "nodes": [{"id": "a", "type": "Const", "pos": [0, 0]}, {"id": "b", "type": "Add", "pos": [0, 0]}],
           "links": [["a", "value", "b", "a"]]}
    g, _ = wf.loads(json.dumps(old), toy_registry)
    assert g.link_to("b", "a").source == "a"
    monkeypatch.delitem(wf.MIGRATIONS, 0)
    with pytest.raises(WorkflowError, match="no migration from format version 0"):
        wf.loads(json.dumps(old), toy_registry)


def test_legacy_type_ids_load_as_the_current_type(toy_registry):
    g, _ = wf.loads(json.dumps(doc([{"id": "p", "type": "Plus", "pos": [0, 0]}])), toy_registry)
    assert g.nodes["p"].type_id == "Add"


def test_media_paths_are_stored_relative_to_the_workflow(tmp_path):
    reg = Registry([NodeType("Src", "Src", "Test", lambda ctx, path: {}, outputs=(Output("o", "Any"),),
                             params=(FilePath("path"),), description="d")])
    media = tmp_path / "media" / "shot.png"
    g = Graph(reg)
    g.add("Src", path=str(media))
    (tmp_path / "projects").mkdir()
    wf.save(g, tmp_path / "projects" / "a.cgraph")
    saved = json.loads((tmp_path / "projects" / "a.cgraph").read_text())
    assert saved["nodes"][0]["params"]["path"] == "../media/shot.png"
    g2, _ = wf.load(tmp_path / "projects" / "a.cgraph", reg)
    assert g2.nodes["Src1"].params["path"] == os.path.normpath(str(media))


def test_save_is_atomic_and_leaves_no_temporary_file(toy_registry, tmp_path, monkeypatch):
    g = Graph(toy_registry)
    g.add("Const")
    path = tmp_path / "a.cgraph"
    wf.save(g, path)
    good = path.read_bytes()
    g.add("Const")

    def crash(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(wf.os, "replace", crash)
    with pytest.raises(OSError):
        wf.save(g, path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["a.cgraph"]


def test_broken_files_give_one_clear_problem(toy_registry, tmp_path):
    for text, expected in [("{", "not valid JSON"), ("[]", "expected a JSON object"),
                           ('{"format": "other"}', "is this a Cinegraph workflow"),
                           (b"\xff\xfe", "not UTF-8")]:
        with pytest.raises(WorkflowError, match=expected):
            wf.loads(text, toy_registry)
    with pytest.raises(WorkflowError, match="file not found"):
        wf.load(tmp_path / "missing.cgraph", toy_registry)


# -- properties ------------------------------------------------------------------------
PROP_REG = Registry([
    NodeType("N", "N", "Test", lambda ctx, **k: {"o": 1},
             inputs=tuple(Input(f"i{k}", "Any", optional=True) for k in range(3)),
             outputs=(Output("o", "Any"),), params=(Float("x", 0.0, min=-1e6, max=1e6),), description="d"),
])


@st.composite
def graphs(draw):
    g = Graph(PROP_REG)
    n = draw(st.integers(0, 12))
    for i in range(n):
        x = draw(st.floats(-1e6, 1e6, allow_nan=False))
        pos = (draw(st.integers(-5000, 5000)), draw(st.integers(-5000, 5000)))
        name = draw(st.text(min_size=1, max_size=12).filter(lambda s: s.strip()))
        nid = g.add("N", pos=pos, x=x)
        g.nodes[nid].name = name
    ids = list(g.nodes)
    for _ in range(draw(st.integers(0, 2 * n))):
        if len(ids) < 2:
            break
        a, b = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        port = f"i{draw(st.integers(0, 2))}"
        if g.can_connect(a, "o", b, port, replace=False):
            g.connect(a, "o", b, port)
    return g


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_survive_save_and_load_unchanged(g):
    text = wf.dumps(g)
    g2, problems = wf.loads(text, PROP_REG)
    assert problems == []
    assert wf.to_document(g2) == wf.to_document(g)
    assert wf.dumps(g2) == text


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_loader(data):
    try:
        wf.loads(data, PROP_REG)
    except WorkflowError:
        pass


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
                           max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["format", "version", "nodes", "links", "ui", "x"]), json_values)
       .map(lambda d: {**d, "format": "cinegraph", "version": 1} if d.get("x") else d))
def test_random_json_documents_never_crash_the_loader(d):
    try:
        wf.loads(json.dumps(d), PROP_REG)
    except WorkflowError:
        pass

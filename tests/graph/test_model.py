"""The model decides what is legal and reports every problem with node and field."""

from __future__ import annotations

from studio.graph import Graph


def test_can_connect_answers_with_a_reason(toy_registry):
    g = Graph(toy_registry)
    img = g.add("Img")
    clip = g.add("ClipSink")
    cam = g.add("CamSink")
    ok = g.can_connect(img, "image", clip, "clip")
    assert ok and "one-frame clip" in ok.reason
    refused = g.can_connect(img, "image", cam, "camera")
    assert not refused and refused.reason == "an Image output cannot feed a Camera input"
    assert "no output 'nope'" in g.can_connect(img, "nope", clip, "clip").reason
    assert "no input 'nope'" in g.can_connect(img, "image", clip, "nope").reason
    assert "no node" in g.can_connect("ghost", "image", clip, "clip").reason


def test_one_link_per_input_and_no_cycles(toy_registry):
    g = Graph(toy_registry)
    a, b, c = g.add("Const"), g.add("Const"), g.add("Add")
    g.connect(a, "value", c, "a")
    refused = g.can_connect(b, "value", c, "a", replace=False)
    assert not refused and "already connected" in refused.reason
    assert g.can_connect(b, "value", c, "a")           # replacing is allowed
    d = g.add("Add")
    g.connect(c, "value", d, "a")
    assert "cycle" in g.can_connect(d, "value", c, "b").reason
    assert "itself" in g.can_connect(c, "value", c, "b").reason


def test_validate_returns_every_problem_with_node_and_field(toy_registry):
    g = Graph(toy_registry)
    a = g.add("Add")
    b = g.add("Add")
    g.nodes[b].params["bias"] = "x"          # as a broken script might leave it
    problems = g.validate()
    where = {(p.node_id, p.field) for p in problems}
    assert (a, "a") in where and (b, "a") in where and (b, "bias") in where
    assert any("expected a number, got 'x'" in p.message for p in problems)


def test_topological_order_puts_inputs_first(toy_registry):
    g = Graph(toy_registry)
    c = g.add("Add")
    a = g.add("Const")
    b = g.add("Add")
    g.connect(a, "value", b, "a")
    g.connect(b, "value", c, "a")
    order = g.topological_order()
    assert order.index(a) < order.index(b) < order.index(c)
    assert g.upstream([c]) == {a, b, c} and g.downstream(a) == {a, b, c}


def test_new_ids_are_readable_and_unique(toy_registry):
    g = Graph(toy_registry)
    ids = [g.add("Const") for _ in range(3)]
    assert ids == ["Const1", "Const2", "Const3"]

"""Every edit goes through a command, and every command undoes exactly."""

from __future__ import annotations

import pytest

from studio.errors import GraphError, ParamError
from studio.graph import (AddNode, Connect, ConnectionRefused, Disconnect, Graph, History, LinkAdded, LinkRemoved,
                          Macro, MoveNodes, NodeAdded, NodeRemoved, ParamChanged, RemoveNodes, RenameNode, SetBypass,
                          SetParam)
from studio.graph.workflow import to_document


@pytest.fixture
def graph(toy_registry):
    return Graph(toy_registry)


def state(graph):
    return to_document(graph)


def build_chain(graph):
    h = History(graph)
    a = h.push(AddNode("Const", (0, 0), {"value": 2.0})).node_id
    b = h.push(AddNode("Const", (0, 100), {"value": 3.0})).node_id
    c = h.push(AddNode("Add", (200, 50))).node_id
    h.push(Connect(a, "value", c, "a"))
    h.push(Connect(b, "value", c, "b"))
    return h, a, b, c


def test_each_command_undoes_to_the_previous_state_and_redoes_to_the_next(graph):
    h, a, b, c = build_chain(graph)
    commands = [SetParam(a, "value", 7.5), MoveNodes({c: (300, 10)}), RenameNode(c, "Sum"), SetBypass(c, True),
                Disconnect(c, "b"), Connect(b, "value", c, "a"), RemoveNodes([a, c]),
                AddNode("Slow", (5, 5))]
    for cmd in commands:
        before = state(graph)
        h.push(cmd)
        after = state(graph)
        assert after != before, cmd
        h.undo()
        assert state(graph) == before, f"undo of {cmd.text}"
        h.redo()
        assert state(graph) == after, f"redo of {cmd.text}"


def test_undo_of_delete_restores_links_to_and_from_the_outside(graph):
    h, a, b, c = build_chain(graph)
    before = state(graph)
    h.push(RemoveNodes([b]))
    assert b not in graph.nodes and graph.link_to(c, "b") is None
    h.undo()
    assert state(graph) == before
    assert graph.link_to(c, "b").source == b


def test_connect_replaces_the_link_on_an_occupied_input_and_undo_puts_it_back(graph):
    h, a, b, c = build_chain(graph)
    h.push(Connect(b, "value", c, "a"))
    assert graph.link_to(c, "a").source == b
    h.undo()
    assert graph.link_to(c, "a").source == a


def test_refused_connection_names_the_reason_and_changes_nothing(graph):
    h, a, b, c = build_chain(graph)
    before = state(graph)
    with pytest.raises(ConnectionRefused, match="cannot feed itself"):
        h.push(Connect(c, "value", c, "b"))
    d = h.push(AddNode("Add")).node_id
    h.push(Connect(c, "value", d, "a"))
    with pytest.raises(ConnectionRefused, match="cycle"):
        h.push(Connect(d, "value", c, "a"))
    assert graph.link_to(c, "a").source == a
    h.undo()
    h.undo()
    assert state(graph) == before


def test_slider_drag_merges_into_one_undo_step(graph):
    h, a, b, c = build_chain(graph)
    steps = len(h)
    for v in (1.0, 1.5, 2.0, 2.5):
        h.push(SetParam(a, "value", v, merge_key="drag-1"))
    assert len(h) == steps + 1
    assert graph.nodes[a].params["value"] == 2.5
    h.undo()
    assert graph.nodes[a].params["value"] == 2.0 and len(h) == steps


def test_node_drag_merges_into_one_undo_step(graph):
    h, a, b, c = build_chain(graph)
    for x in range(5):
        h.push(MoveNodes({a: (x, x), b: (x, 100 + x)}, merge_key="drag"))
    h.undo()
    assert graph.nodes[a].pos == (0, 0) and graph.nodes[b].pos == (0, 100)


def test_bad_param_value_is_refused_with_the_field_and_value(graph):
    h, a, b, c = build_chain(graph)
    with pytest.raises(ParamError, match=r"params\.value: expected a number, got 'abc'"):
        h.push(SetParam(a, "value", "abc"))
    with pytest.raises(ParamError, match="no param 'nope'"):
        h.push(SetParam(a, "nope", 1))
    with pytest.raises(GraphError, match="unknown node type 'Nope'"):
        h.push(AddNode("Nope"))


def test_macro_is_one_step_and_rolls_back_when_a_part_fails(graph):
    h, a, b, c = build_chain(graph)
    before = state(graph)
    with pytest.raises(ParamError):
        h.push(Macro("two edits", [SetParam(a, "value", 9.0), SetParam(b, "value", "bad")]))
    assert state(graph) == before
    h.push(Macro("two edits", [SetParam(a, "value", 9.0), SetParam(b, "value", 4.0)]))
    h.undo()
    assert state(graph) == before


def test_observers_see_every_change(graph):
    events = []
    unsubscribe = graph.subscribe(events.append)
    h, a, b, c = build_chain(graph)
    h.push(SetParam(a, "value", 5.0))
    h.push(RemoveNodes([c]))
    kinds = [type(e) for e in events]
    assert kinds.count(NodeAdded) == 3 and kinds.count(LinkAdded) == 2
    assert ParamChanged(a, "value", 2.0, 5.0) in events
    assert kinds[-3:] == [LinkRemoved, LinkRemoved, NodeRemoved]
    unsubscribe()
    h.undo()
    assert kinds == [type(e) for e in events]

"""The shot list: commands with undo/redo, validation naming the field, workflow files, timecode maths."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from studio.errors import GraphError, WorkflowError
from studio.graph import Graph, History
from studio.graph import workflow as wf
from studio.graph.model import SequenceChanged
from studio.graph.sequence import AddShot, MoveShot, RemoveShot, Sequence, SetSequence, Shot, UpdateShot, relinked
from studio.timecode import TimecodeError, format_timecode, parse_timecode


def shot(shot_id="", name="Push-in", media="/renders/a.mov", first=0, stop=48, frames=48, fps="24", reel="A001",
         timecode="00:00:00:00", node="WriteVideo1", **kw) -> Shot:
    return Shot(shot_id, name, media, first, stop, frames, fps, reel, timecode, node, **kw)


@pytest.fixture
def graph(toy_registry):
    return Graph(toy_registry)


def events_of(graph):
    seen = []
    graph.subscribe(lambda ev: seen.append(ev) if isinstance(ev, SequenceChanged) else None)
    return seen


def test_a_new_graph_has_an_empty_sequence_and_saves_no_sequence_key(graph):
    assert graph.sequence.shots == [] and graph.sequence.start == "01:00:00:00"
    graph.add("Const", value=1.0)
    assert "sequence" not in wf.to_document(graph)


def test_add_move_update_remove_each_undo_and_redo_exactly(graph):
    seen = events_of(graph)
    h = History(graph)
    h.push(AddShot(shot(name="One")))
    h.push(AddShot(shot(name="Two", media="/renders/b.mov", reel="B002")))
    h.push(AddShot(shot(name="Zero", reel="Z000"), index=0))
    assert [s.name for s in graph.sequence.shots] == ["Zero", "One", "Two"]
    assert [s.id for s in graph.sequence.shots] == ["shot3", "shot1", "shot2"], "fresh ids"
    h.push(MoveShot("shot3", 2))
    assert [s.name for s in graph.sequence.shots] == ["One", "Two", "Zero"]
    h.push(UpdateShot("shot1", name="First", source_in=4, source_out=20, reel="CAM_A", timecode="10:00:00:00"))
    one = graph.sequence.shot("shot1")
    assert (one.name, one.source_in, one.source_out, one.reel, one.timecode) == ("First", 4, 20, "CAM_A",
                                                                                "10:00:00:00")
    h.push(RemoveShot("shot2"))
    assert [s.id for s in graph.sequence.shots] == ["shot1", "shot3"]
    snapshot = [s for s in graph.sequence.shots]

    while h.undo():
        pass
    assert graph.sequence.shots == []
    while h.redo():
        pass
    assert graph.sequence.shots == snapshot
    h.undo()  # the removal: back in its place
    assert [s.id for s in graph.sequence.shots] == ["shot1", "shot2", "shot3"]
    h.undo()  # the update
    assert graph.sequence.shot("shot1").name == "One" and graph.sequence.shot("shot1").source_in == 0
    kinds = [e.kind for e in seen]
    assert kinds[:6] == ["added", "added", "added", "moved", "updated", "removed"]
    assert SequenceChanged("added", "shot2") in seen


def test_a_trim_drag_with_one_merge_key_is_one_undo_step(graph):
    h = History(graph)
    h.push(AddShot(shot("s1")))
    drag = object()
    for first in (1, 2, 3, 5):
        h.push(UpdateShot("s1", source_in=first, merge_key=drag))
    h.push(UpdateShot("s1", source_out=40, merge_key=drag))
    assert len(h) == 2
    assert (graph.sequence.shot("s1").source_in, graph.sequence.shot("s1").source_out) == (5, 40)
    h.undo()
    assert (graph.sequence.shot("s1").source_in, graph.sequence.shot("s1").source_out) == (0, 48)
    h.redo()
    assert (graph.sequence.shot("s1").source_in, graph.sequence.shot("s1").source_out) == (5, 40)
    h.push(UpdateShot("s1", source_in=6, merge_key=object()))
    assert len(h) == 3, "another drag is another step"


@pytest.mark.parametrize("changes,field,words", [
    (dict(reel="CAMERA_ROLL_1"), "reel", "1 to 8 letters"),
    (dict(reel="A-001"), "reel", "1 to 8 letters"),
    (dict(reel=""), "reel", "1 to 8 letters"),
    (dict(source_out=60), "out", "past the end of the media (48 frames)"),
    (dict(source_in=10, source_out=10), "out", "must be after in"),
    (dict(source_in=-1), "in", ">= 0"),
    (dict(timecode="01:00:00:24"), "timecode", "out of range at 24 fps"),
    (dict(timecode="01:00:00;00"), "timecode", "drop-frame"),
    (dict(timecode="1:00:00:00"), "timecode", "HH:MM:SS:FF"),
    (dict(fps="fast"), "fps", "frame rate"),
    (dict(name="  "), "name", "non-empty"),
])
def test_bad_edits_are_refused_naming_the_field_and_change_nothing(graph, changes, field, words):
    graph.apply(AddShot(shot("s1")))
    before = graph.sequence.shot("s1")
    with pytest.raises(GraphError) as err:
        graph.apply(UpdateShot("s1", **changes))
    assert f"shot 's1': {field}:" in str(err.value) and words in str(err.value)
    assert graph.sequence.shot("s1") == before


def test_commands_refuse_unknown_shots_fields_and_indices(graph):
    graph.apply(AddShot(shot("s1")))
    with pytest.raises(GraphError, match="no shot with id 'nope'"):
        graph.apply(RemoveShot("nope"))
    with pytest.raises(GraphError, match="already exists"):
        graph.apply(AddShot(shot("s1")))
    with pytest.raises(GraphError, match="outside 0..0"):
        graph.apply(MoveShot("s1", 3))
    with pytest.raises(GraphError, match="no field 'colour'"):
        UpdateShot("s1", colour="red")
    with pytest.raises(GraphError, match="sequence.start"):
        graph.apply(SetSequence(start="25:61:00:00"))


def test_drop_frame_timecode_is_checked_at_2997(graph):
    graph.apply(AddShot(shot("s1", fps="29.97", timecode="01:00:00;00")))
    assert graph.sequence.shot("s1").fps == "30000/1001", "stored as the exact fraction"
    with pytest.raises(GraphError, match="does not exist in drop-frame"):
        graph.apply(UpdateShot("s1", timecode="01:01:00;01"))
    graph.apply(UpdateShot("s1", timecode="01:10:00;00"))   # every tenth minute keeps 00 and 01


def test_the_first_shot_sets_the_sequence_rate_and_undo_restores_it(graph):
    h = History(graph)
    h.push(AddShot(shot("s1", fps="30000/1001", timecode="00:00:00;00")))
    assert (graph.sequence.fps, graph.sequence.start) == ("30000/1001", "01:00:00;00")
    h.push(AddShot(shot("s2", fps="24")))   # not the first: the sequence keeps its rate
    assert graph.sequence.fps == "30000/1001"
    h.undo()
    h.undo()
    assert (graph.sequence.fps, graph.sequence.start) == ("24", "01:00:00:00")
    h.push(SetSequence(name="Cut 2", fps="25", start="10:00:00:00"))
    assert (graph.sequence.name, graph.sequence.fps, graph.sequence.start) == ("Cut 2", "25", "10:00:00:00")
    h.undo()
    assert (graph.sequence.name, graph.sequence.fps) == ("", "24")


def test_the_sequence_round_trips_through_a_workflow_file_with_relative_media(graph, tmp_path):
    (tmp_path / "project").mkdir()
    media = tmp_path / "renders" / "push in.mov"
    graph.add("Const", node_id="c1", value=2.0)
    graph.apply(SetSequence(name="Cut 1", start="00:59:50:00"))
    graph.apply(AddShot(shot("s1", media=str(media), first=4, stop=20, reel="A001", timecode="10:00:00:00",
                             width=452, height=300, audio=True)))
    graph.apply(AddShot(shot("s2", media=str(media), reel="A002", node="")))
    path = tmp_path / "project" / "cut.cgraph"
    wf.save(graph, path)
    text = path.read_text("utf-8")
    doc = json.loads(text)
    assert doc["sequence"]["shots"][0]["media"] == "../renders/push in.mov"
    assert doc["sequence"]["shots"][0]["in"] == 4 and doc["sequence"]["shots"][0]["out"] == 20
    g2, problems = wf.load(path, graph.registry)
    assert problems == []
    assert g2.sequence.shots == graph.sequence.shots
    assert g2.sequence.shots[0].media == str(media), "absolute again after loading"
    assert (g2.sequence.name, g2.sequence.start) == ("Cut 1", "00:59:50:00")
    wf.save(g2, path)
    assert path.read_text("utf-8") == text, "a second save writes the same bytes"


def test_unknown_keys_in_the_sequence_and_its_shots_survive(toy_registry):
    d = {"format": "cinegraph", "version": 1, "nodes": [], "links": [], "ui": {},
         "sequence": {"name": "", "fps": "24", "start": "01:00:00:00", "colour": "blue",
                      "shots": [{"id": "s1", "name": "A", "media": "/a.mov", "node": "", "in": 0, "out": 2,
                                 "frames": 2, "fps": "24", "reel": "AX", "timecode": "00:00:00:00",
                                 "note": {"keep": True}}]}}
    g, problems = wf.loads(json.dumps(d), toy_registry)
    assert problems == []
    assert wf.to_document(g)["sequence"] == d["sequence"]


def test_every_sequence_problem_is_reported_with_its_json_path(toy_registry):
    good = {"id": "s1", "name": "A", "media": "/a.mov", "node": "", "in": 0, "out": 10, "frames": 10, "fps": "24",
            "reel": "A001", "timecode": "00:00:00:00"}
    d = {"format": "cinegraph", "version": 1, "nodes": [], "links": [], "ui": {},
         "sequence": {"fps": "24", "start": "01:00:00:99", "shots": [
             good,
             {**good, "id": "s2", "reel": "WAY_TOO_LONG", "out": 11},
             {**good, "id": "s1"},
             "nope",
             {k: v for k, v in good.items() if k != "media"} | {"id": "s4"},
             {**good, "id": "s5", "timecode": "00:00:00;00", "in": True},
         ]}}
    with pytest.raises(WorkflowError) as err:
        wf.loads(json.dumps(d), toy_registry)
    where = {p.where for p in err.value.problems}
    assert where == {"sequence.start", "sequence.shots[1].reel", "sequence.shots[1].out", "sequence.shots[2].id",
                     "sequence.shots[3]", "sequence.shots[4].media", "sequence.shots[5].in",
                     "sequence.shots[5].timecode"}
    text = str(err.value)
    assert "sequence.shots[1].reel: expected 1 to 8 letters, digits or _" in text
    assert "sequence.shots[1].out: out (11) is past the end of the media (10 frames)" in text
    assert "sequence.shots[2].id: the id 's1' is used twice" in text
    assert "sequence.shots[4].media: missing value" in text
    g, problems = wf.loads(json.dumps(d), toy_registry, strict=False)
    assert [s.id for s in g.sequence.shots] == ["s1"], "lenient: the valid shots load"
    assert g.sequence.start == "01:00:00:00", "a bad setting falls back to its default"
    assert len(problems) == 8


def test_a_sequence_that_is_not_an_object_is_a_problem(toy_registry):
    d = {"format": "cinegraph", "version": 1, "nodes": [], "links": [], "sequence": [1]}
    with pytest.raises(WorkflowError, match="sequence: expected an object, got a list"):
        wf.loads(json.dumps(d), toy_registry)


@pytest.mark.parametrize("rate", ["24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001", "60"])
def test_timecode_round_trips_at_every_rate_and_refuses_impossible_drop_frame(rate):
    r = Fraction(rate)
    for frame in (0, 1, 17, 1799, 1800, 17982, 17983, 107892, 107891, 215784 + 3, 2000000):
        assert parse_timecode(format_timecode(frame, r), r) == frame
    assert parse_timecode("01:00:00:00", r) == 3600 * round(r), "':' counts non-drop at every rate"
    if r.denominator == 1001 and round(r) in (30, 60):
        with pytest.raises(TimecodeError, match="does not exist in drop-frame counting"):
            parse_timecode("00:01:00;00", r)
    else:
        with pytest.raises(TimecodeError, match="only 29.97 and 59.94"):
            parse_timecode("00:01:00;00", r)


def test_relinked_points_the_rendered_nodes_shots_at_the_new_file():
    seq = Sequence("Cut", "24", shots=[shot("a", first=2, stop=8, node="W1"), shot("b", node="Other"),
                                       shot("c", first=30, stop=48, node="W1")])
    new = relinked(seq, {"W1"}, media="/new.mov", media_frames=12, fps="24", timecode="01:02:03:04")
    assert [(s.id, s.media, s.source_in, s.source_out) for s in new.shots] == [
        ("a", "/new.mov", 2, 8), ("b", "/renders/a.mov", 0, 48), ("c", "/new.mov", 0, 12)]
    assert new.shots[0].timecode == "01:02:03:04" and new.shots[0].reel == "A001"
    assert seq.shots[0].media == "/renders/a.mov", "the original is untouched"

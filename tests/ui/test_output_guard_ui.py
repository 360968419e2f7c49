"""In the app, a render, export or save never overwrites a file the workflow reads."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np

from studio.graph.commands import AddNode, Connect, SetParam
from studio.media.clip import Clip
from tests.ui.conftest import SAMPLES


def _digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _footage_graph(win, tmp_path):
    footage = tmp_path / "footage.mp4"
    shutil.copy(SAMPLES / "realshort.mp4", footage)
    win.push(AddNode("LoadVideo", node_id="LoadVideo1"))
    win.push(SetParam("LoadVideo1", "path", str(footage)))
    win.push(AddNode("WriteVideo", node_id="WriteVideo1"))
    win.push(Connect("LoadVideo1", "clip", "WriteVideo1", "clip"))
    return footage


def test_running_a_write_video_onto_its_own_source_fails_the_node_and_keeps_the_footage(window, tmp_path, qtbot):
    footage = _footage_graph(window, tmp_path)
    before = _digest(footage)
    window.push(SetParam("WriteVideo1", "path", str(footage)))
    states = []
    window.runs.nodeState.connect(lambda nid, state, p, msg, s: states.append((nid, state, msg)))
    assert window.runs.run(["WriteVideo1"]) is None
    [(nid, state, msg)] = states
    assert (nid, state) == ("WriteVideo1", "failed")
    assert "is an input of the workflow (LoadVideo1.path)" in msg
    qtbot.wait(200)
    assert _digest(footage) == before


def test_the_export_dialog_refuses_the_footage_and_the_workflow_file(window, tmp_path):
    from studio.ui.exporting import ExportDialog
    footage = _footage_graph(window, tmp_path)
    before = _digest(footage)
    clip = Clip(np.zeros((2, 16, 16, 3), np.uint8), 24)
    dlg = ExportDialog(clip, str(footage), parent=window, graph=window.graph)
    dlg.set_preset("h264")
    assert dlg.start() is None
    assert "is an input of the workflow (LoadVideo1.path)" in dlg.error
    workflow = tmp_path / "shot.cgraph"
    workflow.write_text("{}")
    dlg2 = ExportDialog(clip, str(tmp_path / "shot.mov"), window.graph.sequence.copy(), parent=window,
                        graph=window.graph, workflow_path=str(workflow))
    dlg2.path.setText(str(workflow))
    assert dlg2.start() is None and "is the workflow file itself" in dlg2.error
    assert _digest(footage) == before and workflow.read_text() == "{}"


def test_save_as_onto_an_input_is_refused(window, prompts, tmp_path):
    footage = _footage_graph(window, tmp_path)
    victim = tmp_path / "plate.cgraph"   # an input that happens to carry the workflow suffix
    shutil.copy(footage, victim)
    window.push(SetParam("LoadVideo1", "path", str(victim)))
    before = _digest(victim)
    prompts.save_answer_path = str(victim)
    assert not window.save_as()
    assert "is an input of the workflow (LoadVideo1.path)" in prompts.errors[-1]
    assert _digest(victim) == before

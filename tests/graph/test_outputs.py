"""studio.graph.outputs: which destinations would overwrite what a workflow reads."""

from __future__ import annotations

import os

from studio.graph import workflow
from studio.graph.outputs import input_files, output_problems, same_file
from studio.graph.registry import default_registry


def _graph(tmp_path, *keys):
    doc = {"format": "cinegraph", "version": 1,
           "nodes": [{"id": "Img", "type": "LoadImage", "params": {"path": "a.png"}},
                     {"id": "Vid", "type": "LoadVideo", "params": {"path": "v.mp4"}},
                     {"id": "Keys", "type": "Keyframes",
                      "params": {"keys": [{"path": k, "frame": 10 * i} for i, k in enumerate(keys)]}},
                     {"id": "Out", "type": "WriteVideo", "params": {"path": "out.mov"}}]}
    graph, _ = workflow.loads(__import__("json").dumps(doc), default_registry(), str(tmp_path))
    return graph


def test_input_files_lists_read_paths_and_keyframe_paths_but_not_the_written_one(tmp_path):
    found = dict(input_files(_graph(tmp_path, "k0.png", "k1.png")))
    assert found == {"Img.path": str(tmp_path / "a.png"), "Vid.path": str(tmp_path / "v.mp4"),
                     "Keys.keys[0].path": str(tmp_path / "k0.png"), "Keys.keys[1].path": str(tmp_path / "k1.png")}


def test_a_keyframe_image_is_protected(tmp_path):
    (tmp_path / "k1.png").write_bytes(b"x")
    problems = output_problems(str(tmp_path / "k1.png"), _graph(tmp_path, "k0.png", "k1.png"))
    assert problems == ["is an input of the workflow (Keys.keys[1].path)"]


def test_inputs_that_do_not_exist_yet_are_compared_by_their_resolved_path(tmp_path):
    assert output_problems(str(tmp_path / "sub" / ".." / "v.mp4"), _graph(tmp_path)) == \
        ["is an input of the workflow (Vid.path)"]


def test_a_safe_destination_has_no_problems(tmp_path):
    assert output_problems(str(tmp_path / "render.mov"), _graph(tmp_path), str(tmp_path / "w.cgraph")) == []


def test_a_link_to_the_workflow_is_the_workflow(tmp_path):
    (tmp_path / "w.cgraph").write_text("{}")
    os.symlink(tmp_path / "w.cgraph", tmp_path / "w.mov")
    assert same_file(str(tmp_path / "w.mov"), str(tmp_path / "w.cgraph"))
    assert output_problems(str(tmp_path / "w.mov"), None, str(tmp_path / "w.cgraph")) == \
        [f"is the workflow file itself ({tmp_path / 'w.cgraph'})"]


def test_a_sequence_folder_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "plates").write_text("not a folder")
    assert output_problems(str(tmp_path / "plates" / "f_%04d.png"), None, sequence=True) == \
        [f"{tmp_path / 'plates'} is a file, not a folder for an image sequence"]


def test_an_input_image_sequence_pattern_is_not_written_over(tmp_path):
    doc_graph = _graph(tmp_path)
    doc_graph.nodes["Vid"].params["path"] = str(tmp_path / "plates" / "p_%04d.png")
    (tmp_path / "plates").mkdir()
    assert output_problems(str(tmp_path / "plates" / "p_%04d.png"), doc_graph, sequence=True)
    assert output_problems(str(tmp_path / "plates" / "q_%04d.png"), doc_graph, sequence=True) == []

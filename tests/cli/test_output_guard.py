"""`cinegraph render` never overwrites what the workflow reads, and leaves no folder behind on refusal.

Run in-process (``studio.cli.main``) on a tiny workflow: Load Video of a copy of the sample
clip, four frames, written by Write Video.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from studio.cli import main
from tests.conftest import SAMPLES


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def shot(tmp_path):
    """A folder with footage.mp4 and shot.cgraph reading it."""
    shutil.copy(SAMPLES / "realshort.mp4", tmp_path / "footage.mp4")
    doc = {"format": "cinegraph", "version": 1,
           "nodes": [{"id": "LoadVideo1", "type": "LoadVideo", "params": {"path": "footage.mp4", "last": 3}},
                     {"id": "WriteVideo1", "type": "WriteVideo", "params": {"path": "renders/shot.mov"}}],
           "links": [{"source": "LoadVideo1", "output": "clip", "target": "WriteVideo1", "input": "clip"}]}
    (tmp_path / "shot.cgraph").write_text(json.dumps(doc))
    return tmp_path


def _render(shot, out, *extra):
    return main(["render", str(shot / "shot.cgraph"), "-o", str(out), "-q", *map(str, extra)])


def _refused(shot, capsys, out, *extra) -> str:
    before = {p: _digest(p) for p in shot.rglob("*") if p.is_file()}
    names = sorted(os.listdir(shot))
    assert _render(shot, out, *extra) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert {p: _digest(p) for p in shot.rglob("*") if p.is_file()} == before, "an input changed"
    assert sorted(os.listdir(shot)) == names, "something was written"
    return err


def test_output_onto_the_input_footage_is_refused_and_the_footage_is_intact(shot, capsys):
    err = _refused(shot, capsys, shot / "footage.mp4")
    assert "is an input of the workflow (LoadVideo1.path)" in err


def test_output_through_a_symbolic_link_to_the_input_is_refused(shot, capsys):
    os.symlink(shot / "footage.mp4", shot / "alias.mp4")
    err = _refused(shot, capsys, shot / "alias.mp4")
    assert "LoadVideo1.path" in err and "footage.mp4" in err


def test_output_onto_a_hard_link_of_the_input_is_refused(shot, capsys):
    os.link(shot / "footage.mp4", shot / "same.mp4")
    assert "LoadVideo1.path" in _refused(shot, capsys, shot / "same.mp4")


def test_output_spelled_another_way_is_still_the_input(shot, capsys, monkeypatch):
    (shot / "sub").mkdir()
    monkeypatch.chdir(shot / "sub")
    assert "LoadVideo1.path" in _refused(shot, capsys, "../sub/../footage.mp4")


def test_a_workflow_named_like_a_movie_is_not_overwritten_by_its_own_render(shot, capsys):
    os.replace(shot / "shot.cgraph", shot / "shot.mov")
    before = _digest(shot / "shot.mov")
    assert main(["render", str(shot / "shot.mov"), "-o", str(shot / "shot.mov"), "-q"]) == 2
    assert "is the workflow file itself" in capsys.readouterr().err
    assert _digest(shot / "shot.mov") == before


def test_an_existing_folder_named_like_a_movie_is_refused(shot, capsys):
    (shot / "take.mov").mkdir()
    assert "is an existing folder, not a .mov file" in _refused(shot, capsys, shot / "take.mov")


def test_a_sequence_into_the_folder_of_input_frames_is_refused(shot, capsys):
    frames = shot / "plates"
    frames.mkdir()
    shutil.copy(SAMPLES / "chelsea.png", frames / "frame_0000002.png")
    doc = json.loads((shot / "shot.cgraph").read_text())
    doc["nodes"].insert(0, {"id": "LoadImage1", "type": "LoadImage", "params": {"path": "plates/frame_0000002.png"}})
    (shot / "shot.cgraph").write_text(json.dumps(doc))
    assert "LoadImage1.path" in _refused(shot, capsys, frames)
    assert "LoadImage1.path" in _refused(shot, capsys, frames / "frame_%07d.png")
    # another pattern in the same folder touches no input: it renders
    assert _render(shot, frames / "other_%04d.png") == 0
    assert len(list(frames.glob("other_*.png"))) == 4


def test_a_timeline_onto_the_movie_or_an_input_is_refused(shot, capsys):
    _refused(shot, capsys, shot / "a.mov", "--sequence", shot / "a.mov")
    _refused(shot, capsys, shot / "a.mov", "--sequence", shot / "cut.edl", "--sequence", shot / "cut.edl")


def test_a_refused_render_creates_no_folders(shot, capsys):
    _refused(shot, capsys, shot / "footage.mp4", "--sequence", shot / "new" / "deeper" / "cut.edl")
    assert not (shot / "new").exists()


def test_a_failed_render_removes_the_folders_it_made(shot, capsys):
    assert _render(shot, shot / "new" / "deeper" / "a.mov", "--frames", "50:60") == 1
    assert "past the clip's last frame" in capsys.readouterr().err
    assert not (shot / "new").exists()


def test_a_render_beside_its_inputs_still_works(shot, capsys):
    assert _render(shot, shot / "renders" / "take1.mov") == 0
    assert (shot / "renders" / "take1.mov").stat().st_size > 0


def test_a_read_only_output_folder_is_refused_before_rendering(shot, capsys):
    import subprocess
    import sys
    ro = shot / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        # as root the folder would be writable all the same: drop the capability that overrides it
        code = "import sys; from studio.cli import main; sys.exit(main(sys.argv[1:]))"
        r = subprocess.run(["setpriv", "--inh-caps=-dac_override", "--bounding-set=-dac_override",
                            sys.executable, "-c", code, "render", str(shot / "shot.cgraph"), "-o",
                            str(ro / "sub" / "a.mov"), "-q"] if os.geteuid() == 0 else
                           [sys.executable, "-c", code, "render", str(shot / "shot.cgraph"), "-o",
                            str(ro / "sub" / "a.mov"), "-q"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, r.stderr
        assert f"cannot write in the folder {ro} (permission denied)" in r.stderr
        assert os.listdir(ro) == []
    finally:
        ro.chmod(0o755)

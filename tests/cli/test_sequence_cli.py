"""`cinegraph render ... --sequence PATH`: the render plus editorial timelines, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from studio.media.editorial import read_sequence, shot_timecodes
from studio.media.probe import probe
from studio.timecode import format_timecode, parse_timecode
from tests.conftest import INTERCHANGE, ROOT

EXAMPLE = ROOT / "examples" / "camera_move.cgraph"
SUFFIXES = (".otio", ".edl", ".xml", ".fcpxml")


def cinegraph(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "studio.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


@pytest.mark.slow
def test_render_writes_the_movie_and_every_timeline_format(tmp_path):
    out = tmp_path / "push_in.mov"
    seqs = [tmp_path / f"cut{s}" for s in SUFFIXES]
    r = cinegraph("render", EXAMPLE, "-o", out, "--frames", "0:11", "--timecode", "01:02:03:04", "--reel", "A007",
                  "-q", *[a for p in seqs for a in ("--sequence", p)])
    assert r.returncode == 0, r.stderr
    info = probe(out)
    assert info.frames == 12 and info.timecode == "01:02:03:04"
    rate = info.fps
    for path in seqs:
        assert f"wrote {path} (1 shot)" in r.stderr
        shots = shot_timecodes(read_sequence(path, rate=rate), rate)
        src = parse_timecode("01:02:03:04", rate)
        assert shots == [{"name": "camera_move", "reel": "A007", "duration": 12,
                          "source_in": "01:02:03:04", "source_out": format_timecode(src + 12, rate),
                          "record_in": "01:00:00:00", "record_out": format_timecode(parse_timecode(
                              "01:00:00:00", rate) + 12, rate)}], path.suffix
    edl = (tmp_path / "cut.edl").read_text()
    assert f"* FROM CLIP: {out}" in edl
    otio_doc = json.loads((tmp_path / "cut.otio").read_text())
    assert out.as_uri() in json.dumps(otio_doc)
    if INTERCHANGE is not None:  # Apple's DTDs, when at hand (see tests/conftest.py)
        etree = pytest.importorskip("lxml.etree")
        dtd = etree.DTD(str(INTERCHANGE / "FCPXMLv1_8.dtd"))
        assert dtd.validate(etree.parse(str(tmp_path / "cut.fcpxml"))), dtd.error_log.filter_from_errors()
    assert sorted(os.listdir(tmp_path)) == sorted([out.name] + [p.name for p in seqs]), "no temporary files"


@pytest.mark.slow
def test_the_workflows_shot_list_is_written_with_the_rendered_shots_relinked(tmp_path):
    doc = json.loads(EXAMPLE.read_text())
    for node in doc["nodes"]:   # the copy lives elsewhere: make its media paths absolute
        if "path" in node["params"] and node["type"] != "WriteVideo":
            node["params"]["path"] = str((EXAMPLE.parent / node["params"]["path"]).resolve())
    doc["sequence"] = {"name": "Cut 7", "fps": "24", "start": "00:59:50:00", "shots": [
        {"id": "s1", "name": "Push", "media": "old_push.mov", "node": "WriteVideo1", "in": 2, "out": 8,
         "frames": 48, "fps": "24", "reel": "PUSH1", "timecode": "00:00:00:00"},
        {"id": "s2", "name": "Archive", "media": "/archive/other.mov", "node": "", "in": 0, "out": 24,
         "frames": 24, "fps": "24", "reel": "B001", "timecode": "05:00:00:00"},
    ]}
    wf_path = tmp_path / "cut.cgraph"
    wf_path.write_text(json.dumps(doc))
    out = tmp_path / "push.mov"
    r = cinegraph("render", wf_path, "-o", out, "--frames", "0:11", "--timecode", "01:00:00:00", "-q",
                  "--sequence", tmp_path / "cut.edl", "--sequence", tmp_path / "cut.fcpxml")
    assert r.returncode == 0, r.stderr
    for name in ("cut.edl", "cut.fcpxml"):
        shots = shot_timecodes(read_sequence(tmp_path / name, rate=24), 24)
        assert [(s["name"], s["reel"], s["source_in"], s["source_out"], s["record_in"], s["record_out"])
                for s in shots] == [
            ("Push", "PUSH1", "01:00:00:02", "01:00:00:08", "00:59:50:00", "00:59:50:06"),
            ("Archive", "B001", "05:00:00:00", "05:00:01:00", "00:59:50:06", "00:59:51:06")], name
    edl = (tmp_path / "cut.edl").read_text()
    assert f"* FROM CLIP: {out}" in edl and "* FROM CLIP: /archive/other.mov" in edl
    assert json.loads(wf_path.read_text())["sequence"]["shots"][0]["media"] == "old_push.mov", \
        "the workflow file is not changed"


@pytest.mark.parametrize("args,words", [
    (["--sequence", "cut.aaf"], "--sequence cut.aaf: unknown interchange format '.aaf'; allowed: .otio, .edl, "
                                ".xml, .fcpxml"),
    (["--sequence", "cut.edl", "--reel", "CAMERA-ROLL-12"], "--reel 'CAMERA-ROLL-12': expected 1 to 8 letters"),
])
def test_bad_sequence_requests_exit_2_before_rendering(tmp_path, args, words):
    out = tmp_path / "x.mov"
    r = cinegraph("render", EXAMPLE, "-o", out, *[str(tmp_path / a) if a.startswith("cut.") else a for a in args])
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and words.replace("cut.aaf", str(tmp_path / "cut.aaf")) in lines[0], r.stderr
    assert os.listdir(tmp_path) == [], "nothing rendered, nothing written"


def test_a_sequence_needs_a_movie_output(tmp_path):
    r = cinegraph("render", EXAMPLE, "-o", tmp_path / "frames", "--sequence", tmp_path / "cut.otio")
    assert r.returncode == 2 and "needs a movie output" in r.stderr
    assert os.listdir(tmp_path) == []

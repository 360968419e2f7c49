"""`cinegraph render` end to end: every example renders and decodes back; every bad input exits 2."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

from studio.media.probe import probe
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"


def cinegraph(*args, cwd=ROOT, timeout=180):
    return subprocess.run([sys.executable, "-m", "studio.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


@pytest.mark.parametrize("name,suffix,codec", [("animate_still", ".mov", "prores"),
                                               ("camera_move", ".mov", "prores"),
                                               ("keyframes", ".mp4", "h264")])
def test_every_example_renders_and_decodes_back(tmp_path, name, suffix, codec):
    out = tmp_path / f"{name}{suffix}"
    r = cinegraph("render", EXAMPLES / f"{name}.cgraph", "-o", out)
    assert r.returncode == 0, r.stderr
    info = probe(out)
    doc = json.loads((EXAMPLES / f"{name}.cgraph").read_text())
    gen = next(n for n in doc["nodes"] if n["type"] == "FlowGenerator")["params"]
    expected_frames = gen["frames"] or 49  # keyframes example: keys at 0, 24, 48
    assert info.frames == expected_frames
    assert info.fps == Fraction(24)
    assert codec in info.codec
    assert (info.width, info.height) == {"animate_still": (768, 512), "camera_move": (452, 300),
                                         "keyframes": (320, 240)}[name]
    assert os.listdir(tmp_path) == [out.name], "no temporary files left"


def test_frames_range_and_node_option_write_a_png_sequence(tmp_path):
    out = tmp_path / "seq"
    r = cinegraph("render", EXAMPLES / "camera_move.cgraph", "-o", out, "--node", "FlowGenerator1", "--frames", "3:7")
    assert r.returncode == 0, r.stderr
    files = sorted(os.listdir(out))
    assert len(files) == 5 and all(f.endswith(".png") for f in files)


def test_timecode_and_reel_options_reach_the_file(tmp_path):
    out = tmp_path / "tc.mov"
    r = cinegraph("render", EXAMPLES / "camera_move.cgraph", "-o", out, "--frames", "0:3",
                  "--timecode", "01:02:03:04", "--reel", "A007")
    assert r.returncode == 0, r.stderr
    assert probe(out).timecode == "01:02:03:04"


def _copy_example(tmp_path, name="camera_move"):
    """A copy of an example beside copies of its media, so tests may break things."""
    shutil.copytree(ROOT / "resources", tmp_path / "resources")
    (tmp_path / "examples").mkdir()
    src = tmp_path / "examples" / f"{name}.cgraph"
    shutil.copy(EXAMPLES / f"{name}.cgraph", src)
    return src


def _edit(path: Path, fn):
    doc = json.loads(path.read_text())
    fn(doc)
    path.write_text(json.dumps(doc))


BAD_INPUTS = {
    "missing workflow": (lambda wf: wf.unlink(), [], "file not found"),
    "invalid json": (lambda wf: wf.write_text("{nope"), [], "not valid JSON"),
    "bad param": (lambda wf: _edit(wf, lambda d: d["nodes"][1]["params"].__setitem__("zoom", "abc")), [],
                  "nodes[1].params.zoom: expected a number, got 'abc'"),
    "unknown node type": (lambda wf: _edit(wf, lambda d: d["nodes"][0].__setitem__("type", "LoadHologram")), [],
                          "unknown node type 'LoadHologram'"),
    "missing media": (lambda wf: _edit(wf, lambda d: d["nodes"][0]["params"].__setitem__("path", "gone.png")), [],
                      os.sep + "gone.png: file not found"),
    "bad frames": (None, ["--frames", "9-3"], "--frames '9-3': expected A:B"),
    "bad preset": (None, ["--preset", "betamax"], "--preset 'betamax'"),
    "unknown node": (None, ["--node", "Nope1"], "--node 'Nope1': no such node"),
    "bad device": (None, ["--device", "tpu"], "invalid choice"),
    "bad timecode": (None, ["--timecode", "99:99"], "timecode"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_per_problem_and_no_output(tmp_path, case):
    wf = _copy_example(tmp_path)
    breaker, extra, message = BAD_INPUTS[case]
    if breaker:
        breaker(wf)
    out = tmp_path / "out" / "shot.mov"
    r = cinegraph("render", wf, "-o", out, *extra)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_bad_output_suffix_exits_2(tmp_path):
    r = cinegraph("render", _copy_example(tmp_path), "-o", tmp_path / "shot.wmv")
    assert r.returncode == 2 and "shot.wmv" in r.stderr and "Traceback" not in r.stderr


def test_runtime_failure_exits_1_naming_the_node(tmp_path):
    wf = _copy_example(tmp_path)
    png = tmp_path / "resources" / "samples" / "chelsea.png"
    data = bytearray(png.read_bytes())     # header and end marker intact (validation passes), pixels damaged
    data[200:4000] = bytes(3800)
    png.write_bytes(bytes(data))
    out = tmp_path / "shot.mov"
    r = cinegraph("render", wf, "-o", out)
    assert r.returncode == 1, r.stderr
    assert "node LoadImage1 (LoadImage) failed" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_ctrl_c_cancels_with_exit_130_and_leaves_no_file(tmp_path):
    wf = _copy_example(tmp_path)
    _edit(wf, lambda d: d["nodes"][2]["params"].update(frames=2000, width=1280, height=720))
    out = tmp_path / "long.mov"
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "render", str(wf), "-o", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "cancelled" in err
    assert [p for p in os.listdir(tmp_path) if p not in ("resources", "examples")] == []


def test_ctrl_c_to_the_process_group_of_two_busy_renders_cancels_both_with_130_and_no_file(tmp_path):
    """The terminal's SIGINT reaches the whole foreground group (ffmpeg included) while two renders
    share the cores: each exits 130 and leaves nothing, never "ffmpeg failed"."""
    wf = _copy_example(tmp_path)
    _edit(wf, lambda d: d["nodes"][2]["params"].update(frames=2000, width=1280, height=720))
    outs = [tmp_path / f"take{i}.mov" for i in range(2)]
    logs = [tmp_path.parent / f"{tmp_path.name}-take{i}.log" for i in range(2)]
    # one process group, as a terminal's foreground job has it: a launcher, both renders, their ffmpegs
    launcher = (
        "import signal, subprocess, sys\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "wf, *rest = sys.argv[1:]\n"
        "procs = [subprocess.Popen([sys.executable, '-m', 'studio.cli', 'render', wf, '-o', out, '-q'],\n"
        "                          stderr=open(log, 'w'), preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))\n"
        "         for out, log in zip(rest[:2], rest[2:])]\n"
        "for p, log in zip(procs, rest[2:]):\n"
        "    open(log, 'a').write(f'{p.wait()}\\n')\n")
    group = subprocess.Popen([sys.executable, "-c", launcher, str(wf), *map(str, outs), *map(str, logs)], cwd=ROOT,
                             start_new_session=True)
    try:
        time.sleep(6)
        os.killpg(group.pid, signal.SIGINT)
        group.wait(timeout=60)
    finally:
        if group.poll() is None:
            os.killpg(group.pid, signal.SIGKILL)
            group.wait()
    for log in logs:
        *lines, code = log.read_text().splitlines()
        err = "\n".join(lines)
        assert code == "130", err
        assert "ffmpeg failed" not in err and "Traceback" not in err
        log.unlink()
    assert [p for p in os.listdir(tmp_path) if p not in ("resources", "examples")] == []


def test_validate_reports_ok_and_problems(tmp_path):
    r = cinegraph("validate", EXAMPLES / "keyframes.cgraph")
    assert r.returncode == 0 and "OK" in r.stdout
    wf = _copy_example(tmp_path)
    _edit(wf, lambda d: d["links"].pop(0))
    r = cinegraph("validate", wf)
    assert r.returncode == 0  # the generator's image input is optional
    _edit(wf, lambda d: d["links"].clear())
    r = cinegraph("validate", wf)
    assert r.returncode == 2 and "WriteVideo1.clip: required input 'clip' is not connected" in r.stderr


def test_version():
    r = cinegraph("--version")
    assert r.returncode == 0 and r.stdout.startswith("cinegraph ")

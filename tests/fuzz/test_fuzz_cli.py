"""Fuzzing the ``cinegraph`` command: hostile workflows, media and outputs, as a careless user would.

* ``validate`` in-process (:func:`studio.cli.main`) on mutated examples returns 0 or 2,
  never raises, and exit 2 prints one line per problem, each naming the workflow file and
  none longer than 2000 characters (long values are shortened).
* ``validate`` in a subprocess on media that cannot be read (a directory, an empty or text
  file, a cut header, a FIFO, a device, a picture given to Load Video, an .mp4 without its
  moov atom) exits 2 within 30 s, names the node and says what the file is, without a
  traceback.
* ``render`` in a subprocess (tiny workflows: a few frames at 128x96) never writes over a
  file the workflow reads (same path, symbolic or hard link), the workflow itself, or an
  existing directory: exit 2 and every file as it was; a render exits 0, 1 or 2 without a
  traceback and leaves nothing but its output (no partial file, no empty folder tree).

Subprocesses run in their own process group with a timeout and are killed with their
children if they overrun, so a hang fails the test instead of the suite.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from studio import cli
from tests.conftest import ROOT, SAMPLES
from tests.fuzz.hostile import EXAMPLES, Raw, copy_project, dump, mutated_documents

LONG_LINE = 2000


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of examples/ and resources/samples/ the tests may break; returns its examples/ folder."""
    return copy_project(tmp_path_factory.mktemp("fuzz_cli"))


def run_cli(args, cwd, timeout=60, **kw) -> subprocess.CompletedProcess:
    """``python -m studio.cli ARGS`` of this tree, in its own process group killed whole on a timeout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", *map(str, args)], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, env=env, **kw)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"`cinegraph {' '.join(map(str, args))}` still running after {timeout} s")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)   # no child outlives the test
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def state(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: kind and content hash (files) or target (links)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st_ = os.lstat(p)
            rel = os.path.relpath(p, folder)
            if stat.S_ISLNK(st_.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(st_.st_mode):
                out[rel] = ("file", hashlib.sha256(Path(p).read_bytes()).hexdigest())
            else:
                out[rel] = ("dir" if stat.S_ISDIR(st_.st_mode) else "special",)
    return out


def assert_clean_stderr(err: str, workflow: Path | None = None) -> None:
    assert "Traceback" not in err, err[-3000:]
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert all(len(ln) <= LONG_LINE for ln in lines), f"a stderr line of {max(map(len, lines))} characters"
    if workflow is not None:
        assert lines, "exit 2 says why"
        assert all(workflow.name in ln for ln in lines), f"every problem names {workflow.name}: {lines[:5]}"


# -- validate, in-process -------------------------------------------------------------------
def validate_in_process(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["validate", str(path)])
    return code, err.getvalue()


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=mutated_documents())
@example(text=dump({**EXAMPLES["camera_move"], "version": Raw("9" * 5000)}))
@example(text=dump({**EXAMPLES["camera_move"], "ui": {"x": Raw("[" * 950 + "]" * 950)}}))
@example(text=dump({**EXAMPLES["camera_move"],
                    "nodes": [{**EXAMPLES["camera_move"]["nodes"][0], "name": "n" * 10_000_000}]}))
def test_validate_of_mutated_workflows_exits_0_or_2_with_one_short_line_per_problem(project, text):
    path = project / "fuzzed.cgraph"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, err = validate_in_process(path)
    assert code in (0, 2), err[-2000:]
    assert_clean_stderr(err, path if code == 2 else None)


# -- validate, subprocess: media that cannot be read ------------------------------------------
def _media_workflow(project: Path, kind: str) -> tuple[Path, str]:
    """A workflow whose one media file is hostile; returns it and the node that reads it."""
    media = project.parent / "media"
    media.mkdir(exist_ok=True)
    video = kind in ("png_as_video", "no_moov", "dir_video", "fifo_video")
    name = {"dir": "shot.png", "dir_video": "shot.mp4", "empty": "blank.png", "text": "notes.png",
            "cut_header": "cut.png", "fifo": "stream.png", "fifo_video": "stream.mp4", "dev_zero": "zeros.png",
            "png_as_video": "still.mp4", "no_moov": "noindex.mp4"}[kind]
    p = media / name
    if kind.startswith("dir"):
        p.mkdir(exist_ok=True)
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "text":
        p.write_text("my notes, not a picture\n")
    elif kind == "cut_header":
        p.write_bytes((SAMPLES / "coffee.png").read_bytes()[:20])
    elif kind.startswith("fifo"):
        if not p.exists():
            os.mkfifo(p)
    elif kind == "dev_zero":
        if not p.is_symlink():
            os.symlink("/dev/zero", p)
    elif kind == "png_as_video":
        shutil.copy(SAMPLES / "chelsea.png", p)
    else:
        data = (SAMPLES / "realshort.mp4").read_bytes()
        p.write_bytes(data[:data.rfind(b"moov") - 4])
    if video:
        doc = {"format": "cinegraph", "version": 1,
               "nodes": [{"id": "LoadVideo1", "type": "LoadVideo", "params": {"path": str(p), "last": 3}},
                         {"id": "WriteVideo1", "type": "WriteVideo", "params": {"path": "out.mov"}}],
               "links": [{"source": "LoadVideo1", "output": "clip", "target": "WriteVideo1", "input": "clip"}]}
        nid = "LoadVideo1"
    else:
        doc = copy.deepcopy(EXAMPLES["camera_move"])
        doc["nodes"][0]["params"]["path"] = str(p)
        nid = doc["nodes"][0]["id"]
    wf = project / f"media_{kind}.cgraph"
    wf.write_text(json.dumps(doc))
    return wf, nid


SAYS_WHAT = {"dir": r"director|folder", "dir_video": r"director|folder", "fifo": r"fifo|pipe",
             "fifo_video": r"fifo|pipe", "dev_zero": r"device|special|not a regular file"}


@pytest.mark.parametrize("kind", ["dir", "dir_video", "empty", "text", "cut_header", "fifo", "fifo_video", "dev_zero",
                                  "png_as_video", "no_moov"])
def test_validate_refuses_unreadable_media_naming_the_node_and_what_the_file_is(project, kind):
    wf, nid = _media_workflow(project, kind)
    r = run_cli(["validate", wf], cwd=project, timeout=30)
    assert r.returncode == 2, f"exit {r.returncode}: {r.stdout}{r.stderr}"
    assert_clean_stderr(r.stderr, wf)
    assert nid in r.stderr, r.stderr
    if kind in SAYS_WHAT:
        message = r.stderr.split(f"{nid}.", 1)[-1]
        assert re.search(SAYS_WHAT[kind], message, re.I), f"does not say what the file is: {r.stderr.strip()}"
        assert "file not found" not in message, r.stderr


# -- render, subprocess ---------------------------------------------------------------------
def _tiny(folder: Path, base: str = "video") -> Path:
    """A 4-frame workflow in ``folder`` reading copies of the samples from ``folder/media``."""
    (folder / "media").mkdir(exist_ok=True)
    if base == "video":
        shutil.copy(SAMPLES / "realshort.mp4", folder / "media" / "footage.mp4")
        doc = {"format": "cinegraph", "version": 1,
               "nodes": [{"id": "LoadVideo1", "type": "LoadVideo", "params": {"path": "media/footage.mp4", "last": 3}},
                         {"id": "WriteVideo1", "type": "WriteVideo", "params": {"path": "out/shot.mov"}}],
               "links": [{"source": "LoadVideo1", "output": "clip", "target": "WriteVideo1", "input": "clip"}]}
    else:
        doc = copy.deepcopy(EXAMPLES[base])
        for nd in doc["nodes"]:
            p = nd["params"]
            for key in ([p] if "path" in p else []) + (p.get("keys", []) if nd["type"] == "Keyframes" else []):
                if key["path"].startswith("../resources/samples/"):
                    name = key["path"].rsplit("/", 1)[1]
                    shutil.copy(SAMPLES / name, folder / "media" / name)
                    key["path"] = f"media/{name}"
            if nd["type"] == "FlowGenerator":
                p.update(width=128, height=96, frames=p["frames"] and 4)
            if nd["type"] == "Keyframes":
                for key, frame in zip(p["keys"], (0, 2, 4)):
                    key["frame"] = frame
                p["last_frame"] = 4
    wf = folder / "shot.cgraph"
    wf.write_text(json.dumps(doc))
    return wf


def _render(folder: Path, out: str, *extra, workflow: str = "shot.cgraph") -> subprocess.CompletedProcess:
    return run_cli(["render", workflow, "-o", out, "-q", *extra], cwd=folder, timeout=90)


TRAPS = ["input_video", "input_video_absolute", "input_video_dotted", "workflow_named_mov", "workflow_with_preset",
         "symlink_to_input", "hardlink_to_input", "existing_directory"]


@pytest.mark.parametrize("trap", TRAPS)
def test_render_refuses_to_write_over_what_the_workflow_reads(tmp_path, trap):
    _tiny(tmp_path)
    workflow = "shot.cgraph"
    out = {"input_video": "media/footage.mp4", "input_video_absolute": str(tmp_path / "media" / "footage.mp4"),
           "input_video_dotted": "./out/../media/./footage.mp4", "workflow_with_preset": "shot.cgraph",
           "symlink_to_input": "alias.mp4", "hardlink_to_input": "copy.mp4", "existing_directory": "take.mov"}.get(trap)
    extra = ("--preset", "prores") if trap == "workflow_with_preset" else ()
    if trap == "workflow_named_mov":
        os.replace(tmp_path / "shot.cgraph", tmp_path / "shot.mov")
        workflow = out = "shot.mov"
    elif trap == "symlink_to_input":
        os.symlink("media/footage.mp4", tmp_path / out)
    elif trap == "hardlink_to_input":
        os.link(tmp_path / "media" / "footage.mp4", tmp_path / out)
    elif trap == "existing_directory":
        (tmp_path / out).mkdir()
        (tmp_path / out / "keep.txt").write_text("mine")
    before = state(tmp_path)
    r = _render(tmp_path, out, *extra, workflow=workflow)
    assert state(tmp_path) == before, f"something was written or changed (exit {r.returncode}): {r.stderr.strip()}"
    assert r.returncode == 2, f"exit {r.returncode}: {r.stderr.strip()}"
    assert_clean_stderr(r.stderr)


def test_render_into_missing_folders_leaves_only_its_output(tmp_path):
    _tiny(tmp_path)
    before = state(tmp_path)
    r = _render(tmp_path, "renders/day1/shot.mov")
    assert r.returncode == 0, r.stderr
    new = sorted(set(state(tmp_path)) - set(before))
    assert new == ["renders", "renders/day1", "renders/day1/shot.mov"]


@pytest.mark.parametrize("out", ["renders/day1/shot.mov", "renders/seq/frame_%04d.png"])
@pytest.mark.parametrize("why", ["refused", "failing"])
def test_a_render_that_fails_leaves_no_folder_tree(tmp_path, out, why):
    wf = _tiny(tmp_path)
    doc = json.loads(wf.read_text())
    if why == "refused":
        doc["nodes"][0]["params"]["path"] = "media/missing.mp4"
    else:   # frames 100-110 of a 36-frame clip
        doc["nodes"][0]["params"].update(first=100, last=110)
    wf.write_text(json.dumps(doc))
    before = state(tmp_path)
    r = _render(tmp_path, out)
    assert r.returncode in (1, 2), r.stderr
    assert_clean_stderr(r.stderr)
    assert state(tmp_path) == before, f"left behind: {sorted(set(state(tmp_path)) - set(before))}"


# a few real renders of mutated tiny workflows: exit 0, 1 or 2, no traceback, nothing but the output
PARAM_EDITS = st.sampled_from([
    ("FlowGenerator", "frames", [0, 1, 2, 100001, -1, Raw("9" * 5000)]),
    ("FlowGenerator", "width", [1, 2, 3, 8193, -1]),
    ("FlowGenerator", "fps", ["60", "23.976", "7"]),
    ("FlowGenerator", "shutter_angle", [360, 359.9, Raw("1e999")]),
    ("CameraMove", "zoom", [10, -10, {"keys": [{"frame": 0, "value": 10},
                                               {"frame": 3, "value": -10, "interp": "hold"}]}]),
    ("WriteVideo", "timecode", ["23:59:59:23", "00:00:00;00", "x"]),
    ("WriteVideo", "reel", ["R" * 100_000, "A 1"]),
    ("WriteVideo", "first", [3, 4, 1000]),
])


@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edit=PARAM_EDITS, data=st.data())
@example(edit=("Keyframes", "hold", [10 ** 30]), data=None)
@example(edit=("FlowGenerator", "frames", [Raw("9" * 5000)]), data=None)
def test_mutated_tiny_renders_exit_cleanly_and_leave_only_their_output(tmp_path_factory, edit, data):
    type_id, param, values = edit
    value = values[0] if data is None else data.draw(st.sampled_from(values))
    base = {"CameraMove": "camera_move", "Keyframes": "keyframes"}.get(type_id, "camera_move")
    folder = tmp_path_factory.mktemp("render")
    wf = _tiny(folder, base)
    doc = json.loads(wf.read_text())
    params = next(n for n in doc["nodes"] if n["type"] == type_id)["params"]
    if type_id == "Keyframes":
        params["keys"][-1][param] = value
    else:
        params[param] = value
    wf.write_text(dump(doc))
    before = state(folder)
    r = _render(folder, "out/shot.mov")
    assert r.returncode in (0, 1, 2), f"exit {r.returncode}: {r.stderr[-2000:]}"
    assert_clean_stderr(r.stderr)
    if r.returncode == 1:
        assert all(ln.startswith("error: node ") for ln in r.stderr.splitlines() if ln.strip()), r.stderr
    after = state(folder)
    assert {k: v for k, v in after.items() if k in before} == before, "an input changed"
    expected = {"out", "out/shot.mov"} if r.returncode == 0 else set()
    assert set(after) - set(before) == expected, f"exit {r.returncode}, new: {sorted(set(after) - set(before))}"

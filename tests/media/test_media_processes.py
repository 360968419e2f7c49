"""ffmpeg children die with their parent, stay out of the terminal's Ctrl+C, and a signal that
stops ffmpeg during a cancel is a cancel.

Linux only where the kernel is asked for it (the parent-death signal) and where /proc is
read to find the processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from studio.errors import Cancelled, MediaError
from studio.media import _ffmpeg
from studio.media.clip import CallableSource, Clip
from studio.media.export import export_clip
from studio.media.io import open_video
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[2]
linux = pytest.mark.skipif(not os.path.isdir("/proc/self") or not _ffmpeg.HAS_DEATH_SIGNAL,
                           reason="needs Linux (/proc and PR_SET_PDEATHSIG)")


def _stat(pid: int) -> tuple[str, int, str] | None:
    """(name, parent pid, state) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    rest = text[text.rfind(")") + 2:].split()
    return text[text.find("(") + 1:text.rfind(")")], int(rest[1]), rest[0]


def ffmpeg_children_of(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st and st[1] == parent and st[0].startswith("ffmpeg") and st[2] != "Z":
                found.append(int(entry))
    return found


def running(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[2] not in ("Z", "X")


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


CHILD = textwrap.dedent("""
    import sys, threading, time
    sys.path.insert(0, sys.argv[2])
    import numpy as np
    from studio.media.clip import CallableSource, Clip
    from studio.media.export import export_clip

    frame = np.zeros((64, 64, 3), np.uint8)

    def slow(i):  # a long render: frames keep coming, slowly
        time.sleep(0.02)
        return frame

    clip = Clip(CallableSource(slow, 1_000_000, 64, 64), 24)
    # started from a worker thread, as the executor does
    worker = threading.Thread(target=export_clip, args=(clip, sys.argv[1], "prores_proxy"))
    worker.start()
    print("exporting", flush=True)
    worker.join()
""")


@linux
def test_ffmpeg_dies_when_its_parent_is_killed_outright(tmp_path):
    script = tmp_path / "render.py"
    script.write_text(CHILD)
    out = tmp_path / "out" / "long.mov"
    out.parent.mkdir()
    child = subprocess.Popen([sys.executable, str(script), str(out), str(ROOT)], stdout=subprocess.PIPE, text=True)
    hold = None
    try:
        assert child.stdout.readline().strip() == "exporting"
        assert wait_for(lambda: ffmpeg_children_of(child.pid), 10), "the export never started ffmpeg"
        (ffmpeg,) = ffmpeg_children_of(child.pid)
        # A second writer on ffmpeg's stdin: the pipe does not close when the parent dies, so
        # only the death signal can end ffmpeg (without it, ffmpeg would wait for frames forever).
        hold = os.open(f"/proc/{ffmpeg}/fd/0", os.O_WRONLY)
        child.kill()
        child.wait(5)
        assert wait_for(lambda: not running(ffmpeg), 2.0), f"ffmpeg {ffmpeg} outlived its killed parent"
    finally:
        if hold is not None:
            os.close(hold)
        if child.poll() is None:
            child.kill()
            child.wait()
    # the killed export's partial says what it is and whose it is
    (left,) = os.listdir(out.parent)
    assert left.startswith(f".long.cinegraph-{child.pid}@") and left.endswith(".partial.mov")


@linux
def test_ffmpeg_runs_in_a_process_group_of_its_own():
    clip = open_video(SAMPLES / "realshort.mp4")
    clip.frame(0)  # starts the decoder "cursor" process
    try:
        (pid,) = ffmpeg_children_of(os.getpid())
        assert os.getpgid(pid) == pid != os.getpgid(0)  # a terminal's Ctrl+C reaches only us
    finally:
        clip._frames.close()


@linux
def test_a_decoder_started_on_a_short_lived_thread_outlives_the_thread():
    # The death signal fires when the thread that forked exits: children are forked by a
    # long-lived thread, so a worker thread's decoder keeps running after the worker ends.
    clip = open_video(SAMPLES / "realshort.mp4")
    try:
        worker = threading.Thread(target=clip.frame, args=(0,))
        worker.start()
        worker.join()
        (pid,) = ffmpeg_children_of(os.getpid())
        time.sleep(0.1)
        assert running(pid)
        second = clip.frame(1)  # read on by the same process
        assert second.shape == (240, 320, 3) and ffmpeg_children_of(os.getpid()) == [pid]
    finally:
        clip._frames.close()


def _frames(n=1000, size=64):
    frame = np.full((size, size, 3), 90, np.uint8)
    return CallableSource(lambda i: frame, n, size, size)


@linux
def test_a_signal_that_stops_ffmpeg_before_the_cancel_arrives_is_a_cancel(tmp_path):
    # Ctrl+C sent to a process group that holds ffmpeg: ffmpeg exits 255 at once, Python's
    # cancel request comes a moment later.  The export must say "cancelled", not "ffmpeg failed".
    cancel = threading.Event()
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 3:
            (pid,) = ffmpeg_children_of(os.getpid())
            os.kill(pid, signal.SIGINT)
            threading.Timer(0.2, cancel.set).start()
        if cancel.is_set():
            raise Cancelled()

    with pytest.raises(Cancelled):
        export_clip(Clip(_frames(), 24), tmp_path / "c.mov", "prores_proxy", check_cancel=check)
    assert os.listdir(tmp_path) == []
    assert ffmpeg_children_of(os.getpid()) == []


@linux
def test_ffmpeg_killed_without_a_cancel_is_a_failure_that_names_the_signal(tmp_path, monkeypatch):
    monkeypatch.setattr(_ffmpeg, "CANCEL_GRACE", 0.1)
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 3:
            (pid,) = ffmpeg_children_of(os.getpid())
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(MediaError, match=r"k\.mov: ffmpeg failed \(killed by SIGKILL\) after \d+ frames"):
        export_clip(Clip(_frames(), 24), tmp_path / "k.mov", "prores_proxy", check_cancel=check)
    assert os.listdir(tmp_path) == []


def test_a_cancel_just_before_the_commit_leaves_no_file(tmp_path):
    n = 4
    calls = []

    def check():  # one check per frame, then one just before the rename into place
        calls.append(1)
        if len(calls) > n:
            raise Cancelled()

    for dest in ("late.mov", "late_seq"):
        calls.clear()
        with pytest.raises(Cancelled):
            export_clip(Clip(_frames(n, 16), 24), tmp_path / dest, check_cancel=check)
        assert len(calls) == n + 1 and os.listdir(tmp_path) == []


def test_an_interrupted_ffmpeg_is_told_from_a_failed_one():
    assert _ffmpeg.interrupted(255) and _ffmpeg.interrupted(-signal.SIGKILL)
    assert not _ffmpeg.interrupted(0) and not _ffmpeg.interrupted(1) and not _ffmpeg.interrupted(None)
    assert _ffmpeg.describe_exit(-9) == "killed by SIGKILL"
    assert _ffmpeg.describe_exit(255) == "exit 255: stopped by a signal" and _ffmpeg.describe_exit(1) == "exit 1"

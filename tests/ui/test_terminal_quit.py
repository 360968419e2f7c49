"""Ctrl+C in the terminal that started the app quits it like closing the window, with no traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from studio.graph.commands import AddNode
from tests.ui.conftest import EXAMPLES


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_from_the_terminal_quits_the_app_without_a_traceback(tmp_path, sig):
    shutil.copy(EXAMPLES / "camera_move.cgraph", tmp_path / "shot.cgraph")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", str(tmp_path / "shot.cgraph")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(6)   # the window is up (importing Qt and opening the workflow)
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_closing_from_the_terminal_keeps_unsaved_work_in_the_recovery_file(make_window, tmp_path):
    path = tmp_path / "shot.cgraph"
    shutil.copy(EXAMPLES / "camera_move.cgraph", path)
    win = make_window()
    assert win.open_file(str(path))
    win.push(AddNode("Const"))
    assert win.is_dirty()
    win.close_keeping_recovery()
    assert not win.isVisible()
    recovery = tmp_path / ".shot.cgraph.autosave"
    assert recovery.is_file() and "Const" in recovery.read_text()
    assert "Const" not in path.read_text(), "the workflow itself is not saved without asking"

"""Nothing left behind: partial outputs say what and whose they are, stale ones of dead
processes are removed by the next export (and nothing else is), a full disk is a clear error.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from studio.errors import MediaError
from studio.media import _fs
from studio.media import export as export_mod
from studio.media import io as io_mod
from studio.media.clip import Clip
from studio.media.export import export_clip
from studio.media.io import write_image

linux = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")
dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (writes fail: no space)")


def _clip(n=3, size=16):
    return Clip(np.full((n, size, size, 3), 120, np.uint8), 24)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_partials_say_what_they_are_and_whose(tmp_path):
    seen: list[list[str]] = []
    folders: set[str] = set()
    me = f"cinegraph-{os.getpid()}@{_fs.host_tag()}"

    def look():
        seen.append(sorted(os.listdir(tmp_path)))
        folders.update(n for n in seen[-1] if (tmp_path / n).is_dir())

    export_clip(_clip(), tmp_path / "shot.mov", check_cancel=look)
    export_clip(_clip(), tmp_path / "seq", check_cancel=look)
    movie, sequence = seen[0], seen[-1]
    assert len(movie) == 1 and re.fullmatch(rf"\.shot\.{me}\.\w+\.partial\.mov", movie[0])
    assert [n for n in sequence if n != "shot.mov"] == [n for n in sequence if n.startswith(".seq.")]
    (folder,) = [n for n in sequence if n != "shot.mov"]
    assert re.fullmatch(rf"\.seq\.{me}\.\w+\.partial", folder) and folder in folders
    assert sorted(os.listdir(tmp_path)) == ["seq", "shot.mov"]


def _touch(path, mtime=None):
    path.write_bytes(b"x" * 10)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_an_export_removes_stale_partials_of_dead_writers_and_nothing_else(tmp_path):
    dead, me, host = _dead_pid(), os.getpid(), _fs.host_tag()
    stale_movie = _touch(tmp_path / f".shot.cinegraph-{dead}@{host}.abc123.partial.mov")
    stale_image = _touch(tmp_path / f".still.cinegraph-{dead}@{host}.k_9.partial.png")
    stale_seq = tmp_path / f".seq.cinegraph-{dead}@{host}.q1w2e3.partial"
    stale_seq.mkdir()
    _touch(stale_seq / "frame_0000001.png")
    keep = [
        _touch(tmp_path / f".live.cinegraph-{me}@{host}.abc123.partial.mov"),     # a running export (ours)
        _touch(tmp_path / f".far.cinegraph-{dead}@other-host.abc123.partial.mov"),  # another machine's
        _touch(tmp_path / ".shot.mov.abc123.partial"),                           # not ours
        _touch(tmp_path / f"shot.cinegraph-{dead}@{host}.abc123.partial.mov"),   # not hidden: not ours
        _touch(tmp_path / "notes.txt"),
    ]
    os.symlink(tmp_path / "notes.txt", tmp_path / f".link.cinegraph-{dead}@{host}.abc.partial.mov")

    export_clip(_clip(), tmp_path / "new.mov")

    assert not stale_movie.exists() and not stale_image.exists() and not stale_seq.exists()
    assert not os.path.lexists(tmp_path / f".link.cinegraph-{dead}@{host}.abc.partial.mov")
    assert all(p.exists() for p in keep) and (tmp_path / "notes.txt").read_bytes() == b"x" * 10
    assert (tmp_path / "new.mov").is_file()


@linux
def test_a_partial_whose_pid_was_reused_by_a_newer_process_is_stale(tmp_path):
    # Containers restart with the same PIDs: a partial from before this process started
    # cannot be this process's own.
    me, host = os.getpid(), _fs.host_tag()
    old = _touch(tmp_path / f".old.cinegraph-{me}@{host}.abc123.partial.mov", mtime=time.time() - 24 * 3600)
    new = _touch(tmp_path / f".new.cinegraph-{me}@{host}.abc123.partial.mov")
    assert _fs.stale_partials(str(tmp_path)) == [str(old)]
    assert _fs.remove_stale_partials(str(tmp_path)) == [str(old)] and new.exists()


@dev_full
@pytest.mark.parametrize("name", ["full.mov", "full.mp4"])
def test_a_full_disk_under_ffmpeg_is_a_clear_error_and_leaves_no_partial(tmp_path, monkeypatch, name):
    # ffmpeg writes the movie into /dev/full, where every write fails with ENOSPC
    real = export_mod.make_partial_file

    def partial_on_a_full_disk(folder, stem, suffix=""):
        fd, path = real(folder, stem, suffix)
        os.close(fd)
        os.remove(path)
        os.symlink("/dev/full", path)
        return os.open(os.devnull, os.O_RDONLY), path

    monkeypatch.setattr(export_mod, "make_partial_file", partial_on_a_full_disk)
    with pytest.raises(MediaError, match=rf"{name}: the disk is full \(\d+ MB free in {re.escape(str(tmp_path))}\)$"):
        export_clip(_clip(30, 64), tmp_path / name)
    assert os.listdir(tmp_path) == []


@dev_full
def test_a_full_disk_under_python_is_a_clear_error_and_leaves_no_partial(tmp_path, monkeypatch):
    real = io_mod.make_partial_file

    def partial_on_a_full_disk(folder, stem, suffix=""):
        fd, path = real(folder, stem, suffix)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), path

    monkeypatch.setattr(io_mod, "make_partial_file", partial_on_a_full_disk)
    with pytest.raises(MediaError, match=rf"still\.png: the disk is full \(\d+ MB free in "):
        write_image(tmp_path / "still.png", np.zeros((8, 8, 3), np.uint8))
    assert os.listdir(tmp_path) == []

"""Fixtures for the media tests: the shared real footage, synthetic clips, process checks."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = [os.environ.get("CINEGRAPH_MEDIA", ""), ROOT / "shared" / "media", ROOT.parent / "shared" / "media"]


def _find_media() -> Path | None:
    for c in _CANDIDATES:
        if c and (Path(c) / "realshort.mp4").is_file():
            return Path(c)
    return None


MEDIA = _find_media()


@pytest.fixture(scope="session")
def media() -> Path:
    if MEDIA is None:
        pytest.skip("shared test media (realshort.mp4, chelsea.png, ...) not found")
    return MEDIA


def ffmpeg_children() -> list[int]:
    """PIDs of ffmpeg processes (running or zombie) whose parent is this test process."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        comm = stat[stat.find("(") + 1:stat.rfind(")")]
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        if ppid == me and comm.startswith("ffmpeg"):
            found.append(int(entry))
    return found


def wait_no_ffmpeg_children(timeout: float = 3.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        kids = ffmpeg_children()
        if not kids or time.monotonic() > deadline:
            return kids
        time.sleep(0.02)


def numbered_frames(n: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """(n, H, W, 3) uint8 frames that are easy to tell apart after lossy coding.

    A smooth colour gradient (so codecs behave as on real pictures) with a bright bar whose
    position encodes the frame number.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / max(1, width - 1), y * 255 / max(1, height - 1),
                     np.full((height, width), 96.0)], axis=-1)
    out = np.empty((n, height, width, 3), np.uint8)
    bar = max(1, width // (n + 1))
    for i in range(n):
        f = base + rng.normal(0, 2, base.shape)
        f[:, i * bar:(i + 1) * bar] = (250, 250, 40)
        out[i] = np.clip(f, 0, 255).astype(np.uint8)
    return out


@pytest.fixture
def procs():
    """Helpers to check for stray ffmpeg processes: ``procs.children()``, ``procs.settled()``."""

    class _Procs:
        children = staticmethod(ffmpeg_children)
        settled = staticmethod(wait_no_ffmpeg_children)

    return _Procs


@pytest.fixture(scope="session")
def make_frames():
    """``make_frames(n, height, width, seed=0)``: see :func:`numbered_frames`."""
    return numbered_frames

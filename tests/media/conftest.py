"""Fixtures for the media tests: real footage and pictures, synthetic clips, process checks.

Real photos and footage come from ``resources/samples`` (the ``samples`` fixture of
``tests/conftest.py``), so these tests run on a plain clone; files of a kind the samples lack
(a variable-rate GIF) are made at run time from the samples.  ``media`` is the larger shared
media folder beside the checkout (``../shared/media``, or ``$CINEGRAPH_MEDIA``; ``none`` hides
it): only for footage the samples cannot stand in for, and a test using it skips without it.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from studio.media._ffmpeg import ffmpeg_exe

ROOT = Path(__file__).resolve().parents[2]


def _find_media() -> Path | None:
    env = os.environ.get("CINEGRAPH_MEDIA", "")
    if env.lower() == "none":
        return None
    for c in (env, ROOT / "shared" / "media", ROOT.parent / "shared" / "media"):
        if c and (Path(c) / "realshort.mp4").is_file():
            return Path(c)
    return None


MEDIA = _find_media()


@pytest.fixture(scope="session")
def media() -> Path:
    """The shared media folder (bigbuckbunny.mp4, carphone.mp4, ...); prefer ``samples``."""
    if MEDIA is None:
        pytest.skip("needs the shared media folder (../shared/media beside the checkout, or $CINEGRAPH_MEDIA)")
    return MEDIA


@dataclass(frozen=True)
class UnevenGif:
    path: Path
    delays: tuple[int, ...]  # each picture's display time, in centiseconds (GIF's unit)


# The delays of a Newton's cradle animation (a real GIF): mostly 2 cs (so ffmpeg prints "50 fps,
# 100 tbr"), with longer holds where the balls turn; 36 pictures over 0.82 s.
GIF_DELAYS = (5, 2, 2, 2, 2, 2, 2, 2, 2, 4, 2, 2, 2, 2, 2, 2, 2, 2, 5, 2, 2, 2, 2, 2, 2, 2, 2, 4) + (2,) * 8


@pytest.fixture(scope="session")
def uneven_gif(tmp_path_factory, samples) -> UnevenGif:
    """A 200x150 GIF of realshort.mp4's 36 pictures, each shown for its own time (``GIF_DELAYS``).

    Written by ffmpeg's GIF encoder with every picture's timestamp set explicitly (in GIF's
    1/100 s time base), so the delays in the file are exactly ``GIF_DELAYS``.
    """
    path = tmp_path_factory.mktemp("gif") / "uneven.gif"
    starts = np.concatenate([[0], np.cumsum(GIF_DELAYS)[:-1]])
    pts = "+".join(f"eq(N,{k})*{s}" for k, s in enumerate(starts) if s)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(samples / "realshort.mp4"), "-an",
                    "-vf", f"scale=200:150:flags=area,settb=1/100,setpts='{pts}'", "-fps_mode", "passthrough",
                    "-enc_time_base", "1/100", "-final_delay", str(GIF_DELAYS[-1]), str(path)], check=True)
    return UnevenGif(path, GIF_DELAYS)


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

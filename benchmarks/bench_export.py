"""Export throughput: our pipeline against the bundled ffmpeg encoding the same frames alone.

For each movie preset (and the image-sequence presets) a 1080p clip of real content is
exported with :func:`studio.media.export.export_clip` (frames streamed to ffmpeg's stdin,
then the frame-count verification and the atomic rename), and the same raw frames, written
to a file first, are encoded by the exact command :func:`encoder_command` builds, timing
ffmpeg alone.  The ratio ours / direct is the pipeline's overhead (goal: at most 1.10).

The clip: ``resources/samples/kodim03.png`` resized to 1920x1080 and shifted two pixels
per frame (real texture, real motion), 48 frames at 24 fps, held in memory.

Fair play: both sides write to a destination that does not exist yet, in ``/dev/shm`` when
there is one (tmpfs: the figures are the pipeline's, not the disk's writeback, which made
DPX/EXR runs vary by 2x), the raw frames for ffmpeg alone sit there too (ours come from
memory), the runs alternate and each output is deleted before the next, and each figure is
the best of ``REPEATS`` (``FAST_REPEATS`` for encodes under ``FAST_SECONDS``, where the
noise is relatively larger), so a busy machine hurts both sides alike.  CPU time (this
process plus ffmpeg) is reported beside wall time: on a shared machine it is the steadier
measure of the work the pipeline adds.

Run: ``python -m benchmarks.bench_export [PRESET ...]`` (default: every preset).  Not part
of the test suite.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from studio.media.clip import Clip
from studio.media.export import encoder_command, export_clip, output_size
from studio.media.presets import PRESETS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "samples" / "kodim03.png"
WIDTH, HEIGHT, FRAMES, FPS = 1920, 1080, 48, 24
REPEATS = 3          # runs per side and preset ...
FAST_REPEATS = 7     # ... or this many when an encode takes under FAST_SECONDS (noise is relatively larger)
FAST_SECONDS = 2.0
GOAL = 1.10


def make_clip(n: int = FRAMES, width: int = WIDTH, height: int = HEIGHT) -> Clip:
    """``n`` frames of the sample photo at ``width`` x ``height``, panning 2 px per frame."""
    import cv2

    bgr = cv2.imread(str(SAMPLE), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read {SAMPLE}")
    big = cv2.resize(bgr, (width + 2 * n, height), interpolation=cv2.INTER_CUBIC)[:, :, ::-1]
    frames = np.empty((n, height, width, 3), np.uint8)
    for i in range(n):
        frames[i] = big[:, 2 * i:2 * i + width]
    return Clip(frames, FPS, name="bench")


def _destination(folder: str, name: str, preset: str) -> str:
    """A fresh destination: ``folder/name.mov``, or ``folder/name/frame_%04d.png`` for sequences."""
    p = PRESETS[preset]
    if p.is_sequence:
        return os.path.join(folder, name, f"frame_%04d{p.suffix}")
    return os.path.join(folder, name + p.suffix)


class _Timer:
    """Wall time, and CPU time of this process plus its finished children (ffmpeg)."""

    def __enter__(self) -> _Timer:
        self.wall0, self.cpu0 = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall0, self._cpu() - self.cpu0

    @staticmethod
    def _cpu() -> float:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + kids.ru_utime + kids.ru_stime


def time_ours(clip: Clip, preset: str, folder: str, run: int) -> tuple[float, float]:
    """(wall, cpu) seconds of :func:`export_clip`: streaming, encoding, verification, rename."""
    dest = _destination(folder, f"ours_{preset}_{run}", preset)
    with _Timer() as t:
        export_clip(clip, dest, preset)
    return t.wall, t.cpu


def time_direct(clip: Clip, preset: str, folder: str, raw_path: str, run: int) -> tuple[float, float]:
    """(wall, cpu) seconds of ffmpeg alone encoding the raw frames from a file."""
    p = PRESETS[preset]
    width, height = output_size(p, clip.width, clip.height)
    out = _destination(folder, f"direct_{preset}_{run}", preset)
    if p.is_sequence:
        os.makedirs(os.path.dirname(out))
    cmd = encoder_command(p, width, height, clip.fps, out, timecode=None if p.is_sequence else clip.timecode,
                          input=raw_path)
    with _Timer() as t:
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
    return t.wall, t.cpu


def write_raw(clip: Clip, preset: str, path: str) -> None:
    """The bytes export_clip pipes, written to a file (planar float for EXR)."""
    from studio.media.export import _frame_bytes

    p = PRESETS[preset]
    size = output_size(p, clip.width, clip.height)
    with open(path, "wb") as fh:
        for i, frame in enumerate(clip.iter_frames()):
            fh.write(memoryview(_frame_bytes(frame, None, p, size, path, i)).cast("B"))


def _clean(folder: str, keep: str) -> None:
    for entry in os.listdir(folder):
        path = os.path.join(folder, entry)
        if path != keep:
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def main(argv: list[str] | None = None) -> dict:
    """Print the figures for the presets named in ``argv`` (all when none) and return them."""
    names = list(argv or PRESETS)
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        raise SystemExit(f"unknown preset(s): {', '.join(unknown)}")
    clip = make_clip()
    print(f"machine: {platform.machine()}, {platform.processor() or platform.platform()}, "
          f"{os.cpu_count()} CPUs, python {platform.python_version()}")
    print(f"clip: {FRAMES} frames {WIDTH}x{HEIGHT} @ {FPS} fps from {SAMPLE.name}; best of {REPEATS} "
          f"({FAST_REPEATS} for encodes under {FAST_SECONDS:g} s)")
    print(f"{'preset':<14}{'ours s':>9}{'direct s':>10}{'ratio':>8}  {'fps ours':>9}   "
          f"{'cpu ours':>9}{'cpu direct':>11}{'cpu ratio':>10}")
    figures: dict = {}
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    print(f"outputs in {shm or tempfile.gettempdir()}")
    with tempfile.TemporaryDirectory(prefix="cinegraph-bench-", dir=shm) as folder:
        for name in names:
            raw = os.path.join(folder, "frames.raw")
            ours, direct = [], []
            try:
                write_raw(clip, name, raw)
                run = 0
                while run < (REPEATS if not direct or min(direct)[0] >= FAST_SECONDS else FAST_REPEATS):
                    direct.append(time_direct(clip, name, folder, raw, run))
                    _clean(folder, keep=raw)
                    ours.append(time_ours(clip, name, folder, run))
                    _clean(folder, keep=raw)
                    run += 1
            finally:
                os.remove(raw)
            o, d = min(w for w, _ in ours), min(w for w, _ in direct)
            oc, dc = min(c for _, c in ours), min(c for _, c in direct)
            figures[name] = {"ours_s": o, "direct_s": d, "ratio": o / d, "ours_cpu_s": oc, "direct_cpu_s": dc,
                             "cpu_ratio": oc / dc}
            flag = "" if o / d <= GOAL else "  (over the goal)"
            print(f"{name:<14}{o:9.2f}{d:10.2f}{o / d:8.2f}  {FRAMES / o:9.1f}   {oc:9.2f}{dc:11.2f}{oc / dc:10.2f}"
                  f"{flag}", flush=True)
    worst = max(figures.values(), key=lambda f: f["ratio"])
    worst_cpu = max(figures.values(), key=lambda f: f["cpu_ratio"])
    print(f"worst ratio {worst['ratio']:.2f} wall, {worst_cpu['cpu_ratio']:.2f} cpu (goal <= {GOAL:.2f})")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])

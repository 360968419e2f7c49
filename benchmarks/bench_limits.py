"""Limits: peak memory of the biggest renders and pictures, and the longest step between cancel checks.

Each case runs in a fresh subprocess, so its peak RSS (``ru_maxrss``) is that process's own,
not the benchmark's; the encoder (ffmpeg, a child of the child) is reported separately.

* ``render`` -- an 8192x4320 flow render written to ProRes ``.mov`` (12 frames, through the
  executor as the CLI runs it): an animated still (kodim03.png, two motion brushes and a camera
  move, as ``examples/animate_still.cgraph``) and a three-key chain (the sill photos, as
  ``examples/keyframes.cgraph``).  Peak RSS of the process and of its ffmpeg encoder (a
  separate process, read from ``/proc``), frames/s of the write (rendering and encoding), and the flow engine's own estimate (:func:`studio.generators.flow_engine.estimate_bytes`)
  against the limit (:func:`studio.executor.memory.memory_limit`).  Also 8192x8192: rendered
  within the limit, or refused up front (the message is printed).
* ``image`` -- :func:`studio.media.io.read_image` of a 20000x20000 PNG made in a temporary
  folder (written a row at a time, so making it costs nothing): its peak RSS and whether it was
  refused (the decompression-bomb limit) or decoded.  Run under an address-space limit of
  6 GB, so a full decode fails instead of straining the machine.
* the longest time between two cancel checks (``ctx.check_cancel`` or
  :func:`studio.executor.cancel.checkpoint`) during each of those renders, and where the
  checks before and after it were (the last column of ``render``): over the whole render,
  and between two checks of the engine itself (leaving out the encoder loop, whose pipe
  writes wait for ffmpeg).

Run: ``python -m benchmarks.bench_limits [render|image ...]``.  Not part of the test suite;
figures in BENCHMARKS.md with the machine.
"""

from __future__ import annotations

import json
import os
import platform
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "resources" / "samples"
SIZE_8K = (8192, 4320)
FRAMES = 12
#: the 20000x20000 picture's side
BOMB_SIDE = 20000
#: address space a child may use (bytes): a runaway case fails instead of swapping the machine
CHILD_AS = 6_000_000_000 if sys.platform.startswith("linux") else None


# -- the cases (run in a child process) -------------------------------------------------
def _brushes() -> list:
    import json as _json
    graph = _json.loads((ROOT / "examples" / "animate_still.cgraph").read_text("utf-8"))
    return next(n["params"]["brushes"] for n in graph["nodes"] if n["type"] == "MotionBrush")


def _graph(kind: str, size: tuple[int, int], out: str):
    from studio.graph import Graph, default_registry
    g = Graph(default_registry())
    w, h = size
    gen = g.add("FlowGenerator", frames=FRAMES, width=w, height=h, seed=7)
    if kind == "still":
        img = g.add("LoadImage", path=str(SAMPLES / "kodim03.png"))
        mb = g.add("MotionBrush", brushes=_brushes())
        cam = g.add("CameraMove", zoom=3.0, pan=1.0)
        g.connect(img, "image", gen, "image")
        g.connect(mb, "motion", gen, "motion")
        g.connect(cam, "camera", gen, "camera")
    else:
        keys = g.add("Keyframes", keys=[{"path": str(SAMPLES / f"sill_{c}.png"), "frame": f, "hold": 0}
                                        for c, f in (("a", 0), ("b", 5), ("c", FRAMES - 1))])
        g.connect(keys, "keyframes", gen, "keyframes")
    write = g.add("WriteVideo", path=out)
    g.connect(gen, "clip", write, "clip")
    return g, gen, write


def _render_case(kind: str, w: int, h: int) -> dict:
    """One render in this (fresh) process: figures as a dict."""
    import traceback

    from studio.executor import Executor, engine
    from studio.executor.cancel import CancelToken
    from studio.executor.memory import memory_limit, peak_rss

    stamps: list[tuple[float, str]] = []

    class Recording(CancelToken):
        def check(self) -> None:
            f = sys._getframe(1)
            while f is not None and f.f_code.co_filename.endswith(("cancel.py", "context.py")):
                f = f.f_back
            where = f"{Path(f.f_code.co_filename).name}:{f.f_lineno} {f.f_code.co_name}" if f else "?"
            stamps.append((time.perf_counter(), where))
            super().check()

    engine.CancelToken = Recording           # the runs' tokens record every check
    encoder = _EncoderPeak()
    encoder.start()
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.mov")
        g, gen, write = _graph(kind, (w, h), out)
        ex = Executor()
        ex.subscribe(lambda e: seconds.__setitem__(e.node_id, e.seconds) if e.kind == "done" else None)
        t0 = time.perf_counter()
        try:
            result = ex.run(g, [write])
        except Exception:  # noqa: BLE001 - reported, the benchmark goes on
            return {"error": traceback.format_exc(limit=3)}
        finally:
            ex.shutdown()
        total = time.perf_counter() - t0
        wrote = os.path.exists(out) and os.path.getsize(out) > 0
    encoder.stop()
    children = encoder.peak
    gaps = [(b[0] - a[0], a[1], b[1]) for a, b in zip(stamps, stamps[1:])]
    worst = max(gaps, default=(0.0, "", ""))
    # the engine's own steps: both checks outside the encoder's loop (whose pipe writes wait on ffmpeg)
    own = max((g for g in gaps if "export.py" not in g[1] + g[2]), default=(0.0, "", ""))
    return {"status": result.status, "error": " / ".join(result.errors.values()), "wrote": wrote,
            "peak": peak_rss(), "ffmpeg_peak": children, "limit": memory_limit(), "seconds": total,
            "generate_s": seconds.get(gen, 0.0), "write_s": seconds.get(write, 0.0), "checks": len(stamps),
            "worst_gap_s": worst[0], "worst_from": worst[1], "worst_to": worst[2],
            "engine_gap_s": own[0], "engine_from": own[1], "engine_to": own[2]}


class _EncoderPeak:
    """The peak RSS of this process's ffmpeg children, read from ``/proc`` (Linux) every 20 ms.

    ``RUSAGE_CHILDREN`` would not do: it keeps the size a child had when it was forked, i.e.
    this process's own size, before ffmpeg replaced it.
    """

    def __init__(self):
        import threading
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for pid in self._children():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                if "ffmpeg" in fields.get("Name", "") and "VmHWM" in fields:
                    self.peak = max(self.peak, int(fields["VmHWM"].split()[0]) * 1024)

    @staticmethod
    def _children() -> list[str]:
        out = []
        for task in Path("/proc/self/task").glob("*"):
            try:
                out += (task / "children").read_text().split()
            except OSError:
                pass
        return out


def _write_png(path: str, side: int) -> None:
    """A ``side`` x ``side`` RGB PNG written a row at a time (a gentle gradient, compresses well)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    z = zlib.compressobj(6)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)))
        pending = b""
        for y in range(side):
            row = b"\x00" + bytes([y * 255 // side, 128, 64]) * side
            pending += z.compress(row)
            if len(pending) > 1 << 20:
                f.write(chunk(b"IDAT", pending))
                pending = b""
        pending += z.flush()
        f.write(chunk(b"IDAT", pending) + chunk(b"IEND", b""))


def _image_case(path: str) -> dict:
    from studio.errors import StudioError
    from studio.executor.memory import peak_rss
    from studio.media.io import read_image
    t0 = time.perf_counter()
    try:
        img = read_image(path)
        outcome = f"decoded {img.shape[1]}x{img.shape[0]}"
    except StudioError as exc:
        outcome = f"refused: {exc}"
    except MemoryError:
        outcome = "MemoryError (the address-space limit stopped a full decode)"
    return {"outcome": outcome, "seconds": time.perf_counter() - t0, "peak": peak_rss()}


def _child(argv: list[str]) -> None:
    case = argv[0]
    if case == "render":
        out = _render_case(argv[1], int(argv[2]), int(argv[3]))
    else:
        out = _image_case(argv[1])
    print("RESULT " + json.dumps(out))


# -- the parent ---------------------------------------------------------------------------
def _run_child(*args: str, timeout: float = 1200) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.bench_limits", "--child", *args]
    preexec = None
    if CHILD_AS is not None:
        def preexec():
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (CHILD_AS, CHILD_AS))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, preexec_fn=preexec)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"error": f"exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-400:]}"}


def _mb(n: float) -> str:
    return f"{n / (1 << 20):.0f} MB"


def bench_render() -> dict:
    out = {}
    print(f"  {'render':<34} {'peak RSS':>9} {'ffmpeg':>8} {'estimate':>9} {'frames/s':>9}  longest step between "
          f"checks: all; the engine's own")
    for kind, (w, h) in (("still", SIZE_8K), ("keys", SIZE_8K), ("still", (8192, 8192)), ("keys", (8192, 8192))):
        r = _run_child("render", kind, str(w), str(h))
        label = f"{'animated still' if kind == 'still' else 'three keys'} {w}x{h}, {FRAMES} frames"
        out[label] = r
        if r.get("status") != "done":
            print(f"  {label:<34} {_mb(r.get('peak', 0)):>9}  not rendered: {(r.get('error') or '')[:300]}")
            continue
        est = _estimate(kind, (w, h))
        fps = FRAMES / r["write_s"] if r.get("write_s") else 0.0
        print(f"  {label:<34} {_mb(r['peak']):>9} {_mb(r['ffmpeg_peak']):>8} {_mb(est):>9} {fps:>9.2f}  "
              f"{r['worst_gap_s'] * 1e3:.0f} ms ({r['worst_from']} -> {r['worst_to']}); "
              f"{r['engine_gap_s'] * 1e3:.0f} ms ({r['engine_from']} -> {r['engine_to']})")
        out[label]["estimate"] = est
    return out


def _estimate(kind: str, size: tuple[int, int]) -> int:
    """The engine's estimate for the case, computed here (it is cheap and needs no render)."""
    from fractions import Fraction

    from studio.generators.flow_engine import estimate_bytes
    from studio.generators.request import GenerationRequest
    from studio.media.io import read_image
    from studio.motion.spec import CameraSpec, Keyframe, KeyframeSet, brushes_from_json
    if kind == "still":
        req = GenerationRequest(image=read_image(SAMPLES / "kodim03.png"), motion=brushes_from_json(_brushes()),
                                camera=CameraSpec(zoom=3.0, pan=1.0), frames=FRAMES, fps=Fraction(24))
    else:
        keys = KeyframeSet(tuple(Keyframe(f, read_image(SAMPLES / f"sill_{c}.png"))
                                 for c, f in (("a", 0), ("b", 5), ("c", FRAMES - 1))))
        req = GenerationRequest(keyframes=keys, frames=FRAMES, fps=Fraction(24))
    return estimate_bytes(req, size, FRAMES)


def bench_image() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "huge.png")
        t0 = time.perf_counter()
        _write_png(path, BOMB_SIDE)
        made = time.perf_counter() - t0
        size = os.path.getsize(path)
        r = _run_child("image", path)
    print(f"  read_image of a {BOMB_SIDE}x{BOMB_SIDE} PNG ({size / 1e6:.1f} MB file, made in {made:.0f} s): "
          f"peak RSS {_mb(r.get('peak', 0))}, {r.get('seconds', 0):.2f} s; {r.get('outcome') or r.get('error')}")
    return r


SECTIONS = {"render": bench_render, "image": bench_image}


def main(argv: list[str] | None = None) -> None:
    argv = list(argv or [])
    if argv[:1] == ["--child"]:
        _child(argv[1:])
        return
    import cv2
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
          f"opencv {cv2.__version__}")
    for name in argv or list(SECTIONS):
        print(f"[{name}]")
        SECTIONS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])

"""GUI responsiveness and speed.

Figures (goals in brackets):

(a) the longest event-loop stall while a heavy render runs in the background executor
    (< 50 ms): a 5 ms timer records when the GUI thread gets to run, while the render's
    progress events, node states and thumbnails flow into the window;
(b) app start to usable window, in a fresh process (< 2 s), and whether torch was imported
    at start (it must not be);
(c) opening a 500-node workflow: load, build the canvas, first paint (< 2 s);
(d) one pan step's repaint on that graph, at 100 % zoom and zoomed out to show it all (< 16 ms).

Run: ``python -m benchmarks.bench_gui`` (uses QT_QPA_PLATFORM=offscreen when there is no display).
The heavy render is LoadImage -> FlowGenerator when the flow engine is installed, otherwise a
numpy node that does comparable per-frame work (1080p frames, blurred and blended).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and sys.platform.startswith("linux"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from studio.graph import Float, Graph, Input, Int, NodeType, Output, Registry, workflow  # noqa: E402
from studio.media.clip import Clip  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _heavy(ctx, *, frames, size):
    h, w = size * 9 // 16, size
    base = (np.random.default_rng(1).random((h, w, 3)) * 255).astype(np.float32)
    out = np.empty((frames, h, w, 3), np.uint8)
    for i in range(frames):
        ctx.check_cancel()
        f = base * (0.5 + 0.5 * np.sin(i / 5.0))
        f = (f[:-2] + f[1:-1] + f[2:]) / 3.0   # a cheap blur, releases the GIL inside numpy
        out[i, 1:-1] = f.astype(np.uint8)
        ctx.progress((i + 1) / frames, f"frame {i + 1}/{frames}")
    return {"clip": Clip(out, 24)}


def _const(ctx, *, value):
    return {"value": value}


def _add(ctx, *, a, b, bias):
    return {"value": (a or 0) + (b or 0) + bias}


BENCH_TYPES = [
    NodeType("BenchHeavy", "Heavy render", "Bench", _heavy, outputs=(Output("clip", "Clip"),),
             params=(Int("frames", 48, min=1), Int("size", 1920, min=16)), description="numpy work per frame"),
    NodeType("BenchConst", "Const", "Bench", _const, outputs=(Output("value", "Any"),),
             params=(Float("value", 1.0),), description="a number"),
    NodeType("BenchAdd", "Add", "Bench", _add, inputs=(Input("a", "Any"), Input("b", "Any", optional=True)),
             outputs=(Output("value", "Any"),), params=(Float("bias", 0.0),), description="a + b + bias"),
]


def bench_registry() -> tuple[Registry, bool]:
    from studio.ui.app import load_registry
    real, _ = load_registry()
    types = list(real) + BENCH_TYPES
    return Registry(types), real.get("FlowGenerator") is not None


def machine() -> str:
    return f"{platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, " \
           f"Python {platform.python_version()}"


# -- (a) stall during a heavy render ---------------------------------------------------------------
def stall_during_render(app, registry, has_flow: bool) -> dict:
    from PySide6.QtCore import QTimer
    from studio.ui.main_window import MainWindow
    win = MainWindow(registry=registry)
    win.resize(1600, 1000)
    win.show()
    g = win.graph
    if has_flow:
        img = g.add("LoadImage", pos=(0, 0), path=os.path.join(ROOT, "resources", "samples", "kodim03.png"))
        brush = [{"name": "clouds", "horizontal": -3.0, "ambient": 5.0,
                  "shapes": [{"kind": "polygon", "points": [[0.4, -0.05], [1.05, -0.05], [1.05, 0.5], [0.5, 0.3]]}]}]
        mb = g.add("MotionBrush", pos=(0, 150), brushes=brush)
        cam = g.add("CameraMove", pos=(0, 300), zoom=3.0, pan=1.0)
        target = g.add("FlowGenerator", pos=(300, 0), frames=96, width=1920, height=1080)
        g.connect(img, "image", target, "image")
        g.connect(mb, "motion", target, "motion")
        g.connect(cam, "camera", target, "camera")
        what = "LoadImage + MotionBrush + CameraMove -> FlowGenerator (96 frames at 1920x1080)"
    else:
        target = g.add("BenchHeavy", pos=(0, 0), frames=48, size=1920)
        what = "numpy stand-in (48 frames of 1920x1080)"
    win.scene.rebuild()
    win.scene.select_nodes([target])
    for _ in range(5):
        app.processEvents()
    stamps: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: stamps.append(time.perf_counter()))
    timer.start()
    t0 = time.perf_counter()
    handle = win.runs.run([target])
    while not handle.done or win.runs.running:
        app.processEvents()
        time.sleep(0.001)
    for _ in range(20):   # let the last events, thumbnails and the viewer frame land
        app.processEvents()
        time.sleep(0.002)
    seconds = time.perf_counter() - t0
    timer.stop()
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    win.prompts = None
    win.undo.setClean()
    win.close()
    return {"what": what, "status": handle.result.status, "render_s": seconds,
            "max_stall_ms": (max(gaps) - 0.005) * 1000 if gaps else float("nan"),
            "p99_gap_ms": sorted(gaps)[int(len(gaps) * 0.99)] * 1000 if gaps else float("nan")}


# -- (b) start-up ------------------------------------------------------------------------------------
STARTUP = r"""
import sys, time
t0 = time.perf_counter()
from studio.ui.app import create_app, load_registry
app = create_app(["cinegraph"])
from studio.ui.main_window import MainWindow
registry, _ = load_registry()
w = MainWindow(registry=registry)
w.resize(1600, 1000)
w.show()
app.processEvents()
w.repaint()
t1 = time.perf_counter()
print(f"{t1 - t0:.4f} {'torch' in sys.modules}", flush=True)
w.undo.setClean(); w.close()
"""


def startup() -> dict:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", STARTUP], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    wall = time.perf_counter() - t0
    line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "nan True"
    in_process, torch = line.split()
    return {"process_start_to_window_s": wall, "import_to_window_s": float(in_process),
            "torch_imported": torch == "True"}


# -- (c) and (d): a 500-node graph -----------------------------------------------------------------------
def big_workflow(path: str, registry: Registry, n: int = 500) -> None:
    g = Graph(registry)
    cols = 25
    prev = None
    for i in range(n):
        x, y = (i % cols) * 260.0, (i // cols) * 180.0
        if i % cols == 0:
            prev = g.add("BenchConst", pos=(x, y), value=float(i))
            continue
        nid = g.add("BenchAdd", pos=(x, y), bias=1.0)
        g.connect(prev, "value", nid, "a")
        if i >= cols:
            g.connect(g.node(list(g.nodes)[i - cols]).id, "value", nid, "b")
        prev = nid
    workflow.save(g, path)


def open_and_pan(app, registry) -> dict:
    from studio.ui.main_window import MainWindow
    folder = tempfile.mkdtemp(prefix="cinegraph-bench-")
    path = os.path.join(folder, "big.cgraph")
    big_workflow(path, registry)
    win = MainWindow(registry=registry)
    win.resize(1600, 1000)
    win.show()
    app.processEvents()
    t0 = time.perf_counter()
    win.open_file(path, ask=False)
    app.processEvents()
    win.view.viewport().repaint()
    open_s = time.perf_counter() - t0
    results = {"nodes": len(win.graph.nodes), "links": len(win.graph.links), "open_s": open_s}
    view = win.view
    for label, zoom in (("pan_100pct", 1.0), ("pan_all", None)):
        if zoom is None:
            view.frame_all()
        else:
            view.set_zoom(zoom / view.zoom())
            view.centerOn(view.scene().content_rect().center())
        app.processEvents()
        times = []
        bar = view.horizontalScrollBar()
        for i in range(60):
            bar.setValue(bar.value() + (20 if (i // 15) % 2 == 0 else -20))
            t = time.perf_counter()
            view.viewport().repaint()
            times.append(time.perf_counter() - t)
        results[label + "_mean_ms"] = statistics.mean(times) * 1000
        results[label + "_max_ms"] = max(times) * 1000
    win.undo.setClean()
    win.close()
    return results


def main() -> None:
    from studio.ui.app import create_app
    app = create_app(["bench"])
    registry, has_flow = bench_registry()
    print(f"machine: {machine()}")
    print(f"Qt platform: {app.platformName()}")
    s = startup()
    print(f"(b) start to usable window: {s['process_start_to_window_s']:.2f} s from process start "
          f"({s['import_to_window_s']:.2f} s from first import); torch imported at start: {s['torch_imported']}"
          f"   [goal < 2 s, no torch]")
    r = stall_during_render(app, registry, has_flow)
    print(f"(a) longest event-loop stall during a heavy render: {r['max_stall_ms']:.1f} ms "
          f"(99th percentile gap {r['p99_gap_ms']:.1f} ms; {r['what']}, {r['status']} in {r['render_s']:.1f} s)"
          f"   [goal < 50 ms]")
    o = open_and_pan(app, registry)
    print(f"(c) open a {o['nodes']}-node, {o['links']}-link workflow: {o['open_s']:.2f} s   [goal < 2 s]")
    print(f"(d) pan-step repaint at 100 %: mean {o['pan_100pct_mean_ms']:.1f} ms, max {o['pan_100pct_max_ms']:.1f} ms;"
          f" whole graph in view: mean {o['pan_all_mean_ms']:.1f} ms, max {o['pan_all_max_ms']:.1f} ms"
          f"   [goal < 16 ms]")


if __name__ == "__main__":
    main()

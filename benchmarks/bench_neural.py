"""The neural runtime's overhead, and the time from Run to the first preview.

(a) Overhead: the same tiny random-weight Wan model (tests/neural/tiny_models.py), the same
    request (64x64, 9 frames, 8 steps, guidance 5), generated (1) by calling the diffusers
    pipeline directly in this process and (2) through our runtime: the worker process, with
    per-step progress and previews, frames back through a file.  Median of 3 warm runs each
    (models loaded); goal: the runtime at most 5 % slower.
(b) Run to first preview: from the generate call to the first preview in the app's process,
    cold (a fresh worker: start, import torch and diffusers, load the model, first step) and
    warm (the model already loaded).

Run: ``python -m benchmarks.bench_neural``.  CPU figures on a tiny model; record them with
the machine in BENCHMARKS.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIDTH, HEIGHT, FRAMES, STEPS, RUNS = 64, 64, 9, 8, 3


def _direct(path: str) -> list[float]:
    import torch
    from studio.generators.neural.worker import load_wan, make_scheduler
    torch.set_flush_denormal(True)   # as the worker does on the CPU: like for like
    loaded = load_wan(path, "cpu", torch.float32)
    pipe = loaded["t2v"]
    pipe.set_progress_bar_config(disable=True)
    times = []
    for i in range(RUNS + 1):
        pipe.scheduler = make_scheduler(loaded["scheduler_cls"], loaded["scheduler_config"], 3.0)
        t0 = time.perf_counter()
        with torch.inference_mode():
            pipe(prompt="a cat walks on the beach", height=HEIGHT, width=WIDTH, num_frames=FRAMES,
                 num_inference_steps=STEPS, guidance_scale=5.0, generator=torch.Generator().manual_seed(1),
                 output_type="np")
        if i:                      # the first run warms caches up
            times.append(time.perf_counter() - t0)
    return times


def _request(path: str) -> dict:
    from studio.generators.neural.wan_model import model_stamp
    return {"model": path, "stamp": model_stamp(path), "device": "cpu", "prompt": "a cat walks on the beach",
            "negative": "", "image": None, "width": WIDTH, "height": HEIGHT, "frames": FRAMES, "steps": STEPS,
            "guidance": 5.0, "shift": 3.0, "seed": 1}


def _runtime(path: str) -> tuple[list[float], float, float]:
    from studio.generators.neural.client import WorkerClient
    client = WorkerClient()
    try:
        first: list[float] = []
        t0 = time.perf_counter()
        client.generate(_request(path), on_preview=lambda m: first or first.append(time.perf_counter() - t0))
        cold = first[0]
        times, warm = [], []
        for _ in range(RUNS):
            first = []
            t0 = time.perf_counter()
            client.generate(_request(path), on_preview=lambda m: first or first.append(time.perf_counter() - t0))
            times.append(time.perf_counter() - t0)
            warm.append(first[0])
        return times, cold, statistics.median(warm)
    finally:
        client.close()


def main() -> None:
    sys.path.insert(0, ROOT)
    from tests.neural.tiny_models import build_tiny_wan
    with tempfile.TemporaryDirectory() as tmp:
        path = build_tiny_wan(os.path.join(tmp, "tiny-wan"), "t2v")
        runtime, cold, warm = _runtime(path)
        direct = _direct(path)
    d, r = statistics.median(direct), statistics.median(runtime)
    print(f"tiny Wan T2V, {WIDTH}x{HEIGHT}, {FRAMES} frames, {STEPS} steps, CPU, median of {RUNS}")
    print(f"  diffusers pipeline called directly: {d:.3f} s")
    print(f"  our runtime (worker, progress, previews, frames via file): {r:.3f} s  "
          f"overhead {100 * (r - d) / d:+.1f} % (goal <= 5 %)")
    print(f"  Run to first preview: cold {cold:.2f} s (worker start, imports, model load, first step); "
          f"warm {warm * 1000:.0f} ms")


if __name__ == "__main__":
    main()

"""The flow engine: speed, memory, motion accuracy and interpolation quality.

Sections (each a function; ``main()`` runs them all and prints the figures):

* :func:`bench_speed` -- 1080p animate-still frames/s (one translating brush plus one with
  ambient motion; the same with a camera move), also as a ratio to one ``cv2.remap`` pass over
  the same 1080p frame timed in the same run; 1080p keyframe in-betweens/s after the one-time
  flow of the pair (and that flow's time); Retime 24 -> 60 fps at 1080p frames/s after flows.
* :func:`bench_memory` -- peak RSS while streaming a long 1080p animate-still render one frame
  at a time (the peak must not grow with the length; goal < 2 GB for 10 minutes at 24 fps).
* :func:`bench_accuracy` -- a real photo rendered with a known translating brush; the flow
  between frame 0 and frame t of the result is estimated with Farneback (an estimator the
  engine does not use) on contrast-normalised float input (:func:`estimate_flow`) and compared
  with :func:`studio.motion.fields.dense_flow`: mean endpoint error inside the brushed region
  (eroded) and in static regions away from the region's path; two brush settings.
* :func:`bench_quality` -- every other frame of real footage dropped and rebuilt at t = 0.5:
  PSNR against the true frames for ours (:class:`Interpolator`, with the neighbouring kept
  frames and the rolling-shutter readout estimated from the kept frames), a crossfade and
  :func:`naive_interpolate` (plain DIS flows both ways, no occlusion handling).

Run: ``python -m benchmarks.bench_flow [speed|memory|accuracy|quality ...]``.  Not part of
the test suite.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "resources" / "samples"
MEDIA = Path("/work/shared/media")
HD = (1920, 1080)


def _photo(name: str = "kodim03.png", size: tuple[int, int] | None = None) -> np.ndarray:
    img = cv2.cvtColor(cv2.imread(str(SAMPLES / name)), cv2.COLOR_BGR2RGB)
    if size is not None:
        from studio.motion.interpolate import conform
        img = conform(img, size)
    return img


def _video(path: Path) -> list[np.ndarray]:
    import imageio_ffmpeg
    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    w, h = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(h, w, 3).copy() for f in gen]


def _footage(name: str) -> list[np.ndarray]:
    for base in (MEDIA, SAMPLES):
        if (base / name).exists():
            return _video(base / name)
    raise FileNotFoundError(name)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _best(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _square(x0, y0, x1, y1, softness=0.5, **values):
    from studio.motion.spec import Brush, Shape
    shape = Shape("polygon", ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), softness=softness)
    return Brush(shapes=(shape,), **values)


def _still_clip(image, motion=None, camera=None, frames=48, fps=24):
    from studio.executor import EvalContext
    from studio.generators import get_engine
    from studio.generators.request import GenerationRequest
    req = GenerationRequest(image=image, motion=motion, camera=camera, frames=frames, fps=Fraction(fps))
    return get_engine("flow").generate(req, EvalContext())


def _scenes():
    from studio.motion.spec import CameraSpec, MotionSpec
    motion = MotionSpec((_square(0.1, 0.2, 0.45, 0.7, horizontal=3.0, vertical=1.0),
                         _square(0.55, 0.1, 0.95, 0.5, ambient=5.0)))
    return {"translate + ambient brush": (motion, None),
            "same + camera move": (motion, CameraSpec(zoom=3.0, pan=1.0))}


# -- (a) speed --------------------------------------------------------------------------
def bench_speed() -> dict:
    out = {}
    image = _photo(size=HD)
    h, w = image.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    mx, my = gx + 3.3, gy + 1.7
    remap_s = _best(lambda: [cv2.remap(image, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
                             for _ in range(20)]) / 20
    out["remap_ms"] = remap_s * 1e3
    print(f"  one cv2.remap pass, 1080p RGB uint8 (float maps): {remap_s * 1e3:.2f} ms "
          f"({1 / remap_s:.0f} frames/s)")
    for label, (motion, camera) in _scenes().items():
        clip = _still_clip(image, motion, camera)
        clip.frame(1)   # warm
        n = len(clip) - 1
        secs = _best(lambda: [clip.frame(i) for i in range(1, n + 1)], 2) / n
        out[f"still {label}"] = 1 / secs
        print(f"  animate still 1080p, {label}: {1 / secs:.1f} frames/s ({secs * 1e3:.1f} ms/frame, "
              f"{secs / remap_s:.1f}x one remap)")
    from studio.motion.interpolate import Interpolator, conform
    frames = _footage("realshort.mp4")
    hd = {i: cv2.resize(frames[i], HD, interpolation=cv2.INTER_CUBIC) for i in (8, 10, 12, 14)}
    i0, i1 = hd[10], hd[12]
    # a pair inside a chain of four keys, with a rolling-shutter readout (the full per-frame path)
    it = Interpolator(i0, i1, before=hd[8], after=hd[14], readout=0.5)
    t0 = time.perf_counter()
    it.flow
    flow_s = time.perf_counter() - t0
    ts = np.linspace(0.05, 0.95, 19)
    secs = _best(lambda: [it.frame(float(t)) for t in ts], 2) / len(ts)
    out["interp_fps"], out["pair_flow_ms"] = 1 / secs, flow_s * 1e3
    print(f"  keyframe in-between 1080p (pair inside a chain of 4 keys): {1 / secs:.1f} frames/s "
          f"({secs * 1e3:.1f} ms/frame) after the one-time pair flows ({flow_s * 1e3:.0f} ms per pair, 4 DIS)")
    cradle = _footage("newtonscradle.gif")
    cradle = [f for i, f in enumerate(cradle) if i == 0 or not np.array_equal(f, cradle[i - 1])]
    hd_c = [conform(cradle[i], HD) for i in (14, 16, 18, 20)]    # the ball the flow loses, at 1080p
    for objects in (False, True):
        it_c = Interpolator(hd_c[1], hd_c[2], before=hd_c[0], after=hd_c[3], objects=objects)
        t0 = time.perf_counter()
        it_c.flow
        flow_c = time.perf_counter() - t0
        secs_c = _best(lambda: [it_c.frame(float(t)) for t in ts], 2) / len(ts)
        n = len(it_c.flow.objects.layers) if it_c.flow.objects else 0
        out[f"interp_fps_cradle_objects_{objects}"] = 1 / secs_c
        print(f"  keyframe in-between 1080p, newtonscradle (the swinging ball), object layers "
              f"{'on' if objects else 'off'}: {1 / secs_c:.1f} frames/s ({secs_c * 1e3:.1f} ms/frame, {n} layers) "
              f"after the pair flows ({flow_c * 1e3:.0f} ms)")
    steps = _pair_flow_steps(i0, i1)
    out["pair_flow_longest_step_ms"] = steps
    print(f"  pair_flow longest uninterruptible step at 1080p: {steps:.0f} ms")
    from studio.media.clip import Clip
    from studio.motion.retime import retime
    src = Clip(np.stack([cv2.resize(f, HD, interpolation=cv2.INTER_CUBIC) for f in frames[:9]]), 24)
    rt = retime(src, 1.0, "60")
    source = rt._frames
    t0 = time.perf_counter()
    readout = source.readout           # "auto": the one-time rolling-shutter calibration
    calib_s = time.perf_counter() - t0
    out["retime_calibration_s"] = calib_s
    print(f"  retime rolling-shutter calibration, 1080p, {len(src)} frames: {calib_s:.2f} s "
          f"(readout {readout.time} frames, t {readout.t_stat:.1f})")
    flow_total, t_all = 0.0, time.perf_counter()
    for k in range(len(rt)):
        i, t = source._split(k)
        if t:
            t0 = time.perf_counter()
            source._pair(i).flow
            flow_total += time.perf_counter() - t0
        rt.frame(k)
    total = time.perf_counter() - t_all
    out["retime_fps_after_flows"] = len(rt) / (total - flow_total)
    print(f"  retime 24 -> 60 fps, 1080p: {len(rt) / (total - flow_total):.1f} output frames/s after flows "
          f"({len(rt) / total:.1f} frames/s including the {len(src) - 1} pair flows; {len(rt)} frames "
          f"from {len(src)})")
    return out


def _pair_flow_steps(i0, i1) -> float:
    """The longest gap between cancellation checks of one pair_flow at this size, in ms."""
    from studio.motion.interpolate import pair_flow
    stamps = [time.perf_counter()]
    pair_flow(i0, i1, check=lambda: stamps.append(time.perf_counter()), before=i1, after=i0, before_at=-1, after_at=2)
    stamps.append(time.perf_counter())
    return max(np.diff(stamps)) * 1e3


# -- (b) memory -------------------------------------------------------------------------
def bench_memory(frames: int = 600) -> dict:
    image = _photo(size=HD)
    motion, camera = _scenes()["same + camera move"]
    base = _rss_mb()
    clip = _still_clip(image, motion, camera, frames=frames)
    marks = {}
    t0 = time.perf_counter()
    for i, frame in enumerate(clip.iter_frames()):
        frame.sum(dtype=np.uint64) if i % 100 == 0 else None
        if i + 1 in (50, frames // 2, frames):
            marks[i + 1] = _rss_mb()
    secs = time.perf_counter() - t0
    peak = _rss_mb()
    ten_min = 24 * 600
    print(f"  streaming {frames} frames of 1080p (2 brushes + camera): {frames / secs:.1f} frames/s; "
          f"peak RSS {peak:.0f} MB (process before: {base:.0f} MB); RSS after "
          + ", ".join(f"{k} frames {v:.0f} MB" for k, v in marks.items()))
    growth = marks[frames] - marks[50]
    print(f"  RSS growth from frame 50 to {frames}: {growth:.0f} MB -> 10 min at 24 fps ({ten_min} frames) "
          f"extrapolated peak {peak + growth * (ten_min - frames) / max(frames - 50, 1):.0f} MB; "
          f"time {ten_min / (frames / secs) / 60:.1f} min")
    return {"peak_mb": peak, "growth_mb": growth}


# -- (c) accuracy -----------------------------------------------------------------------
def bench_accuracy(names: tuple[str, ...] = ("coffee.png", "kodim03.png")) -> dict:
    settings = {"A": (12, (0.3, 0.3, 0.6, 0.65), (4.0, -2.0)), "B": (6, (0.2, 0.2, 0.75, 0.8), (4.0, -2.0))}
    return {f"{name} {k}": _accuracy(name, t, box, hv) for k, (t, box, hv) in settings.items() for name in names}


def _normalise(g: np.ndarray, sigma: float = 5.0, eps: float = 2.0) -> np.ndarray:
    """Local contrast normalisation (the same filter on both frames): high-pass over local RMS."""
    g = g.astype(np.float32)
    hp = g - cv2.GaussianBlur(g, (0, 0), sigma)
    return hp / (np.sqrt(cv2.GaussianBlur(hp * hp, (0, 0), sigma)) + eps)


def estimate_flow(g0: np.ndarray, g1: np.ndarray) -> np.ndarray:
    """Dense flow ``g0 -> g1`` by Farneback (the engine never uses it) set up for accuracy.

    Two things make plain Farneback on uint8 unreliable in low-contrast areas: OpenCV adds a
    fixed 1e-3 to the determinant of its 2x2 solve, which at 0..255 pulls the flow of flat
    areas to zero (its error on a *rigid* shift of these photos is 1.9-2.9 px), and large
    windows smear motion across edges.  Contrast-normalised float input scaled x64 removes
    both; Gaussian windows of 21 px, 10 iterations.
    """
    a, b = _normalise(g0) * 64.0, _normalise(g1) * 64.0
    return cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 4, 21, 10, 5, 1.1, cv2.OPTFLOW_FARNEBACK_GAUSSIAN)


def _accuracy(name: str, t: int, box, hv) -> dict:
    from studio.motion.fields import dense_flow
    from studio.motion.masks import rasterize_brush
    from studio.motion.spec import MotionSpec
    image = _photo(name)
    h, w = image.shape[:2]
    brush = _square(*box, softness=0.3, horizontal=hv[0], vertical=hv[1])
    spec = MotionSpec((brush,))
    frames, fps = 24, 24
    clip = _still_clip(image, spec, None, frames=frames, fps=fps)
    f0, ft = clip.frame(0), clip.frame(t)
    g0, gt = cv2.cvtColor(f0, cv2.COLOR_RGB2GRAY), cv2.cvtColor(ft, cv2.COLOR_RGB2GRAY)
    est = estimate_flow(g0, gt)
    truth = dense_flow(spec, None, (w, h), t, frames, fps)
    epe = np.hypot(*(est - truth).transpose(2, 0, 1))
    mask = rasterize_brush(brush, (w, h))
    k = int(0.04 * h)
    inside = cv2.erode((mask > 0.999).astype(np.uint8), np.ones((2 * k + 1, 2 * k + 1), np.uint8)) > 0
    # the region's path from frame 0 to t (its support swept along the motion), dilated
    shift = truth[mask > 0.999].mean(axis=0)
    sweep = np.zeros((h, w), np.uint8)
    for s in np.linspace(0, 1, 17):
        m = np.float32([[1, 0, shift[0] * s], [0, 1, shift[1] * s]])
        sweep |= cv2.warpAffine((mask > 1e-3).astype(np.uint8), m, (w, h))
    static = cv2.dilate(sweep, np.ones((2 * k + 1, 2 * k + 1), np.uint8)) == 0
    border = np.zeros((h, w), bool)
    border[k:h - k, k:w - k] = True
    static &= border
    a, b = float(epe[inside].mean()), float(epe[static].mean())
    am = float(np.median(epe[inside]))
    # the estimator's own error: the same photo shifted by the same amount with cv2.warpAffine
    ref = cv2.warpAffine(g0, np.float32([[1, 0, shift[0]], [0, 1, shift[1]]]), (w, h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT_101)
    est_ref = estimate_flow(g0, ref)
    floor = float(np.hypot(*(est_ref - shift.astype(np.float32)).transpose(2, 0, 1))[inside].mean())
    print(f"  {name} {w}x{h}, brush box {box} moving ({shift[0]:.1f}, {shift[1]:.1f}) px by frame {t}: "
          f"endpoint error inside the brushed region (eroded {k} px, {inside.sum()} px): mean {a:.3f} px, "
          f"median {am:.3f} px (the estimator on the same photo shifted rigidly by warpAffine: mean "
          f"{floor:.3f} px there); static regions ({static.sum()} px): mean {b:.3f} px")
    return {"epe_brushed": a, "epe_brushed_median": am, "estimator_floor": floor, "epe_static": b}


# -- (d) interpolation quality -----------------------------------------------------------
def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0 ** 2 / max(mse, 1e-10))


def bench_quality() -> dict:
    from studio.motion.interpolate import Interpolator, calibrate_readout, crossfade, naive_interpolate
    out, pooled = {}, {}
    for name in ("realshort.mp4", "newtonscradle.gif"):
        frames = _footage(name)
        # ffmpeg reads the GIF at a constant rate, repeating frames: keep distinct frames only
        frames = [f for i, f in enumerate(frames) if i == 0 or not np.array_equal(f, frames[i - 1])]
        # the rolling shutter is estimated from the kept frames only, as a keyframe chain would be
        readout = calibrate_readout(frames[0::2])
        print(f"  {name}: rolling-shutter readout {readout.time} key intervals "
              f"(r {readout.r:.2f}, t {readout.t_stat:.1f}, {readout.samples} keys predicted)")
        layers = 0
        scores = {"ours": [], "ours without object layers": [], "crossfade": [], "naive": []}
        for i in range(0, len(frames) - 2, 2):
            a, truth, b = frames[i], frames[i + 1], frames[i + 2]
            # the other kept frames are the chain's neighbouring keys (never the dropped ones)
            hood = dict(before=frames[i - 2] if i >= 2 else None, after=frames[i + 4] if i + 4 < len(frames) else None,
                        readout=readout.fraction(1))
            it = Interpolator(a, b, **hood)
            scores["ours"].append(_psnr(it.frame(0.5), truth))
            scores["ours without object layers"].append(_psnr(Interpolator(a, b, objects=False, **hood).frame(0.5), truth))
            layers += len(it.flow.objects.layers) if it.flow.objects else 0
            scores["crossfade"].append(_psnr(crossfade(a, b, 0.5), truth))
            scores["naive"].append(_psnr(naive_interpolate(a, b, 0.5), truth))
        m = {k: float(np.mean(v)) for k, v in scores.items()}
        out[name] = m
        for k, v in scores.items():
            pooled.setdefault(k, []).extend(v)
        print(f"  {name}: {layers} object layers; without them ours is {m['ours without object layers']:.2f} dB "
              f"({m['ours without object layers'] - m['naive']:+.2f} dB over naive)")
        print(f"  {name} ({len(scores['ours'])} rebuilt frames): PSNR ours {m['ours']:.2f} dB, crossfade "
              f"{m['crossfade']:.2f} dB, naive {m['naive']:.2f} dB -> +{m['ours'] - m['crossfade']:.2f} dB over "
              f"crossfade, {m['ours'] - m['naive']:+.2f} dB over naive")
    m = {k: float(np.mean(v)) for k, v in pooled.items()}
    out["all"] = m
    print(f"  all {len(pooled['ours'])} rebuilt frames: PSNR ours {m['ours']:.2f} dB, crossfade {m['crossfade']:.2f} "
          f"dB, naive {m['naive']:.2f} dB -> +{m['ours'] - m['crossfade']:.2f} dB over crossfade, "
          f"{m['ours'] - m['naive']:+.2f} dB over naive")
    return out


SECTIONS = {"speed": bench_speed, "memory": bench_memory, "accuracy": bench_accuracy, "quality": bench_quality}


def main(argv: list[str] | None = None) -> None:
    names = argv or list(SECTIONS)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
          f"opencv {cv2.__version__}, cv2 threads {cv2.getNumThreads()}")
    for n in names:
        print(f"[{n}]")
        SECTIONS[n]()


if __name__ == "__main__":
    main(sys.argv[1:])

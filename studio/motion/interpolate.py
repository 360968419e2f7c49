"""Keyframe interpolation with bidirectional optical flow, occlusion handling and curved motion.

**Flows.** For two keys ``I0`` and ``I1`` (same size) we estimate dense flow both ways with
OpenCV's DIS (preset MEDIUM, down to the finest pyramid level, on grey copies scaled so the
long side is at most :data:`FLOW_LONG_SIDE`), and a *visibility* for each pixel from
forward-backward consistency: a pixel ``x`` of ``I0`` is visible in ``I1`` when
``F01(x) + F10(x + F01(x))`` is small compared with the motion (``V0``), and likewise ``V1``.
``V`` is soft (a Gaussian of the mismatch), so confidence fades rather than switches.

**Motion model.** Each key's pixels follow a path through the keys of the chain.  With the
pair alone the path is a straight line: ``D0(t) = t F01`` (where a pixel of ``I0`` is at time
``t``, relative to where it started) and ``D1(t) = (1 - t) F10``.  When the chain has a key
before (at pair time ``tb < 0``) and/or after (``ta > 1``) the pair, the flows to those keys
give each pixel's position there too (``F0b`` from ``I0``; ``F10 + F0b(x + F10)`` for a pixel of
``I1``; likewise ``F1a`` and ``F01 + F1a(x + F01)``), and the path is the Lagrange polynomial
through all of them: a quadratic with one neighbour, a cubic with two (motion that speeds up,
slows down or curves -- a pendulum, a ball in flight, a camera shake -- lands where it really
is rather than on the chord; compare QVI, Xu et al. 2019).  A neighbour is trusted only where
its flow matches the picture: its confidence ``c = exp(-(e / CURVE_SIGMA)^2)`` comes from the
box-blurred grey-level error ``e`` of the neighbour flow.  Each pixel's path is the mixture of
the polynomials through every subset of the neighbours, weighted by how far each neighbour is
trusted there: with neighbours ``b`` and ``a``, ``c_b c_a`` for the cubic, ``c_b (1 - c_a)`` and
``(1 - c_b) c_a`` for the quadratics through one of them and ``(1 - c_b)(1 - c_a)`` for the
straight line.  So where one neighbour's flow fails (a fast ball it lost, a cut) the path still
bends through the other, and a neighbour key of unrelated content falls back to straight lines.
The mixture is gathered into one field per power of ``t`` once per pair (:class:`Path`).  Keys
that hold (``hold > 0``) end the chain: motion pauses there.

**In-between frames.** At ``t`` in (0, 1) both keys are sampled backward along their paths,
``W0 = I0(x - D0(t))`` and ``W1 = I1(x - D1(t))``, and blended with weights
``w0 = (1 - t) * V1(x - D1(t))`` and ``w1 = t * V0(x - D0(t))``: content of ``I0`` that will be
hidden in ``I1`` (low ``V0``) cannot be found in ``I1``, so the ``I1`` sample there is wrong and
loses its weight, and content that appears only in ``I1`` (low ``V1``) is taken from ``I1``.  A
small floor keeps the plain time weights where both are uncertain.  Keys are returned exactly
at their own frames.

Keyframes of different sizes are conformed to the output size by scaling to cover it and
cropping the centre (:func:`conform`), so nothing is stretched.

Costs: flows once per key pair (two DIS, plus one per neighbour, shared with the chain's
neighbouring pairs through a :class:`FlowCache`, so a chain costs two per pair), kept
at the flow resolution; each in-between frame combines the path terms there, builds the two
sampling maps with one resize each, does one 4-channel remap per key (picture plus visibility
in the alpha channel) and one weighted blend (``_CvPair``; on a GPU the same steps run on
torch, ``TorchPair``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from studio.executor.cancel import checkpoint
from studio.motion import flowmath
from studio.motion.flowmath import RowResize, flow_affine
from studio.motion.flowmath import grid as _grid
from studio.motion.flowmath import sample as _sample
from studio.motion.objects import ObjectLayers, find_objects

#: flow is estimated on frames scaled to at most this long side (speed; the flow is smooth)
FLOW_LONG_SIDE = 768
#: DIS needs pictures at least this big: smaller ones are scaled up for the flow
MIN_FLOW_SIDE = 16
#: visibility floor so the plain time weights decide where both samples are uncertain
FLOOR = 0.02
#: grey-level error (box-blurred) at which a neighbour key's flow is trusted to exp(-1)
CURVE_SIGMA = 10.0
#: box size, in flow pixels, of that blur (wide, so a chance match of unrelated content in a
#: flat patch does not earn trust)
CURVE_BLUR = 15


def conform(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to cover ``size`` (W, H) and centre-cropped; unchanged if it fits.

    Enlarging to a frame of more than :data:`studio.motion.flowmath.BAND_PIXELS` goes a band of
    rows at a time where the heights allow (:class:`studio.motion.flowmath.RowResize`), with the
    same pixels, so an 8K key is never first made whole at its cover size."""
    w, h = size
    ih, iw = image.shape[:2]
    if (iw, ih) == (w, h):
        return image
    scale = max(w / iw, h / ih)
    nw, nh = max(w, int(round(iw * scale))), max(h, int(round(ih * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    x0, y0 = (nw - w) // 2, (nh - h) // 2
    if interp == cv2.INTER_CUBIC and w * h > flowmath.BAND_PIXELS:
        # a large frame: enlarged a band of rows at a time (the same rows), between cancel checks
        resize = RowResize(image, (nw, nh), cv2.INTER_CUBIC)
        if resize.aligned:
            out = np.empty((h, w) + image.shape[2:], image.dtype)
            for a, b in resize.bands():
                lo, hi = max(a, y0), min(b, y0 + h)
                if lo < hi:
                    checkpoint()
                    out[lo - y0:hi - y0] = resize.rows(a, b)[lo - a:hi - a, x0:x0 + w]
            return out
    resized = cv2.resize(image, (nw, nh), interpolation=interp)
    return np.ascontiguousarray(resized[y0:y0 + h, x0:x0 + w])


def _grey_small(image: np.ndarray, scale: float) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    if scale != 1.0:
        h, w = grey.shape
        size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return grey


def _dis(finest: bool = True) -> cv2.DISOpticalFlow:
    """DIS, preset MEDIUM; ``finest`` refines down to the full flow resolution (sharper motion
    boundaries and small fast objects, about 2x the time of the preset's finest scale 1)."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    dis.setUseSpatialPropagation(True)
    if finest:
        dis.setFinestScale(0)
    return dis


def _upscale_flow(flow: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    fh, fw = flow.shape[:2]
    if (fw, fh) == (w, h):
        return flow
    up = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR)
    up[..., 0] *= w / fw
    up[..., 1] *= h / fh
    return up


def _visibility(f_ab: np.ndarray, f_ba: np.ndarray, grid: np.ndarray, units: tuple[float, float]) -> np.ndarray:
    """Soft forward-backward consistency of ``f_ab`` (1: visible in b, 0: occluded).

    The flows are in the pixels of ``grid``; ``units`` converts them to output pixels, in
    which the tolerance is set.
    """
    back = cv2.remap(f_ba, grid + f_ab, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    err = (f_ab + back) * np.float32(units)
    mismatch = err[..., 0] ** 2 + err[..., 1] ** 2
    fa, fb = f_ab * np.float32(units), back * np.float32(units)
    motion = fa[..., 0] ** 2 + fa[..., 1] ** 2 + fb[..., 0] ** 2 + fb[..., 1] ** 2
    tolerance = 0.01 * motion + 0.5
    return np.exp(-mismatch / tolerance).astype(np.float32)


@dataclass
class Path:
    """One key's motion path as a polynomial in ``s = t - own``: ``D(t) = sum_j s^j * coeffs[j-1]``.

    The path is a per-pixel mixture of Lagrange polynomials through the key's own time (where
    ``D = 0``), the other key of the pair and the trusted neighbours (:func:`_path`); the
    mixture is gathered into one field per power of ``s`` once per pair, so a frame costs one
    multiply-add per power.  Fields are (h', w', 2) float32 in output pixels at the flow
    resolution.
    """

    own: float                     # 0.0 for key 0, 1.0 for key 1
    coeffs: list[np.ndarray]
    #: the camera's acceleration over the pair from the rolling shutter (output pixels, the
    #: change of velocity in pixels per pair interval), or None; see :func:`shutter_shear`
    accel: np.ndarray | None = None
    #: spatial means of ``coeffs`` (a list) and of the straight line's flow (``"line"``)
    means: dict | None = None

    def terms(self, t: float) -> list[tuple[float, np.ndarray]]:
        """``(coefficient, field)`` pairs whose sum (plus :meth:`offset`) is ``D(t)``."""
        s = t - self.own
        return [(s ** (j + 1), f) for j, f in enumerate(self.coeffs)]

    def offset(self, t: float) -> np.ndarray | None:
        """The constant (x, y) added to ``D(t)`` when the camera's acceleration is known.

        The paths' own global bend (the spatial mean of their departure from the straight
        line) is replaced by the uniform acceleration ``a``: ``(a / 2) (t^2 - t)``, zero at
        both keys; the paths' local bends (a pendulum in a shaking shot) stay.
        """
        if self.accel is None:
            return None
        m = self.means
        line = abs(t - self.own)          # the chord's share of F: t for key 0, 1 - t for key 1
        bend = sum(c * mean for (c, _), mean in zip(self.terms(t), m["coeffs"])) - line * m["line"]
        return (self.accel * (0.5 * (t * t - t)) - bend).astype(np.float32)

    @property
    def nbytes(self) -> int:
        return sum(f.nbytes for f in self.coeffs)


def _lagrange_powers(nodes: tuple[float, ...], j: float, own: float) -> np.ndarray:
    """The Lagrange basis polynomial of node ``j`` as coefficients of ``s, s^2, ...`` (``s = t - own``;
    ``own`` is one of ``nodes``, so there is no constant term)."""
    others = [k for k in nodes if k != j]
    scale = float(np.prod([j - k for k in others]))
    poly = np.poly([k - own for k in others]) / scale      # highest power first
    return poly[::-1][1:]


@dataclass
class PairFlow:
    """Flows, visibilities and motion paths of two keys, at the flow resolution.

    ``f01``/``f10`` are in *output* pixels (scaled from the flow resolution), ``v0``/``v1`` in
    0..1; all are (h', w', ...) arrays at the reduced size the flow was estimated at, and
    :meth:`full` brings one to the output size.
    """

    f01: np.ndarray
    f10: np.ndarray
    v0: np.ndarray
    v1: np.ndarray
    size: tuple[int, int]        # the output (W, H)
    path0: Path
    path1: Path
    #: small fast objects the flow lost, moved as layers (:mod:`studio.motion.objects`), or None
    objects: ObjectLayers | None = None

    @property
    def nbytes(self) -> int:
        return (self.f01.nbytes + self.f10.nbytes + self.v0.nbytes + self.v1.nbytes
                + self.path0.nbytes + self.path1.nbytes + (self.objects.nbytes if self.objects else 0))

    def full(self, field: np.ndarray) -> np.ndarray:
        """``field`` (one of the above, or a combination) resized to the output size."""
        if field.shape[1::-1] == self.size:
            return field
        return cv2.resize(field, self.size, interpolation=cv2.INTER_LINEAR)


def dis_flows(i0: np.ndarray, i1: np.ndarray, check: Callable[[], None] | None = None, finest: bool = False
              ) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """DIS flows both ways at the flow resolution, and the (x, y) factor to output pixels."""
    h, w = i0.shape[:2]
    scale = _flow_scale(i0)
    g0, g1 = _grey_small(i0, scale), _grey_small(i1, scale)
    dis = _dis(finest)
    f01 = dis.calc(g0, g1, None)
    if check:
        check()
    f10 = dis.calc(g1, g0, None)
    if check:
        check()
    fh, fw = f01.shape[:2]
    return f01, f10, (w / fw, h / fh)


def _flow_scale(image: np.ndarray) -> float:
    """Down to FLOW_LONG_SIDE; up for pictures too small for DIS (short side under MIN_FLOW_SIDE)."""
    h, w = image.shape[:2]
    scale = min(1.0, FLOW_LONG_SIDE / max(h, w))
    return max(scale, MIN_FLOW_SIDE / min(h, w))


def _confidence(g_key: np.ndarray, g_other: np.ndarray, flow: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """How well ``flow`` maps the key onto the other picture: 1 good, 0 unrelated."""
    err = cv2.absdiff(_sample(g_other.astype(np.float32), grid, flow), g_key.astype(np.float32))
    err = cv2.blur(err, (CURVE_BLUR, CURVE_BLUR))
    return np.exp(-(err * (1.0 / CURVE_SIGMA)) ** 2).astype(np.float32)


def _flow(dis, ga: np.ndarray, gb: np.ndarray, cache: FlowCache | None, key, check) -> np.ndarray:
    """DIS flow from ``ga`` to ``gb`` (through ``cache`` under ``key`` when given), then ``check()``."""
    out = dis.calc(ga, gb, None) if cache is None else cache.get(key, lambda: dis.calc(ga, gb, None))
    if check:
        check()
    return out


class FlowCache:
    """Directed DIS flows between the pictures of one chain, by the pictures' ids (LRU, thread safe).

    Neighbouring pairs of a chain share flows: the flow from key ``k`` back to key ``k - 1``
    is both pair ``k - 1``'s backward flow and pair ``k``'s flow to its neighbour before, so
    with a cache a chain costs two DIS runs per pair instead of four.
    """

    def __init__(self, size: int = 6):
        self.size = size
        self._flows: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute: Callable[[], np.ndarray]) -> np.ndarray:
        with self._lock:
            if key in self._flows:
                self._flows.move_to_end(key)
                return self._flows[key]
        flow = compute()                      # outside the lock: DIS is the slow part
        with self._lock:
            self._flows[key] = flow
            while len(self._flows) > self.size:
                self._flows.popitem(last=False)
        return flow


def pair_flow(i0: np.ndarray, i1: np.ndarray, check: Callable[[], None] | None = None, *,
              before: np.ndarray | None = None, after: np.ndarray | None = None,
              before_at: float = -1.0, after_at: float = 2.0, cache: FlowCache | None = None,
              ids: tuple | None = None, readout: float | None = None, objects: bool = True) -> PairFlow:
    """Bidirectional DIS flow between two same-size RGB frames, with visibilities and paths.

    ``before``/``after``: the chain's keys either side of the pair (same size) at pair times
    ``before_at < 0`` and ``after_at > 1``, for curved paths (see the module docstring).
    ``cache`` and ``ids`` (hashable ids of before, i0, i1, after) share flows along a chain.
    ``readout``: the camera's rolling-shutter readout time as a fraction of the pair's interval
    (see :func:`calibrate_readout`), or None to leave the camera's acceleration to the paths.
    ``objects``: look for small fast objects the flow lost and move them as layers (needs a
    neighbour; see :mod:`studio.motion.objects`).
    """
    h, w = i0.shape[:2]
    for name, img, at, ok in (("before", before, before_at, before_at < 0), ("after", after, after_at, after_at > 1)):
        if img is not None and (img.shape != i0.shape or not ok):
            raise ValueError(f"{name} key: needs the pair's size {i0.shape} and a time outside 0..1, got "
                             f"{img.shape} at {at}")
    scale = _flow_scale(i0)
    g0 = _grey_small(i0, scale)
    if check:
        check()
    g1 = _grey_small(i1, scale)
    if check:
        check()
    dis = _dis()
    id_b, id_0, id_1, id_a = ids if ids is not None else (None,) * 4

    def flow(a, b, ga, gb):
        return _flow(dis, ga, gb, None if ids is None else cache, (a, b), check)

    f01 = flow(id_0, id_1, g0, g1)
    f10 = flow(id_1, id_0, g1, g0)
    fh, fw = f01.shape[:2]
    units = (w / fw, h / fh)
    grid = _grid(fh, fw)
    v0, v1 = _visibility(f01, f10, grid, units), _visibility(f10, f01, grid, units)
    nodes0, nodes1 = {1.0: f01}, {0.0: f10}
    conf0, conf1 = {}, {}

    def reach(g_key, id_key, picture, id_picture, at, own, other, cross, own_conf, other_conf):
        """A neighbour of one key: its position for both keys' pixels, and the trust in it;
        returns the neighbour's grey picture and the key's flow to it."""
        g = _grey_small(picture, scale)
        if check:
            check()
        f = flow(id_key, id_picture, g_key, g)
        own[at] = f
        other[at] = cross + _sample(f, grid, cross)       # the other key's pixels go via this key
        c = _confidence(g_key, g, f, grid)
        own_conf[at] = c
        other_conf[at] = _sample(c, grid, cross)
        return g, f

    hood = {}
    if before is not None:
        hood["before"] = reach(g0, id_0, before, id_b, before_at, nodes0, nodes1, f10, conf0, conf1)
    if after is not None:
        hood["after"] = reach(g1, id_1, after, id_a, after_at, nodes1, nodes0, f01, conf1, conf0)
    k = np.float32(units)
    path0 = _path(nodes0, 0.0, conf0, k)
    path1 = _path(nodes1, 1.0, conf1, k)
    if readout is not None:
        if not (np.isfinite(readout) and readout > 0):
            raise ValueError(f"readout: expected a positive fraction of the key interval, got {readout}")
        accel = np.float32(h / readout) * shutter_shear(f01 * k, f10 * k, v0, v1, (w, h))
        for p, line in ((path0, f01 * k), (path1, f10 * k)):
            p.accel = accel
            p.means = {"coeffs": [f.reshape(-1, 2).mean(axis=0) for f in p.coeffs],
                       "line": line.reshape(-1, 2).mean(axis=0)}
    layers = find_objects(i0, i1, g0, g1, f01, f10, **hood, check=check) if objects else None
    return PairFlow(f01 * k, f10 * k, v0, v1, (w, h), path0, path1, layers)


# -- rolling shutter: the camera's acceleration within a pair ----------------------------
def shutter_shear(f01: np.ndarray, f10: np.ndarray, v0: np.ndarray | None, v1: np.ndarray | None,
                  size: tuple[int, int]) -> np.ndarray:
    """The rolling-shutter shear of a pair: ``(dFx/dy + dFy/dx, dFy/dy - dFx/dx)``.

    A rolling shutter reads the rows top to bottom over the readout time ``r``, so a camera
    whose image velocity changes by ``a`` over the pair (in pixels per pair interval) leaves
    the flow varying down the rows: ``dF/dy = (r / H) a``.  Rotation about the lens axis
    (``dFx/dy = -dFy/dx``) and zoom (``dFx/dx = dFy/dy``) cancel in this combination, so what
    remains is the shutter's.  The forward and backward flows see opposite changes; their
    estimates are averaged.
    """
    sig = []
    for flow, vis in ((f01, v0), (f10, v1)):
        _, a = flow_affine(flow, vis, size)
        sig.append(np.array([a[0, 1] + a[1, 0], a[1, 1] - a[0, 0]]))
    return ((sig[0] - sig[1]) / 2.0).astype(np.float32)


@dataclass(frozen=True)
class Readout:
    """A rolling-shutter readout estimated from a chain of pictures (:func:`calibrate_readout`).

    ``time``: the readout in the chain's time units (frames), None when the chain shows no
    rolling shutter (too few pictures, or no significant relation); ``r`` and ``t_stat``: the
    correlation between predicted and measured bends and its t statistic; ``samples``: how many
    pictures were predicted.
    """

    time: float | None
    r: float = 0.0
    t_stat: float = 0.0
    samples: int = 0

    def fraction(self, interval: float) -> float | None:
        """The readout as a fraction of a pair interval (for :class:`Interpolator`), or None."""
        return None if self.time is None or interval <= 0 else self.time / float(interval)


#: a readout is used only when its relation is at least this significant (t statistic)
READOUT_T = 3.0
#: the fewest predicted pictures a calibration needs, and the most it measures
READOUT_MIN, READOUT_MAX = 3, 12


def calibrate_readout(images: Sequence[np.ndarray], times: list[float] | None = None,
                      check: Callable[[], None] | None = None, cache: FlowCache | None = None,
                      ids: list | None = None) -> Readout:
    """Estimate a camera's rolling-shutter readout from a chain of its pictures.

    Each inner picture ``k`` is predicted from its neighbours ``k - 1`` and ``k + 1``: under a
    uniform acceleration the picture lies off the chord between them by ``X / r``, with
    ``X = H T s (tau^2 - tau) / 2`` (``s`` the neighbours' :func:`shutter_shear`, ``T`` their
    time apart, ``tau`` the picture's fraction of it) and ``r`` the readout time.  The measured
    offsets (the affine motion at the centre) give ``1 / r`` by least squares over up to
    :data:`READOUT_MAX` pictures spread over the chain; the estimate is used only when the
    relation is significant (t statistic at least :data:`READOUT_T`) and positive, so footage
    with a global shutter, a locked-off camera or unrelated stills gets None.  ``times``: the
    pictures' times (default 0, 1, 2...); ``images`` may be any sequence (a clip's frames are
    fetched only where measured); ``cache``/``ids`` share flows with the pairs.
    """
    n = len(images)
    times = list(range(n)) if times is None else [float(t) for t in times]
    inner = list(range(1, n - 1))
    if len(inner) < READOUT_MIN:
        return Readout(None, samples=len(inner))
    if len(inner) > READOUT_MAX:
        inner = sorted({inner[int(round(j))] for j in np.linspace(0, len(inner) - 1, READOUT_MAX)})
    first = images[inner[0]]
    h, w = first.shape[:2]
    scale = _flow_scale(first)
    dis = _dis()
    grey: dict[int, np.ndarray] = {}

    def g(i):
        if i not in grey:
            picture = images[i]            # may be decoded on demand: fetched once
            if picture.shape[:2] != (h, w):
                raise ValueError(f"calibrate_readout: picture {i} is {picture.shape[1]}x{picture.shape[0]}, "
                                 f"the others {w}x{h}")
            grey[i] = _grey_small(picture, scale)
        return grey[i]

    def flow(a, b):
        key = None if ids is None else (ids[a], ids[b])
        return _flow(dis, g(a), g(b), None if ids is None else cache, key, check)

    xs, ds = [], []
    for k in inner:
        span = times[k + 1] - times[k - 1]
        tau = (times[k] - times[k - 1]) / span
        if not (span > 0 and 0 < tau < 1):
            raise ValueError(f"calibrate_readout: times must increase, got {times[k - 1:k + 2]}")
        f_ac, f_ca, f_ab = flow(k - 1, k + 1), flow(k + 1, k - 1), flow(k - 1, k)
        units = np.float32((w / f_ac.shape[1], h / f_ac.shape[0]))
        s = shutter_shear(f_ac * units, f_ca * units, None, None, (w, h))
        b_ac, _ = flow_affine(f_ac * units, None, (w, h))
        b_ab, _ = flow_affine(f_ab * units, None, (w, h))
        xs.append(h * span * s * (tau * tau - tau) / 2.0)
        ds.append(b_ab - tau * b_ac)
    x, d = np.concatenate(xs).astype(np.float64), np.concatenate(ds).astype(np.float64)
    sxx, sxd, sdd = float(x @ x), float(x @ d), float(d @ d)
    if sxx <= 0 or sdd <= 0:
        return Readout(None, samples=len(inner))
    r = sxd / np.sqrt(sxx * sdd)
    t_stat = r * np.sqrt(len(x) - 1) / np.sqrt(max(1.0 - r * r, 1e-12))
    time = sxx / sxd if (t_stat >= READOUT_T and sxd > 0) else None
    return Readout(time, float(r), float(t_stat), len(inner))


def _path(nodes: dict[float, np.ndarray], own: float, conf: dict[float, np.ndarray], units: np.ndarray) -> Path:
    """A key's path: the mixture, per pixel, of the polynomials through every subset of the
    neighbours ``conf`` trusts.

    ``nodes``: each node time's field (the other key's at ``1 - own``, a neighbour's elsewhere);
    ``conf``: each neighbour's trust (0..1 per pixel).  The subset ``S`` of neighbours gets the
    weight ``prod(c, n in S) * prod(1 - c, n not in S)``: with both neighbours trusted the cubic,
    with one the quadratic through it, with none the straight line to the other key.
    """
    other = 1.0 - own
    neighbours = sorted(conf)
    coeffs = [np.zeros_like(nodes[other]) for _ in range(1 + len(neighbours))]
    for mask in range(1 << len(neighbours)):
        chosen = [n for i, n in enumerate(neighbours) if mask >> i & 1]
        weight = np.float32(1.0)
        for n in neighbours:
            weight = weight * (conf[n] if n in chosen else 1.0 - conf[n])
        scale = weight[..., None] * units if neighbours else units
        times = tuple(sorted([own, other, *chosen]))
        for k in (other, *chosen):
            field = nodes[k] * scale
            for j, c in enumerate(_lagrange_powers(times, k, own)):
                coeffs[j] = cv2.scaleAdd(field, float(c), coeffs[j])
    return Path(own, coeffs)


class Interpolator:
    """In-between frames of one key pair (the flows computed once, on first use).

    ``backend``: None for OpenCV on the CPU, or a :class:`studio.motion.torch_warp.TorchOps`
    to sample and blend on its device.  ``before``/``after``: the chain's neighbouring keys and
    their times in pair units (``-1`` and ``2`` for evenly spaced keys), for curved paths;
    ``cache``/``ids`` share flows with the chain's other pairs (:class:`FlowCache`);
    ``readout``: the rolling shutter's readout as a fraction of this pair's interval (from
    :meth:`Readout.fraction`), which gives the camera's acceleration, or None; ``objects``:
    move small fast objects the flow lost as layers (:mod:`studio.motion.objects`).
    """

    def __init__(self, i0: np.ndarray, i1: np.ndarray, backend=None, *, before: np.ndarray | None = None,
                 after: np.ndarray | None = None, before_at: float = -1.0, after_at: float = 2.0,
                 cache: FlowCache | None = None, ids: tuple | None = None, readout: float | None = None,
                 objects: bool = True):
        if i0.shape != i1.shape:
            raise ValueError(f"keys differ in size: {i0.shape} and {i1.shape}")
        self.i0, self.i1 = i0, i1
        self.backend = backend
        self._neighbours = dict(before=before, after=after, before_at=before_at, after_at=after_at)
        self._sharing = dict(cache=cache, ids=ids, readout=readout, objects=objects)
        self._flow: PairFlow | None = None
        self._state = None
        self._lock = threading.Lock()

    def prepare(self, check: Callable[[], None] | None = None) -> PairFlow:
        """Compute the flows now (``check`` is called between steps and not kept)."""
        with self._lock:
            if self._flow is None:
                flow = pair_flow(self.i0, self.i1, check, **self._neighbours, **self._sharing)
                self._state = pair_state(self.i0, self.i1, flow, self.backend)
                self._flow = flow
            return self._flow

    @property
    def flow(self) -> PairFlow:
        return self.prepare()

    @property
    def nbytes(self) -> int:
        extra = 0 if self._flow is None else self._flow.nbytes + self._state.nbytes
        hood = sum(v.nbytes for v in (self._neighbours["before"], self._neighbours["after"]) if v is not None)
        return self.i0.nbytes + self.i1.nbytes + hood + extra

    def frame(self, t: float) -> np.ndarray:
        if t <= 0.0:
            return self.i0
        if t >= 1.0:
            return self.i1
        self.prepare()
        return self._state.frame(t)


def pair_state(i0: np.ndarray, i1: np.ndarray, flow: PairFlow, backend=None):
    """The per-frame state of a key pair (what :meth:`Interpolator.frame` draws from): the
    keys with their visibilities, on OpenCV (``backend`` None) or the backend's device.

    It holds two frames of RGBA (8 bytes a pixel on OpenCV), so a long chain keeps only the
    states of the pairs in use (see :mod:`studio.generators.flow_engine`)."""
    if backend is None:
        return _CvPair(i0, i1, flow)
    return backend.interpolator(i0, i1, flow, FLOOR)


class _CvPair:
    """The per-frame work of :class:`Interpolator` on OpenCV.

    Each key is stored as RGBA uint8 with its visibility in the alpha channel, so one remap
    (OpenCV's 4-channel path, several times faster than 3 channels) samples picture and
    visibility together; the approximated flows are combined at the flow resolution and
    resized, and the weighted blend is one ``cv2.blendLinear``.  Frames larger than
    :data:`studio.motion.flowmath.BAND_PIXELS` are made in bands of rows (the sampling maps,
    8 bytes a pixel per key, exist for one band at a time), with the active run's cancel
    checked between bands.
    """

    def __init__(self, i0: np.ndarray, i1: np.ndarray, flow: PairFlow):
        self.flow = flow
        self.p0 = _with_alpha(i0, flow.v0, flow.size)
        self.p1 = _with_alpha(i1, flow.v1, flow.size)
        self.maps = _ResizedGrid(flow.f01.shape[1::-1], flow.size)

    @property
    def nbytes(self) -> int:
        return self.p0.nbytes + self.p1.nbytes + self.maps.nbytes

    def frame(self, t: float) -> np.ndarray:
        fl = self.flow
        d0 = _combine(fl.path0.terms(t), -1.0, fl.path0.offset(t))
        d1 = _combine(fl.path1.terms(t), -1.0, fl.path1.offset(t))
        w, h = fl.size
        if w * h <= flowmath.BAND_PIXELS:
            out = self._rows(self.maps(d0), self.maps(d1), t)
        else:
            (rows0, bands), (rows1, _) = self.maps.rows(d0), self.maps.rows(d1)
            out = np.empty((h, w, 3), np.uint8)
            for r0, r1 in bands:
                checkpoint()
                out[r0:r1] = self._rows(rows0(r0, r1), rows1(r0, r1), t)
        return out if fl.objects is None else fl.objects.composite(out, t)

    def _rows(self, maps0: np.ndarray, maps1: np.ndarray, t: float) -> np.ndarray:
        """The blended rows that the sampling maps ``maps0``/``maps1`` cover."""
        fl = self.flow
        w0 = cv2.remap(self.p0, maps0, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        w1 = cv2.remap(self.p1, maps1, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # w0's weight is (1 - t) * V1 at the I1 sample, w1's is t * V0 at the I0 sample
        v0, v1 = cv2.extractChannel(w0, 3), cv2.extractChannel(w1, 3)
        a = cv2.addWeighted(v1, (1.0 - t) / 255.0, v1, 0.0, FLOOR * (1.0 - t), dtype=cv2.CV_32F)
        b = cv2.addWeighted(v0, t / 255.0, v0, 0.0, FLOOR * t, dtype=cv2.CV_32F)
        if fl.objects is not None:
            fl.objects.weights(a, b, maps0, maps1, t)
        return cv2.cvtColor(cv2.blendLinear(w0, w1, a, b), cv2.COLOR_RGBA2RGB)


def _combine(terms: list[tuple[float, np.ndarray]], sign: float, offset: np.ndarray | None = None) -> np.ndarray:
    """``sign * (sum(coefficient * field) + offset)``."""
    (c, f), rest = terms[0], terms[1:]
    out = f * np.float32(sign * c)
    for c, f in rest:
        out = cv2.scaleAdd(f, sign * c, out)
    if offset is not None:
        out += np.float32(sign) * offset
    return out


class _ResizedGrid:
    """Absolute sampling maps ``grid + flow`` at the output size from a flow at a reduced size.

    The reduced pixel grid (in output pixels) plus the flow is resized in one ``cv2.resize``
    -- the grid is linear, so it comes back exact -- except in the outermost rows and columns,
    where the resize clamps to the first and last samples; those get their exact grid back.
    """

    def __init__(self, small: tuple[int, int], size: tuple[int, int]):
        (sw, sh), (w, h) = small, size
        self.size = size
        kx, ky = w / sw, h / sh
        gx, gy = np.meshgrid((np.arange(sw, dtype=np.float32) + 0.5) * kx - 0.5,
                             (np.arange(sh, dtype=np.float32) + 0.5) * ky - 0.5)
        self.grid = np.dstack([gx, gy])
        self.fix_x = _clamp_fix(sw, w)
        self.fix_y = _clamp_fix(sh, h)

    @property
    def nbytes(self) -> int:
        return self.grid.nbytes

    def __call__(self, flow: np.ndarray) -> np.ndarray:
        maps = cv2.resize(cv2.add(self.grid, flow), self.size, interpolation=cv2.INTER_LINEAR)
        for j, d in self.fix_x:
            maps[:, j, 0] += d
        for i, d in self.fix_y:
            maps[i, :, 1] += d
        return maps

    def rows(self, flow: np.ndarray) -> tuple[Callable[[int, int], np.ndarray], list[tuple[int, int]]]:
        """``(rows, bands)``: ``rows(r0, r1)`` gives rows ``r0:r1`` of ``self(flow)`` (the same
        values), for each of the row ranges ``bands`` (:class:`studio.motion.flowmath.RowResize`)."""
        resize = RowResize(cv2.add(self.grid, flow), self.size)
        fix_y = dict(self.fix_y)

        def rows(r0: int, r1: int) -> np.ndarray:
            maps = resize.rows(r0, r1)
            for j, d in self.fix_x:
                maps[:, j, 0] += d
            for i in range(r0, r1):
                if i in fix_y:
                    maps[i - r0, :, 1] += fix_y[i]
            return maps

        return rows, resize.bands()


def _clamp_fix(n: int, size: int) -> list[tuple[int, float]]:
    """Where resizing ``n`` grid samples to ``size`` clamps: (pixel, exact minus clamped)."""
    k = size / n
    out = []
    for j in range(size):
        c = (j + 0.5) / k - 0.5
        clamped = min(max(c, 0.0), n - 1.0)
        if clamped != c:
            out.append((j, float(j - ((clamped + 0.5) * k - 0.5))))
    return out


def _with_alpha(image: np.ndarray, visibility: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` as RGBA with ``visibility`` (at the flow resolution) resized into its alpha;
    a band of rows at a time above :data:`studio.motion.flowmath.BAND_PIXELS`."""
    w, h = size
    if visibility.shape[1::-1] == (w, h) or w * h <= flowmath.BAND_PIXELS:
        out = cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)
        full = visibility if visibility.shape[1::-1] == (w, h) else \
            cv2.resize(visibility, (w, h), interpolation=cv2.INTER_LINEAR)
        out[..., 3] = np.clip(full * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return out
    out = np.empty((h, w, 4), np.uint8)
    resize = RowResize(visibility, (w, h))
    for r0, r1 in resize.bands():
        checkpoint()
        cv2.cvtColor(image[r0:r1], cv2.COLOR_RGB2RGBA, dst=out[r0:r1])
        rows = resize.rows(r0, r1)
        rows *= 255.0
        rows += 0.5
        out[r0:r1, :, 3] = np.clip(rows, 0, 255).astype(np.uint8)
    return out


# -- baselines for the quality benchmark -------------------------------------------------
def crossfade(i0: np.ndarray, i1: np.ndarray, t: float) -> np.ndarray:
    return cv2.addWeighted(i0, 1.0 - t, i1, t, 0.0)


def naive_interpolate(i0: np.ndarray, i1: np.ndarray, t: float) -> np.ndarray:
    """Bidirectional DIS warp with plain time weights and no occlusion handling."""
    t = float(t)
    h, w = i0.shape[:2]
    f01, f10, _ = dis_flows(i0, i1)
    f01, f10 = _upscale_flow(f01, (w, h)), _upscale_flow(f10, (w, h))
    grid = _grid(h, w)
    w0 = cv2.remap(i0, grid - t * f01, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    w1 = cv2.remap(i1, grid - (1.0 - t) * f10, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.addWeighted(w0, 1.0 - t, w1, t, 0.0)


def key_segments(keys: list[tuple[int, int]], frame: int) -> tuple[int, int, float]:
    """Where ``frame`` falls among keys ``[(frame, hold), ...]`` (sorted).

    Returns ``(a, b, t)``: between key ``a`` and key ``b`` at fraction ``t`` (``a == b`` and
    ``t == 0`` on a key, in its hold, or outside the keys).
    """
    if frame <= keys[0][0]:
        return 0, 0, 0.0
    for i, (f, hold) in enumerate(keys):
        if frame <= f + hold:
            return i, i, 0.0
        if i + 1 < len(keys) and frame < keys[i + 1][0]:
            start, end = f + hold, keys[i + 1][0]
            return i, i + 1, (frame - start) / (end - start)
    return len(keys) - 1, len(keys) - 1, 0.0

"""Small pieces of flow arithmetic shared by the interpolator and its object layers."""

from __future__ import annotations

import math

import cv2
import numpy as np


#: a frame is made in bands of rows of at most this many pixels (1080p is one band), so the
#: temporaries stay small at 8K and the active run's cancel is checked between bands
BAND_PIXELS = 1 << 21


def row_bands(height: int, width: int, pixels: int | None = None) -> list[tuple[int, int]]:
    """Row ranges of at most ``pixels`` pixels (default :data:`BAND_PIXELS`) that cover a frame."""
    per = max(1, (BAND_PIXELS if pixels is None else pixels) // max(width, 1))
    return [(r, min(r + per, height)) for r in range(0, height, per)]


def resized_rows(across: np.ndarray, height: int, r0: int, r1: int) -> np.ndarray:
    """Rows ``r0:r1`` of a picture resized to ``height`` rows, from ``across``: the picture
    already resized across (``cv2.resize(small, (W, small_rows))``).

    Each row interpolates between its two nearest rows of ``across``, with the weights
    ``cv2.resize`` uses for ``INTER_LINEAR`` (half-pixel centres, clamped at the ends), so the
    rows are those of ``cv2.resize(small, (W, height))`` to within float rounding, without the
    whole picture ever existing.
    """
    sh = across.shape[0]
    fy = (np.arange(r0, r1) + 0.5) * (sh / height) - 0.5
    top = np.floor(fy)
    beta = (fy - top).astype(np.float32).reshape((-1,) + (1,) * (across.ndim - 1))
    lo = np.clip(top.astype(np.intp), 0, sh - 1)
    hi = np.clip(top.astype(np.intp) + 1, 0, sh - 1)
    out = across[lo] * (1.0 - beta)
    out += across[hi] * beta
    return out


class RowResize:
    """``cv2.resize(small, size, interpolation)`` a band of rows at a time (linear or cubic).

    When the heights share a factor (``height / small_rows = unit / small_unit`` in lowest
    terms, with ``unit`` rows small enough to band by), a band of whole units is one
    ``cv2.resize`` of the small rows it needs plus spare whole units either side (enough for
    the filter's reach), which gives the same rows as resizing the whole (the same sample
    positions and weights).  Otherwise linear rows are interpolated from the picture resized
    across (:func:`resized_rows`), and cubic ones come from resizing the whole, once.
    """

    def __init__(self, small: np.ndarray, size: tuple[int, int], interpolation: int = cv2.INTER_LINEAR):
        self.small, self.size, self.interpolation = small, size, interpolation
        w, h = size
        sh = small.shape[0]
        g = math.gcd(h, sh)
        self.unit, self.small_unit = h // g, sh // g
        reach = 2 if interpolation == cv2.INTER_CUBIC else 1      # source rows a filter tap reaches
        self._spare = -(-reach // self.small_unit) * self.small_unit
        self._whole: np.ndarray | None = None

    @property
    def aligned(self) -> bool:
        """Whether bands of whole units are resized on their own (else see the class docstring)."""
        return self.unit <= 4096

    def bands(self, pixels: int | None = None) -> list[tuple[int, int]]:
        """Row ranges covering the picture: whole units, about ``pixels`` each (default BAND_PIXELS)."""
        w, h = self.size
        per = max(1, (BAND_PIXELS if pixels is None else pixels) // max(w, 1))
        if self.unit <= max(per, 64):
            per = max(per // self.unit, 1) * self.unit
        return [(r, min(r + per, h)) for r in range(0, h, per)]

    def rows(self, r0: int, r1: int) -> np.ndarray:
        w, h = self.size
        sh = self.small.shape[0]
        unit, su = self.unit, self.small_unit
        if self.aligned and r0 % unit == 0 and (r1 % unit == 0 or r1 == h):
            p0, p1 = r0 // unit * su, -(-r1 // unit) * su
            q0, q1 = max(p0 - self._spare, 0), min(p1 + self._spare, sh)
            up = cv2.resize(self.small[q0:q1], (w, (q1 - q0) * unit // su), interpolation=self.interpolation)
            top = q0 * unit // su
            return up[r0 - top:r1 - top]
        if self._whole is None:
            if self.interpolation == cv2.INTER_LINEAR:
                self._whole = cv2.resize(self.small, (w, sh), interpolation=cv2.INTER_LINEAR)
            else:
                self._whole = cv2.resize(self.small, (w, h), interpolation=self.interpolation)
        if self.interpolation == cv2.INTER_LINEAR:
            return resized_rows(self._whole, h, r0, r1)
        return self._whole[r0:r1]


def grid(h: int, w: int) -> np.ndarray:
    """The (h, w, 2) float32 pixel positions (x, y) of an h x w picture."""
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return np.dstack([gx, gy])


def sample(field: np.ndarray, grid: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``field`` at ``grid + flow`` (bilinear, the border replicated)."""
    return cv2.remap(field, grid + flow, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def flow_affine(flow: np.ndarray, weights: np.ndarray | None, size: tuple[int, int]
                ) -> tuple[np.ndarray, np.ndarray]:
    """The affine motion ``F(p) = b + A (p - centre)`` that best fits ``flow`` (robustly).

    ``flow`` (h', w', 2) is in output pixels on a grid scaled to the output ``size`` (W, H);
    ``weights`` (h', w') in 0..1 (None: all 1).  Iteratively reweighted least squares with
    Cauchy weights, so independently moving things barely pull the fit.  Returns ``b`` (the
    motion at the picture's centre) and the 2x2 ``A`` (dimensionless).
    """
    fh, fw = flow.shape[:2]
    w, h = size
    step = max(1, min(fh, fw) // 96)              # ~100 samples across: plenty for 6 numbers
    ys, xs = np.mgrid[0:fh:step, 0:fw:step].astype(np.float64)
    xs = (xs + 0.5) * (w / fw) - w / 2.0
    ys = (ys + 0.5) * (h / fh) - h / 2.0
    m = np.stack([np.ones_like(xs), xs, ys], axis=-1).reshape(-1, 3)
    f = flow[::step, ::step].reshape(-1, 2).astype(np.float64)
    base = np.ones(len(m)) if weights is None else weights[::step, ::step].reshape(-1).astype(np.float64)
    wt = base.copy()
    for _ in range(4):
        sw = np.sqrt(wt)[:, None]
        coef = np.linalg.lstsq(m * sw, f * sw, rcond=None)[0]      # (3, 2)
        r = np.hypot(*(f - m @ coef).T)
        scale = 2.385 * max(float(np.median(r)), 0.05)
        wt = base / (1.0 + (r / scale) ** 2)
    return coef[0], coef[1:].T.copy()


def affine_matrix(flow: np.ndarray) -> np.ndarray:
    """The robust affine fit of ``flow`` (:func:`flow_affine`) as the 2x3 matrix that maps a pixel
    ``(x, y)`` of the flow's own grid to where it moves (``cv2.warpAffine`` with
    ``WARP_INVERSE_MAP`` then samples the other picture there)."""
    h, w = flow.shape[:2]
    b, a = flow_affine(flow, None, (w, h))
    centre = np.array([w / 2.0 - 0.5, h / 2.0 - 0.5])     # flow_affine measures from pixel centres
    lin = np.eye(2) + a
    return np.hstack([lin, (b - a @ centre)[:, None]])

"""Render motion brushes and a camera move over a picture, as layers.

Model (per request, precomputed once by :class:`MotionRig` and :meth:`MotionRig.prepare`):

* Each *moving* brush is a layer: its region's pixels with the soft mask ``m`` as opacity.  The
  layer colour is the matting estimate ``fg = clip((I - (1 - m) * B) / m, 0, 255)`` stored
  premultiplied (``m * fg``), so at rest the layer laid over the background gives back the
  picture (exactly where no clipping was needed) and soft edges carry no halo of the old
  background.  Brushes that do not move, and everything unpainted, stay in the picture.
* The background ``B`` is the picture with the union of the moving regions (``m > 1/512``)
  filled by :func:`studio.motion.fill.fill_background` (pull-push at reduced size): what a
  region uncovers when it moves away is a smooth continuation of its surroundings, never black.
* A frame: copy ``B``; warp each layer (inside its bounding boxes only) with
  ``cv2.warpAffine`` -- or ``cv2.remap`` when ambient wander adds a field, sampled on a coarse
  grid and resized -- and composite it "over" in depth order (lower proximity first, nearer
  last); then warp the whole frame by the camera homography with ``cv2.warpPerspective`` and
  ``BORDER_REFLECT_101``: the strip a camera move uncovers is the mirrored picture, which hides
  better than black or smeared edge pixels (an overscan would change the requested move).
* Motion blur: with ``shutter_angle > 0`` a frame averages sub-frame renders over
  ``shutter_angle / 360`` of a frame centred on the frame time (clamped to the clip), as many
  samples as the fastest pixel needs for about one-pixel steps (at most 12).  Frame 0 is
  never blurred: it stays the picture itself, so a shot starts exactly on its still.
* Frames whose transforms are all the identity (frame 0, or no motion at all) return the
  picture itself, bit-exact.

Frames are independent of each other: :meth:`MotionRig.render` reads only precomputed data, so
frames can be rendered in any order and from several threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from studio.motion.fields import BrushTrack, brush_tracks, camera_homography, parse_animation
from studio.motion.fill import fill_background
from studio.motion.masks import SUPPORT_EPS, Box, rasterize_brush, support_box
from studio.motion.spec import CameraSpec, MotionSpec

MAX_BLUR_SAMPLES = 12
#: ambient fields are sampled every AMBIENT_STEP * H pixels and resized (they are smooth)
AMBIENT_STEP = 0.005


@dataclass
class _Layer:
    track: BrushTrack
    box: Box              # source bounding box of the region
    mask: np.ndarray      # the mask inside box, float32


@dataclass
class Prepared:
    """A picture made ready for :meth:`MotionRig.render` (background fill + layer crops)."""

    image: np.ndarray                 # (H, W, 3) uint8
    background: np.ndarray            # (H, W, 3) uint8: image with moving regions filled
    crops: list[np.ndarray]           # per layer: (h, w, 4) float32 premultiplied RGB + alpha

    @property
    def nbytes(self) -> int:
        return self.image.nbytes + self.background.nbytes + sum(c.nbytes for c in self.crops)


class MotionRig:
    """Masks, tracks, draw order and camera of one request, at one frame size."""

    def __init__(self, spec: MotionSpec | None, camera: CameraSpec | None, size: tuple[int, int], frames: int,
                 fps: float, *, seed: int = 0, animation: Mapping | None = None, shutter_angle: float = 0.0,
                 check: Callable[[], None] | None = None):
        w, h = int(size[0]), int(size[1])
        self.size, self.frames, self.fps = (w, h), int(frames), float(fps)
        self.camera = camera
        self.shutter = min(max(float(shutter_angle), 0.0), 360.0) / 360.0
        brushes = spec.brushes if spec is not None else ()
        _, self._cam_overrides = parse_animation(animation, len(brushes))
        masks = []
        for b in brushes:
            if check:
                check()
            masks.append(rasterize_brush(b, (w, h)) if not b.is_still or animation else None)
        # brushes that never move keep no mask (they stay in the picture)
        masks = [m if m is not None else np.zeros((0, 0), np.float32) for m in masks]
        tracks = brush_tracks(spec, [m if m.size else np.zeros((h, w), np.float32) for m in masks],
                              (w, h), frames, fps, seed=seed, animation=animation)
        layers = []
        hole = None
        for tr, m in zip(tracks, masks):
            if tr is None or not tr.moving:
                continue
            box = support_box(m)
            if box is None:
                continue
            x0, y0, x1, y1 = box
            crop = m[y0:y1, x0:x1].copy()
            crop[crop <= SUPPORT_EPS] = 0.0
            layers.append(_Layer(tr, box, crop))
            hole = m > SUPPORT_EPS if hole is None else (hole | (m > SUPPORT_EPS))
        layers.sort(key=lambda layer: layer.track.depth)
        self.layers = layers
        self.hole = hole
        self._grid = None
        if any(layer.track.field is not None for layer in layers):
            gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
            self._grid = np.dstack([gx, gy])
        cam_moves = camera is not None and (not camera.is_still or bool(self._cam_overrides))
        self.has_camera = cam_moves
        #: True when no frame can differ from the picture
        self.is_still = not layers and not cam_moves

    # -- per picture ------------------------------------------------------------------
    def prepare(self, image: np.ndarray, check: Callable[[], None] | None = None) -> Prepared:
        """Fill the moving regions' hole and cut the layers out of ``image`` (uint8 RGB)."""
        h, w = image.shape[:2]
        if (w, h) != self.size:
            raise ValueError(f"picture is {w}x{h}, the rig was built for {self.size[0]}x{self.size[1]}")
        if not self.layers:
            return Prepared(image, image, [])
        img_f = image.astype(np.float32)
        background = fill_background(image, self.hole)
        crops = []
        for layer in self.layers:
            if check:
                check()
            x0, y0, x1, y1 = layer.box
            m = layer.mask[..., None]
            src = img_f[y0:y1, x0:x1]
            bg = background[y0:y1, x0:x1].astype(np.float32)
            fg = (src - (1.0 - m) * bg) / np.maximum(m, SUPPORT_EPS)
            np.clip(fg, 0.0, 255.0, out=fg)
            crop = np.ascontiguousarray(np.dstack([fg * m, m]), dtype=np.float32)
            _inset_frame_edges(crop, layer.box, self.size)
            crops.append(crop)
        return Prepared(image, background, crops)

    @property
    def nbytes(self) -> int:
        total = sum(layer.mask.nbytes for layer in self.layers)
        total += 0 if self.hole is None else self.hole.nbytes
        return total + (0 if self._grid is None else self._grid.nbytes)

    # -- per frame --------------------------------------------------------------------
    def render(self, prepared: Prepared, t: int) -> np.ndarray:
        """Frame ``t`` as (H, W, 3) uint8."""
        times = self.sample_times(t)
        if len(times) == 1:
            return self._compose(prepared, times[0])
        acc = np.zeros(prepared.image.shape, np.float32)
        for ts in times:
            acc += self._compose(prepared, ts)
        acc *= 1.0 / len(times)
        acc += 0.5
        return acc.astype(np.uint8)

    def sample_times(self, t: float) -> list[float]:
        """The sub-frame times frame ``t`` averages (just ``[t]`` without motion blur)."""
        if self.shutter <= 0 or self.is_still or t <= 0:
            return [float(t)]
        half = self.shutter / 2.0
        lo, hi = max(t - half, 0.0), min(t + half, max(self.frames - 1, 0))
        if hi <= lo:
            return [float(t)]
        n = int(math.ceil(self.motion_extent(lo, hi))) + 1
        if n <= 1:
            return [float(t)]
        n = min(n, MAX_BLUR_SAMPLES)
        return [float(v) for v in np.linspace(lo, hi, n)]

    def motion_extent(self, t0: float, t1: float) -> float:
        """A bound on how far any pixel moves between ``t0`` and ``t1``, in pixels."""
        most = 0.0
        for layer in self.layers:
            x0, y0, x1, y1 = layer.box
            corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], np.float64)
            a, b = corners @ layer.track.affine(t0).T, corners @ layer.track.affine(t1).T
            move = float(np.max(np.linalg.norm(a - b, axis=1)))
            field = layer.track.field
            if field is not None:
                dt = abs(t1 - t0) / self.fps
                move += layer.track.ambient_peak(max(t0, t1)) * min(field.max_speed * dt, 2.0)
            most = max(most, move)
        if self.has_camera:
            w, h = self.size
            corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64).T
            pa, pb = self._homography(t0) @ corners, self._homography(t1) @ corners
            most += float(np.max(np.linalg.norm(pa[:2] / pa[2] - pb[:2] / pb[2], axis=0)))
        return most

    def _homography(self, t: float) -> np.ndarray:
        if not self.has_camera:
            return np.eye(3)
        return camera_homography(self.camera, self.size, t, self.frames, self._cam_overrides)

    def is_identity(self, t: float) -> bool:
        hom = self._homography(t)
        return (np.allclose(hom, np.eye(3), rtol=0, atol=1e-12)
                and all(layer.track.is_identity(t) for layer in self.layers))

    def _compose(self, prepared: Prepared, t: float) -> np.ndarray:
        if self.is_still or self.is_identity(t):
            return prepared.image.copy()
        if self.layers:
            canvas = prepared.background.copy()
            for layer, crop in zip(self.layers, prepared.crops):
                self._draw(canvas, layer, crop, t)
        else:
            canvas = prepared.image
        hom = self._homography(t)
        if np.allclose(hom, np.eye(3), rtol=0, atol=1e-12):
            return canvas if canvas is not prepared.image else canvas.copy()
        w, h = self.size
        return cv2.warpPerspective(canvas, hom, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)

    def _draw(self, canvas: np.ndarray, layer: _Layer, crop: np.ndarray, t: float) -> None:
        """Warp one layer to time ``t`` and lay it over ``canvas`` in place."""
        tr = layer.track
        w, h = self.size
        fwd = tr.affine(t)
        sx0, sy0, sx1, sy1 = layer.box
        corners = np.array([[sx0 - 0.5, sy0 - 0.5, 1], [sx1 - 0.5, sy0 - 0.5, 1],
                            [sx0 - 0.5, sy1 - 0.5, 1], [sx1 - 0.5, sy1 - 0.5, 1]]) @ fwd.T
        margin = 2.0 + tr.ambient_peak(t) * abs(fwd[0, 0])
        dx0 = max(int(math.floor(corners[:, 0].min() - margin)), 0)
        dy0 = max(int(math.floor(corners[:, 1].min() - margin)), 0)
        dx1 = min(int(math.ceil(corners[:, 0].max() + margin)) + 1, w)
        dy1 = min(int(math.ceil(corners[:, 1].max() + margin)) + 1, h)
        # a region that touches the frame edge continues beyond it (the sky does not end at
        # the border): keep drawing up to that edge, sampling the region mirrored there
        edges = (sx0 == 0, sy0 == 0, sx1 == w, sy1 == h)
        if any(edges):
            dx0, dy0 = (0 if edges[0] else dx0), (0 if edges[1] else dy0)
            dx1, dy1 = (w if edges[2] else dx1), (h if edges[3] else dy1)
        border = cv2.BORDER_REFLECT_101 if any(edges) else cv2.BORDER_CONSTANT
        if dx0 >= dx1 or dy0 >= dy1:
            return  # the region has left the frame
        dw, dh = dx1 - dx0, dy1 - dy0
        # forward map from crop-local source pixels to box-local frame pixels
        local = fwd.copy()
        local[:, 2] += fwd[:, :2] @ np.array([sx0, sy0]) - np.array([dx0, dy0])
        if tr.ambient_amplitude(t) == 0.0:
            warped = cv2.warpAffine(crop, local, (dw, dh), flags=cv2.INTER_LINEAR,
                                    borderMode=border, borderValue=(0, 0, 0, 0))
        else:
            warped = cv2.remap(crop, self._ambient_map(tr, local, (dx0, dy0, dx1, dy1), (sx0, sy0), t), None,
                               cv2.INTER_LINEAR, borderMode=border, borderValue=(0, 0, 0, 0))
        roi = canvas[dy0:dy1, dx0:dx1]
        out = roi.astype(np.float32)
        out *= 1.0 - warped[..., 3:4]
        out += warped[..., :3]
        np.clip(out, 0.0, 255.0, out=out)
        out += 0.5
        roi[...] = out.astype(np.uint8)

    def _ambient_map(self, tr: BrushTrack, local: np.ndarray, dbox: Box, s0: tuple[int, int], t: float) -> np.ndarray:
        """Backward map (dh, dw, 2) float32 into the crop: affine inverse minus ambient."""
        dx0, dy0, dx1, dy1 = dbox
        dw, dh = dx1 - dx0, dy1 - dy0
        inv = cv2.invertAffineTransform(local)          # box-local frame -> crop-local source
        # absolute frame pixels -> crop-local source
        inv_abs = inv.copy()
        inv_abs[:, 2] -= inv[:, :2] @ np.array([dx0, dy0])
        base = cv2.transform(self._grid[dy0:dy1, dx0:dx1], inv_abs.astype(np.float32))
        # the ambient field at the source points, sampled coarsely where cv2.resize samples
        step = max(1.0, AMBIENT_STEP * self.size[1])
        cw, ch = max(2, int(math.ceil(dw / step))), max(2, int(math.ceil(dh / step)))
        gx = (np.arange(cw) + 0.5) * (dw / cw) - 0.5
        gy = (np.arange(ch) + 0.5) * (dh / ch) - 0.5
        px, py = np.meshgrid(gx, gy)
        qx = inv[0, 0] * px + inv[0, 1] * py + inv[0, 2] + s0[0]
        qy = inv[1, 0] * px + inv[1, 1] * py + inv[1, 2] + s0[1]
        ax, ay = tr.ambient_at(qx, qy, t)
        coarse = np.dstack([ax, ay]).astype(np.float32)
        base -= cv2.resize(coarse, (dw, dh), interpolation=cv2.INTER_LINEAR)
        return base


def _inset_frame_edges(crop: np.ndarray, box: Box, size: tuple[int, int]) -> None:
    """Where a layer touches the frame edge, take its outermost pixels from a little inside.

    Photos often have a darkened rim (scanner borders, vignetting); a region that continues
    beyond the frame is mirrored there when it moves, and would carry that rim inward as a
    line.  The rim (1% of the frame height, at least 3 px) is replaced by the next row or
    column inward.  Frames where nothing moves still return the untouched picture.
    """
    w, h = size
    x0, y0, x1, y1 = box
    k = max(3, int(round(0.01 * h)))
    ch, cw = crop.shape[:2]
    if ch <= 2 * k or cw <= 2 * k:
        return
    if x0 == 0:
        crop[:, :k] = crop[:, k:k + 1]
    if x1 == w:
        crop[:, cw - k:] = crop[:, cw - k - 1:cw - k]
    if y0 == 0:
        crop[:k] = crop[k:k + 1]
    if y1 == h:
        crop[ch - k:] = crop[ch - k - 1:ch - k]


def render_still(image: np.ndarray, spec: MotionSpec | None, camera: CameraSpec | None, frame: int, frames: int,
                 fps: float, **kw) -> np.ndarray:
    """One frame of an animated still (convenience for tests and tools; builds a rig each call)."""
    h, w = image.shape[:2]
    rig = MotionRig(spec, camera, (w, h), frames, fps, **kw)
    return rig.render(rig.prepare(image), frame)


__all__ = ["MotionRig", "Prepared", "render_still"]

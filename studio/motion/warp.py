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
* A frame: the background warped by the camera homography ``H`` (``BORDER_REFLECT_101``: the
  strip a camera move uncovers is the mirrored picture, which hides better than black or
  smeared edge pixels; an overscan would change the requested move), then each layer warped
  *once* by ``H`` composed with its own affine motion -- inside the bounding box it reaches
  only -- and composited "over" in depth order (lower proximity first, nearer last).  Layers
  with ambient wander are sampled through a map: the inverse transform minus the ambient
  field, which is evaluated on a coarse grid and resized (it is smooth).  Composing the camera
  into each warp resamples every pixel once, not twice.
* Motion blur: with ``shutter_angle > 0`` a frame averages sub-frame renders over
  ``shutter_angle / 360`` of a frame centred on the frame time (clamped to the clip), as many
  samples as the fastest pixel needs for about one-pixel steps (at most 12).  Frame 0 is
  never blurred: it stays the picture itself, so a shot starts exactly on its still.
* Frames whose transforms are all the identity (frame 0, or no motion at all) return the
  picture itself, bit-exact.

Backends (the per-frame warps and composites): :class:`CvOps` runs on the CPU with OpenCV and
keeps canvases as 4-channel uint8 (OpenCV's warps are several times faster on 4 channels than
on 3) with premultiplied uint8 layers; :class:`studio.motion.torch_warp.TorchOps` runs the same
steps with ``grid_sample`` on a torch device (a GPU), keeping the background and layers there
in float32.  Both give the same frames within a few levels (see docs/flow_engine.md).

Frames are independent of each other: :meth:`MotionRig.render` reads only precomputed data, so
frames can be rendered in any order and from several threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np

from studio.executor.cancel import checkpoint
from studio.motion.fields import BrushTrack, camera_homography, parse_animation
from studio.motion import flowmath
from studio.motion.fill import fill_background
from studio.motion.flowmath import row_bands
from studio.motion.masks import SUPPORT_EPS, Box, centroid, rasterize_brush_box, support_box
from studio.motion.spec import CameraSpec, MotionSpec

MAX_BLUR_SAMPLES = 12
#: ambient fields are sampled every AMBIENT_STEP * H pixels and resized (they are smooth)
AMBIENT_STEP = 0.005

_CV_BORDERS = {"constant": cv2.BORDER_CONSTANT, "reflect101": cv2.BORDER_REFLECT_101,
               "replicate": cv2.BORDER_REPLICATE}


def is_affine(matrix: np.ndarray) -> bool:
    return abs(matrix[2, 0]) < 1e-15 and abs(matrix[2, 1]) < 1e-15 and abs(matrix[2, 2] - 1.0) < 1e-12


class CvOps:
    """The OpenCV (CPU) backend of :class:`MotionRig`.

    Canvases are (H, W, 4) uint8 (the 4th channel is padding) and layers (h, w, 4) uint8
    premultiplied RGB plus alpha in 0..255.  ``warp`` samples ``src`` at ``inv @ (x, y, 1)`` for
    each destination pixel (pixel centres on integers, bilinear); ``warp_map`` samples it through a
    map given on a coarse grid.
    """

    name = "opencv"

    def picture(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        if h * w <= flowmath.BAND_PIXELS:
            return cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)
        out = np.empty((h, w, 4), np.uint8)        # an 8K picture: a band at a time, between checks
        for r0, r1 in row_bands(h, w):
            checkpoint()
            cv2.cvtColor(image[r0:r1], cv2.COLOR_RGB2RGBA, dst=out[r0:r1])
        return out

    def layer(self, crop: np.ndarray) -> np.ndarray:
        """A float32 premultiplied crop (RGB 0..255, alpha 0..1) in this backend's form."""
        out = np.empty(crop.shape, np.uint8)
        np.add(crop[..., :3], 0.5, out=out[..., :3], casting="unsafe")
        out[..., 3] = np.clip(crop[..., 3] * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return out

    def new_layer(self, shape: tuple[int, int]) -> np.ndarray:
        """An empty layer of ``shape`` (h, w), to be filled by :meth:`put_layer_rows`."""
        return np.empty(shape + (4,), np.uint8)

    def put_layer_rows(self, handle: np.ndarray, r0: int, crop: np.ndarray) -> None:
        """Rows ``r0:`` of a layer from a float32 premultiplied crop (RGB 0..255, alpha 0..1)."""
        out = handle[r0:r0 + crop.shape[0]]
        np.add(crop[..., :3], 0.5, out=out[..., :3], casting="unsafe")
        out[..., 3] = np.clip(crop[..., 3] * 255.0 + 0.5, 0, 255).astype(np.uint8)

    def nbytes(self, handle) -> int:
        return 0 if handle is None else handle.nbytes

    def copy(self, canvas: np.ndarray) -> np.ndarray:
        return canvas.copy()

    def copy_rows(self, canvas: np.ndarray, r0: int, r1: int) -> np.ndarray:
        return canvas[r0:r1].copy()

    def warp(self, src: np.ndarray, inv: np.ndarray, dsize: tuple[int, int], border: str) -> np.ndarray:
        mode = _CV_BORDERS[border]
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        if is_affine(inv):
            return cv2.warpAffine(src, inv[:2], dsize, flags=flags, borderMode=mode, borderValue=0)
        return cv2.warpPerspective(src, inv, dsize, flags=flags, borderMode=mode, borderValue=0)

    def warp_map(self, src: np.ndarray, coarse: np.ndarray, step: int, dsize: tuple[int, int],
                 border: str, rows: tuple[int, int] | None = None) -> np.ndarray:
        """Sample ``src`` through a smooth map given on a coarse grid (see :func:`coarse_points`).

        ``rows``: only destination rows ``r0:r1`` (the map is resized from the coarse rows they
        need, with one spare row each side, so the values are those of the whole map).
        """
        dw, dh = dsize
        ny, nx = coarse.shape[:2]
        r0, r1 = rows if rows is not None else (0, dh)
        if (r0, r1) == (0, dh):
            p0, p1 = 0, ny
        else:
            p0 = max(int(math.floor((step + r0 + 0.5) / step - 0.5)) - 1, 0)
            p1 = min(int(math.floor((step + r1 - 0.5) / step - 0.5)) + 3, ny)
        maps = cv2.resize(coarse[p0:p1], (nx * step, (p1 - p0) * step), interpolation=cv2.INTER_LINEAR)
        top = step + r0 - p0 * step
        return cv2.remap(src, maps[top:top + r1 - r0, step:step + dw], None, cv2.INTER_LINEAR,
                         borderMode=_CV_BORDERS[border], borderValue=0)

    def over(self, canvas: np.ndarray, box: Box, layer: np.ndarray) -> None:
        """Composite premultiplied ``layer`` over ``canvas[box]`` in place."""
        x0, y0, x1, y1 = box
        roi = canvas[y0:y1, x0:x1]
        keep = cv2.cvtColor(cv2.bitwise_not(cv2.extractChannel(layer, 3)), cv2.COLOR_GRAY2RGBA)
        cv2.add(cv2.multiply(roi, keep, scale=1.0 / 255.0), layer, dst=roi)

    def finish(self, canvas: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(canvas, cv2.COLOR_RGBA2RGB)


def coarse_points(dsize: tuple[int, int], step: int) -> tuple[np.ndarray, np.ndarray]:
    """Destination positions of a coarse map with one ``step`` apart, one extra on each side.

    Node ``i`` sits at ``(i - 0.5) * step - 0.5``: resizing the coarse map by ``step`` with
    half-pixel centres (``cv2.resize``, ``F.interpolate(align_corners=False)``) and dropping
    ``step`` pixels on each side puts destination pixel ``j`` exactly on position ``j``, and
    every destination pixel falls between nodes (no clamped border rows), so an affine map comes
    back exact and a smooth one within its curvature over ``step`` pixels.
    """
    dw, dh = dsize
    nx, ny = -(-dw // step) + 2, -(-dh // step) + 2
    return (np.arange(nx) - 0.5) * step - 0.5, (np.arange(ny) - 0.5) * step - 0.5


def gpu_backend(ctx):
    """The torch backend on ``ctx``'s GPU when its device manager has one, else None (OpenCV).

    ``ctx`` is an :class:`~studio.executor.context.EvalContext` (its ``accelerator`` and
    ``device()``); torch is imported only when there is a GPU.
    """
    if not ctx.accelerator:
        return None
    from studio.motion.torch_warp import TorchOps
    return TorchOps(ctx.device())


@dataclass
class _Layer:
    track: BrushTrack
    box: Box              # source bounding box of the region
    mask: np.ndarray      # the mask inside box, float32


@dataclass
class Prepared:
    """A picture made ready for :meth:`MotionRig.render`: the backend's form of the filled
    background (or of the picture, for a camera move alone) and of the layer cut-outs."""

    image: np.ndarray                 # (H, W, 3) uint8
    canvas: object = None             # the backend's form of the background (or picture)
    layers: list = field(default_factory=list)   # the backend's form of the layer crops
    extra_bytes: int = 0

    @property
    def nbytes(self) -> int:
        return self.image.nbytes + self.extra_bytes

    @property
    def background(self) -> np.ndarray:
        """The picture with the moving regions filled, (H, W, 3) uint8 (for inspection)."""
        canvas = self.canvas
        if canvas is None:
            return self.image
        if isinstance(canvas, np.ndarray):
            return canvas[..., :3]
        return np.clip(canvas[0].permute(1, 2, 0).cpu().numpy() + 0.5, 0, 255).astype(np.uint8)


class MotionRig:
    """Masks, tracks, draw order and camera of one request, at one frame size."""

    def __init__(self, spec: MotionSpec | None, camera: CameraSpec | None, size: tuple[int, int], frames: int,
                 fps: float, *, seed: int = 0, animation: Mapping | None = None, shutter_angle: float = 0.0,
                 check: Callable[[], None] | None = None, backend=None):
        w, h = int(size[0]), int(size[1])
        self.size, self.frames, self.fps = (w, h), int(frames), float(fps)
        self.camera = camera
        self.ops = backend if backend is not None else CvOps()
        self.shutter = min(max(float(shutter_angle), 0.0), 360.0) / 360.0
        brushes = spec.brushes if spec is not None else ()
        per_brush, self._cam_overrides = parse_animation(animation, len(brushes))
        layers = []
        hole = None
        for i, b in enumerate(brushes):
            if check:
                check()
            if b.is_still and not animation:
                continue    # brushes that never move keep no mask (they stay in the picture)
            got = rasterize_brush_box(b, (w, h), check)
            if got is None:
                continue
            vals, (bx0, by0, _, _) = got
            if check:                 # each step over an 8K mask is a step of its own
                check()
            c = centroid(vals)
            if c is None:
                continue
            track = BrushTrack(b, i, (w, h), frames, fps, (c[0] + bx0, c[1] + by0), seed=seed,
                               overrides=per_brush[i])
            if check:
                check()
            box = support_box(vals)
            if not track.moving or box is None:
                continue
            if check:
                check()
            x0, y0, x1, y1 = box
            crop = np.ascontiguousarray(vals[y0:y1, x0:x1])   # the brush's own array: no copy when whole
            crop[crop <= SUPPORT_EPS] = 0.0
            del vals, got
            if check:
                check()
            x0, y0, x1, y1 = x0 + bx0, y0 + by0, x1 + bx0, y1 + by0
            layers.append(_Layer(track, (x0, y0, x1, y1), crop))
            if hole is None:
                hole = np.zeros((h, w), bool)
            hole[y0:y1, x0:x1] |= crop > SUPPORT_EPS
        layers.sort(key=lambda layer: layer.track.depth)
        self.layers = layers
        self.hole = hole
        cam_moves = camera is not None and (not camera.is_still or bool(self._cam_overrides))
        self.has_camera = cam_moves
        #: True when no frame can differ from the picture
        self.is_still = not layers and not cam_moves

    # -- per picture ------------------------------------------------------------------
    def prepare(self, image: np.ndarray, check: Callable[[], None] | None = None) -> Prepared:
        """Fill the moving regions' hole and cut the layers out of ``image`` (uint8 RGB).

        The float cut-outs are made a band of rows at a time and go straight into the
        backend's layers, so nothing the size of a float frame is ever held.
        """
        h, w = image.shape[:2]
        if (w, h) != self.size:
            raise ValueError(f"picture is {w}x{h}, the rig was built for {self.size[0]}x{self.size[1]}")
        ops = self.ops
        if not self.layers:
            canvas = ops.picture(image) if self.has_camera else None
            return Prepared(image, canvas, [], ops.nbytes(canvas))
        if check:
            check()
        background = fill_background(image, self.hole, check=check)
        handles = []
        for layer in self.layers:
            if check:
                check()
            handles.append(self._cut(image, background, layer, check))
        if check:
            check()
        canvas = ops.picture(background)
        del background
        extra = ops.nbytes(canvas) + sum(ops.nbytes(x) for x in handles)
        return Prepared(image, canvas, handles, extra)

    def _cut(self, image: np.ndarray, background: np.ndarray, layer: _Layer, check) -> object:
        """The layer's premultiplied cut-out in the backend's form (see the module docstring)."""
        x0, y0, x1, y1 = layer.box
        ch, cw = y1 - y0, x1 - x0
        handle = self.ops.new_layer((ch, cw))
        k = _edge_inset(layer.box, self.size)
        for r0, r1 in row_bands(ch, cw, flowmath.BAND_PIXELS // 2):
            if check and r0:
                check()
            rows: slice | np.ndarray = slice(r0, r1)
            src = slice(y0 + r0, y0 + r1)
            if k:
                # the rim along a frame edge takes the next row or column inward (_edge_inset)
                lo = k if y0 == 0 else 0
                hi = ch - k - 1 if y1 == self.size[1] else ch - 1
                rows = np.clip(np.arange(r0, r1), lo, hi)
                src = y0 + rows
            m = layer.mask[rows][..., None]
            bg = background[src, x0:x1].astype(np.float32)
            # m * fg with fg = clip((I - (1 - m) B) / m, 0, 255) is clip(I - (1 - m) B, 0, 255 m)
            # (the mask is 0 or above SUPPORT_EPS, so there is no division to guard)
            prem = image[src, x0:x1].astype(np.float32)
            prem -= bg
            prem += m * bg
            np.clip(prem, 0.0, 255.0 * m, out=prem)
            crop = np.empty(prem.shape[:2] + (4,), np.float32)
            crop[..., :3] = prem
            crop[..., 3] = m[..., 0]
            if k:
                if x0 == 0:
                    crop[:, :k] = crop[:, k:k + 1]
                if x1 == self.size[0]:
                    crop[:, cw - k:] = crop[:, cw - k - 1:cw - k]
            self.ops.put_layer_rows(handle, r0, crop)
        return handle

    @property
    def nbytes(self) -> int:
        total = sum(layer.mask.nbytes for layer in self.layers)
        return total + (0 if self.hole is None else self.hole.nbytes)

    # -- per frame --------------------------------------------------------------------
    def render(self, prepared: Prepared, t: int) -> np.ndarray:
        """Frame ``t`` as (H, W, 3) uint8.

        Composed in bands of rows (:func:`row_bands`), with the active run's cancel checked
        between bands (:func:`studio.executor.cancel.checkpoint`); what a sub-frame time needs
        (transforms, ambient maps on their coarse grid) is worked out once for all bands.
        """
        times = self.sample_times(t)
        w, h = self.size
        bands = row_bands(h, w)
        if len(bands) == 1:
            return self._blend(prepared, times, 0, h, {})
        if len(times) == 1 and (self.is_still or self.is_identity(times[0])):
            return prepared.image.copy()
        out = np.empty((h, w, 3), np.uint8)
        plans: dict = {}
        for r0, r1 in bands:
            checkpoint()
            out[r0:r1] = self._blend(prepared, times, r0, r1, plans)
        return out

    def _blend(self, prepared: Prepared, times: list[float], r0: int, r1: int, plans: dict) -> np.ndarray:
        """Rows ``r0:r1`` of the average of the sub-frames at ``times``."""
        if len(times) == 1:
            return self._compose(prepared, times[0], (r0, r1), plans)
        acc = np.zeros((r1 - r0,) + prepared.image.shape[1:], np.float32)
        for ts in times:
            acc += self._compose(prepared, ts, (r0, r1), plans)
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

    def _compose(self, prepared: Prepared, t: float, rows: tuple[int, int] | None = None,
                 plans: dict | None = None) -> np.ndarray:
        """Frame rows ``rows`` (default all) at time ``t``, without motion blur; ``plans`` keeps
        each time's :meth:`_plan` for the other bands."""
        w, h = self.size
        r0, r1 = rows if rows is not None else (0, h)
        whole = (r0, r1) == (0, h)
        if self.is_still or self.is_identity(t):
            return prepared.image.copy() if whole else prepared.image[r0:r1]
        plan = None if plans is None else plans.get(t)
        if plan is None:
            plan = self._plan(t)
            if plans is not None:
                plans[t] = plan
        inv, layer_plans = plan
        ops = self.ops
        if inv is not None:
            if r0:
                inv = inv @ np.array([[1.0, 0.0, 0.0], [0.0, 1.0, r0], [0.0, 0.0, 1.0]])
            canvas = ops.warp(prepared.canvas, inv, (w, r1 - r0), "reflect101")
        elif self.layers:
            canvas = ops.copy(prepared.canvas) if whole else ops.copy_rows(prepared.canvas, r0, r1)
        else:
            return prepared.image.copy() if whole else prepared.image[r0:r1]
        for handle, lp in zip(prepared.layers, layer_plans):
            if lp is not None:
                self._draw(canvas, handle, lp, (r0, r1))
        return ops.finish(canvas)

    def _plan(self, t: float) -> tuple[np.ndarray | None, list]:
        """What frame time ``t`` needs, for any band: the camera's inverse (None when it does
        not move) and each layer's :meth:`_layer_plan`."""
        hom = self._homography(t)
        moving = not np.allclose(hom, np.eye(3), rtol=0, atol=1e-12)
        return (np.linalg.inv(hom) if moving else None,
                [self._layer_plan(layer, t, hom if moving else None) for layer in self.layers])

    def _layer_plan(self, layer: _Layer, t: float, hom: np.ndarray | None):
        """Where one layer lands at time ``t`` (through the camera ``hom``) and how it is sampled:
        ``(box, border, inv)`` with ``inv`` the box-local frame-to-crop transform, or
        ``(box, border, (coarse, step))`` for a layer with ambient wander; None when it has left
        the frame."""
        tr = layer.track
        w, h = self.size
        sx0, sy0, sx1, sy1 = layer.box
        # crop-local source pixels -> frame pixels
        fwd = np.vstack([tr.affine(t), [0.0, 0.0, 1.0]])
        if hom is not None:
            fwd = hom @ fwd
        fwd = fwd @ np.array([[1.0, 0.0, sx0], [0.0, 1.0, sy0], [0.0, 0.0, 1.0]])
        cw, ch = sx1 - sx0, sy1 - sy0
        corners = np.array([[-0.5, -0.5, 1], [cw - 0.5, -0.5, 1], [-0.5, ch - 0.5, 1], [cw - 0.5, ch - 0.5, 1]]) @ fwd.T
        if np.any(corners[:, 2] <= 1e-6):
            dx0, dy0, dx1, dy1 = 0, 0, w, h      # a degenerate view: draw over the whole frame
        else:
            pts = corners[:, :2] / corners[:, 2:]
            gain = np.linalg.norm(fwd[:2, :2], 2) / max(float(corners[:, 2].min()), 1e-6)
            margin = 2.0 + tr.ambient_peak(t) * gain
            dx0 = max(int(math.floor(pts[:, 0].min() - margin)), 0)
            dy0 = max(int(math.floor(pts[:, 1].min() - margin)), 0)
            dx1 = min(int(math.ceil(pts[:, 0].max() + margin)) + 1, w)
            dy1 = min(int(math.ceil(pts[:, 1].max() + margin)) + 1, h)
        # a region that touches the frame edge continues beyond it (the sky does not end at
        # the border): keep drawing up to that edge, sampling the region mirrored there
        edges = (sx0 == 0, sy0 == 0, sx1 == w, sy1 == h)
        if any(edges):
            dx0, dy0 = (0 if edges[0] else dx0), (0 if edges[1] else dy0)
            dx1, dy1 = (w if edges[2] else dx1), (h if edges[3] else dy1)
        border = "reflect101" if any(edges) else "constant"
        if dx0 >= dx1 or dy0 >= dy1:
            return None  # the region has left the frame
        box = (dx0, dy0, dx1, dy1)
        # box-local frame pixels -> crop-local source pixels
        inv = np.linalg.inv(np.array([[1.0, 0.0, -dx0], [0.0, 1.0, -dy0], [0.0, 0.0, 1.0]]) @ fwd)
        if tr.ambient_amplitude(t) == 0.0:
            return box, border, inv
        # the map (inverse transform minus the ambient field at the source points) is smooth:
        # evaluate it on a coarse grid over the whole box (so every band samples the same map)
        # and let the backend resize the rows each band needs
        step = max(2, int(round(AMBIENT_STEP * h)))
        xs, ys = coarse_points((dx1 - dx0, dy1 - dy0), step)
        px, py = np.meshgrid(xs, ys)
        q = inv @ np.stack([px.ravel(), py.ravel(), np.ones(px.size)])
        qx = (q[0] / q[2]).reshape(px.shape)
        qy = (q[1] / q[2]).reshape(px.shape)
        ax, ay = tr.ambient_at(qx + sx0, qy + sy0, t)
        return box, border, (np.dstack([qx - ax, qy - ay]).astype(np.float32), step)

    def _draw(self, canvas, handle, plan, rows: tuple[int, int]) -> None:
        """Warp one layer as ``plan`` says and lay it over ``canvas``, which holds frame rows ``rows``."""
        (dx0, dy0, dx1, dy1), border, how = plan
        r0, r1 = rows
        by0, by1 = max(dy0, r0), min(dy1, r1)      # the part of the box in these rows
        if by0 >= by1:
            return
        dw, dh = dx1 - dx0, dy1 - dy0
        if isinstance(how, np.ndarray):
            inv = how
            if by0 > dy0:
                inv = inv @ np.array([[1.0, 0.0, 0.0], [0.0, 1.0, by0 - dy0], [0.0, 0.0, 1.0]])
            warped = self.ops.warp(handle, inv, (dw, by1 - by0), border)
        else:
            coarse, step = how
            if (by0, by1) == (dy0, dy1):
                warped = self.ops.warp_map(handle, coarse, step, (dw, dh), border)
            else:
                warped = self.ops.warp_map(handle, coarse, step, (dw, dh), border, rows=(by0 - dy0, by1 - dy0))
        self.ops.over(canvas, (dx0, by0 - r0, dx1, by1 - r0), warped)


def _edge_inset(box: Box, size: tuple[int, int]) -> int:
    """Rows and columns of a layer's rim taken from further in where it touches the frame edge.

    Photos often have a darkened rim (scanner borders, vignetting); a region that continues
    beyond the frame is mirrored there when it moves, and would carry that rim inward as a
    line.  The rim (1% of the frame height, at least 3 px) is replaced by the next row or
    column inward.  Frames where nothing moves still return the untouched picture.  Returns 0
    when the layer touches no edge or is too small to spare it.
    """
    w, h = size
    x0, y0, x1, y1 = box
    if not (x0 == 0 or y0 == 0 or x1 == w or y1 == h):
        return 0
    k = max(3, int(round(0.01 * h)))
    if y1 - y0 <= 2 * k or x1 - x0 <= 2 * k:
        return 0
    return k


def render_still(image: np.ndarray, spec: MotionSpec | None, camera: CameraSpec | None, frame: int, frames: int,
                 fps: float, **kw) -> np.ndarray:
    """One frame of an animated still (convenience for tests and tools; builds a rig each call)."""
    h, w = image.shape[:2]
    rig = MotionRig(spec, camera, (w, h), frames, fps, **kw)
    return rig.render(rig.prepare(image), frame)


__all__ = ["CvOps", "MotionRig", "Prepared", "coarse_points", "gpu_backend", "render_still",
           "row_bands"]

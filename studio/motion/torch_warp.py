"""The remap step on torch (``grid_sample``), for GPU rendering; runs on CPU torch as well.

Semantics match ``cv2.remap(src, map, None, cv2.INTER_LINEAR, borderMode=...)``: ``map`` is
(H', W', 2) float32 absolute source pixel coordinates (pixel centres at integers), bilinear
sampling, and the border is ``"constant"`` (zeros, like ``BORDER_CONSTANT``; a sample half
outside blends with zero just as OpenCV does) or ``"replicate"`` (``BORDER_REPLICATE``).
Coordinates are normalised with ``align_corners=True`` (``x -> 2 x / (W - 1) - 1``).

Agreement with OpenCV: OpenCV quantises the sub-pixel position to 1/32 px and, for uint8,
uses fixed-point weights; torch samples in float32.  On a real photo with a smooth random map
uint8 results differ by at most 1 level (mean about 1e-4) and float32 results by under 0.005
levels; the tests hold them to max <= 1 and max < 0.02.

:class:`TorchOps` is the torch backend of :class:`studio.motion.warp.MotionRig` (the same
steps as :class:`studio.motion.warp.CvOps`): the background and the layer crops are uploaded
once per picture and stay on the device in float32; a frame is one ``grid_sample`` of the
background through the camera homography (``padding_mode="reflection"`` with
``align_corners=True`` is OpenCV's ``BORDER_REFLECT_101``), one per layer through its composed
transform (ambient maps are given coarse and resized with ``F.interpolate``, which uses the
same half-pixel centres as ``cv2.resize``), the "over" composites in float, and one download
of the finished uint8 frame.  The OpenCV path rounds its canvas and layers to uint8 between
steps and this one does not, so frames differ by a few levels at most (the tests hold the
torch path on the CPU build to max <= 4 and mean < 0.3 levels against OpenCV).

torch is imported inside the functions only (no module-level import anywhere), so importing
this module costs nothing until a torch path is actually used.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from studio.motion.objects import EPS as OBJECT_EPS

BORDERS = {"constant": "zeros", "replicate": "border", "reflect101": "reflection"}


def remap_torch(image: np.ndarray, map_xy: np.ndarray, *, border: str = "constant", device=None,
                tensor_out: bool = False):
    """``image`` (H, W) or (H, W, C) uint8/float32 sampled at ``map_xy`` (H', W', 2).

    Returns a numpy array of the input's dtype (uint8 results are rounded and clipped), or the
    torch tensor (C, H', W') float32 on ``device`` when ``tensor_out`` is set.
    """
    if border not in BORDERS:
        raise ValueError(f"border {border!r}: expected one of {', '.join(BORDERS)}")
    ops = TorchOps(device if device is not None else "cpu")
    pixels = ops._torch.from_numpy(np.ascontiguousarray(map_xy, dtype=np.float32)).to(ops.device)[None]
    out = ops._sample(ops._tensor(_channels(image)), pixels, border)
    return out[0] if tensor_out else _as_input(out, image)


def warp_affine_torch(image: np.ndarray, matrix: np.ndarray, dsize: tuple[int, int], *,
                      border: str = "constant", device=None) -> np.ndarray:
    """``cv2.warpAffine(image, matrix, dsize, INTER_LINEAR)`` on torch (``matrix``: source to destination)."""
    import cv2

    ops = TorchOps(device if device is not None else "cpu")
    inv = np.vstack([cv2.invertAffineTransform(np.asarray(matrix, np.float64)), [0.0, 0.0, 1.0]])
    return _as_input(ops.warp(ops._tensor(_channels(image)), inv, dsize, border), image)


def _channels(image: np.ndarray) -> np.ndarray:
    return image[..., None] if image.ndim == 2 else image


def _as_input(out, image: np.ndarray) -> np.ndarray:
    """A (1, C, H, W) result as a numpy array shaped and typed like ``image``."""
    res = out[0].permute(1, 2, 0).cpu().numpy()
    if image.dtype == np.uint8:
        res = np.clip(res + 0.5, 0, 255).astype(np.uint8)
    else:
        res = res.astype(image.dtype, copy=False)
    return res[..., 0] if image.ndim == 2 else res


class TorchOps:
    """The torch backend of :class:`studio.motion.warp.MotionRig` (see the module docstring).

    Handles are (1, C, H, W) float32 tensors on ``device``: pictures RGB 0..255, layers
    premultiplied RGB 0..255 plus alpha 0..1.
    """

    name = "torch"

    def __init__(self, device="cpu"):
        import torch
        import torch.nn.functional as F

        self._torch, self._F = torch, F
        self.device = torch.device(device)

    def _tensor(self, array: np.ndarray):
        t = self._torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
        return t.to(self.device).permute(2, 0, 1)[None].contiguous()

    def picture(self, image: np.ndarray):
        return self._tensor(image)

    def layer(self, crop: np.ndarray):
        return self._tensor(crop)

    def new_layer(self, shape: tuple[int, int]):
        """An empty (1, 4, h, w) layer, to be filled by :meth:`put_layer_rows`."""
        return self._torch.empty((1, 4) + tuple(shape), dtype=self._torch.float32, device=self.device)

    def put_layer_rows(self, handle, r0: int, crop: np.ndarray) -> None:
        handle[:, :, r0:r0 + crop.shape[0]] = self._tensor(crop)

    def nbytes(self, handle) -> int:
        return 0 if handle is None else handle.element_size() * handle.nelement()

    def copy(self, canvas):
        return canvas.clone()

    def copy_rows(self, canvas, r0: int, r1: int):
        return canvas[:, :, r0:r1].clone()

    def _sample(self, src, pixels, border: str):
        """``src`` sampled at absolute pixel positions ``pixels`` (1, H', W', 2)."""
        h, w = src.shape[-2:]
        scale = self._torch.tensor([2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)], device=self.device)
        return self._F.grid_sample(src, pixels * scale - 1.0, mode="bilinear", padding_mode=BORDERS[border],
                                   align_corners=True)

    def warp(self, src, inv: np.ndarray, dsize: tuple[int, int], border: str):
        torch = self._torch
        dw, dh = dsize
        # float64 for the projective arithmetic, except on Apple's MPS, which has no float64
        dtype = torch.float32 if self.device.type == "mps" else torch.float64
        ys, xs = torch.meshgrid(torch.arange(dh, device=self.device, dtype=dtype),
                                torch.arange(dw, device=self.device, dtype=dtype), indexing="ij")
        m = torch.as_tensor(np.asarray(inv, np.float64), dtype=dtype, device=self.device)
        q = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1) @ m.T
        pixels = (q[..., :2] / q[..., 2:]).float()[None]
        return self._sample(src, pixels, border)

    def warp_map(self, src, coarse: np.ndarray, step: int, dsize: tuple[int, int], border: str,
                 rows: tuple[int, int] | None = None):
        dw, dh = dsize
        r0, r1 = rows if rows is not None else (0, dh)
        ny, nx = coarse.shape[:2]
        c = self._tensor(coarse)
        up = self._F.interpolate(c, size=(ny * step, nx * step), mode="bilinear", align_corners=False)
        pixels = up[0, :, step + r0:step + r1, step:step + dw].permute(1, 2, 0)[None]
        return self._sample(src, pixels, border)

    def over(self, canvas, box, layer) -> None:
        x0, y0, x1, y1 = box
        roi = canvas[:, :, y0:y1, x0:x1]
        roi.mul_(1.0 - layer[:, 3:4]).add_(layer[:, :3])

    def finish(self, canvas) -> np.ndarray:
        out = canvas[0].clamp(0.0, 255.0).add_(0.5).to(self._torch.uint8)
        return out.permute(1, 2, 0).contiguous().cpu().numpy()

    def interpolator(self, i0: np.ndarray, i1: np.ndarray, flow, floor: float) -> "TorchPair":
        """The per-frame work of :class:`studio.motion.interpolate.Interpolator` on this device."""
        return TorchPair(self, i0, i1, flow, floor)


class TorchPair:
    """In-between frames of one key pair on a torch device (the same steps as OpenCV's ``_CvPair``).

    Keys and their visibilities stay on the device as (1, 4, H, W) float32; the flows stay at
    the flow resolution and are resized with ``F.interpolate`` (half-pixel centres, like
    ``cv2.resize``); one ``grid_sample`` per key (``padding_mode="border"``, OpenCV's
    ``BORDER_REPLICATE``) and the weighted blend.
    """

    def __init__(self, ops: TorchOps, i0: np.ndarray, i1: np.ndarray, flow, floor: float):
        torch = ops._torch
        self.ops, self.floor = ops, float(floor)
        self.size = flow.size
        self.objects = flow.objects
        extra0, extra1 = [flow.full(flow.v0)[..., None]], [flow.full(flow.v1)[..., None]]
        if self.objects is not None:        # where each key's objects are, for the blend weights
            extra0.append(self.objects.mask0.full()[..., None] * np.float32(1.0 / 255.0))
            extra1.append(self.objects.mask1.full()[..., None] * np.float32(1.0 / 255.0))
        self.p0 = torch.cat([ops._tensor(i0), ops._tensor(np.dstack(extra0))], dim=1)
        self.p1 = torch.cat([ops._tensor(i1), ops._tensor(np.dstack(extra1))], dim=1)
        self.path0, self.path1 = self._upload(flow.path0), self._upload(flow.path1)
        w, h = self.size
        ys, xs = torch.meshgrid(torch.arange(h, device=ops.device, dtype=torch.float32),
                                torch.arange(w, device=ops.device, dtype=torch.float32), indexing="ij")
        self.grid = torch.stack([xs, ys], dim=-1)[None]

    def _upload(self, path):
        """The path with its fields as (1, 2, h', w') tensors on the device."""
        return dataclasses.replace(path, coeffs=[self.ops._tensor(f) for f in path.coeffs])

    @property
    def nbytes(self) -> int:
        fields = [*self.path0.coeffs, *self.path1.coeffs]
        return sum(self.ops.nbytes(x) for x in (self.p0, self.p1, self.grid, *fields))

    def _maps(self, path, t: float):
        """Absolute sampling positions ``x - D(t)`` (1, H, W, 2) for a key's path."""
        w, h = self.size
        f = sum(c * field for c, field in path.terms(t))
        offset = path.offset(t)
        if offset is not None:
            f = f + self.ops._torch.as_tensor(offset, device=self.ops.device).view(1, 2, 1, 1)
        if f.shape[-2:] != (h, w):
            f = self.ops._F.interpolate(f, size=(h, w), mode="bilinear", align_corners=False)
        return self.grid - f.permute(0, 2, 3, 1)

    def frame(self, t: float) -> np.ndarray:
        ops = self.ops
        w0 = ops._sample(self.p0, self._maps(self.path0, t), "replicate")
        w1 = ops._sample(self.p1, self._maps(self.path1, t), "replicate")
        a = (w1[:, 3:4] + self.floor) * (1.0 - t)
        b = (w0[:, 3:4] + self.floor) * t
        if self.objects is not None:
            a = a * (1.0 - w0[:, 4:5]) + OBJECT_EPS * (1.0 - t)
            b = b * (1.0 - w1[:, 4:5]) + OBJECT_EPS * t
        out = (w0[:, :3] * a + w1[:, :3] * b) / (a + b)
        if self.objects is None:
            return ops.finish(out)
        return self.objects.composite(ops.finish(out), t)


__all__ = ["BORDERS", "TorchOps", "remap_torch", "warp_affine_torch"]

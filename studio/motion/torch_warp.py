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

Not yet wired into :class:`studio.motion.warp.MotionRig`: a GPU path should keep the layer
crops on the device across frames (uploading them per frame would cost more than it saves).

torch is imported inside the functions only (no module-level import anywhere), so importing
this module costs nothing until a torch path is actually used.
"""

from __future__ import annotations

import numpy as np

BORDERS = {"constant": "zeros", "replicate": "border"}


def remap_torch(image: np.ndarray, map_xy: np.ndarray, *, border: str = "constant", device=None,
                tensor_out: bool = False):
    """``image`` (H, W) or (H, W, C) uint8/float32 sampled at ``map_xy`` (H', W', 2).

    Returns a numpy array of the input's dtype (uint8 results are rounded and clipped), or the
    torch tensor (C, H', W') float32 on ``device`` when ``tensor_out`` is set.
    """
    import torch
    import torch.nn.functional as F

    if border not in BORDERS:
        raise ValueError(f"border {border!r}: expected one of {', '.join(BORDERS)}")
    dev = torch.device(device) if device is not None else torch.device("cpu")
    squeeze = image.ndim == 2
    src = image[..., None] if squeeze else image
    h, w, c = src.shape
    img_t = torch.from_numpy(np.ascontiguousarray(src)).to(dev).permute(2, 0, 1)[None].float()
    grid = torch.from_numpy(np.ascontiguousarray(map_xy, dtype=np.float32)).to(dev)
    scale = torch.tensor([2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)], device=dev)
    grid = (grid * scale - 1.0)[None]
    out = F.grid_sample(img_t, grid, mode="bilinear", padding_mode=BORDERS[border], align_corners=True)[0]
    if tensor_out:
        return out
    res = out.permute(1, 2, 0).cpu().numpy()
    if image.dtype == np.uint8:
        res = np.clip(res + 0.5, 0, 255).astype(np.uint8)
    else:
        res = res.astype(image.dtype, copy=False)
    return res[..., 0] if squeeze else res


def affine_map(matrix: np.ndarray, dsize: tuple[int, int]) -> np.ndarray:
    """The backward map (H', W', 2) that ``cv2.warpAffine(src, matrix, dsize)`` samples.

    ``matrix`` is the forward 2x3 map from source to destination pixels, as OpenCV takes it.
    """
    import cv2

    w, h = dsize
    inv = cv2.invertAffineTransform(np.asarray(matrix, np.float64))
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    mx = inv[0, 0] * gx + inv[0, 1] * gy + inv[0, 2]
    my = inv[1, 0] * gx + inv[1, 1] * gy + inv[1, 2]
    return np.dstack([mx, my]).astype(np.float32)


def warp_affine_torch(image: np.ndarray, matrix: np.ndarray, dsize: tuple[int, int], *,
                      border: str = "constant", device=None) -> np.ndarray:
    """``cv2.warpAffine(image, matrix, dsize, INTER_LINEAR)`` on torch."""
    return remap_torch(image, affine_map(matrix, dsize), border=border, device=device)


__all__ = ["BORDERS", "affine_map", "remap_torch", "warp_affine_torch"]

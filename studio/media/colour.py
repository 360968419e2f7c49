"""sRGB <-> scene-linear conversions and bit-depth reduction for images.

Semantics and assumptions
-------------------------
* Clip frames are 8-bit sRGB-encoded (display-referred) RGB.  OpenEXR (and Radiance HDR)
  pixels are scene-linear with BT.709/sRGB primaries, so reading them applies the sRGB
  encoding curve (IEC 61966-2-1, the piecewise curve, not a pure 2.2 gamma) and clips to
  [0, 1]; writing them applies its inverse.  Values above 1.0 are clipped: no tone mapping.
* 16-bit integers become 8-bit by rounding ``v * 255 / 65535`` (so 65535 -> 255, 257 -> 1).
"""

from __future__ import annotations

import numpy as np


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] to linear light (float32)."""
    x = np.asarray(x, np.float32)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """Linear light to sRGB-encoded values, clipped to [0, 1] (float32)."""
    x = np.clip(np.nan_to_num(np.asarray(x, np.float32), nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055).astype(np.float32)


#: 8-bit sRGB code value -> linear light, for writing EXR quickly.
SRGB8_TO_LINEAR = srgb_to_linear(np.arange(256, dtype=np.float32) / 255.0)


def linear_to_srgb8(x: np.ndarray) -> np.ndarray:
    """Linear light to 8-bit sRGB code values (rounded)."""
    return np.rint(linear_to_srgb(x) * 255.0).astype(np.uint8)


def gbr_planes_to_rgb8(planes: np.ndarray, alpha: bool) -> np.ndarray:
    """ffmpeg's planar linear float (G, B, R[, A]) as (H, W, 3|4) uint8 straight sRGB colour.

    ffmpeg's EXR decoder leaves colour premultiplied by alpha; it is divided out where alpha
    is above zero.  Without ``alpha`` an alpha plane, if present, is ignored.
    """
    g, b, r = planes[0], planes[1], planes[2]
    rgb = np.stack([r, g, b], axis=-1)
    if planes.shape[0] < 4:
        return linear_to_srgb8(rgb) if not alpha else np.dstack([linear_to_srgb8(rgb), np.full(r.shape, 255, np.uint8)])
    a = planes[3][:, :, None]
    rgb = np.where(a > 0, rgb / np.where(a > 0, a, 1.0), rgb)
    out = linear_to_srgb8(rgb)
    return np.dstack([out, to_uint8(planes[3])]) if alpha else out


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Reduce uint16 (rounding) or display-referred float in [0, 1] to uint8; uint8 passes."""
    if x.dtype == np.uint8:
        return x
    if x.dtype == np.uint16:
        return ((x.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if np.issubdtype(x.dtype, np.floating):
        return np.rint(np.clip(np.nan_to_num(x.astype(np.float32)), 0.0, 1.0) * 255.0).astype(np.uint8)
    if np.issubdtype(x.dtype, np.integer):  # int8/int32 and friends: assume 8-bit range
        return np.clip(x, 0, 255).astype(np.uint8)
    raise TypeError(f"cannot reduce {x.dtype} pixels to 8 bits")


__all__ = ["SRGB8_TO_LINEAR", "gbr_planes_to_rgb8", "linear_to_srgb", "linear_to_srgb8", "srgb_to_linear", "to_uint8"]

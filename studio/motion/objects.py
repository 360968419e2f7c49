"""Object layers: small, fast things that optical flow loses, found against the chain's background.

DIS estimates flow coarse to fine, so an object smaller than its patches that moves further
than its own size between two keys (a swinging ball, a bird, a thrown prop) vanishes at the
coarse levels and comes back with the motion of what is around it.  The in-between then shows
it twice, half transparent: where it was and where it will be.  With at least one
neighbouring key in the chain, :func:`find_objects` finds such objects and the in-between
moves them as layers:

1. **Background.** Each key of the pair is compared with the other pictures of the chain (the
   other key and the neighbours either side), aligned to it by the *camera's* motion only:
   the robust affine fit of the flows between them (:func:`studio.motion.flowmath.flow_affine`),
   not the dense flow, which would also align whatever DIS does follow.  The per-pixel median
   of the key and its aligned neighbours is the key's background: three pictures at least,
   so a thing that moves is somewhere else in most of them.
2. **Gate.** Where the key differs from its background by more than :data:`FG_TAU` grey
   levels *and* DIS's flow does not explain the key either (its warping error is above
   :data:`FG_TAU` too), an object may have been lost.  With fewer than :data:`MIN_AREA` such
   pixels the pair has none and nothing more is spent (the common case: a few milliseconds).
3. **Candidate flow.** DIS runs again on the two keys with their backgrounds subtracted
   (``128 + key - background``), where only the moving things are left, so a small object
   dominates its patches (8 px instead of the preset's 12).  The candidate is kept where it
   explains the key better than DIS by :data:`MARGIN` grey levels, agrees with the candidate
   flow back, and the key is foreground.
4. **Objects.** Connected regions of at least :data:`MIN_AREA` kept pixels (at most
   :data:`MAX_SHARE` of the picture: anything bigger DIS follows) whose candidate motion
   differs from DIS's by at least :data:`MIN_GAIN_PX` become layers, each moving by the
   median of its candidate motion, over the foreground pixels next to the region.
5. **Matching.** Lost regions the candidate flow does not reach (motion beyond its capture
   range, as under a panning camera) are matched into key 1 by translation (masked squared
   differences, within :data:`MATCH_REACH` of the picture, onto key 1's lost foreground) and
   kept only when the match back lands within :data:`FB_TOLERANCE` and the match explains
   :data:`MATCH_SHARE` of the region better than DIS.

**Rendering** (:class:`ObjectLayers`): the background in-between is blended as usual except
that samples landing on an object of their own key lose their weight (the other key shows
what is behind it there), and each object is composited over it at ``t`` along the straight
line between its two positions: key 0's pixels moved by ``t * shift`` and key 1's by
``-(1 - t) * shift``, blended by time, with soft edges.

Costs: the gate is a few warps and a median at the flow resolution per pair; pairs past it pay
two more DIS runs once, and each in-between frame one single-channel remap per key plus the
objects' boxes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from studio.motion.flowmath import affine_matrix, grid, resized_rows, sample

#: grey levels (3 px box) by which a key must differ from its background, and DIS's warping
#: error exceed, for a pixel to belong to a lost object
FG_TAU = 20.0
#: grey levels (5 px box) by which the candidate flow must explain a pixel better than DIS
MARGIN = 10.0
#: fewest pixels (at the flow resolution) of an object, and the largest share of the picture
MIN_AREA, MAX_SHARE = 30, 0.05
#: an object's motion must differ from DIS's there by this much (flow pixels)
MIN_GAIN_PX = 2.0
#: forward-backward mismatch (flow pixels) up to which the candidate flow counts as consistent
FB_TOLERANCE = 2.0
#: how far matching searches, as a share of the picture's long side, and the share of a region
#: the match must explain
MATCH_REACH, MATCH_SHARE = 0.2, 0.3
#: flow pixels around an object found by the candidate flow in which no other is matched (its
#: own leftovers)
NEAR = 6
#: weight left to a sample that lands on its own key's object (so the blend stays defined where
#: both do)
EPS = 1e-3


@dataclass
class ObjectLayer:
    """One object: its motion over the pair and its pictures in both keys (output pixels)."""

    shift: tuple[float, float]              # (dx, dy) from key 0 to key 1
    rgba0: np.ndarray                       # float32 crop of key 0: RGB 0..255, alpha 0..1
    origin0: tuple[int, int]                # the crop's top-left (x, y) in key 0
    rgba1: np.ndarray
    origin1: tuple[int, int]

    @property
    def nbytes(self) -> int:
        return self.rgba0.nbytes + self.rgba1.nbytes


#: object masks of frames up to this many pixels are kept whole (a 1080p mask is 2 MB)
WHOLE_MASK_PIXELS = 1 << 22


@dataclass
class MaskCrop:
    """An (H, W) uint8 mask that is zero outside a box, kept as that box (plus a zero pixel on
    each side away from the frame's edges), so at 8K it costs what the objects cover."""

    size: tuple[int, int]                   # the whole mask's (W, H)
    origin: tuple[int, int]                 # the crop's top-left (x, y)
    values: np.ndarray                      # (h, w) uint8

    @classmethod
    def of(cls, mask: np.ndarray) -> MaskCrop:
        """``mask`` kept whole up to :data:`WHOLE_MASK_PIXELS` (sampling it needs no shifted
        maps then), cropped beyond."""
        h, w = mask.shape
        if mask.size <= WHOLE_MASK_PIXELS:
            return cls((w, h), (0, 0), mask)
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        if len(rows) == 0:
            return cls((w, h), (0, 0), np.zeros((1, 1), np.uint8))
        x0, y0 = max(int(cols[0]) - 1, 0), max(int(rows[0]) - 1, 0)
        x1, y1 = min(int(cols[-1]) + 2, w), min(int(rows[-1]) + 2, h)
        return cls((w, h), (x0, y0), np.ascontiguousarray(mask[y0:y1, x0:x1]))

    @classmethod
    def build(cls, size: tuple[int, int], parts: list) -> MaskCrop:
        """The maximum of ``parts``, ``[((x0, y0, x1, y1), uint8 values), ...]``, on a (W, H)
        mask, without making the whole mask when it is larger than :data:`WHOLE_MASK_PIXELS`."""
        w, h = size
        parts = [(b, v) for b, v in parts if b[2] > b[0] and b[3] > b[1]]
        if w * h <= WHOLE_MASK_PIXELS:
            ox, oy, out = 0, 0, np.zeros((h, w), np.uint8)
        elif not parts:
            return cls((w, h), (0, 0), np.zeros((1, 1), np.uint8))
        else:
            ox, oy = max(min(b[0] for b, _ in parts) - 1, 0), max(min(b[1] for b, _ in parts) - 1, 0)
            x1, y1 = min(max(b[2] for b, _ in parts) + 1, w), min(max(b[3] for b, _ in parts) + 1, h)
            out = np.zeros((y1 - oy, x1 - ox), np.uint8)
        for (x0, y0, x1, y1), values in parts:
            roi = out[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
            np.maximum(roi, values, out=roi)
        return cls((w, h), (ox, oy), out)

    @property
    def nbytes(self) -> int:
        return self.values.nbytes

    def full(self) -> np.ndarray:
        w, h = self.size
        out = np.zeros((h, w), np.uint8)
        x0, y0 = self.origin
        ch, cw = self.values.shape
        out[y0:y0 + ch, x0:x0 + cw] = self.values
        return out

    def remap(self, maps: np.ndarray) -> np.ndarray:
        """``cv2.remap(self.full(), maps, INTER_LINEAR, BORDER_REPLICATE)``, from the crop: the
        zero pixel around it stands for everything outside, and moving the maps by whole pixels
        keeps every sample position exact."""
        x0, y0 = self.origin
        if x0 or y0:
            maps = cv2.subtract(maps, (float(x0), float(y0), 0.0, 0.0))
        return cv2.remap(self.values, maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@dataclass
class ObjectLayers:
    """The objects of one key pair and, for the background blend, where they are in each key.

    ``mask0``/``mask1``: 255 on key 0's / key 1's objects (:class:`MaskCrop`, (H, W) uint8).
    """

    layers: list[ObjectLayer]
    mask0: MaskCrop
    mask1: MaskCrop

    @property
    def nbytes(self) -> int:
        return self.mask0.nbytes + self.mask1.nbytes + sum(o.nbytes for o in self.layers)

    def composite(self, frame: np.ndarray, t: float) -> np.ndarray:
        """Draw the objects at pair time ``t`` over ``frame`` (H, W, 3 uint8, changed in place)."""
        fh, fw = frame.shape[:2]
        for o in self.layers:
            dx, dy = o.shift
            p0 = (o.origin0[0] + t * dx, o.origin0[1] + t * dy)
            p1 = (o.origin1[0] - (1.0 - t) * dx, o.origin1[1] - (1.0 - t) * dy)
            # only where the layer is at t: the two moved crops' box, inside the frame
            x0 = max(0, int(np.floor(min(p0[0], p1[0]))))
            y0 = max(0, int(np.floor(min(p0[1], p1[1]))))
            x1 = min(fw, int(np.ceil(max(p0[0] + o.rgba0.shape[1], p1[0] + o.rgba1.shape[1]))))
            y1 = min(fh, int(np.ceil(max(p0[1] + o.rgba0.shape[0], p1[1] + o.rgba1.shape[0]))))
            if x1 <= x0 or y1 <= y0:
                continue
            size = (x1 - x0, y1 - y0)
            l0 = _moved(o.rgba0, p0[0] - x0, p0[1] - y0, size)
            l1 = _moved(o.rgba1, p1[0] - x0, p1[1] - y0, size)
            a0, a1 = l0[..., 3:] * np.float32(1.0 - t), l1[..., 3:] * np.float32(t)
            colour = (l0[..., :3] * a0 + l1[..., :3] * a1) / np.maximum(a0 + a1, 1e-6)
            cover = np.maximum(l0[..., 3:], l1[..., 3:])
            roi = frame[y0:y1, x0:x1]
            roi[:] = np.clip(colour * cover + roi * (1.0 - cover) + 0.5, 0, 255).astype(np.uint8)
        return frame

    def weights(self, a: np.ndarray, b: np.ndarray, maps0: np.ndarray, maps1: np.ndarray, t: float) -> None:
        """Take the blend weights ``a`` (key 0's sample) and ``b`` (key 1's) away, in place, where
        a sample at ``maps0``/``maps1`` lands on an object of its own key."""
        for w, mask, maps, share in ((a, self.mask0, maps0, 1.0 - t), (b, self.mask1, maps1, t)):
            keep = cv2.bitwise_not(mask.remap(maps))
            cv2.multiply(w, keep, dst=w, scale=1.0 / 255.0, dtype=cv2.CV_32F)
            cv2.add(w, EPS * share, dst=w)


def _moved(rgba: np.ndarray, dx: float, dy: float, size: tuple[int, int]) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(rgba, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def _object_dis() -> cv2.DISOpticalFlow:
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    dis.setUseSpatialPropagation(True)
    dis.setFinestScale(0)
    dis.setPatchSize(8)
    dis.setPatchStride(4)
    return dis


def _compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The 2x3 affine map ``p -> outer(inner(p))``."""
    return outer @ np.vstack([inner, [0.0, 0.0, 1.0]])


def _background(g: np.ndarray, others: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The per-pixel median of ``g`` and the ``others`` (picture, 2x3 map from g's pixels to it)."""
    h, w = g.shape
    stack = [g.astype(np.float32)]
    for picture, m in others:
        stack.append(cv2.warpAffine(picture.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                    borderMode=cv2.BORDER_REPLICATE))
    return np.median(np.stack(stack), axis=0).astype(np.float32)


def _error(g_key: np.ndarray, g_other: np.ndarray, flow: np.ndarray, pixels: np.ndarray, box: int) -> np.ndarray:
    return cv2.blur(cv2.absdiff(sample(g_other, pixels, flow), g_key), (box, box))


def find_objects(i0: np.ndarray, i1: np.ndarray, g0: np.ndarray, g1: np.ndarray, f01: np.ndarray,
                 f10: np.ndarray, before: tuple[np.ndarray, np.ndarray] | None = None,
                 after: tuple[np.ndarray, np.ndarray] | None = None,
                 check: Callable[[], None] | None = None) -> ObjectLayers | None:
    """The objects DIS lost between keys ``i0`` and ``i1`` (RGB, output size), or None.

    ``g0``/``g1``: the keys' grey pictures at the flow resolution and ``f01``/``f10`` the DIS
    flows between them there (flow pixels); ``before``: the neighbour before the pair as (grey
    picture, DIS flow from ``g0`` to it), ``after``: the neighbour after as (grey, flow from
    ``g1``).  Without a neighbour there is no background to tell objects by, so None.
    """
    if before is None and after is None:
        return None
    m01, m10 = affine_matrix(f01), affine_matrix(f10)
    others0, others1 = [(g1, m01)], [(g0, m10)]
    if before is not None:
        gb, m0b = before[0], affine_matrix(before[1])
        others0.append((gb, m0b))
        others1.append((gb, _compose(m0b, m10)))
    if after is not None:
        ga, m1a = after[0], affine_matrix(after[1])
        others1.append((ga, m1a))
        others0.append((ga, _compose(m1a, m01)))
    a, b = g0.astype(np.float32), g1.astype(np.float32)
    pixels = grid(*a.shape)
    bg0 = _background(a, others0)
    fg0 = cv2.blur(cv2.absdiff(a, bg0), (3, 3)) > FG_TAU
    e_dis = _error(a, b, f01, pixels, 5)
    lost = fg0 & (e_dis > FG_TAU)
    if np.count_nonzero(lost) < MIN_AREA:
        return None
    bg1 = _background(b, others1)
    found = _by_candidate_flow(a, b, bg0, bg1, fg0, f01, e_dis, pixels, check)
    taken = np.zeros(lost.shape, np.uint8)
    for region, _ in found:
        taken |= region.astype(np.uint8)
    todo = lost & ~(cv2.dilate(taken, np.ones((2 * NEAR + 1, 2 * NEAR + 1), np.uint8)) > 0)
    if np.count_nonzero(todo) >= MIN_AREA:
        lost1 = (cv2.blur(cv2.absdiff(b, bg1), (3, 3)) > FG_TAU) & (_error(b, a, f10, pixels, 5) > FG_TAU)
        found += _by_matching(a, b, lost, lost1, todo, f01, f10, e_dis, pixels, check)
    if check:
        check()
    return _layers(i0, i1, found, fg0, check)


def _by_candidate_flow(a, b, bg0, bg1, fg0, f01, e_dis, pixels, check) -> list[tuple[np.ndarray, np.ndarray]]:
    """Objects from DIS on the background-subtracted keys: (region, motion) in flow pixels."""
    s0 = np.clip(a - bg0 + 128.0, 0, 255).astype(np.uint8)
    s1 = np.clip(b - bg1 + 128.0, 0, 255).astype(np.uint8)
    dis = _object_dis()
    c01 = dis.calc(s0, s1, None)
    if check:
        check()
    c10 = dis.calc(s1, s0, None)
    if check:
        check()
    back = c01 + sample(c10, pixels, c01)
    keep = fg0 & (_error(a, b, c01, pixels, 5) < e_dis - MARGIN) & (np.hypot(back[..., 0], back[..., 1]) < FB_TOLERANCE)
    found = []
    for region in _components(keep):
        d = np.median(c01[region], axis=0)
        if np.hypot(*(d - np.median(f01[region], axis=0))) >= MIN_GAIN_PX:
            found.append((region, d))
    return found


def _by_matching(a, b, lost0, lost1, todo, f01, f10, e_dis, pixels, check=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Objects the candidate flow missed (moving further than it reaches).

    Each region of ``todo`` (key 0's lost foreground the candidate flow did not explain) is
    matched into key 1 by translation (masked sum of squared differences) among the places
    where key 1's lost foreground ``lost1`` covers at least half of it, and what it lands on
    is matched back the same way; the match is kept when the way back returns within
    :data:`FB_TOLERANCE` and the match explains at least :data:`MATCH_SHARE` of the region
    better than DIS by :data:`MARGIN`.
    """
    found = []
    for region in _components(todo):
        if check:
            check()
        d = _match(a, b, region, lost1, np.median(f01[region], axis=0))
        if d is None:
            continue
        landed = _moved(region.astype(np.uint8), float(d[0]), float(d[1]), region.shape[::-1]).astype(bool) & lost1
        if np.count_nonzero(landed) < MIN_AREA:
            continue
        back = _match(b, a, landed, lost0, np.median(f10[landed], axis=0))
        if back is None or np.hypot(*(back + d)) > FB_TOLERANCE:
            continue
        better = region & (_error(a, b, np.broadcast_to(d, f01.shape), pixels, 5) < e_dis - MARGIN)
        if np.count_nonzero(better) >= max(MIN_AREA, MATCH_SHARE * np.count_nonzero(region)):
            found.append((better, d))
    return found


def _match(a, b, region, lost_b, avoid) -> np.ndarray | None:
    """The translation (flow pixels) that best carries ``region`` of ``a`` onto ``b`` where
    ``lost_b`` covers at least half of it, at least :data:`MIN_GAIN_PX` from ``avoid``."""
    fh, fw = a.shape
    reach = int(round(MATCH_REACH * max(fw, fh)))
    ys, xs = np.nonzero(region)
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    mask = region[y0:y1, x0:x1].astype(np.float32)
    sx0, sy0, sx1, sy1 = max(0, x0 - reach), max(0, y0 - reach), min(fw, x1 + reach), min(fh, y1 + reach)
    ssd = cv2.matchTemplate(b[sy0:sy1, sx0:sx1], a[y0:y1, x0:x1], cv2.TM_SQDIFF, mask=mask)
    cover = cv2.matchTemplate(lost_b[sy0:sy1, sx0:sx1].astype(np.float32), mask, cv2.TM_CCORR) / float(mask.sum())
    dy, dx = np.mgrid[0:ssd.shape[0], 0:ssd.shape[1]]
    dx, dy = dx + (sx0 - x0), dy + (sy0 - y0)
    allowed = (cover >= 0.5) & (np.hypot(dx - avoid[0], dy - avoid[1]) >= MIN_GAIN_PX) & np.isfinite(ssd)
    if not allowed.any():
        return None
    i, j = np.unravel_index(np.argmin(np.where(allowed, ssd, np.inf)), ssd.shape)
    return np.array([dx[i, j], dy[i, j]], np.float32)


def _components(mask: np.ndarray) -> list[np.ndarray]:
    """The connected regions (after a 3 px closing) of ``mask`` with a plausible object's size."""
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    top = MAX_SHARE * mask.size
    return [labels == k for k in range(1, n) if MIN_AREA <= stats[k, cv2.CC_STAT_AREA] <= top]


def _layers(i0, i1, found, fg0, check=None) -> ObjectLayers | None:
    """Layers at the output size from (region, motion) pairs at the flow resolution.

    Each object's alpha is made only inside its own box (the output pixels its soft region
    at the flow resolution reaches), so the cost follows the objects, not the frame size.
    """
    fh, fw = fg0.shape
    h, w = i0.shape[:2]
    grow = np.ones((5, 5), np.uint8)
    layers, parts0, parts1 = [], [], []
    for region, d in found:
        if check:
            check()
        region = region | ((cv2.dilate(region.astype(np.uint8), grow) > 0) & fg0)
        soft = cv2.GaussianBlur(cv2.dilate(region.astype(np.float32), np.ones((3, 3), np.uint8)), (0, 0), 1.0)
        box0, alpha0 = _resized_box(soft, (w, h))
        if alpha0 is None:
            continue
        np.clip(alpha0, 0.0, 1.0, out=alpha0)
        shift = (float(d[0]) * w / fw, float(d[1]) * h / fh)
        box1, alpha1 = _moved_box(alpha0, box0, shift, (w, h))
        layer = _layer(i0, i1, (box0, alpha0), (box1, alpha1), shift)
        if layer is not None:
            layers.append(layer)
            # a mask is its alphas' maximum at 1/255 steps (rounding commutes with the maximum)
            for parts, box, alpha in ((parts0, box0, alpha0), (parts1, box1, alpha1)):
                parts.append((box, np.clip(alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)))
    if not layers:
        return None
    if check:
        check()
    return ObjectLayers(layers, MaskCrop.build((w, h), parts0), MaskCrop.build((w, h), parts1))


def _resized_box(field: np.ndarray, size: tuple[int, int]) -> tuple[tuple[int, int, int, int], np.ndarray | None]:
    """The part of ``cv2.resize(field, size, INTER_LINEAR)`` where it can be nonzero: (box, values).

    Resized across once (flow-resolution rows, full width), then down the box's rows between
    the two nearest resized rows, as ``cv2.resize`` does (to within float rounding).
    """
    w, h = size
    fh, fw = field.shape
    ys, xs = np.nonzero(field)
    if len(xs) == 0:
        return (0, 0, 0, 0), None
    # output pixel X samples the field at (X + 0.5) fw / w - 0.5; nonzero needs a tap in the support
    x0 = max(int(np.floor((xs.min() - 1 + 0.5) * w / fw - 0.5)), 0)
    x1 = min(int(np.ceil((xs.max() + 1 + 0.5) * w / fw - 0.5)) + 1, w)
    y0 = max(int(np.floor((ys.min() - 1 + 0.5) * h / fh - 0.5)), 0)
    y1 = min(int(np.ceil((ys.max() + 1 + 0.5) * h / fh - 0.5)) + 1, h)
    across = cv2.resize(field, (w, fh), interpolation=cv2.INTER_LINEAR)[:, x0:x1]
    return (x0, y0, x1, y1), resized_rows(across, h, y0, y1)


def _moved_box(alpha: np.ndarray, box, shift: tuple[float, float], size: tuple[int, int]):
    """``alpha`` (given inside ``box``) moved by ``shift`` as :func:`_moved` would on the whole
    frame: (its box, values)."""
    w, h = size
    x0, y0, x1, y1 = box
    dx, dy = shift
    bx0, by0 = max(int(np.floor(x0 + dx)) - 1, 0), max(int(np.floor(y0 + dy)) - 1, 0)
    bx1, by1 = min(int(np.ceil(x1 + dx)) + 1, w), min(int(np.ceil(y1 + dy)) + 1, h)
    if bx1 <= bx0 or by1 <= by0:
        return (0, 0, 0, 0), np.zeros((0, 0), np.float32)
    # integer offsets keep the shift's fraction, so the samples are those of the whole-frame warp
    return (bx0, by0, bx1, by1), _moved(alpha, dx + x0 - bx0, dy + y0 - by0, (bx1 - bx0, by1 - by0))


def _layer(i0, i1, placed0, placed1, shift) -> ObjectLayer | None:
    """The object's crops of both keys where its alpha (given as (box, values)) is above 1e-3."""
    boxes, crops = [], []
    for image, ((bx0, by0, _, _), alpha) in ((i0, placed0), (i1, placed1)):
        ys, xs = np.nonzero(alpha > 1e-3)
        if len(xs) == 0:
            return None                     # moved out of the picture entirely
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        boxes.append((int(x0 + bx0), int(y0 + by0)))
        crops.append(np.dstack([image[y0 + by0:y1 + by0, x0 + bx0:x1 + bx0].astype(np.float32),
                                alpha[y0:y1, x0:x1]]))
    return ObjectLayer(shift, crops[0], boxes[0], crops[1], boxes[1])

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES


def load(name: str, width: int | None = None) -> np.ndarray:
    img = cv2.cvtColor(cv2.imread(str(SAMPLES / name)), cv2.COLOR_BGR2RGB)
    if width:
        img = cv2.resize(img, (width, int(round(img.shape[0] * width / img.shape[1]))), interpolation=cv2.INTER_AREA)
    return img


@pytest.fixture
def cat() -> np.ndarray:
    return load("chelsea.png", 200)


@pytest.fixture
def sill_frames() -> list[np.ndarray]:
    import imageio_ffmpeg
    gen = imageio_ffmpeg.read_frames(str(SAMPLES / "realshort.mp4"))
    meta = next(gen)
    w, h = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(h, w, 3).copy() for f in gen]


def disc_scene(pan: tuple[float, float] = (0.0, 0.0)) -> dict:
    """A 14 px textured disc flying 23 px per key across a still photo (or one the camera pans
    by ``pan`` px per key): frames at key times -1, 0, 0.5, 1 and 2, where the disc is, and the
    frames without it."""
    r = 7
    back = load("kodim03.png", 200)
    h, w = back.shape[:2]
    skin = load("coffee.png", 120)[40:40 + 2 * r + 2, 50:50 + 2 * r + 2].astype(np.float32)
    yy, xx = np.mgrid[0:2 * r + 2, 0:2 * r + 2]
    cover = np.clip(r + 0.5 - np.hypot(xx - r - 0.5, yy - r - 0.5), 0, 1)[..., None]
    frames, centres, backs = {}, {}, {}
    for t in (-1.0, 0.0, 0.5, 1.0, 2.0):
        cx, cy = 60 + 20 * t + 3 * t * t, 70 - 4 * t           # it speeds up a little
        img = back.astype(np.float32)
        x0, y0 = int(round(cx - r)), int(round(cy - r))
        patch = img[y0:y0 + 2 * r + 2, x0:x0 + 2 * r + 2]
        patch[:] = patch * (1 - cover) + skin * cover
        m = np.float32([[1, 0, pan[0] * t], [0, 1, pan[1] * t]])
        frames[t], backs[t] = (cv2.warpAffine(np.clip(x + 0.5, 0, 255).astype(np.uint8), m, (w, h),
                                              flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
                               for x in (img, back.astype(np.float32)))
        centres[t] = (x0 + r + 0.5 + pan[0] * t, y0 + r + 0.5 + pan[1] * t)
    return {"frames": frames, "centres": centres, "radius": r, "backgrounds": backs}

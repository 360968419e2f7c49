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

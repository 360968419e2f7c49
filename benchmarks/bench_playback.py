"""Playback benchmark: a cached 1080p clip played at 24 fps in the offscreen viewer for ~5 s.

``python -m benchmarks.bench_playback`` prints frames shown, dropped, mean/max frame interval
and the machine.  The clip: 120 in-memory 1080p frames of resources/samples/kodim03.png with a
moving crop.
"""

from __future__ import annotations

import os
import platform
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_clip(n: int = 120):
    import cv2
    import numpy as np

    from studio.media.clip import Clip
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    img = cv2.cvtColor(cv2.imread(os.path.join(root, "resources", "samples", "kodim03.png")), cv2.COLOR_BGR2RGB)
    big = cv2.resize(img, (2400, 1600), interpolation=cv2.INTER_CUBIC)
    frames = np.empty((n, 1080, 1920, 3), np.uint8)
    for i in range(n):
        x, y = int(i * 480 / n), int(i * 520 / n)
        frames[i] = big[y:y + 1080, x:x + 1920]
    return Clip(frames, 24)


def main(seconds: float = 5.0) -> dict:
    import studio.ui  # noqa: F401 - the PySide6 guard first
    from PySide6.QtWidgets import QApplication

    from studio.ui.frames import FrameService
    from studio.ui.viewer import Viewer
    app = QApplication.instance() or QApplication(sys.argv[:1])
    clip = make_clip()
    frames = FrameService()
    viewer = Viewer(frames)
    viewer.resize(960, 600)
    viewer.show()
    viewer.set_value("bench", clip, "bench")
    end = time.monotonic() + 2
    while viewer.canvas.image is None and time.monotonic() < end:
        app.processEvents()
    viewer.play.setChecked(True)
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        app.processEvents()
        time.sleep(0.0005)
    viewer.play.setChecked(False)
    st = viewer.stats
    iv = st.intervals or [0.0]
    out = {"shown": st.shown, "dropped": st.dropped, "expected": int(seconds * 24),
           "mean_ms": 1000 * sum(iv) / len(iv), "max_ms": 1000 * max(iv),
           "canvas": f"{viewer.canvas.width()}x{viewer.canvas.height()}"}
    frames.stop()
    print(f"playback 1080p x{len(clip)} @24 fps for {seconds:.0f} s in a {out['canvas']} viewer: "
          f"shown {out['shown']} (of ~{out['expected']}), dropped {out['dropped']}, "
          f"frame interval mean {out['mean_ms']:.1f} ms, max {out['max_ms']:.1f} ms")
    print(f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
          f"python {platform.python_version()} {platform.system()}")
    return out


if __name__ == "__main__":
    main()

"""The media layer stays light: importing it starts nothing and pulls in no Qt, torch or OpenCV."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_studio_media_imports_no_qt_torch_or_opencv():
    code = ("import sys, studio.media\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'shiboken6', 'cv2'))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_public_names_are_exported():
    import studio.media as media

    for name in ("Clip", "AudioRef", "FrameSource", "read_image", "open_video", "export_clip", "probe", "PRESETS",
                 "preset_for_path", "parse_rate", "parse_timecode", "format_timecode", "read_video", "write_image",
                 "read_image_alpha", "encoder_command", "MediaInfo", "ExportResult"):
        assert getattr(media, name) is not None, name

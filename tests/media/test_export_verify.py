"""The export's frame-count check demuxes instead of decoding: prove that is exact for every preset.

For every movie preset (and both containers where a preset allows two), the packet count
that :func:`export_clip` verifies (:func:`count_video_packets`) equals the decoded frame count and the frames sent, with
and without audio (AAC priming in .mp4 lives in an edit list).  And a short file is still
refused.
"""

from __future__ import annotations

import os

import pytest

from studio.errors import MediaError
from studio.media import export as export_mod
from studio.media.clip import AudioRef, Clip
from studio.media.export import export_clip
from studio.media.presets import PRESETS
from studio.media.probe import count_video_packets, probe
from tests.conftest import SAMPLES
from tests.media.conftest import numbered_frames

MOVIES = [(name, suffix) for name, p in PRESETS.items() if not p.is_sequence for suffix in p.suffixes]


@pytest.mark.parametrize("name,suffix", MOVIES, ids=[f"{n}{s}" for n, s in MOVIES])
def test_packet_count_equals_decoded_frames_for_every_movie_preset(tmp_path, name, suffix):
    n = 7
    audio = AudioRef(str(SAMPLES / "realshort.mp4")) if name in ("h264", "prores_hq") else None
    clip = Clip(numbered_frames(n, 128, 256), "24000/1001", audio=audio)
    out = tmp_path / f"v{suffix}"
    export_clip(clip, out, name)
    packets, decoded = probe(out, count="packets"), probe(out, count="decode")
    assert count_video_packets(out) == packets.frames == decoded.frames == n
    assert packets.fps == decoded.fps == clip.fps


def test_a_file_short_of_frames_is_still_refused(tmp_path, monkeypatch):
    real = export_mod._feed

    def feed_one_less(proc, clip, *args):
        return real(proc, clip.trimmed(0, len(clip) - 1), *args[:3], len(clip) - 1, *args[4:])

    monkeypatch.setattr(export_mod, "_feed", feed_one_less)
    clip = Clip(numbered_frames(5, 64, 64), 24)
    with pytest.raises(MediaError, match="holds 4 frames, 5 were sent"):
        export_clip(clip, tmp_path / "short.mov", "prores_proxy")
    assert os.listdir(tmp_path) == []

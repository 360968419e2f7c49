"""probe(): what ffmpeg's report says about real files, and the parser on canned reports."""

from __future__ import annotations

from fractions import Fraction

import pytest

from studio.errors import MediaError
from studio.media import probe
from studio.media.probe import conform_rate, parse_report, split_top_level


def test_probe_reads_real_phone_footage(samples):
    info = probe(samples / "realshort.mp4")
    assert info.size == (320, 240)
    assert info.fps == 30  # printed as "30.02 fps": conformed to the rate editors know
    assert info.frames == 36 and info.frames_exact and not info.vfr
    assert info.codec == "h264 (High)" and info.pix_fmt == "yuv420p"
    assert info.field_order == "progressive"
    assert info.has_audio and info.audio_codec == "aac" and info.audio_profile == "LC"
    assert info.audio_sample_rate == 48000 and info.audio_channels == 1 and info.audio_layout == "mono"
    assert info.duration == pytest.approx(1.2)
    assert info.audio_duration == pytest.approx(1.161, abs=0.002)
    assert info.timecode is None and info.reel_name is None
    assert info.metadata["major_brand"] == "isom"


def test_frame_counts_agree_between_decoding_and_demuxing(samples):
    decoded = probe(samples / "realshort.mp4", count="decode")
    demuxed = probe(samples / "realshort.mp4", count="packets")
    estimated = probe(samples / "realshort.mp4", count="none")
    assert decoded.frames == demuxed.frames == estimated.frames == 36
    assert decoded.frame_pts == demuxed.frame_pts and decoded.time_base == Fraction(1, 90000)
    assert estimated.frame_pts is None and not estimated.frames_exact


def test_gif_with_uneven_delays_is_variable_rate_at_its_average(uneven_gif):
    info = probe(uneven_gif.path)
    assert info.vfr and info.fps == 50  # "50 fps, 100 tbr": tbr alone would say 100
    assert info.frames == 36 and info.size == (200, 150) and info.has_alpha
    assert info.time_base == Fraction(1, 100)
    assert list(info.frame_pts) == [sum(uneven_gif.delays[:k]) for k in range(36)], "each picture when it is shown"


def test_stills_probe_as_one_frame(samples):
    info = probe(samples / "chelsea.png")
    assert info.frames == 1 and info.size == (451, 300) and info.codec == "png"
    assert info.pix_fmt == "rgb24" and info.color_range == "pc" and info.color_space == "gbr"
    assert info.color_primaries is None  # printed "unknown"


def test_missing_file_error_names_it(tmp_path):
    with pytest.raises(MediaError, match=rf"{tmp_path / 'gone.mov'}: file not found"):
        probe(tmp_path / "gone.mov")


def test_unreadable_file_error_names_it(tmp_path):
    bad = tmp_path / "fake.mp4"
    bad.write_bytes(b"\x00\x01 not a movie " * 100)
    with pytest.raises(MediaError, match=rf"{bad}: not a media file ffmpeg can read"):
        probe(bad)


def test_bad_count_mode_is_refused(samples):
    with pytest.raises(ValueError, match="count"):
        probe(samples / "chelsea.png", count="guess")


PRORES_REPORT = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mov':
  Metadata:
    major_brand     : qt
    encoder         : Lavf63.1.102
  Duration: 00:00:00.50, start: 0.000000, bitrate: 418 kb/s
  Stream group #0:0[0x2]: Track Reference:
    Stream #0:0[0x1]: Video: prores (HQ) (apch / 0x68637061), yuv422p10le(tv, bt709/unknown/unknown, progressive), 64x48, 396 kb/s, SAR 1:1 DAR 4:3, 23.98 fps, 23.98 tbr, 24k tbn (default)
      Metadata:
        handler_name    : VideoHandler
        timecode        : 01:00:00:00
    Stream #0:1[0x2](eng): Data: none (tmcd / 0x64636D74), 0 kb/s
      Metadata:
        handler_name    : TimeCodeHandler
        reel_name       : A001C003
        timecode        : 01:00:00:00
    Stream #0:2[0x3](eng): Audio: pcm_s24le (in24 / 0x34326E69), 48000 Hz, 5.1(side), s32 (24 bit), 6912 kb/s
At least one output file must be specified
"""


def test_parse_report_reads_codec_profile_colour_timecode_reel_and_audio():
    info = parse_report(PRORES_REPORT, "a.mov")
    assert info.codec == "prores (HQ)" and info.video_tag == "apch"
    assert info.pix_fmt_text == "yuv422p10le(tv, bt709/unknown/unknown, progressive)"
    assert (info.color_range, info.color_space, info.color_primaries, info.color_transfer) == ("tv", "bt709", None, None)
    assert info.size == (64, 48) and info.fps_text == "23.98 fps, 23.98 tbr"
    assert info.timecode == "01:00:00:00" and info.reel_name == "A001C003"
    assert info.metadata == {"major_brand": "qt", "encoder": "Lavf63.1.102"}
    assert info.video_metadata["handler_name"] == "VideoHandler"
    assert info.audio_codec == "pcm_s24le" and info.audio_channels == 6 and info.audio_sample_fmt == "s32"
    assert info.audio_stream == 2 and info.video_stream == 0


def test_parse_report_single_colour_name_means_all_three():
    line = ("Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x':\n  Duration: 00:00:01.00, start: 0.000000, bitrate: 1 kb/s\n"
            "  Stream #0:0: Video: dnxhd (DNXHR HQX) (AVdh / 0x68645641), yuv422p10le(tv, bt709), 256x120, "
            "25 fps, 25 tbr, 12800 tbn\n")
    info = parse_report(line)
    assert info.codec == "dnxhd (DNXHR HQX)"
    assert info.color_space == info.color_primaries == info.color_transfer == "bt709"
    assert info.field_order is None


def test_split_top_level_ignores_commas_in_brackets():
    assert split_top_level("a (b, c), d[e, f], g") == ["a (b, c)", "d[e, f]", "g"]


@pytest.mark.parametrize("measured,expected", [(Fraction(2398, 100), Fraction(24000, 1001)),
                                                (Fraction(45000, 1499), Fraction(30)),
                                                (Fraction(2997, 100), Fraction(30000, 1001)),
                                                (Fraction(15), Fraction(15)),
                                                (Fraction(1250, 100), Fraction(25, 2))])
def test_conform_rate_snaps_only_within_a_tenth_of_a_percent(measured, expected):
    assert conform_rate(measured) == expected

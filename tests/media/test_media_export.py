"""export_clip(): every preset decodes back as promised; failures and cancels leave nothing."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from fractions import Fraction

import numpy as np
import pytest

from studio.errors import Cancelled, MediaError
from studio.media import (PRESETS, AudioRef, CallableSource, Clip, encoder_command, export_clip, open_video,
                          preset_for_path, probe, read_image, read_image_alpha)
from studio.media import export as export_mod
from studio.timecode import format_timecode

VIDEO = [name for name, p in PRESETS.items() if p.kind == "video"]
SEQUENCES = [name for name, p in PRESETS.items() if p.kind == "sequence"]


def _size_for(name: str, odd: bool) -> tuple[int, int]:
    if name.startswith("dnxhr"):
        return (257, 121) if odd else (256, 120)  # DNxHR refuses anything smaller
    return (63, 47) if odd else (64, 48)


def _leftovers(folder) -> list[str]:
    return sorted(p for p in os.listdir(folder) if "partial" in p)


@pytest.mark.parametrize("rate", [Fraction(24000, 1001), Fraction(25)], ids=["23.976", "25"])
@pytest.mark.parametrize("name", VIDEO)
def test_every_movie_preset_decodes_back_as_promised(tmp_path, make_frames, name, rate):
    preset = PRESETS[name]
    odd = rate == 25  # odd sizes at 25 fps: chroma-subsampled presets must pad
    w, h = _size_for(name, odd)
    start = 3600 * round(float(rate))  # 01:00:00:00
    clip = Clip(make_frames(8, h, w), rate, start_frame=start)
    out = tmp_path / f"{name}{preset.suffix}"
    result = export_clip(clip, out, name, reel="A001C003")
    assert result.path == str(out) and result.frames == 8 and result.preset == name
    info = probe(out)
    assert info.video_codec == preset.codec and info.video_profile == preset.profile
    assert info.pix_fmt == preset.expected_pix_fmt(alpha=False)
    expect = (w + (w & 1), h + (h & 1)) if preset.needs_even_size else (w, h)
    assert info.size == expect == (result.width, result.height)
    assert info.frames == 8 and info.fps == rate
    assert info.timecode == "01:00:00:00" == result.timecode
    assert info.reel_name == "A001C003"
    assert (info.color_range, info.color_space, info.color_primaries, info.color_transfer) == \
        ("tv", "bt709", "bt709", "bt709")
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("name", SEQUENCES)
def test_every_sequence_preset_writes_numbered_files_that_decode_back(tmp_path, make_frames, name):
    preset = PRESETS[name]
    frames = make_frames(6, 47, 63)
    clip = Clip(frames, 25, start_frame=90000)  # 01:00:00:00 at 25 fps
    result = export_clip(clip, tmp_path / "shot", name)
    assert result.path == str(tmp_path / "shot" / f"frame_%07d{preset.suffix}")
    assert result.start_number == 90000 and result.frames == 6
    files = sorted(os.listdir(tmp_path / "shot"))
    assert files == [f"frame_{90000 + k:07d}{preset.suffix}" for k in range(6)]
    info = probe(result.path)
    assert info.is_sequence and info.start_number == 90000 and info.frames == 6
    assert info.video_codec == preset.codec and info.size == (63, 47)
    assert info.pix_fmt == preset.expected_pix_fmt(alpha=False)
    trc = {"png": "iec61966-2-1", "dpx": "bt709", "exr": "linear", "tiff": None}[name]
    assert info.color_transfer == trc  # TIFF stores no colour tags
    back = open_video(result.path, fps=25)
    assert back.start_frame == 90000 and format_timecode(back.start_frame, back.fps) == "01:00:00:00"
    got = np.stack(list(back.iter_frames()))
    assert np.abs(got.astype(int) - frames.astype(int)).max() <= (1 if name == "exr" else 0)  # lossless
    assert _leftovers(tmp_path) == []


def test_exr_frames_hold_linear_light(tmp_path):
    grey = np.full((1, 8, 8, 3), 188, np.uint8)  # sRGB 188 is about 0.5 linear
    result = export_clip(Clip(grey, 24), tmp_path / "lin" / "f_%04d.exr", "exr")
    out = subprocess.run([_ffmpeg(), "-v", "error", "-i", result.path % 0, "-f", "rawvideo",
                          "-pix_fmt", "gbrpf32le", "pipe:1"], capture_output=True, check=True).stdout
    assert np.frombuffer(out, "<f4").mean() == pytest.approx(0.5, abs=0.01)
    assert np.array_equal(read_image(result.path % 0), grey[0])


def _ffmpeg() -> str:
    from studio.media._ffmpeg import ffmpeg_exe

    return ffmpeg_exe()


def test_lossy_movies_keep_the_picture_and_its_colours(tmp_path, samples):
    """BT.709 in, BT.709 out: a real photo and saturated patches survive ProRes and H.264."""
    photo = read_image(samples / "kodim03.png")[:256, :384]
    patches = np.zeros_like(photo)
    for k, c in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (200, 50, 120), (20, 200, 220)]):
        patches[:, k * 64:(k + 1) * 64] = c
    clip = Clip(np.stack([photo, patches]), 24)
    for name, min_psnr in [("prores_hq", 40), ("h264", 36), ("dnxhr_hqx", 40)]:
        out = export_clip(clip, tmp_path / f"c_{name}{PRESETS[name].suffix}", name).path
        back = np.stack(list(open_video(out).iter_frames()))
        err = (back[0].astype(float) - photo) ** 2
        assert 10 * np.log10(255 ** 2 / err.mean()) > min_psnr, name
        centre = back[1][64:192, 16::64][:, :6].astype(int)  # patch centres, away from chroma edges
        want = patches[64:192, 16::64][:, :6].astype(int)
        assert np.abs(centre - want).max() <= 4, name


def test_prores_4444_keeps_alpha(tmp_path, make_frames):
    frames = make_frames(6, 48, 64)
    alpha = np.zeros((6, 48, 64), np.uint8)
    for i in range(6):
        alpha[i, :, : 8 * (i + 1)] = 255
        alpha[i, 20:30] = 128
    clip = Clip(frames, 24, alpha=alpha)
    out = export_clip(clip, tmp_path / "keyed.mov", "prores_4444").path
    info = probe(out)
    assert info.has_alpha and info.pix_fmt == "yuva444p12le" and info.codec == "prores (4444)"
    back = open_video(out, alpha=True)
    assert back.has_alpha
    got = np.stack(list(back.iter_alpha()))
    assert np.abs(got.astype(int) - alpha).max() <= 1
    assert np.abs(np.stack(list(back.iter_frames())).astype(int) - frames).mean() < 2


def test_png_sequence_keeps_alpha_and_opaque_presets_drop_it(tmp_path, make_frames):
    frames = make_frames(3, 24, 32)
    alpha = np.full((3, 24, 32), 77, np.uint8)
    clip = Clip(frames, 24, alpha=alpha)
    seq = export_clip(clip, tmp_path / "a_%03d.png").path
    rgb, a = read_image_alpha(seq % 0)
    assert np.array_equal(rgb, frames[0]) and np.array_equal(a, alpha[0])
    assert probe(export_clip(clip, tmp_path / "opaque.mov", "prores_hq").path).pix_fmt == "yuv422p10le"


def test_audio_is_carried_into_mov_as_pcm_with_matching_duration(tmp_path, samples):
    clip = open_video(samples / "realshort.mp4")
    info = probe(export_clip(clip, tmp_path / "with_sound.mov").path)
    assert info.codec == "prores (HQ)" and info.frames == 36 and info.fps == 30
    assert info.audio_codec == "pcm_s24le" and info.audio_sample_rate == 48000 and info.audio_channels == 1
    assert info.audio_duration == pytest.approx(36 / 30, abs=1e-4)
    trimmed = probe(export_clip(clip, tmp_path / "trimmed.mov", frame_range=(6, 18)).path)
    assert trimmed.frames == 12 and trimmed.audio_duration == pytest.approx(12 / 30, abs=1e-4)
    assert trimmed.timecode == "00:00:00:06"


def test_audio_in_mp4_is_aac_and_sequences_ignore_audio(tmp_path, samples):
    clip = open_video(samples / "realshort.mp4", 0, 11)
    info = probe(export_clip(clip, tmp_path / "review.mp4").path)
    assert info.codec == "h264 (High)" and info.audio_codec == "aac" and info.frames == 12
    assert info.audio_duration == pytest.approx(0.4, abs=0.025)
    assert export_clip(clip, tmp_path / "stills").frames == 12


def test_audio_from_a_missing_file_fails_cleanly(tmp_path, make_frames):
    clip = Clip(make_frames(3, 16, 16), 24, audio=AudioRef(str(tmp_path / "gone.wav"), 0.0, 0.1))
    with pytest.raises(MediaError, match=r"bad\.mov: cannot read the clip's audio: .*gone\.wav: file not found"):
        export_clip(clip, tmp_path / "bad.mov")
    assert os.listdir(tmp_path) == []


def test_timecode_argument_overrides_the_clip_and_drop_frame_survives(tmp_path, make_frames):
    clip = Clip(make_frames(4, 16, 16), "29.97", start_frame=0)
    result = export_clip(clip, tmp_path / "df.mov", "prores_proxy", timecode="01:00:00;00")
    info = probe(result.path)
    assert info.timecode == "01:00:00;00" and info.fps == Fraction(30000, 1001)
    back = open_video(result.path)
    assert back.start_frame == 107892 and back.timecode == "01:00:00;00"
    with pytest.raises(MediaError, match="timecode"):
        export_clip(clip, tmp_path / "x.mov", timecode="25:99:00:00")


def test_streaming_clips_export_one_frame_at_a_time(tmp_path, make_frames):
    frames = make_frames(10, 16, 16)
    log: list[str] = []

    def frame(i):
        log.append(f"frame {i}")
        return frames[i]

    def check():
        log.append("check")

    clip = Clip(CallableSource(frame, 10, 16, 16), 24)
    export_clip(clip, tmp_path / "s.mp4", check_cancel=check)
    # one check before each frame, then only checks (while ffmpeg finishes, and before the commit)
    assert log[:20] == [e for i in range(10) for e in ("check", f"frame {i}")]
    assert log[20:] and set(log[20:]) == {"check"}


def test_cancelled_export_leaves_nothing_behind(tmp_path, make_frames, procs):
    calls = []

    def check():
        calls.append(1)
        if len(calls) > 3:
            raise Cancelled()

    clip = Clip(make_frames(12, 48, 64), 24)
    for dest in (tmp_path / "c.mov", tmp_path / "seq"):
        calls.clear()
        with pytest.raises(Cancelled, match=rf"{dest}.*cancelled"):
            export_clip(clip, dest, check_cancel=check)
        assert os.listdir(tmp_path) == []
    assert procs.settled() == []


def test_failing_encoder_leaves_no_file_and_says_why(tmp_path, make_frames, procs):
    broken = dataclasses.replace(PRESETS["prores_hq"], name="broken",
                                 codec_args=("-c:v", "prores_ks", "-profile:v", "ultra-deluxe"))
    clip = Clip(make_frames(6, 48, 64), 24)
    with pytest.raises(MediaError, match=r"out\.mov: ffmpeg failed .*ultra-deluxe"):
        export_clip(clip, tmp_path / "out.mov", broken)
    assert os.listdir(tmp_path) == []
    assert procs.settled() == []


def test_failure_keeps_an_existing_destination_untouched(tmp_path, make_frames):
    dest = tmp_path / "keep.mov"
    dest.write_bytes(b"the old render")
    broken = dataclasses.replace(PRESETS["prores_hq"], codec_args=("-c:v", "prores_ks", "-no_such_option", "1"))
    with pytest.raises(MediaError, match="keep.mov"):
        export_clip(Clip(make_frames(3, 48, 64), 24), dest, broken)
    assert dest.read_bytes() == b"the old render" and _leftovers(tmp_path) == []
    export_clip(Clip(make_frames(3, 48, 64), 24), dest)
    assert probe(dest).frames == 3  # success replaces it


def test_unwritable_destinations_are_refused_by_name(tmp_path, make_frames):
    clip = Clip(make_frames(3, 16, 16), 24)
    with pytest.raises(MediaError, match=r"missing/x\.mov: folder .*missing does not exist"):
        export_clip(clip, tmp_path / "missing" / "x.mov")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MediaError, match=r"file/x\.mov"):
        export_clip(clip, blocker / "x.mov")
    with pytest.raises(MediaError, match=r"file/frame_%07d\.png: .*exists and is not a folder"):
        export_clip(clip, blocker, "png")
    assert sorted(os.listdir(tmp_path)) == ["file"]


def test_a_frame_source_error_aborts_cleanly(tmp_path, make_frames):
    frames = make_frames(6, 16, 16)

    def frame(i):
        if i == 4:
            raise RuntimeError("generator fell over")
        return frames[i]

    with pytest.raises(MediaError, match=r"x\.mov: export failed \(RuntimeError: generator fell over\)"):
        export_clip(Clip(CallableSource(frame, 6, 16, 16), 24), tmp_path / "x.mov")
    assert os.listdir(tmp_path) == []


def test_dnxhr_refuses_tiny_frames_by_name(tmp_path, make_frames):
    with pytest.raises(MediaError, match=r"DNxHR HQ needs frames of at least 256x120"):
        export_clip(Clip(make_frames(2, 48, 64), 24), tmp_path / "tiny.mov", "dnxhr_hq")


def test_re_export_of_a_sequence_replaces_stale_frames_only_on_success(tmp_path, make_frames):
    folder = tmp_path / "renders"
    export_clip(Clip(make_frames(6, 16, 16), 24), folder)
    (folder / "notes.txt").write_text("keep me")
    export_clip(Clip(make_frames(3, 16, 16, seed=5), 24, start_frame=2), folder)
    assert sorted(os.listdir(folder)) == ["frame_0000002.png", "frame_0000003.png", "frame_0000004.png", "notes.txt"]
    assert _leftovers(tmp_path) == []


def test_progress_reports_rise_to_one(tmp_path, make_frames):
    seen = []
    export_clip(Clip(make_frames(5, 16, 16), 24), tmp_path / "p.mov", progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)


def test_encoder_command_encodes_raw_frames_from_a_file(tmp_path, make_frames):
    frames = make_frames(5, 48, 64)
    raw = tmp_path / "frames.rgb"
    raw.write_bytes(frames.tobytes())
    cmd = encoder_command("prores_hq", 64, 48, "24000/1001", str(tmp_path / "bench.mov"), timecode="00:00:10:00",
                          input=str(raw))
    subprocess.run(cmd, check=True)
    info = probe(tmp_path / "bench.mov")
    assert info.frames == 5 and info.codec == "prores (HQ)" and info.timecode == "00:00:10:00"


@pytest.mark.parametrize("path,expected", [("out/final.mov", "prores_hq"), ("review.MP4", "h264"),
                                           ("out/frame_%04d.png", "png"), ("out/f.%05d.tif", "tiff"),
                                           ("out/f_%04d.tiff", "tiff"), ("plates/p_%06d.exr", "exr"),
                                           ("scan/%08d.dpx", "dpx"), ("renders/shot010", "png")])
def test_preset_for_path(path, expected):
    assert preset_for_path(path) == expected


def test_preset_for_an_existing_folder_is_a_png_sequence(tmp_path):
    (tmp_path / "with.dots").mkdir()
    assert preset_for_path(tmp_path / "with.dots") == "png"


@pytest.mark.parametrize("path", ["movie.avi", "cut.mxf", "frames_%04d.jpg", "still.png"])
def test_preset_for_path_refuses_what_it_cannot_write_and_lists_what_it_can(path):
    with pytest.raises(MediaError, match=rf"{path}: .*allowed: a \.mov or \.mp4 file"):
        preset_for_path(path)


def test_presets_describe_themselves():
    for name, p in PRESETS.items():
        assert p.name == name and p.label and p.suffix.startswith(".") and p.kind in ("video", "sequence")
        assert p.pix_fmt and p.codec_args and isinstance(p.supports_alpha, bool)
    assert PRESETS["prores_4444"].encoder_pix_fmt(alpha=True) == "yuva444p10le"
    assert PRESETS["dnxhr_hqx"].pix_fmt == "yuv422p10le"
    assert "hvc1" in PRESETS["h265"].codec_args and PRESETS["h265"].suffix == ".mp4"
    with pytest.raises(MediaError, match="unknown export preset 'mpeg2'.*prores_hq"):
        export_clip(Clip(np.zeros((1, 8, 8, 3), np.uint8)), "x.mov", "mpeg2")


def test_outputs_get_ordinary_permissions_not_temp_file_ones(tmp_path, make_frames):
    from studio.media._fs import current_umask

    clip = Clip(make_frames(2, 16, 16), 24)
    movie = export_clip(clip, tmp_path / "m.mov").path
    folder = tmp_path / "seq"
    export_clip(clip, folder)
    mask = current_umask()
    assert os.stat(movie).st_mode & 0o777 == 0o666 & ~mask
    assert os.stat(folder).st_mode & 0o777 == 0o777 & ~mask


def test_percent_signs_in_movie_names_are_just_names(tmp_path, make_frames):
    assert preset_for_path("100%done.mov") == "prores_hq"
    out = export_clip(Clip(make_frames(2, 16, 16), 24), tmp_path / "100%done.mov")
    assert probe(out.path).frames == 2


def test_a_large_frame_goes_to_ffmpeg_in_slices_with_a_cancel_check_between(tmp_path, monkeypatch, make_frames):
    monkeypatch.setattr(export_mod, "WRITE_SLICE", 1000)        # a 32x32 RGB frame is 3072 bytes: 4 writes
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 3:                                       # in the middle of the first frame
            raise Cancelled()

    frames, fetched = make_frames(2, 32, 32), []

    def frame(i):
        fetched.append(i)
        return frames[i]

    with pytest.raises(Cancelled):
        export_clip(Clip(CallableSource(frame, 2, 32, 32), 24), tmp_path / "c.mov", "prores_proxy",
                    check_cancel=check)
    assert fetched == [0], "the cancel took effect inside the first frame's writes"
    assert os.listdir(tmp_path) == []

"""open_video(): streaming, frame-accurate trims and random access, no stray ffmpeg processes."""

from __future__ import annotations

import subprocess
from fractions import Fraction

import numpy as np
import pytest

from studio.errors import MediaError
from studio.media import AudioRef, open_video, probe, read_video, write_image
from studio.media._ffmpeg import ffmpeg_exe
from studio.media.video import SWS_FLAGS


def full_decode(path, height: int, width: int) -> np.ndarray:
    """Every frame, decoded in one go by ffmpeg itself (the reference for frame accuracy)."""
    out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-fps_mode", "passthrough",
                          "-vf", f"scale=flags={SWS_FLAGS},format=rgb24", "-f", "rawvideo", "pipe:1"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, height, width, 3)


@pytest.fixture(scope="module")
def gop_file(tmp_path_factory, make_frames) -> str:
    """H.264 with B-frames, short GOPs and 23.976 fps: seeks land mid-GOP, pts != dts."""
    path = tmp_path_factory.mktemp("gop") / "bframes.mp4"
    frames = make_frames(40, 48, 64, seed=3)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "64x48",
                    "-framerate", "24000/1001", "-i", "pipe:0", "-c:v", "libx264", "-g", "9", "-bf", "3",
                    "-pix_fmt", "yuv420p", str(path)], input=frames.tobytes(), check=True)
    return str(path)


def test_open_video_reads_realshort_as_a_streaming_clip(samples):
    clip = open_video(samples / "realshort.mp4")
    assert len(clip) == 36 and clip.fps == 30 and clip.size == (320, 240)
    assert clip.is_streaming and clip.start_frame == 0 and clip.timecode == "00:00:00:00"
    assert clip.audio == AudioRef(str(samples / "realshort.mp4"), 0.0, pytest.approx(1.2))
    assert clip.name == "realshort"


@pytest.mark.parametrize("which", ["realshort", "bframes"])
def test_sequential_frames_equal_a_full_decode(samples, gop_file, which):
    path = samples / "realshort.mp4" if which == "realshort" else gop_file
    clip = open_video(path)
    ref = full_decode(path, clip.height, clip.width)
    got = np.stack(list(clip.iter_frames()))
    assert got.shape == ref.shape and np.array_equal(got, ref)


@pytest.mark.parametrize("which", ["realshort", "bframes"])
def test_trimmed_clips_hold_exactly_the_full_decode_frames(samples, gop_file, which):
    path = samples / "realshort.mp4" if which == "realshort" else gop_file
    whole = open_video(path)
    n = len(whole)
    ref = full_decode(path, whole.height, whole.width)
    for first, last in [(0, 0), (1, 5), (7, 7), (10, 22), (n // 2, n - 1), (n - 1, n - 1)]:
        clip = open_video(path, first, last)
        assert len(clip) == last - first + 1 and clip.start_frame == first
        assert np.array_equal(np.stack(list(clip.iter_frames())), ref[first:last + 1]), (first, last)
        assert np.array_equal(clip.frame(0), ref[first])


def test_random_access_get_equals_sequential_frame(gop_file, procs):
    clip = open_video(gop_file)
    seq = np.stack(list(clip.iter_frames()))
    order = [39, 0, 17, 18, 19, 5, 30, 29, 1, 38, 12, 12, 13, 25]
    for i in order:
        assert np.array_equal(clip.frame(i), seq[i]), i
    clip._frames.close()
    assert procs.settled() == []


def test_trim_carries_audio_slice_and_timecode(samples):
    clip = open_video(samples / "realshort.mp4", 6, 17)
    assert len(clip) == 12 and clip.start_frame == 6
    assert clip.audio.start == pytest.approx(6 / 30, abs=1e-3)
    assert clip.audio.duration == pytest.approx(12 / 30)


@pytest.mark.parametrize("first,last", [(-1, 5), (10, 5), (0, 36), (40, 41)])
def test_bad_range_error_names_the_file_and_the_range(samples, first, last):
    with pytest.raises(MediaError, match=rf"realshort\.mp4: frame range {first}\.\.{last} outside"):
        open_video(samples / "realshort.mp4", first, last)


def test_missing_and_non_video_files_are_media_errors(tmp_path, samples):
    with pytest.raises(MediaError, match="file not found"):
        open_video(tmp_path / "missing.mov")
    audio_only = tmp_path / "sound.wav"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(samples / "realshort.mp4"), "-vn", str(audio_only)],
                   check=True)
    with pytest.raises(MediaError, match=rf"{audio_only}: no video stream"):
        open_video(audio_only)


def test_abandoned_iterators_leave_no_ffmpeg_processes(gop_file, procs):
    clip = open_video(gop_file)
    gen = clip.iter_frames(3, 30)
    next(gen)
    assert len(procs.children()) == 1
    gen.close()
    assert procs.settled() == []
    for _ in zip(range(2), clip.iter_frames()):
        pass  # zip drops the generator half way; garbage collection closes it
    import gc

    gc.collect()
    assert procs.settled() == []
    clip.frame(4)
    assert len(procs.children()) == 1  # the random-access cursor stays for the next get()
    clip._frames.close()
    assert procs.settled() == []
    clip.frame(5)
    del clip
    gc.collect()  # a dropped clip ends its cursor too
    assert procs.settled() == []


def test_variable_rate_gif_is_conformed_to_its_average_rate(uneven_gif):
    path = uneven_gif.path
    clip = open_video(path)
    assert clip.fps == 50 and len(clip) == 41  # 0.82 s at 50 fps, from 36 unevenly timed pictures
    source = full_decode(path, 150, 200)
    assert len(source) == 36
    starts = np.concatenate([[0], np.cumsum(uneven_gif.delays)[:-1]])  # centiseconds
    frames = list(clip.iter_frames())
    for i, frame in enumerate(frames):
        shown = int(np.searchsorted(starts, i * 2, side="right") - 1)
        assert np.array_equal(frame, source[shown]), i
    assert np.array_equal(clip.frame(20), frames[20])
    assert np.array_equal(open_video(path, 20, 22).frame(0), frames[20])


def test_image_sequences_open_with_their_first_number_as_start_frame(tmp_path, make_frames):
    frames = make_frames(6, 24, 32)
    folder = tmp_path / "shot"
    folder.mkdir()
    for k, f in enumerate(frames):
        write_image(folder / f"shot.{1001 + k:04d}.png", f)
    clip = open_video(folder, fps=25)
    assert len(clip) == 6 and clip.fps == 25 and clip.start_frame == 1001 and clip.audio is None
    assert np.array_equal(np.stack(list(clip.iter_frames())), frames)
    part = open_video(str(folder / "shot.%04d.png"), 2, 4)
    assert part.start_frame == 1003 and np.array_equal(part.frame(1), frames[3])
    assert open_video(folder).fps == Fraction(24)  # files carry no rate: 24 unless told


def test_read_video_materialises_and_closes(samples, procs):
    clip = read_video(samples / "realshort.mp4", 30)
    assert not clip.is_streaming and len(clip) == 6 and clip.start_frame == 30
    assert procs.settled() == []


def test_stream_copied_cuts_with_edit_lists_are_read_as_shown(gop_file, tmp_path):
    """A cut made without re-encoding keeps pre-roll packets that are never shown."""
    cut = tmp_path / "cut.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", "0.5", "-i", gop_file, "-c", "copy", str(cut)], check=True)
    clip = open_video(cut)
    ref = full_decode(cut, 48, 64)
    assert len(clip) == len(ref) < 40
    assert np.array_equal(np.stack(list(clip.iter_frames())), ref)
    for i in (len(ref) - 1, 3, 11):
        assert np.array_equal(clip.frame(i), ref[i])
    assert np.array_equal(open_video(cut, 5, 9).frame(0), ref[5])


def test_percent_signs_in_real_file_names_are_not_patterns(samples, tmp_path):
    odd = tmp_path / "100%done.mp4"
    odd.write_bytes((samples / "realshort.mp4").read_bytes())
    assert len(open_video(odd)) == 36


def test_rotated_phone_footage_comes_out_turned_like_players_show_it(gop_file, tmp_path):
    rotated = tmp_path / "portrait.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-display_rotation", "90", "-i", gop_file, "-c", "copy",
                    str(rotated)], check=True)
    info = probe(rotated)
    assert info.rotation == 90 and info.size == (64, 48) and info.display_size == (48, 64)
    clip = open_video(rotated)
    assert clip.size == (48, 64)  # coded 64x48, shown turned a quarter
    ref = open_video(gop_file)
    frame, upright = clip.frame(7), ref.frame(7)
    assert frame.shape == (64, 48, 3)
    assert min(np.abs(np.rot90(upright, k).astype(int) - frame).mean() for k in (1, 3)) < 1

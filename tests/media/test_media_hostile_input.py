"""Hostile media: paths that are not files, decompression bombs, pictures and videos swapped,
truncated movies; the quick media check ``validate`` uses; headers read without decoding.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import time
import tracemalloc
import zlib
from contextlib import contextmanager

import numpy as np
import pytest

from nodes.io import NODES
from nodes._common import require_file
from studio.errors import MediaError
from studio.media._ffmpeg import ffmpeg_exe
from studio.media.check import media_problem
from studio.media.imagesize import ENV_MAX_IMAGE_PIXELS, header_size, max_image_pixels
from studio.media.io import open_video, read_image, write_image
from studio.media.probe import probe, showinfo_frames
from tests.conftest import SAMPLES

VIDEO = str(SAMPLES / "realshort.mp4")
PICTURE = str(SAMPLES / "chelsea.png")
NODE = {n.type_id: n for n in NODES}


@contextmanager
def no_hang(seconds: int = 10):
    """Fail instead of hanging (opening a FIFO for reading blocks until a writer comes)."""
    def ring(*_):
        raise AssertionError(f"blocked for {seconds} s")
    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def black_png(path, width: int, height: int) -> str:
    """A valid black RGB PNG of any size, made in milliseconds (the same deflate block repeated)."""
    row = width * 3 + 1
    rows_per_block = max(1, min(height, (1 << 22) // row))
    blocks, rest = divmod(height, rows_per_block)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = z.compress(bytes(row * rows_per_block)) + z.flush(zlib.Z_FULL_FLUSH)
    tail = (z.compress(bytes(row * rest)) if rest else b"") + z.flush(zlib.Z_FINISH)
    total = row * height  # adler32 of all-zero data: a = 1, b = length
    data = b"\x78\x01" + block * blocks + tail + struct.pack(">I", ((total % 65521) << 16) | 1)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return str(path)


def ffmpeg(*args):
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *map(str, args)], check=True)


# ---------------------------------------------------------------------------------------------
# paths that are not files


@pytest.fixture(params=["folder", "fifo", "device"])
def not_a_file(request, tmp_path):
    if request.param == "folder":
        path = tmp_path / "shot.mov"
        path.mkdir()
        return str(path), "is a folder"
    if request.param == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        path = tmp_path / "shot.mov"
        os.mkfifo(path)
        return str(path), r"is a named pipe \(FIFO\)"
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    return "/dev/zero", "is a device"


def test_paths_that_are_not_files_say_what_they_are_and_never_block(not_a_file):
    path, what = not_a_file
    with no_hang():
        for read in (read_image, open_video, probe):
            # a folder is an image sequence to the video readers: they say it holds none
            sequence = what == "is a folder" and read is not read_image
            said = "folder holds no numbered image sequence" if sequence else what
            with pytest.raises(MediaError, match=rf"^{path}: {said}"):
                read(path)
        with pytest.raises(MediaError, match=rf"^path: {path}: {what}$"):
            require_file(path, "path")
        for kind in ("image", "video", "media", "any"):
            assert media_problem(path, kind) == f"{path}: {what}".replace("\\", "")


# ---------------------------------------------------------------------------------------------
# decompression bombs


def test_a_decompression_bomb_is_refused_before_anything_is_decoded(tmp_path):
    bomb = black_png(tmp_path / "bomb.png", 20000, 20000)  # 1.2 GB of pixels in ~1 MB
    assert os.path.getsize(bomb) < 2_000_000 and header_size(bomb) == (20000, 20000)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(MediaError, match=r"bomb\.png: the picture is 20000x20000 \(400\.0 megapixels\), over the "
                                             r"limit of 100 megapixels .* set CINEGRAPH_MAX_IMAGE_PIXELS"):
            read_image(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000 and time.monotonic() - started < 0.5
    assert media_problem(bomb, "image").startswith(f"{bomb}: the picture is 20000x20000")
    # the same generator makes pictures OpenCV decodes: the bomb is a real picture
    small = black_png(tmp_path / "small.png", 300, 7)
    assert read_image(small).shape == (7, 300, 3) and not read_image(small).any()


def test_the_pixel_limit_is_configurable(tmp_path, monkeypatch):
    assert max_image_pixels() == 100_000_000 > 8192 * 4320  # 8K DCI passes
    monkeypatch.setenv(ENV_MAX_IMAGE_PIXELS, "50_000")
    with pytest.raises(MediaError, match=r"chelsea\.png: the picture is 451x300 \(0\.1 megapixels\), over the limit "
                                         r"of 0\.05 megapixels"):
        read_image(PICTURE)
    with pytest.raises(MediaError, match=r"the picture is 320x240"):  # video frames obey it too
        open_video(VIDEO)
    monkeypatch.setenv(ENV_MAX_IMAGE_PIXELS, "135300")  # exactly 451x300
    assert read_image(PICTURE).shape == (300, 451, 3)
    monkeypatch.setenv(ENV_MAX_IMAGE_PIXELS, "0")  # no limit
    assert max_image_pixels() == 0 and media_problem(PICTURE, "image") is None
    monkeypatch.setenv(ENV_MAX_IMAGE_PIXELS, "lots")
    with pytest.raises(MediaError, match="CINEGRAPH_MAX_IMAGE_PIXELS='lots': expected a whole number of pixels"):
        read_image(PICTURE)


# ---------------------------------------------------------------------------------------------
# sizes from headers


def test_header_sizes_match_the_decoded_pictures(tmp_path):
    import cv2

    rgb = (np.random.default_rng(1).random((37, 53, 3)) * 255).astype(np.uint8)
    made = [write_image(tmp_path / f"a.{ext}", rgb) for ext in ("png", "jpg", "tif", "webp", "bmp", "exr")]
    made.append(write_image(tmp_path / "alpha.png", rgb, np.full((37, 53), 9, np.uint8)))
    for name, params in (("prog.jpg", [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]),
                         ("lossless.webp", [cv2.IMWRITE_WEBP_QUALITY, 101])):
        cv2.imwrite(str(tmp_path / name), rgb, params)
        made.append(str(tmp_path / name))
    cv2.imwrite(str(tmp_path / "grey.bmp"), rgb[:, :, 0])  # 8-bit palette BMP
    made.append(str(tmp_path / "grey.bmp"))
    for name in ("ff.gif", "ff.tiff", "ff.webp", "ffbig.exr"):
        ffmpeg("-i", made[0], *(["-c:v", "exr"] if name.endswith("exr") else []), tmp_path / name)
        made.append(str(tmp_path / name))
    for path in made:
        assert header_size(path) == (53, 37), path
        if not path.endswith((".gif", ".exr")):
            assert read_image(path).shape == (37, 53, 3)


def _tiff(order: bytes, big: bool, width: int, height: int) -> bytes:
    e = "<" if order == b"II" else ">"
    if big:
        entries = [struct.pack(e + "HHQQ", 256, 16, 1, width),
                   struct.pack(e + "HHQ", 257, 3, 1) + struct.pack(e + "H", height) + bytes(6)]
        return order + struct.pack(e + "HHHQ", 43, 8, 0, 16) + struct.pack(e + "Q", 2) + b"".join(entries) + bytes(8)
    entries = [struct.pack(e + "HHII", 256, 4, 1, width),
               struct.pack(e + "HHI", 257, 3, 1) + struct.pack(e + "H", height) + bytes(2)]
    return order + struct.pack(e + "HI", 42, 8) + struct.pack(e + "H", 2) + b"".join(entries) + bytes(4)


@pytest.mark.parametrize("order,big", [(b"II", False), (b"MM", False), (b"II", True), (b"MM", True)])
def test_header_size_reads_tiff_and_bigtiff_in_both_byte_orders(tmp_path, order, big):
    path = tmp_path / "t.tif"
    path.write_bytes(_tiff(order, big, 70000, 3))
    assert header_size(path) == (70000, 3)


def test_header_size_is_none_for_unknown_or_cut_headers(tmp_path):
    (tmp_path / "text.png").write_text("not a picture")
    (tmp_path / "cut.png").write_bytes(open(PICTURE, "rb").read()[:20])
    (tmp_path / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    assert [header_size(tmp_path / n) for n in ("text.png", "cut.png", "cut.jpg")] == [None, None, None]
    assert header_size(VIDEO) is None


# ---------------------------------------------------------------------------------------------
# pictures and videos swapped


def test_a_picture_fed_to_load_video_fails_at_load_video():
    with pytest.raises(MediaError, match=r"chelsea\.png: is a still image \(PNG\), not a video: use Load Image"):
        NODE["LoadVideo"].evaluate(None, path=PICTURE, first=0, last=-1)


def test_a_video_fed_to_load_image_fails_at_load_image():
    with pytest.raises(MediaError, match=r"realshort\.mp4: is a video \(h264\), not a still image: use Load Video"):
        NODE["LoadImage"].evaluate(None, path=VIDEO)


def test_text_is_neither_a_picture_nor_a_video(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 200)  # ffmpeg would show this as an ANSI-art video
    with pytest.raises(MediaError, match="not an image OpenCV can read"):
        read_image(text)
    with pytest.raises(MediaError, match="is a text file, not a video"):
        open_video(text)
    assert media_problem(str(text), "video") == f"{text}: is a text file, not media"


# ---------------------------------------------------------------------------------------------
# the quick check validate uses


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken")
    data = open(VIDEO, "rb").read()
    (folder / "cut.mp4").write_bytes(data[:len(data) // 2])  # the index (moov, at the end) is gone
    ffmpeg("-i", VIDEO, "-c", "copy", "-movflags", "+faststart", folder / "front.mp4")
    front = (folder / "front.mp4").read_bytes()
    (folder / "cut_front.mp4").write_bytes(front[:len(front) // 2])  # the index survives, the data does not
    (folder / "empty.png").write_bytes(b"")
    (folder / "renamed.png").write_text("a text file renamed .png")
    return folder


def test_media_problem_accepts_good_media_of_each_kind(broken):
    ffmpeg("-i", PICTURE, broken / "still.exr")
    cases = [(PICTURE, "image"), (PICTURE, "media"), (PICTURE, "any"), (VIDEO, "video"), (VIDEO, "media"),
             (VIDEO, "any"), (str(broken / "still.exr"), "image"), (str(broken / "front.mp4"), "video")]
    for path, kind in cases:
        started = time.monotonic()
        assert media_problem(path, kind) is None, (path, kind)
        assert time.monotonic() - started < 2.0


def test_media_problem_finds_truncated_movies_without_decoding_them(broken):
    cut, cut_front = str(broken / "cut.mp4"), str(broken / "cut_front.mp4")
    with pytest.raises(MediaError):
        open_video(cut)  # what render would find
    assert media_problem(cut, "video") == f"{cut}: not a media file ffmpeg can read (moov atom not found)"
    assert media_problem(cut, "media") == media_problem(cut, "video")
    assert media_problem(cut_front, "video") == f"{cut_front}: the file is cut short (its index points past the end " \
                                                f"of the data)"


def test_media_problem_names_the_wrong_kind_of_file(broken):
    assert media_problem(PICTURE, "video") == f"{PICTURE}: is a still image (PNG), not a video"
    assert media_problem(VIDEO, "image") == f"{VIDEO}: is a video (h264), not a still image"
    empty, renamed = str(broken / "empty.png"), str(broken / "renamed.png")
    assert media_problem(empty, "image") == f"{empty}: the file is empty"
    assert media_problem(empty, "any") == f"{empty}: the file is empty"
    assert media_problem(renamed, "image") == f"{renamed}: not a picture that can be read (damaged, or not a PNG " \
                                              f"picture at all)"
    assert media_problem(str(broken / "gone.mov"), "video") == f"{broken / 'gone.mov'}: file not found"
    assert media_problem("", "image") == "no file chosen"
    long = "/x" * 3000
    assert media_problem(long, "video").endswith("(6000 characters): the path is too long")


# ---------------------------------------------------------------------------------------------
# the decode count's log parsing (the h264.mp4 flake)


def test_showinfo_reports_that_run_into_another_threads_line_are_counted():
    # Captured from ffmpeg 9: the framecrc muxer of a second output printed its stream list
    # ("  Stream #1" ... ":0") while showinfo reported frame 2 on the filter thread.
    log = "\n".join([
        "[Parsed_showinfo_0 @ 0x7f4060001900] n:   0 pts:      0 pts_time:0       duration:   1001 duration_time:0.04 "
        "fmt:yuv420p",
        "[Parsed_showinfo_0 @ 0x7f4060001900] n:   1 pts:   1001 pts_time:0.0417083 duration:   1001 fmt:yuv420p",
        "  Stream #1n:   2 pts:   2002 pts_time:0.0834167 duration:   1001 duration_time:0.0417083 fmt:yuv420p "
        "cl:left sar:0/1 s:256x128 i:P iskey:0 type:B :0",
        "[Parsed_showinfo_0 @ 0x7f4060001900] n:   3 pts:   3003 pts_time:0.125125 duration:   1001 fmt:yuv420p",
    ])
    assert showinfo_frames(log) == [(0, 1001), (1001, 1001), (2002, 1001), (3003, 1001)]


def test_a_png_cut_short_is_named_so_by_validate_and_by_the_reader_without_libpng_noise(tmp_path, capfd):
    whole = ( SAMPLES / "chelsea.png").read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole[: len(whole) // 2])
    assert media_problem(str(cut), "image") == f"{cut}: the PNG file is cut short (its IEND end marker is missing)"
    with pytest.raises(MediaError, match="cut short"):
        read_image(cut)
    assert "libpng" not in capfd.readouterr().err
    assert media_problem(str( SAMPLES / "chelsea.png"), "image") is None

"""read_image / write_image on real photos in every format, and errors that name the file."""

from __future__ import annotations

import subprocess

import cv2
import numpy as np
import pytest

from studio.errors import MediaError
from studio.media import read_image, read_image_alpha, write_image
from studio.media._ffmpeg import ffmpeg_exe
from studio.media.colour import linear_to_srgb8, srgb_to_linear
from studio.media.video import SWS_FLAGS


@pytest.fixture(scope="module")
def photo(samples) -> np.ndarray:
    """chelsea.png as RGB, read independently of our reader."""
    bgr = cv2.imread(str(samples / "chelsea.png"), cv2.IMREAD_COLOR)
    return bgr[:, :, ::-1].copy()


def _write_cv2(path, bgr, params=()):
    ok, buf = cv2.imencode(path.suffix, bgr, list(params))
    assert ok
    buf.tofile(str(path))
    return path


@pytest.mark.parametrize("suffix,tolerance", [(".png", 0), (".tif", 0), (".bmp", 0), (".webp", 0), (".jpg", 12)])
def test_read_image_reads_each_format_as_rgb8(tmp_path, photo, suffix, tolerance):
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if suffix == ".webp" else (
        [cv2.IMWRITE_JPEG_QUALITY, 97] if suffix == ".jpg" else [])
    path = _write_cv2(tmp_path / f"chelsea{suffix}", photo[:, :, ::-1], params)
    img = read_image(path)
    assert img.dtype == np.uint8 and img.shape == photo.shape
    diff = np.abs(img.astype(int) - photo.astype(int))
    assert diff.mean() <= tolerance / 4 and np.percentile(diff, 99) <= tolerance


def test_read_image_reads_a_real_jpeg_from_another_encoder_as_rgb(samples):
    """wood.jpg (4:2:2 chroma, not written by OpenCV) reads as what ffmpeg's own decoder shows."""
    path = samples / "wood.jpg"
    img = read_image(path)
    assert img.shape == (512, 512, 3) and img.dtype == np.uint8
    ref = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", f"scale=flags={SWS_FLAGS},format=rgb24",
                          "-f", "rawvideo", "pipe:1"], capture_output=True, check=True).stdout
    diff = np.abs(img.astype(int) - np.frombuffer(ref, np.uint8).reshape(img.shape))
    assert diff.mean() < 1 and np.percentile(diff, 99) <= 3  # two decoders: close, not bit-exact (BGR: 51 mean)


def test_16_bit_png_becomes_8_bit_by_rounding(tmp_path, photo):
    wide = photo.astype(np.uint16) * 257  # exact 16-bit version of the 8-bit photo
    wide[0, 0] = (128, 32767, 65535)
    path = _write_cv2(tmp_path / "deep.png", wide[:, :, ::-1])
    assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    img = read_image(path)
    assert img.dtype == np.uint8
    assert tuple(img[0, 0]) == (0, 127, 255)
    assert np.array_equal(img[1:], photo[1:])


def test_grey_becomes_rgb(tmp_path, photo):
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    img = read_image(_write_cv2(tmp_path / "grey.png", grey))
    assert img.shape == photo.shape
    assert np.array_equal(img[:, :, 0], grey) and np.array_equal(img[:, :, 2], grey)


def test_alpha_is_dropped_by_read_image_and_returned_by_read_image_alpha(tmp_path, photo):
    alpha = np.tile(np.linspace(0, 255, photo.shape[1]).astype(np.uint8), (photo.shape[0], 1))
    path = _write_cv2(tmp_path / "rgba.png", np.dstack([photo[:, :, ::-1], alpha]))
    assert np.array_equal(read_image(path), photo)
    rgb, a = read_image_alpha(path)
    assert np.array_equal(rgb, photo) and np.array_equal(a, alpha)
    assert read_image_alpha(_write_cv2(tmp_path / "opaque.png", photo[:, :, ::-1]))[1] is None


def test_exr_is_linear_light_encoded_to_srgb(tmp_path, photo):
    """An EXR made by ffmpeg from known linear floats reads as their sRGB encoding."""
    lin = srgb_to_linear(photo.astype(np.float32) / 255.0)
    lin[0, :8] = (4.0, 0.5, 0.0)  # above white clips, and a mid grey stays mid
    h, w = lin.shape[:2]
    planes = np.stack([lin[:, :, 1], lin[:, :, 2], lin[:, :, 0]]).astype("<f4")
    path = tmp_path / "linear.exr"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "gbrpf32le", "-s", f"{w}x{h}",
                    "-i", "pipe:0", "-c:v", "exr", "-format", "float", "-frames:v", "1", "-update", "1", str(path)],
                   input=planes.tobytes(), check=True)
    img = read_image(path)
    assert img.shape == photo.shape
    assert tuple(img[0, 0]) == (255, 188, 0)
    assert np.abs(img[1:].astype(int) - photo[1:].astype(int)).max() <= 1


def test_exr_write_read_round_trip_keeps_pixels_and_alpha(tmp_path, photo):
    alpha = np.full(photo.shape[:2], 200, np.uint8)
    path = write_image(tmp_path / "rt.exr", photo, alpha)
    rgb, a = read_image_alpha(path)
    assert np.abs(rgb.astype(int) - photo.astype(int)).max() <= 1
    assert np.abs(a.astype(int) - 200).max() <= 1


@pytest.mark.parametrize("suffix", [".png", ".tif", ".jpg", ".webp", ".bmp"])
def test_write_image_round_trips(tmp_path, photo, suffix):
    path = write_image(tmp_path / f"w{suffix}", photo)
    back = read_image(path)
    tol = 12 if suffix in (".jpg", ".webp") else 0
    assert np.percentile(np.abs(back.astype(int) - photo.astype(int)), 99) <= tol
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_non_ascii_paths_work(tmp_path, photo):
    folder = tmp_path / "Übersicht é 漢字"
    folder.mkdir()
    path = write_image(folder / "kätzchen.png", photo)
    assert np.array_equal(read_image(path), photo)


def test_missing_file_error_names_the_path(tmp_path):
    missing = tmp_path / "nope.png"
    with pytest.raises(MediaError, match=rf"{missing}: file not found"):
        read_image(missing)


def test_garbage_file_error_names_the_path(tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("this is not a picture\n" * 20)
    with pytest.raises(MediaError, match=rf"{bad}: not an image OpenCV can read"):
        read_image(bad)


def test_empty_file_and_folder_errors_name_the_path(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match=str(empty)):
        read_image(empty)
    with pytest.raises(MediaError, match=str(tmp_path)):
        read_image(tmp_path)


def test_write_image_refuses_unknown_suffix_and_missing_folder(tmp_path, photo):
    with pytest.raises(MediaError, match="nope.xyz"):
        write_image(tmp_path / "nope.xyz", photo)
    with pytest.raises(MediaError, match="does not exist"):
        write_image(tmp_path / "missing" / "a.png", photo)


def test_srgb_curve_round_trips_every_code_value():
    codes = np.arange(256, dtype=np.uint8)
    assert np.array_equal(linear_to_srgb8(srgb_to_linear(codes / 255.0)), codes)

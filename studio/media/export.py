"""Writing clips to deliverable files with the bundled ffmpeg, atomically.

Semantics and assumptions
-------------------------
* Frames are streamed, one at a time, to ffmpeg's stdin as ``rawvideo`` (``rgb24``, or
  ``rgba`` when the preset takes alpha and the clip has it; planar float for EXR) at the
  clip's exact rational rate (``-framerate 24000/1001`` on the input, ``-r`` on the output).
  Nothing holds more than one frame; each frame goes from the numpy buffer (no copy unless
  it needs padding, alpha or EXR's float planes) in writes of at most :data:`WRITE_SLICE`
  bytes, through a pipe widened to 1 MiB on Linux.  ``check_cancel()`` runs before every
  frame and between the writes of a large one;
  ``progress(fraction, message)`` is called at most every 0.1 s and at the end.
* Colour: movie presets convert RGB -> Y'CbCr with the BT.709 matrix into limited range
  (``scale=out_color_matrix=bt709:out_range=tv``) and tag BT.709 primaries/transfer/matrix
  (``setparams`` in the chain, because the bundled ffmpeg lets the frames' unspecified tags
  override ``-color_primaries``/``-color_trc``; the options are passed as well).  Odd sizes
  on chroma-subsampled presets are padded to even by repeating the last row/column (in
  numpy, before the frame is sent).  Frames smaller than a preset's ``min_size`` (DNxHR:
  256x120) are refused before anything is written.
* Timecode: ``timecode`` ("HH:MM:SS:FF", ";FF" for drop-frame) or the clip's own
  (``clip.timecode``) is written with ``-timecode``: the mov/mp4 muxer adds a ``tmcd`` track
  and tags the video stream; :func:`probe` reads it back as ``info.timecode``.  Sequences
  carry it in their file numbers instead: the first file is numbered with the start frame
  (timecode as a frame count at the clip rate).
* Reel name: in ``.mov`` it is ``-metadata:s:v:0 reel_name=NAME``, which ffmpeg's mov muxer
  writes as the source reference (``name`` atom) of the ``tmcd`` track's sample description,
  where editors look for it; the demuxer reports it as ``reel_name`` on the tmcd data
  stream, and :func:`probe` returns it as ``info.reel_name``.  The mp4 muxer drops that stream
  tag, so in ``.mp4`` it is a container tag (``-movflags use_metadata_tags -metadata
  reel_name=NAME``).  A mov reel needs the tmcd track, so :func:`encoder_command` adds
  ``-timecode 00:00:00:00`` when given a reel without a timecode.  Sequences ignore it.
* Audio: when ``clip.audio`` is an :class:`AudioRef`, that slice of the source file is muxed
  in: sample-accurate input seek and duration (``-ss``/``-t`` before ``-i``), resampled to
  48 kHz with gaps in its timestamps filled with silence, then padded with silence / cut to
  exactly the picture's duration in samples (``apad=whole_len``, ``atrim=end_sample``), since
  ``-shortest`` is not exact; PCM 24-bit in ``.mov``, AAC 256 kb/s in ``.mp4`` (the AAC
  encoder's priming is hidden by the mp4 edit list).  Sequences ignore audio.
* Atomicity: a movie is written to ``.NAME.cinegraph-PID@HOST.XXXX.partial.SUFFIX`` in the
  destination folder, a sequence into a temporary sibling folder
  ``.NAME.cinegraph-PID@HOST.XXXX.partial`` (see :mod:`_fs`: the name says what it is and
  which process wrote it).  Before writing, partials of that kind in the folder whose process
  is gone (killed outright) are removed; nothing else is touched.  When ffmpeg exits 0 the
  result is checked
  (movies: the video packets in the file, counted by demuxing in one ffmpeg run
  (:func:`~studio.media.probe.count_video_packets`), must equal the frames sent: every
  preset's codec puts exactly one frame in each packet and edit-list pre-roll is not
  counted, so this is as exact as decoding, which took up to a fifth of the export time;
  sequences: one file per frame) and only then moved into place (``os.replace``; a
  sequence's files are moved one by one into an existing folder and stale frames of the
  same pattern removed).  Any failure removes the temporary output, leaves an existing
  destination untouched and raises :class:`MediaError` naming the output and saying why
  (the last lines of ffmpeg's stderr for encoder errors).  A full disk (``ENOSPC``/``EDQUOT``
  from ffmpeg or from Python) is ``"OUT: the disk is full (N MB free in FOLDER)"``.
* Cancel: ``check_cancel()`` runs before every frame and once more just before the output
  is renamed into place, so a cancel that comes before the commit leaves nothing and one
  after it is a finished export.  A cancel raises :class:`Cancelled`, also when ffmpeg
  itself was stopped by the signal (SIGINT/SIGTERM reaching it before Python's cancel
  request: the export waits up to :data:`~studio.media._ffmpeg.CANCEL_GRACE` for that
  request instead of reporting "ffmpeg failed").  ffmpeg runs in its own process group and
  dies with this process (:func:`~studio.media._ffmpeg.popen`).
* Outputs get ordinary permissions (0666/0777 less the umask), not the private ones of
  temporary files.
* ``frame_range=(start, stop)`` exports clip frames ``start`` up to, not including,
  ``stop`` (timecode and audio follow the trim).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

try:  # POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from studio.errors import Cancelled, MediaError, StudioError
from studio.media import _ffmpeg
from studio.media._fs import (disk_full_reason, is_disk_full, make_partial_file, make_partial_folder, make_public,
                              remove_quietly, remove_stale_partials)
from studio.media.clip import AudioRef, Clip
from studio.media.colour import SRGB8_TO_LINEAR
from studio.media.presets import PRESETS, Preset, get_preset, preset_for_path
from studio.media.probe import count_video_packets, probe
from studio.media.sequence import is_pattern, numbers_matching
from studio.timecode import TimecodeError, format_timecode, parse_rate, parse_timecode

#: file name pattern inside a folder given as a sequence destination
SEQUENCE_NAME = "frame_%07d"
#: a frame goes to ffmpeg in writes of at most this many bytes, with a cancel check between
#: them: an 8K frame is 106 MB, and one write of it blocked for up to a second while ffmpeg
#: encoded the frame before
WRITE_SLICE = 8 << 20
AUDIO_RATE = 48000


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_clip` wrote: ``path`` (a file, or a sequence's printf pattern)."""

    path: str
    preset: str
    frames: int
    seconds: float
    timecode: str | None = None
    start_number: int | None = None
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class _Target:
    final: str  # the file, or the sequence pattern
    folder: str  # the folder the output lands in


def resolve_output(path: str | os.PathLike, preset: Preset) -> _Target:
    """Where ``preset`` writes for ``path`` (MediaError when they do not fit together)."""
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if preset.is_sequence:
        if is_pattern(text):
            if suffix not in preset.suffixes:
                raise MediaError(f"{text}: the {preset.name} preset writes {', '.join(preset.suffixes)} files")
            final = text
        elif os.path.isdir(text) or not suffix or text.endswith(("/", os.sep)):
            final = os.path.join(text, SEQUENCE_NAME + preset.suffix)
        else:
            raise MediaError(f"{text}: the {preset.name} preset writes an image sequence; give a folder or a "
                             f"pattern such as {os.path.join(os.path.dirname(text), Path(text).stem + '_%04d' + preset.suffix)}")
        return _Target(final, os.path.dirname(os.path.abspath(final)))
    if os.path.isdir(text):
        raise MediaError(f"{text}: the {preset.name} preset writes one movie file, not a sequence")
    if not suffix:
        text += preset.suffix
    elif suffix not in preset.suffixes:
        raise MediaError(f"{text}: the {preset.name} preset writes {' or '.join(preset.suffixes)} files, not {suffix}")
    return _Target(text, os.path.dirname(os.path.abspath(text)))


def _even(n: int) -> int:
    return n + (n & 1)


def output_size(preset: Preset, width: int, height: int) -> tuple[int, int]:
    """The frame size ``preset`` writes for a clip of ``width`` x ``height``."""
    return (_even(width), _even(height)) if preset.needs_even_size else (width, height)


def _fmt_seconds(value: float | Fraction) -> str:
    return f"{float(value):.6f}"


def encoder_command(preset: str | Preset, width: int, height: int, fps: Fraction | str | float | int,
                    output: str, *, alpha: bool = False, timecode: str | None = None, reel: str | None = None,
                    audio: AudioRef | None = None, audio_stream: int | None = None,
                    audio_duration: float | None = None, start_number: int = 0,
                    input: str = "pipe:0") -> list[str]:
    """The full ffmpeg command line that encodes raw frames from ``input`` to ``output``.

    ``width`` x ``height`` is the size of the frames ffmpeg reads (already padded, see
    :func:`output_size`).  The raw input format is ``rgb24``/``rgba`` (``gbrpf32le``/
    ``gbrapf32le`` linear light for EXR).  ``input`` may be a file of raw frames, which
    lets a benchmark time ffmpeg alone on exactly the work :func:`export_clip` asks of it.
    """
    p = get_preset(preset)
    rate = parse_rate(fps)
    use_alpha = alpha and p.supports_alpha
    if p.linear:
        raw_fmt = "gbrapf32le" if use_alpha else "gbrpf32le"
    else:
        raw_fmt = "rgba" if use_alpha else "rgb24"
    cmd = [_ffmpeg.ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats", "-y",
           "-f", "rawvideo", "-pix_fmt", raw_fmt, "-s", f"{width}x{height}",
           "-framerate", f"{rate.numerator}/{rate.denominator}", "-i", input]
    if audio is not None and not p.is_sequence:
        if audio.start > 0:
            cmd += ["-ss", _fmt_seconds(audio.start)]
        if audio.duration is not None:
            cmd += ["-t", _fmt_seconds(audio.duration)]
        cmd += ["-i", _ffmpeg.file_arg(audio.path)]
    enc_fmt = p.encoder_pix_fmt(use_alpha)
    if p.is_sequence:
        chain = (f"format={enc_fmt},setparams=color_primaries=bt709:color_trc={p.color_trc}"
                 f":colorspace=gbr:range=pc")
    else:
        chain = (f"scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int,"
                 f"format={enc_fmt},setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv")
    cmd += ["-map", "0:v:0", "-vf", chain, *p.codec_args, "-pix_fmt", enc_fmt,
            "-r", f"{rate.numerator}/{rate.denominator}"]
    if p.is_sequence:
        cmd += ["-f", "image2", "-start_number", str(start_number), output]
        return cmd
    container = "mp4" if output.lower().endswith(".mp4") else "mov"
    cmd += ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"]
    if timecode or (reel and container == "mov"):  # mov keeps the reel in the timecode track
        cmd += ["-timecode", timecode or "00:00:00:00"]
    movflags = ["+faststart"] if container == "mp4" else []
    if reel:
        if container == "mov":
            cmd += ["-metadata:s:v:0", f"reel_name={reel}"]
        else:
            movflags.append("+use_metadata_tags")
            cmd += ["-metadata", f"reel_name={reel}"]
    if audio is not None:
        cmd += ["-map", f"1:{audio_stream}" if audio_stream is not None else "1:a:0"]
        # async=1 + first_pts=0: gaps in the source's timestamps become silence, so samples and
        # time agree; then pad/cut to exactly the picture's length in samples.
        af = f"aresample={AUDIO_RATE}:async=1:first_pts=0"
        if audio_duration is not None:
            samples = round(audio_duration * AUDIO_RATE)
            af += f",apad=whole_len={samples},atrim=end_sample={samples}"
        cmd += ["-af", af, "-ar", str(AUDIO_RATE)]
        cmd += ["-c:a", "pcm_s24le"] if container == "mov" else ["-c:a", "aac", "-b:a", "256k"]
    if movflags:
        cmd += ["-movflags", "".join(movflags)]
    cmd += ["-f", container, _ffmpeg.file_arg(output)]
    return cmd


# ---------------------------------------------------------------------------------------------


def export_clip(clip: Clip, path: str | os.PathLike, preset: str | Preset | None = None, *,
                timecode: str | None = None, reel: str | None = None,
                progress: Callable[[float, str], None] | None = None,
                check_cancel: Callable[[], None] | None = None,
                frame_range: tuple[int, int] | None = None) -> ExportResult:
    """Encode ``clip`` to ``path`` with ``preset`` (default: :func:`preset_for_path`)."""
    started = time.monotonic()
    text = os.fspath(path)
    p = get_preset(preset if preset is not None else preset_for_path(text))
    target = resolve_output(text, p)
    home = os.path.dirname(target.folder) if p.is_sequence else target.folder
    if not os.path.isdir(home):
        raise MediaError(f"{target.final}: folder {home} does not exist")
    if not isinstance(clip, Clip):
        raise MediaError(f"{target.final}: expected a Clip to export, got {type(clip).__name__}")
    if frame_range is not None:
        start, stop = frame_range
        try:
            clip = clip.trimmed(int(start), int(stop))
        except MediaError as exc:
            raise MediaError(f"{target.final}: frame range {start}:{stop}: {exc}") from None
    rate = clip.fps
    n = len(clip)
    width, height = output_size(p, clip.width, clip.height)
    min_w, min_h = p.min_size
    if width < min_w or height < min_h:
        raise MediaError(f"{target.final}: {p.label} needs frames of at least {min_w}x{min_h}, "
                         f"the clip is {clip.width}x{clip.height}")
    tc_text, start_frame = _timecode(timecode, clip, target.final)
    if reel is not None and (not str(reel).strip() or "\n" in str(reel)):
        raise MediaError(f"{target.final}: reel name {reel!r} must be one non-empty line")
    use_alpha = clip.has_alpha and p.supports_alpha
    audio, audio_stream = (None, None)
    if clip.audio is not None and not p.is_sequence:
        audio, audio_stream = _audio_slice(clip.audio, n / rate, target.final)

    remove_stale_partials(home)  # left by exports killed outright (ours only, see _fs)
    try:
        if p.is_sequence:
            if os.path.exists(target.folder) and not os.path.isdir(target.folder):
                raise MediaError(f"{target.final}: {target.folder} exists and is not a folder")
            tmp_dir = make_partial_folder(home, Path(target.folder).name)
            tmp_out = os.path.join(tmp_dir, os.path.basename(target.final))
            cleanup: Callable[[], None] = lambda: shutil.rmtree(tmp_dir, ignore_errors=True)  # noqa: E731
        else:
            stem, suffix = Path(target.final).stem, Path(target.final).suffix
            fd, tmp_out = make_partial_file(home, stem, suffix)
            os.close(fd)
            cleanup = lambda: remove_quietly(tmp_out)  # noqa: E731
    except OSError as exc:
        if is_disk_full(exc):
            raise MediaError(f"{target.final}: {disk_full_reason(home, exc.errno != errno.ENOSPC)}") from None
        raise MediaError(f"{target.final}: cannot write in {home} ({exc.strerror or exc})") from None
    cmd = encoder_command(p, width, height, rate, tmp_out, alpha=use_alpha,
                          timecode=None if p.is_sequence else tc_text, reel=None if p.is_sequence else reel,
                          audio=audio, audio_stream=audio_stream, audio_duration=float(n / rate),
                          start_number=start_frame)
    proc = None
    err = _ffmpeg.spool()
    try:
        report = _Progress(progress)
        report(0.0, f"exporting {n} frames to {os.path.basename(target.final)}")
        try:
            proc = _ffmpeg.popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        except OSError as exc:
            raise MediaError(f"{target.final}: cannot start ffmpeg ({exc})") from None
        _widen_pipe(proc.stdin)
        _feed(proc, clip, p, use_alpha, (width, height), n, check_cancel, report, target.final, err, home)
        proc.stdin.close()
        rc = _wait(proc, check_cancel)
        if rc != 0:
            raise _ffmpeg_failure(rc, err, check_cancel, target.final, home)
        report(0.97, "verifying")
        if p.is_sequence:
            _verify_sequence(tmp_out, start_frame, n, target.final)
            make_public(tmp_dir, folder=True)
            if check_cancel is not None:
                check_cancel()  # the last moment a cancel leaves nothing behind
            _place_sequence(tmp_dir, target, start_frame, n)
        else:
            _verify_movie(tmp_out, n, target.final)
            make_public(tmp_out)
            if check_cancel is not None:
                check_cancel()  # the last moment a cancel leaves nothing behind
            os.replace(tmp_out, target.final)
    except Cancelled:
        _ffmpeg.stop(proc)
        cleanup()
        raise Cancelled(f"{target.final}: export cancelled") from None
    except StudioError:
        _ffmpeg.stop(proc)
        cleanup()
        raise
    except BaseException as exc:
        _ffmpeg.stop(proc)
        cleanup()
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        if is_disk_full(exc):
            raise MediaError(f"{target.final}: {disk_full_reason(home, exc.errno != errno.ENOSPC)}") from None
        if isinstance(exc, OSError):
            raise MediaError(f"{target.final}: export failed ({exc.strerror or exc})") from exc
        raise MediaError(f"{target.final}: export failed ({type(exc).__name__}: {exc})") from exc
    finally:
        try:
            err.close()
        except OSError:  # pragma: no cover
            pass
    report(1.0, "done", force=True)
    return ExportResult(target.final, p.name, n, time.monotonic() - started,
                        timecode=None if p.is_sequence else tc_text,
                        start_number=start_frame if p.is_sequence else None, width=width, height=height)


def _timecode(timecode: str | None, clip: Clip, where: str) -> tuple[str, int]:
    if timecode is None:
        return clip.timecode, clip.start_frame
    try:
        frame = parse_timecode(timecode, clip.fps)
    except TimecodeError as exc:
        raise MediaError(f"{where}: {exc}") from None
    text = str(timecode).strip()
    if ";" in text and format_timecode(frame, clip.fps) != text:
        text = format_timecode(frame, clip.fps)  # drop-frame spelled at a non-drop rate: normalise
    return text, frame


def _audio_slice(ref: AudioRef, picture_seconds: Fraction, where: str) -> tuple[AudioRef | None, int | None]:
    try:
        info = probe(ref.path, count="none")
    except MediaError as exc:
        raise MediaError(f"{where}: cannot read the clip's audio: {exc}") from None
    if not info.has_audio:
        raise MediaError(f"{where}: the clip's audio source {ref.path} has no audio stream")
    duration = float(picture_seconds) if ref.duration is None else min(float(ref.duration), float(picture_seconds))
    return AudioRef(ref.path, max(0.0, ref.start), duration), info.audio_stream


class _Progress:
    def __init__(self, fn: Callable[[float, str], None] | None):
        self.fn, self.last = fn, 0.0

    def __call__(self, fraction: float, message: str, force: bool = False) -> None:
        if self.fn is None:
            return
        now = time.monotonic()
        if force or now - self.last >= 0.1 or fraction == 0.0:
            self.last = now
            self.fn(fraction, message)


def _frame_bytes(frame: np.ndarray, alpha: np.ndarray | None, preset: Preset, size: tuple[int, int],
                 where: str, index: int) -> bytes | np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise MediaError(f"{where}: frame {index} is not (H, W, 3) uint8 but "
                         f"{getattr(frame, 'dtype', type(frame).__name__)} {getattr(frame, 'shape', '')}")
    if alpha is not None:
        if alpha.ndim == 3:
            alpha = alpha[:, :, 0]
        frame = np.dstack([frame, alpha.astype(np.uint8, copy=False)])
    w, h = size
    fh, fw = frame.shape[:2]
    if (fw, fh) != (w, h):
        if fw > w or fh > h or w - fw > 1 or h - fh > 1:
            raise MediaError(f"{where}: frame {index} is {fw}x{fh}, the clip says {w}x{h}")
        frame = np.pad(frame, ((0, h - fh), (0, w - fw), (0, 0)), mode="edge")
    if preset.linear:
        lin = SRGB8_TO_LINEAR[frame[:, :, :3]]
        planes = [lin[:, :, 1], lin[:, :, 2], lin[:, :, 0]]
        if frame.shape[2] == 4:
            planes.append(frame[:, :, 3].astype(np.float32) / 255.0)
        return np.ascontiguousarray(np.stack(planes), dtype="<f4")
    return np.ascontiguousarray(frame)


#: bytes of pipe buffer asked for (Linux's default is 64 KiB; 1 MiB is the usual unprivileged maximum)
PIPE_BYTES = 1 << 20


def _widen_pipe(stdin) -> None:
    """Ask for a larger pipe buffer (Linux), so a frame crosses in 16x fewer wake-ups; harmless elsewhere."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setsize is None:
        return
    try:
        fcntl.fcntl(stdin.fileno(), setsize, PIPE_BYTES)
    except OSError:
        pass


def _wait(proc: subprocess.Popen, check_cancel: Callable[[], None] | None) -> int:
    """Wait for the encoder to finish the file, honouring a cancel while it does."""
    while True:
        try:
            return proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            if check_cancel is not None:
                check_cancel()


def _ffmpeg_failure(rc: int, err, check_cancel: Callable[[], None] | None, where: str, home: str,
                    frames: int | None = None) -> MediaError:
    """The error for an encoder that exited ``rc``; raises Cancelled when the run is being cancelled."""
    _ffmpeg.failure_or_cancel(rc, check_cancel)
    report = _ffmpeg.read_spool(err)
    if _ffmpeg.disk_full(report):
        return MediaError(f"{where}: {disk_full_reason(home, 'quota' in report.lower())}")
    after = f" after {frames} frames" if frames is not None else ""
    return MediaError(f"{where}: ffmpeg failed ({_ffmpeg.describe_exit(rc)}){after}: {_ffmpeg.stderr_tail(report)}")


def _feed(proc: subprocess.Popen, clip: Clip, preset: Preset, use_alpha: bool, size: tuple[int, int], n: int,
          check_cancel: Callable[[], None] | None, report: _Progress, where: str, err, home: str) -> None:
    frames = clip.iter_frames()
    alphas = clip.iter_alpha() if use_alpha else None
    sent = 0
    try:
        for i in range(n):
            if check_cancel is not None:
                check_cancel()
            try:
                frame = next(frames)
            except StopIteration:
                raise MediaError(f"{where}: the clip ended after {i} of {n} frames") from None
            alpha = next(alphas) if alphas is not None else None
            data = memoryview(_frame_bytes(frame, alpha, preset, size, where, i)).cast("B")
            frame = alpha = None   # only one frame alive at a time
            try:
                for start in range(0, len(data), WRITE_SLICE):   # a cancel is seen between slices
                    if start and check_cancel is not None:
                        check_cancel()
                    proc.stdin.write(data[start:start + WRITE_SLICE])
            except (BrokenPipeError, ValueError, OSError):
                rc = proc.wait()
                raise _ffmpeg_failure(rc, err, check_cancel, where, home, i) from None
            data = None
            sent += 1
            report(0.95 * sent / n, f"frame {sent}/{n}")
    finally:
        for gen in (frames, alphas):
            close = getattr(gen, "close", None)
            if close is not None:
                close()


def _verify_movie(tmp: str, n: int, where: str) -> None:
    try:
        frames = count_video_packets(tmp)
    except MediaError as exc:
        raise MediaError(f"{where}: the encoded file does not read back: {exc}") from None
    if frames != n:
        raise MediaError(f"{where}: the encoded file holds {frames} frames, {n} were sent")


def _verify_sequence(tmp_pattern: str, first: int, n: int, where: str) -> None:
    numbers = numbers_matching(tmp_pattern)
    if numbers != list(range(first, first + n)):
        raise MediaError(f"{where}: the encoder wrote {len(numbers)} files, {n} frames were sent")


def _place_sequence(tmp_dir: str, target: _Target, first: int, n: int) -> None:
    dest = target.folder
    if not os.path.exists(dest):
        os.replace(tmp_dir, dest)
        return
    if not os.path.isdir(dest):
        raise MediaError(f"{target.final}: {dest} exists and is not a folder")
    name = os.path.basename(target.final)
    new = set(range(first, first + n))
    for k in sorted(new):
        os.replace(os.path.join(tmp_dir, name % k), os.path.join(dest, name % k))
    for k in numbers_matching(target.final):  # frames of an older, longer render
        if k not in new:
            remove_quietly(os.path.join(dest, name % k))
    shutil.rmtree(tmp_dir, ignore_errors=True)


__all__ = ["ExportResult", "PRESETS", "encoder_command", "export_clip", "output_size", "preset_for_path",
           "resolve_output"]

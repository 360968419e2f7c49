"""Editorial interchange: the shot list as OpenTimelineIO, CMX 3600 EDL, FCP 7 XML and FCPXML.

Semantics and assumptions
-------------------------
* Input is a *sequence* as :mod:`studio.graph.sequence` defines it, read by duck typing (this
  layer may not import the graph): ``name``, ``fps`` (text or Fraction), ``start`` (record
  start timecode) and ``shots``, each with ``id``, ``name``, ``media``, ``source_in`` /
  ``source_out`` (frames of the file, in inclusive, out exclusive), ``media_frames``, ``fps``,
  ``reel``, ``timecode`` (the file's start timecode) and optionally ``width``, ``height``,
  ``audio``.  Every shot must have the sequence's rate (the formats hold one rate); a shot
  that does not, or whose file range or timecode is wrong, is a :class:`MediaError` naming it.
* Time is counted in frames at the exact rate; OpenTimelineIO gets ``RationalTime(frames,
  float(rate))``.  A shot's *source* range is ``timecode + in`` .. ``timecode + out`` (the
  file's own timecode, so editors relink by timecode); its *available range* is the whole
  file; shots are laid back to back on the *record* side from the sequence's ``start``
  (``Timeline.global_start_time``).  Timecode text follows :mod:`studio.timecode`: at
  29.97 and 59.94, ``;`` means drop-frame, and files are written drop-frame at those rates.
* :func:`sequence_to_timeline` gives one video track ``V1`` and, when any shot's file has
  audio, an audio track ``A1`` holding the same ranges (gaps under shots without audio).
  Media references are percent-encoded ``file://`` URLs of absolute paths
  (``Path.as_uri``: OTIO's ``url_from_filepath`` leaves spaces, ``#`` and quotes as they are,
  which breaks the URL and the fcpx_xml adapter's XPath look-ups); relative paths resolve
  against ``base_dir``, else the working folder.  Shot id, reel and the graph node travel in ``metadata["cinegraph"]``.
* :func:`write_sequence` picks the format from the suffix (:data:`FORMATS`) and writes
  atomically (temporary file in the same folder, then rename).  Where each format keeps
  what editors need:

  ``.otio`` (``otio_json``)
      Everything above, losslessly.
  ``.edl`` (``cmx_3600``)
      One event per shot on the video track (EDLs carry video events only here): reel from
      ``clip.metadata["cmx_3600"]["reel"]``, exactly as set (the adapter would otherwise
      truncate the file name to 8 characters), source in/out from the file's timecode,
      record in/out from the sequence start (the adapter records from 0 unless the track's
      ``source_range`` starts at minus the record start, which is how its reader represents
      it), ``* FROM CLIP NAME:`` and ``* FROM CLIP:`` with the absolute path, and an ``FCM:``
      line (``DROP FRAME`` at 29.97/59.94) which the adapter does not write.
  ``.xml`` (``fcp_xml``, FCP 7 XML for Premiere Pro and DaVinci Resolve)
      ``<pathurl>`` file URL; the file's ``<timecode>`` (start, ``DF``/``NDF``) with the reel in
      ``<reel><name>`` (the adapter copies ``media_reference.metadata["fcp_xml"]["timecode"]``
      there; it also dedupes files by URL, so shots of one file share its first reel);
      clip ``<in>``/``<out>`` relative to the file's start, ``<start>``/``<end>`` on the
      sequence, whose ``<timecode>`` is the record start.  Audio clips link to the same file.
  ``.fcpxml`` (``fcpx_xml``, Final Cut Pro, FCPXML 1.8)
      The adapter's output is rewritten (stdlib ElementTree) where it falls short: its
      frame durations for 23.976/29.97/59.94 are empty and every time is a float rounded by
      ``limit_denominator``, the sequence has no ``tcStart``, and spine clips reference only
      the video of an asset.  After the fix: ``format`` with the exact ``frameDuration``
      (``1001/24000s``), size and ``colorSpace="1-1-1 (Rec. 709)"``; one ``asset`` per file
      with ``src`` (file URL), ``start`` = the file's timecode, ``duration``, ``hasAudio``;
      spine ``asset-clip``s (video and audio) with ``offset`` on the record timeline (which
      starts at the sequence's ``tcStart``), ``start`` = source in (file timecode +
      in), ``duration``, ``tcFormat``; the reel as ``<md key="com.apple.proapps.studio.reel">``
      on the clips.  The result validates against Apple's FCPXML 1.8 DTD.
* :func:`read_sequence` reads any of them back as a Timeline with the adapters (EDL at the
  rate given, 24 by default).  The fcpx_xml reader truncates 23.976/29.97 to whole
  frame rates and ignores ``tcStart``, so ``.fcpxml`` is read exactly by
  :func:`read_fcpxml` here instead (the subset this module writes).
"""

from __future__ import annotations

import copy
import os
import tempfile
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
from opentimelineio import opentime

from studio.errors import MediaError
from studio.media._fs import make_public
from studio.timecode import (TimecodeError, format_timecode, is_drop_frame_rate, parse_rate, parse_timecode,
                                   rate_label)

#: suffix -> OpenTimelineIO adapter
FORMATS = {".otio": "otio_json", ".edl": "cmx_3600", ".xml": "fcp_xml", ".fcpxml": "fcpx_xml"}
FCPXML_VERSION = "1.8"
REEL_KEY = "com.apple.proapps.studio.reel"
_META = "cinegraph"


# -- the canonical form -------------------------------------------------------------------------
def _rate(value: Any, where: str) -> Fraction:
    try:
        return parse_rate(value)
    except TimecodeError as exc:
        raise MediaError(f"{where}: {exc}") from None


def _frames(tc: str, rate: Fraction, where: str) -> int:
    try:
        return parse_timecode(tc, rate)
    except TimecodeError as exc:
        raise MediaError(f"{where}: {exc}") from None


def _rate_text(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def _media_path(media: str, base_dir: str | os.PathLike | None) -> str:
    if "://" in media:
        return otio.url_utils.filepath_from_url(media)
    if not os.path.isabs(media) and base_dir is not None:
        media = os.path.join(os.fspath(base_dir), media)
    return os.path.abspath(media)


def _shot_values(shot: Any, rate: Fraction, where: str) -> dict:
    """The numbers of one shot, checked."""
    shot_rate = _rate(getattr(shot, "fps", rate), where)
    if shot_rate != rate:
        raise MediaError(f"{where}: the shot is {rate_label(shot_rate)} fps, the sequence {rate_label(rate)} fps; "
                         f"interchange files hold one rate, so conform the shot or change the sequence rate")
    start = _frames(getattr(shot, "timecode", "00:00:00:00") or "00:00:00:00", rate, f"{where}: timecode")
    first, stop, total = int(shot.source_in), int(shot.source_out), int(shot.media_frames)
    if not 0 <= first < stop <= total:
        raise MediaError(f"{where}: source range {first}:{stop} outside the media's 0:{total} frames")
    reel = str(getattr(shot, "reel", "") or "AX")
    return {"start": start, "in": first, "out": stop, "frames": total, "reel": reel}


def sequence_to_timeline(sequence: Any, base_dir: str | os.PathLike | None = None) -> otio.schema.Timeline:
    """The sequence as an OpenTimelineIO timeline (see the module docstring)."""
    if not sequence.shots:
        raise MediaError(f"sequence {sequence.name!r}: no shots to export")
    rate = _rate(sequence.fps, "sequence fps")
    fr = float(rate)
    rt = lambda frames: opentime.RationalTime(frames, fr)  # noqa: E731
    record = _frames(sequence.start, rate, "sequence record start")
    drop = is_drop_frame_rate(rate) and ";" in str(sequence.start)
    tl = otio.schema.Timeline(name=sequence.name or "Sequence", global_start_time=rt(record))
    tl.metadata[_META] = {"fps": _rate_text(rate), "start": sequence.start}
    tl.metadata["fcp_xml"] = {"timecode": {"displayformat": "DF" if drop else "NDF"}}
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    for i, shot in enumerate(sequence.shots):
        where = f"shot {i + 1} ({getattr(shot, 'name', '') or shot.id})"
        v = _shot_values(shot, rate, where)
        path = _media_path(str(shot.media), base_dir)
        shot_drop = is_drop_frame_rate(rate) and ";" in str(getattr(shot, "timecode", ""))
        ref = otio.schema.ExternalReference(
            target_url=Path(path).as_uri(),
            available_range=opentime.TimeRange(rt(v["start"]), rt(v["frames"])))
        ref.name = os.path.basename(path)
        ref.metadata["fcp_xml"] = {"timecode": {"reel": {"name": v["reel"]},
                                                "displayformat": "DF" if shot_drop else "NDF"}}
        ref.metadata["fcpx"] = {"metadata": [{REEL_KEY: v["reel"]}]}
        clip = otio.schema.Clip(name=shot.name or shot.id, media_reference=ref,
                                source_range=opentime.TimeRange(rt(v["start"] + v["in"]), rt(v["out"] - v["in"])))
        clip.metadata["cmx_3600"] = {"reel": v["reel"]}
        clip.metadata[_META] = {"shot_id": shot.id, "reel": v["reel"],
                                "source_node": getattr(shot, "source_node", "") or "",
                                "width": int(getattr(shot, "width", 0) or 0),
                                "height": int(getattr(shot, "height", 0) or 0),
                                "audio": bool(getattr(shot, "audio", False))}
        video.append(clip)
        if getattr(shot, "audio", False):
            sound = copy.deepcopy(clip)
            sound.metadata[_META]["track"] = "A1"  # not identical: fcp_xml would write a reference to the video item
            audio.append(sound)
        else:
            audio.append(otio.schema.Gap(source_range=opentime.TimeRange(rt(0), rt(v["out"] - v["in"]))))
    tl.tracks.append(video)
    if any(isinstance(item, otio.schema.Clip) for item in audio):
        tl.tracks.append(audio)
    return tl


# -- writing -------------------------------------------------------------------------------------
def format_for_path(path: str | os.PathLike) -> str:
    """The adapter a destination asks for; MediaError naming the path and the allowed suffixes."""
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if suffix not in FORMATS:
        raise MediaError(f"{text}: unknown interchange format {suffix or '(no suffix)'!r}; "
                         f"allowed: {', '.join(FORMATS)}")
    return FORMATS[suffix]


def write_sequence(sequence: Any, path: str | os.PathLike, base_dir: str | os.PathLike | None = None) -> str:
    """Write the sequence to ``path`` in the format its suffix names; returns the absolute path."""
    adapter = format_for_path(path)
    final = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(final)
    if not os.path.isdir(folder):
        raise MediaError(f"{final}: folder {folder} does not exist")
    timeline = sequence_to_timeline(sequence, base_dir)
    try:
        if adapter == "cmx_3600":
            text = _edl_text(timeline)
        elif adapter == "fcpx_xml":
            text = _fcpxml_text(timeline)
        else:
            text = otio.adapters.write_to_string(timeline, adapter)
    except MediaError:
        raise
    except Exception as exc:  # the adapters raise whatever they like
        raise MediaError(f"{final}: the {adapter} adapter failed ({type(exc).__name__}: {exc})") from exc
    _write_atomic(final, text)
    return final


def _write_atomic(final: str, text: str) -> None:
    folder, name = os.path.split(final)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=folder)
    except OSError as exc:
        raise MediaError(f"{final}: cannot write in {folder} ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        make_public(tmp)
        os.replace(tmp, final)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise MediaError(f"{final}: cannot write ({exc.strerror or exc})") from None
        raise


def _rate_of(timeline: otio.schema.Timeline) -> Fraction:
    return Fraction(timeline.metadata[_META]["fps"])


def _edl_text(timeline: otio.schema.Timeline) -> str:
    rate = _rate_of(timeline)
    tl = copy.deepcopy(timeline)
    video = tl.video_tracks()[0]
    for clip in video.find_clips():   # EDL comments name files by path, as Avid writes them
        clip.media_reference.target_url = otio.url_utils.filepath_from_url(clip.media_reference.target_url)
    record = tl.global_start_time
    video.source_range = opentime.TimeRange(-record, video.duration() + record)
    text = otio.adapters.write_to_string(tl, "cmx_3600", rate=float(rate), style="avid")
    fcm = "FCM: DROP FRAME" if is_drop_frame_rate(rate) else "FCM: NON-DROP FRAME"
    lines = text.split("\n")
    at = 1 if lines and lines[0].startswith("TITLE:") else 0
    lines.insert(at, fcm)
    return "\n".join(lines)


# -- FCPXML --------------------------------------------------------------------------------------
def _secs(frames: int, rate: Fraction) -> str:
    """``frames`` at ``rate`` as an FCPXML time: ``"0s"``, ``"3600s"``, ``"1001/24000s"``."""
    t = Fraction(frames) / rate
    if t == 0:
        return "0s"
    return f"{t.numerator}s" if t.denominator == 1 else f"{t.numerator}/{t.denominator}s"


def _parse_secs(text: str | None) -> Fraction:
    if not text or text == "0s":
        return Fraction(0)
    return Fraction(text.rstrip("s"))


def _fcpxml_text(timeline: otio.schema.Timeline) -> str:
    rate = _rate_of(timeline)
    video = copy.deepcopy(timeline.video_tracks()[0])
    clips = list(video.find_clips())
    names = [c.name for c in clips]
    for i, clip in enumerate(clips):  # the adapter finds elements by name with XPath: no quotes allowed
        clip.name = f"clip{i + 1}"
    only_video = otio.schema.Timeline(name="project", global_start_time=timeline.global_start_time)
    only_video.tracks.append(video)
    raw = otio.adapters.write_to_string(only_video, "fcpx_xml")
    root = ET.fromstring(raw.split("<!DOCTYPE fcpxml>", 1)[-1].strip())
    root.set("version", FCPXML_VERSION)
    resources = root.find("resources")
    project = root.find("project")
    if resources is None or project is None:  # pragma: no cover - the adapter always writes both
        raise MediaError("the fcpx_xml adapter wrote no resources or project")
    meta = [c.metadata[_META] for c in clips]
    project.set("name", timeline.name)
    drop = timeline.metadata["fcp_xml"]["timecode"]["displayformat"]
    tc_format = "DF" if drop == "DF" else "NDF"

    # one format: the sequence's, exact
    formats = resources.findall("format")
    fmt = formats[0]
    for extra in formats[1:]:
        resources.remove(extra)
    fmt.attrib.clear()
    fmt.set("id", "r1")
    fmt.set("frameDuration", _secs(1, rate))
    size = next(((m["width"], m["height"]) for m in meta if m["width"] and m["height"]), None)
    if size:
        fmt.set("width", str(size[0]))
        fmt.set("height", str(size[1]))
    fmt.set("colorSpace", "1-1-1 (Rec. 709)")

    # assets: exact start (the file's timecode) and duration; audio when the file has it
    by_url: dict[str, ET.Element] = {}
    for asset in resources.findall("asset"):
        by_url[asset.get("src", "")] = asset
    asset_ids: dict[str, str] = {}
    with_audio = {c.media_reference.target_url for c, m in zip(clips, meta) if m["audio"]}
    for clip in clips:
        ref = clip.media_reference
        url = ref.target_url
        asset = by_url.get(url)
        if asset is None:  # pragma: no cover - the adapter writes one per file
            raise MediaError(f"the fcpx_xml adapter wrote no asset for {url}")
        avail = ref.available_range
        old_id = asset.get("id")
        asset.attrib.clear()
        asset.set("id", old_id)
        asset.set("name", Path(otio.url_utils.filepath_from_url(url)).stem)
        asset.set("src", url)
        asset.set("start", _secs(round(avail.start_time.value), rate))
        asset.set("duration", _secs(round(avail.duration.value), rate))
        asset.set("hasVideo", "1")
        asset.set("format", "r1")
        asset.set("hasAudio", "1" if url in with_audio else "0")
        if url in with_audio:
            asset.set("audioSources", "1")
            asset.set("audioRate", "48000")
        asset_ids[url] = old_id

    # browser clips (the adapter's top-level asset-clips): whole files, with the reel
    assets_by_id = {a.get("id"): a for a in resources.findall("asset")}
    for top, name in zip(root.findall("asset-clip"), names):  # one per clip, in order (unique names)
        asset = assets_by_id[top.get("ref")]
        top.set("name", name)
        top.set("format", "r1")
        top.set("start", asset.get("start"))
        top.set("duration", asset.get("duration"))
        top.set("tcFormat", tc_format)
        _put_reel(top, None)

    # the project's sequence: record timecode and a spine of asset-clips
    record = round(timeline.global_start_time.value)
    if project.get("uid") == "":
        del project.attrib["uid"]
    seq_el = project.find("sequence")
    total = sum(round(c.source_range.duration.value) for c in clips)
    seq_el.attrib.clear()
    seq_el.set("format", "r1")
    seq_el.set("duration", _secs(total, rate))
    seq_el.set("tcStart", _secs(record, rate))
    seq_el.set("tcFormat", tc_format)
    if any(m["audio"] for m in meta):
        seq_el.set("audioLayout", "stereo")
        seq_el.set("audioRate", "48k")
    spine = seq_el.find("spine")
    for child in list(spine):
        spine.remove(child)
    offset = record
    for clip, name, m in zip(clips, names, meta):
        sr = clip.source_range
        frames = round(sr.duration.value)
        el = ET.SubElement(spine, "asset-clip", {
            "ref": asset_ids[clip.media_reference.target_url], "name": name,
            "offset": _secs(offset, rate), "start": _secs(round(sr.start_time.value), rate),
            "duration": _secs(frames, rate), "format": "r1", "tcFormat": tc_format})
        _put_reel(el, m["reel"])
        offset += frames
    ET.indent(root, "    ")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n'
            + ET.tostring(root, encoding="unicode") + "\n")


def _put_reel(element: ET.Element, reel: str | None) -> None:
    """Make ``element`` end with ``<metadata>`` holding the reel ``md`` (keeping the adapter's)."""
    md_parent = element.find("metadata")
    if md_parent is None:
        if reel is None:
            return
        md_parent = ET.SubElement(element, "metadata")
    else:  # the DTD wants metadata last
        element.remove(md_parent)
        element.append(md_parent)
    if reel is not None and not any(md.get("key") == REEL_KEY for md in md_parent.findall("md")):
        ET.SubElement(md_parent, "md", {"key": REEL_KEY, "value": reel})


# -- reading -------------------------------------------------------------------------------------
def read_sequence(path: str | os.PathLike, rate: Any = 24) -> otio.schema.Timeline:
    """Read an interchange file back as a Timeline (``rate``: the EDL's, which the file cannot say)."""
    adapter = format_for_path(path)
    text = os.fspath(path)
    try:
        if adapter == "fcpx_xml":
            return read_fcpxml(text)
        if adapter == "cmx_3600":
            return otio.adapters.read_from_file(text, adapter, rate=float(parse_rate(rate)))
        result = otio.adapters.read_from_file(text, adapter)
    except (OSError, ValueError, otio.exceptions.OTIOError, ET.ParseError) as exc:
        raise MediaError(f"{text}: cannot read ({type(exc).__name__}: {exc})") from None
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = [t for t in result if isinstance(t, otio.schema.Timeline)]
        if not timelines:
            raise MediaError(f"{text}: holds no timeline")
        result = timelines[0]
    return result


def read_fcpxml(path: str | os.PathLike) -> otio.schema.Timeline:
    """An FCPXML file of the shape :func:`write_sequence` writes, read exactly (rational times).

    The first project's sequence: ``tcStart`` is the timeline's ``global_start_time``; its spine
    ``asset-clip``s (and the adapter's ``clip``/``video`` pairs) become clips on one video track,
    with gaps where offsets leave room; the reel ``md`` lands in ``metadata["cmx_3600"]["reel"]``.
    """
    tree = ET.parse(os.fspath(path))
    root = tree.getroot()
    assets = {a.get("id"): a for a in root.iter("asset")}
    formats = {f.get("id"): f for f in root.iter("format")}
    project = next(root.iter("project"), None)
    if project is None:
        raise MediaError(f"{path}: no project in this FCPXML")
    seq_el = project.find("sequence")
    fmt = formats.get(seq_el.get("format"))
    if fmt is None or not fmt.get("frameDuration"):
        raise MediaError(f"{path}: the sequence's format has no frameDuration")
    rate = 1 / _parse_secs(fmt.get("frameDuration"))
    fr = float(rate)

    def frames(text: str | None) -> int:
        return int(_parse_secs(text) * rate)

    record = frames(seq_el.get("tcStart"))
    tl = otio.schema.Timeline(name=project.get("name", ""), global_start_time=opentime.RationalTime(record, fr))
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    position = record
    for item in seq_el.find("spine"):
        if item.tag == "asset-clip":
            ref_id, timing = item.get("ref"), item
        elif item.tag == "clip" and item.find("video") is not None:
            ref_id, timing = item.find("video").get("ref"), item
        else:
            continue
        offset, start, dur = frames(timing.get("offset")), frames(timing.get("start")), frames(timing.get("duration"))
        if offset > position:
            track.append(otio.schema.Gap(source_range=opentime.TimeRange(
                opentime.RationalTime(0, fr), opentime.RationalTime(offset - position, fr))))
        asset = assets.get(ref_id)
        ref = otio.schema.ExternalReference(
            target_url=asset.get("src") if asset is not None else "",
            available_range=opentime.TimeRange(opentime.RationalTime(frames(asset.get("start")), fr),
                                               opentime.RationalTime(frames(asset.get("duration")), fr))
            if asset is not None else None)
        clip = otio.schema.Clip(name=timing.get("name", ""), media_reference=ref,
                                source_range=opentime.TimeRange(opentime.RationalTime(start, fr),
                                                                opentime.RationalTime(dur, fr)))
        reel = next((md.get("value") for md in item.iter("md") if md.get("key") == REEL_KEY), None)
        if reel:
            clip.metadata["cmx_3600"] = {"reel": reel}
        track.append(clip)
        position = offset + dur
    tl.tracks.append(track)
    tl.metadata["fcpxml"] = {"version": root.get("version"), "tcFormat": seq_el.get("tcFormat"),
                             "fps": _rate_text(rate)}
    return tl


def shot_timecodes(timeline: otio.schema.Timeline, rate: Any) -> list[dict]:
    """For each clip of the first video track: name, reel, source in/out and record in/out as timecode.

    Record times count from ``global_start_time`` (an EDL read back has it in the track's
    ``source_range`` instead, which is used when the timeline has none).  Handy for tests and
    for showing what an interchange file holds.
    """
    r = parse_rate(rate)
    track = timeline.video_tracks()[0]
    origin = round(timeline.global_start_time.rescaled_to(float(r)).value) if timeline.global_start_time else 0
    if not origin and track.source_range is not None and track.source_range.start_time.value < 0:
        origin = -round(track.source_range.start_time.rescaled_to(float(r)).value)
    out = []
    position = 0
    for item in track:
        n = round(item.duration().rescaled_to(float(r)).value)
        if isinstance(item, otio.schema.Clip):
            sr = item.source_range
            src = round(sr.start_time.rescaled_to(float(r)).value)
            reel = _dig(item.metadata, "cmx_3600", "reel") or \
                _dig(item.media_reference.metadata, "fcp_xml", "timecode", "reel", "name")
            out.append({"name": item.name, "reel": reel, "duration": n,
                        "source_in": format_timecode(src, r), "source_out": format_timecode(src + n, r),
                        "record_in": format_timecode(origin + position, r),
                        "record_out": format_timecode(origin + position + n, r)})
        position += n
    return out


def _dig(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]...`` through OTIO's AnyDictionary (not a dict) or None."""
    for key in keys:
        if not hasattr(mapping, "get"):
            return None
        mapping = mapping.get(key)
    return mapping


__all__ = ["FCPXML_VERSION", "FORMATS", "REEL_KEY", "format_for_path", "read_fcpxml", "read_sequence",
           "sequence_to_timeline", "shot_timecodes", "write_sequence"]

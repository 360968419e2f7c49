"""Editorial interchange: every format written, read back with the adapters, and compared.

Each sequence is checked shot by shot: count, names, reel names, durations, source
timecodes (the file's timecode + in) and record timecodes (from the sequence start), at
23.976, 24, 25 and 29.97 drop-frame.  FCPXML is also validated against Apple's DTD when it is
at hand (see ``tests/conftest.py``: Apple's DTDs cannot be shipped with the project).
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from studio.errors import MediaError
from studio.graph.sequence import Sequence, Shot
from studio.media.editorial import (FCPXML_VERSION, read_fcpxml, read_sequence, sequence_to_timeline,
                                    shot_timecodes, write_sequence)
from studio.timecode import format_timecode, parse_timecode

RATES = {"23.976": "24000/1001", "24": "24", "25": "25", "29.97DF": "30000/1001"}
SUFFIXES = (".otio", ".edl", ".xml", ".fcpxml")


def make_sequence(fps: str, folder: Path) -> Sequence:
    """Three shots from three renders, one with audio, reels as an editor would set them."""
    drop = fps == "30000/1001"
    tc = (lambda t: t[:8] + ";" + t[9:]) if drop else (lambda t: t)
    return Sequence("Reel one cut", fps, tc("01:00:00:00"), [
        Shot("s1", "Push-in on the cat", str(folder / "renders" / "camera_move_v003_final_graded.mov"), 6, 30,
             48, fps, "A001", tc("00:00:10:00"), "WriteVideo1", width=452, height=300, audio=True),
        Shot("s2", "Hats, wide", str(folder / "renders" / "hats.mov"), 0, 24, 24, fps, "B_002", tc("10:59:59:12"),
             "WriteVideo2", width=452, height=300),
        Shot("s3", "Coffee 'insert' & steam", str(folder / "renders" / "coffee.mov"), 40, 100, 120, fps, "C3",
             tc("23:00:00:00"), "WriteVideo3", width=452, height=300),
    ])


def expected(seq: Sequence) -> list[dict]:
    """What every format must say, computed from the sequence with the media layer's timecode."""
    rate = Fraction(seq.fps)
    record = parse_timecode(seq.start, rate)
    out = []
    for s in seq.shots:
        src = parse_timecode(s.timecode, rate) + s.source_in
        n = s.source_out - s.source_in
        out.append({"name": s.name, "reel": s.reel, "duration": n,
                    "source_in": format_timecode(src, rate), "source_out": format_timecode(src + n, rate),
                    "record_in": format_timecode(record, rate), "record_out": format_timecode(record + n, rate)})
        record += n
    return out


@pytest.mark.parametrize("label", list(RATES))
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_every_format_reads_back_with_the_same_shots_timecodes_durations_and_reels(tmp_path, label, suffix):
    seq = make_sequence(RATES[label], tmp_path)
    path = write_sequence(seq, tmp_path / f"cut{suffix}")
    timeline = read_sequence(path, rate=seq.fps)
    assert shot_timecodes(timeline, seq.fps) == expected(seq)
    assert os.listdir(tmp_path) == [f"cut{suffix}"], "no temporary files left"


@pytest.mark.parametrize("label", ["23.976", "29.97DF"])
def test_the_edl_says_drop_frame_and_keeps_reels_as_set(tmp_path, label):
    seq = make_sequence(RATES[label], tmp_path)
    text = Path(write_sequence(seq, tmp_path / "cut.edl")).read_text()
    lines = text.splitlines()
    assert lines[0] == "TITLE: Reel one cut"
    assert lines[1] == ("FCM: DROP FRAME" if label == "29.97DF" else "FCM: NON-DROP FRAME")
    events = [ln.split() for ln in lines if ln[:3].isdigit()]
    assert [e[1] for e in events] == ["A001", "B_002", "C3"], "reels as the user set them, not file names"
    assert "camera_m" not in "".join(e[1] for e in events)
    assert all(len(e) == 8 and e[2] == "V" and e[3] == "C" for e in events)
    sep = ";" if label == "29.97DF" else ":"
    assert all(e[4][8] == sep and e[6][8] == sep for e in events)
    assert f"* FROM CLIP: {seq.shots[0].media}" in lines, "the file's absolute path"


@pytest.mark.parametrize("label", list(RATES))
def test_fcp7_xml_has_the_reel_in_the_files_timecode_and_the_record_start(tmp_path, label):
    import xml.etree.ElementTree as ET
    seq = make_sequence(RATES[label], tmp_path)
    root = ET.parse(write_sequence(seq, tmp_path / "cut.xml")).getroot()
    sequence = root.find("./project/children/sequence")
    rate = Fraction(seq.fps)
    assert int(sequence.find("timecode/frame").text) == parse_timecode(seq.start, rate)
    ntsc = "TRUE" if rate.denominator == 1001 else "FALSE"
    assert sequence.find("rate/ntsc").text == ntsc and sequence.find("rate/timebase").text == str(round(rate))
    files = {f.get("id"): f for f in root.iter("file") if f.find("pathurl") is not None}
    assert [f.find("timecode/reel/name").text for f in files.values()] == ["A001", "B_002", "C3"]
    assert [f.find("pathurl").text for f in files.values()] == [Path(s.media).as_uri() for s in seq.shots]
    assert [int(f.find("duration").text) for f in files.values()] == [48, 24, 120]
    display = "DF" if label == "29.97DF" else "NDF"
    assert {f.find("timecode/displayformat").text for f in files.values()} == {display}
    audio_items = root.findall("./project/children/sequence/media/audio/track/clipitem")
    assert [a.find("name").text for a in audio_items] == ["Push-in on the cat"], "audio where the file has it"


@pytest.mark.parametrize("label", list(RATES))
def test_fcpxml_validates_against_apples_dtd_for_its_version(tmp_path, label, fcpxml_dtd):
    seq = make_sequence(RATES[label], tmp_path)
    path = write_sequence(seq, tmp_path / "cut.fcpxml")
    etree, _ = fcpxml_dtd("1.8")
    tree = etree.parse(path)
    version = tree.getroot().get("version")
    assert version == FCPXML_VERSION
    _, dtd = fcpxml_dtd(version)
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()


@pytest.mark.parametrize("label", list(RATES))
def test_fcpxml_times_are_exact_frame_multiples(tmp_path, label):
    import xml.etree.ElementTree as ET
    seq = make_sequence(RATES[label], tmp_path)
    root = ET.parse(write_sequence(seq, tmp_path / "cut.fcpxml")).getroot()
    rate = Fraction(seq.fps)
    fmt = root.find("resources/format")
    assert fmt.get("frameDuration") == f"{rate.denominator}/{rate.numerator}s".replace("/1s", "s")
    assert (fmt.get("width"), fmt.get("height")) == ("452", "300")

    def frames(t: str) -> Fraction:
        return (Fraction(t.rstrip("s")) if t != "0s" else Fraction(0)) * rate

    seq_el = root.find("project/sequence")
    assert frames(seq_el.get("tcStart")) == parse_timecode(seq.start, rate)
    assert seq_el.get("tcFormat") == ("DF" if label == "29.97DF" else "NDF")
    spine = seq_el.findall("spine/asset-clip")
    assert len(spine) == 3
    for el in spine + root.findall("resources/asset"):
        for key in ("offset", "start", "duration"):
            if el.get(key):
                assert frames(el.get(key)).denominator == 1, f"{key}={el.get(key)} is not a whole frame"
    assets = {a.get("id"): a for a in root.findall("resources/asset")}
    assert [assets[c.get("ref")].get("hasAudio") for c in spine] == ["1", "0", "0"]
    assert [frames(assets[c.get("ref")].get("start")) for c in spine] == \
        [parse_timecode(s.timecode, rate) for s in seq.shots], "asset start = the file's timecode"


@pytest.mark.parametrize("label", ["24", "25"])
def test_the_fcpx_adapter_reads_our_fcpxml_back(tmp_path, label):
    """The adapter's own reader (exact at whole rates; it ignores tcStart, so record = clip offset)."""
    seq = make_sequence(RATES[label], tmp_path)
    path = write_sequence(seq, tmp_path / "cut.fcpxml")
    result = otio.adapters.read_from_file(path, "fcpx_xml")
    clips = list(result.find_clips())
    assert [c.name for c in clips] == [s.name for s in seq.shots]
    want = expected(seq)
    rate = Fraction(seq.fps)
    for clip, w in zip(clips, want):
        assert round(clip.source_range.duration.value) == w["duration"]
        assert format_timecode(round(clip.source_range.start_time.value), rate) == w["source_in"]
        assert format_timecode(round(clip.range_in_parent().start_time.value), rate) == w["record_in"]
        assert clip.media_reference.metadata["fcpx"]["metadata"][0]["com.apple.proapps.studio.reel"] == w["reel"]


@pytest.mark.parametrize("label", ["23.976", "29.97DF"])
def test_the_fcpx_adapter_reads_ntsc_fcpxml_shot_names(tmp_path, label):
    """At NTSC rates the adapter's reader truncates the rate (23, 29); names and count still read."""
    seq = make_sequence(RATES[label], tmp_path)
    result = otio.adapters.read_from_file(write_sequence(seq, tmp_path / "cut.fcpxml"), "fcpx_xml")
    assert [c.name for c in result.find_clips()] == [s.name for s in seq.shots]
    ours = read_fcpxml(tmp_path / "cut.fcpxml")
    assert ours.metadata["fcpxml"]["fps"] == RATES[label], "ours reads the rate exactly"


def test_the_otio_timeline_is_the_lossless_canonical_form(tmp_path):
    seq = make_sequence("24", tmp_path)
    tl = sequence_to_timeline(seq)
    assert tl.global_start_time == otio.opentime.RationalTime(86400, 24)
    assert [t.kind for t in tl.tracks] == ["Video", "Audio"]
    audio = tl.audio_tracks()[0]
    assert [type(i).__name__ for i in audio] == ["Clip", "Gap", "Gap"]
    clip = tl.video_tracks()[0][0]
    ref = clip.media_reference
    assert ref.target_url == Path(seq.shots[0].media).as_uri()
    assert ref.available_range == otio.opentime.TimeRange(otio.opentime.RationalTime(240, 24),
                                                          otio.opentime.RationalTime(48, 24))
    assert clip.source_range.start_time.value == 246
    assert clip.metadata["cinegraph"]["shot_id"] == "s1" and clip.metadata["cmx_3600"]["reel"] == "A001"
    back = read_sequence(write_sequence(seq, tmp_path / "cut.otio"))
    assert back.metadata["cinegraph"]["fps"] == "24"


def test_relative_media_resolve_against_base_dir(tmp_path):
    seq = Sequence("c", "24", shots=[Shot("s1", "A", "renders/a.mov", 0, 2, 2, "24", "A001")])
    tl = sequence_to_timeline(seq, base_dir=tmp_path)
    assert tl.video_tracks()[0][0].media_reference.target_url == (tmp_path / "renders" / "a.mov").as_uri()


def test_an_unknown_suffix_names_the_path_and_the_allowed_ones(tmp_path):
    with pytest.raises(MediaError) as err:
        write_sequence(make_sequence("24", tmp_path), tmp_path / "cut.aaf")
    assert str(err.value) == f"{tmp_path / 'cut.aaf'}: unknown interchange format '.aaf'; " \
                             f"allowed: .otio, .edl, .xml, .fcpxml"
    assert not os.listdir(tmp_path)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    dest = tmp_path / "cut.edl"
    dest.write_text("old")
    bad = make_sequence("24", tmp_path)
    bad.shots[1] = Shot("s2", "B", "/b.mov", 0, 30, 24, "24", "B1")   # out past the media's end
    with pytest.raises(MediaError, match=r"shot 2 \(B\): source range 0:30 outside the media's 0:24"):
        write_sequence(bad, dest)
    mixed = make_sequence("24", tmp_path)
    mixed.shots[2] = Shot("s3", "C", "/c.mov", 0, 2, 2, "25", "C1")
    with pytest.raises(MediaError, match=r"shot 3 \(C\): the shot is 25 fps, the sequence 24 fps"):
        write_sequence(mixed, dest)
    with pytest.raises(MediaError, match="no shots"):
        write_sequence(Sequence("empty"), dest)
    assert dest.read_text() == "old" and os.listdir(tmp_path) == ["cut.edl"]


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(MediaError, match="does not exist"):
        write_sequence(make_sequence("24", tmp_path), tmp_path / "nope" / "cut.otio")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_media_paths_with_spaces_quotes_and_hashes_survive_every_format(tmp_path, suffix):
    media = tmp_path / "it's take #2 [final] é.mov"
    seq = Sequence("q", "25", shots=[Shot("s1", "It's \"take\" #2", str(media), 0, 5, 5, "25", "A1")])
    timeline = read_sequence(write_sequence(seq, tmp_path / f"cut{suffix}"), rate=25)
    clip = timeline.video_tracks()[0][0]
    url = clip.media_reference.target_url
    assert (url if suffix == ".edl" else otio.url_utils.filepath_from_url(url)) == str(media)
    assert clip.name == seq.shots[0].name

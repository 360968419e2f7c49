"""The shot list (the *sequence*): rendered outputs cut one after another, saved in the workflow.

Semantics and assumptions
-------------------------
* A :class:`Shot` is a range of frames of one rendered media file: ``source_in`` (inclusive)
  to ``source_out`` (exclusive), counted from the first frame of the file (0-based), never
  from its timecode.  ``media_frames`` is the file's length, so ``0 <= in < out <=
  media_frames``.  ``timecode`` is the file's own start timecode (what the render wrote),
  so the shot's source timecode in is ``timecode + source_in`` at the shot's rate.
* ``fps`` is text: ``"24"``, ``"25"`` or an exact fraction ``"24000/1001"``; ``"23.976"``,
  ``"29.97"`` and ``"59.94"`` are accepted and stored as their exact fractions.
* Timecode is ``HH:MM:SS:FF``; ``;`` before the frames (``HH:MM:SS;FF``) means drop-frame
  counting, and is only allowed at 29.97 and 59.94 (the rule of
  :func:`studio.timecode.parse_timecode`: the separator decides, so ``01:00:00:00`` at
  29.97 is non-drop and ``01:00:00;00`` drop-frame).
* ``reel`` is the EDL reel name: 1 to 8 letters, digits or ``_`` (CMX 3600 allows 8
  characters; upper case is what editors expect but is not enforced).  Interchange files
  carry it exactly as set, never a truncated file name.
* ``source_node`` is the id of the graph node whose render the shot holds (``""`` when it came
  from elsewhere); deleting that node keeps the shot and its file.
* Bounds (:mod:`studio.graph.limits`): shot ids and node ids are one line of at most
  ``MAX_LINE_CHARS`` printable characters, shot names and the sequence name at most
  ``MAX_NAME_CHARS`` characters (free text, like node names); media paths at most
  ``MAX_PATH_CHARS`` (and no NUL); frame counts and sizes at most ``MAX_MAGNITUDE``; a rate
  at most 32 characters and a timecode 16, checked before they are parsed.
* The :class:`Sequence` has a ``name``, a record rate ``fps`` and a record start timecode
  ``start`` (``01:00:00:00`` by default); its shots play back to back from ``start``.  All
  shots must share the sequence's rate to be exported (the interchange formats hold one
  rate); adding the first shot to an empty sequence makes the sequence take the shot's rate.
* Workflow files keep it under the top-level key ``"sequence"``; media paths are stored
  relative to the workflow file like ``path`` params.  Loading checks everything and reports
  every problem with its JSON path (``sequence.shots[2].reel: ...``).  Unknown keys are kept.
* The commands here (:class:`AddShot`, :class:`RemoveShot`, :class:`MoveShot`,
  :class:`UpdateShot`, :class:`SetSequence`) are the only way to change a graph's sequence;
  each emits :class:`~studio.graph.model.SequenceChanged`.  ``UpdateShot`` edits with the same
  ``merge_key`` (one trim drag) merge into one undo step.

Standard library only (the layer rule of ``studio.graph``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from studio.timecode import is_drop_frame_rate, parse_rate, parse_timecode, rate_text
from studio.errors import GraphError, Problem, shown
from studio.graph.limits import MAX_MAGNITUDE, MAX_NAME_CHARS, MAX_PATH_CHARS
from studio.graph.params import line_problem
from studio.graph.commands import Command
from studio.graph.model import Graph

DEFAULT_START = "01:00:00:00"
REEL_MAX = 8
_REEL = re.compile(r"^[A-Za-z0-9_]{1,8}$")
#: the longest rate and timecode texts read (``"24000/1001"``, ``"01:00:00;00"``)
RATE_MAX_CHARS = 32
TIMECODE_MAX_CHARS = 16


def _name_problem(value: Any) -> str | None:
    """Why ``value`` is not a name (free text, may be empty), or None."""
    if not isinstance(value, str):
        return f"expected text, got {shown(value)}"
    if len(value) > MAX_NAME_CHARS:
        return f"at most {MAX_NAME_CHARS} characters, got {shown(value)}"
    return None


def _rate_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a frame rate, checked before :func:`parse_rate` reads it."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Fraction)):
        return f"frame rate {shown(value)}: expected a number such as 24, 23.976 or 30000/1001"
    if isinstance(value, str) and len(value) > RATE_MAX_CHARS:
        return f"frame rate {shown(value)}: expected a number such as 24, 23.976 or 30000/1001"
    if isinstance(value, int) and abs(value) > 1000:
        return f"frame rate {shown(value)}: must be between 0 and 1000"
    return None


def _timecode_problem(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > TIMECODE_MAX_CHARS:
        return f"timecode {shown(value)}: expected HH:MM:SS:FF"
    return None


def check_reel(reel: Any) -> str | None:
    """Why ``reel`` is not a valid EDL reel name, or None."""
    if isinstance(reel, str) and _REEL.match(reel):
        return None
    return f"expected 1 to {REEL_MAX} letters, digits or _ (an EDL reel name, e.g. \"A001\"), got {shown(reel)}"


# -- the data ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shot:
    """One shot: frames ``source_in`` .. ``source_out - 1`` of the rendered file ``media``."""

    id: str
    name: str
    media: str
    source_in: int
    source_out: int
    media_frames: int
    fps: str = "24"
    reel: str = "AX"
    timecode: str = "00:00:00:00"
    source_node: str = ""
    width: int = 0            # 0: unknown (only FCPXML's format uses the size)
    height: int = 0
    audio: bool = False       # the file has an audio stream
    extra: dict = field(default_factory=dict, compare=False)   # unknown keys from the file

    @property
    def rate(self) -> Fraction:
        return parse_rate(self.fps)

    @property
    def duration(self) -> int:
        return self.source_out - self.source_in

    @property
    def start_frame(self) -> int:
        """The file's start timecode as a frame count at the shot's rate."""
        return parse_timecode(self.timecode, self.rate)

    def problems(self) -> list[tuple[str, str]]:
        """Every ``(field, message)`` wrong with this shot (field as in the JSON)."""
        out: list[tuple[str, str]] = []
        if not isinstance(self.id, str) or not self.id.strip():
            out.append(("id", f"expected a non-empty text id, got {shown(self.id)}"))
        elif line_problem(self.id):
            out.append(("id", line_problem(self.id)))
        if not isinstance(self.name, str) or not self.name.strip():
            out.append(("name", f"expected a non-empty name, got {shown(self.name)}"))
        elif len(self.name) > MAX_NAME_CHARS:
            out.append(("name", f"at most {MAX_NAME_CHARS} characters, got {shown(self.name)}"))
        if not isinstance(self.media, str) or not self.media.strip():
            out.append(("media", f"expected the path of a rendered file, got {shown(self.media)}"))
        elif len(self.media) > MAX_PATH_CHARS:
            out.append(("media", f"a file path is at most {MAX_PATH_CHARS} characters, got {shown(self.media)}"))
        elif "\0" in self.media:
            out.append(("media", f"a file path cannot hold a NUL character, got {shown(self.media)}"))
        if not isinstance(self.source_node, str):
            out.append(("node", f"expected a node id (text), got {shown(self.source_node)}"))
        elif self.source_node and line_problem(self.source_node):
            out.append(("node", line_problem(self.source_node)))
        ints_ok = True
        for key, value, low in (("frames", self.media_frames, 1), ("in", self.source_in, 0),
                                ("out", self.source_out, 1)):
            if not _is_int(value) or value < low:
                out.append((key, f"expected a whole number >= {low}, got {shown(value)}"))
                ints_ok = False
            elif value > MAX_MAGNITUDE:
                out.append((key, f"at most {MAX_MAGNITUDE:.0f} frames, got {shown(value)}"))
                ints_ok = False
        if ints_ok:
            if self.source_out <= self.source_in:
                out.append(("out", f"out ({self.source_out}) must be after in ({self.source_in}): "
                                   f"in is the first frame, out the frame after the last"))
            elif self.source_out > self.media_frames:
                out.append(("out", f"out ({self.source_out}) is past the end of the media "
                                   f"({self.media_frames} frames)"))
        rate = None
        why = _rate_problem(self.fps)
        if why:
            out.append(("fps", why))
        else:
            try:
                rate = parse_rate(self.fps)
            except ValueError as exc:
                out.append(("fps", str(exc)))
        why = check_reel(self.reel)
        if why:
            out.append(("reel", why))
        why = _timecode_problem(self.timecode)
        if why:
            out.append(("timecode", why))
        elif rate is not None:
            try:
                parse_timecode(self.timecode, rate)
            except ValueError as exc:
                out.append(("timecode", str(exc)))
        for key, value in (("width", self.width), ("height", self.height)):
            if not _is_int(value) or value < 0:
                out.append((key, f"expected a whole number >= 0, got {shown(value)}"))
            elif value > MAX_MAGNITUDE:
                out.append((key, f"at most {MAX_MAGNITUDE:.0f}, got {shown(value)}"))
        if not isinstance(self.audio, bool):
            out.append(("audio", f"expected true or false, got {shown(self.audio)}"))
        return out


@dataclass
class Sequence:
    """The shot list: ``shots`` back to back from the record timecode ``start`` at ``fps``."""

    name: str = ""
    fps: str = "24"
    start: str = DEFAULT_START
    shots: list[Shot] = field(default_factory=list)
    extra: dict = field(default_factory=dict)   # unknown keys from the file

    @property
    def rate(self) -> Fraction:
        return parse_rate(self.fps)

    @property
    def start_frame(self) -> int:
        """The record start timecode as a frame count at the sequence rate."""
        return parse_timecode(self.start, self.rate)

    @property
    def duration(self) -> int:
        return sum(s.duration for s in self.shots)

    def __len__(self) -> int:
        return len(self.shots)

    def index(self, shot_id: str) -> int:
        for i, s in enumerate(self.shots):
            if s.id == shot_id:
                return i
        raise GraphError(f"no shot with id {shown(shot_id)} in the sequence")

    def shot(self, shot_id: str) -> Shot:
        return self.shots[self.index(shot_id)]

    def new_id(self) -> str:
        taken = {s.id for s in self.shots}
        i = 1
        while f"shot{i}" in taken:
            i += 1
        return f"shot{i}"

    def is_default(self) -> bool:
        return not self.shots and not self.extra and (self.name, self.fps, self.start) == ("", "24", DEFAULT_START)

    def settings_problems(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        why = _name_problem(self.name)
        if why:
            out.append(("name", why))
        why = _rate_problem(self.fps)
        if why:
            out.append(("fps", why))
            return out
        try:
            rate = parse_rate(self.fps)
        except ValueError as exc:
            out.append(("fps", str(exc)))
            return out
        why = _timecode_problem(self.start)
        if why:
            out.append(("start", why))
            return out
        try:
            parse_timecode(self.start, rate)
        except ValueError as exc:
            out.append(("start", str(exc)))
        return out

    def copy(self) -> Sequence:
        return Sequence(self.name, self.fps, self.start, list(self.shots), dict(self.extra))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# -- JSON ------------------------------------------------------------------------------------------
_SHOT_KEYS = {"id": "id", "name": "name", "media": "media", "node": "source_node", "in": "source_in",
              "out": "source_out", "frames": "media_frames", "fps": "fps", "reel": "reel", "timecode": "timecode",
              "width": "width", "height": "height", "audio": "audio"}
_REQUIRED = ("id", "name", "media", "in", "out", "frames", "fps")
_SEQ_KEYS = ("name", "fps", "start", "shots")


def shot_to_json(shot: Shot, map_path: Callable[[str], str] | None = None) -> dict:
    out: dict[str, Any] = {"id": shot.id, "name": shot.name,
                           "media": map_path(shot.media) if map_path else shot.media,
                           "node": shot.source_node, "in": shot.source_in, "out": shot.source_out,
                           "frames": shot.media_frames, "fps": shot.fps, "reel": shot.reel, "timecode": shot.timecode}
    if shot.width or shot.height:
        out["width"], out["height"] = shot.width, shot.height
    if shot.audio:
        out["audio"] = True
    out.update(shot.extra)
    return out


def sequence_to_json(seq: Sequence, map_path: Callable[[str], str] | None = None) -> dict:
    """The ``"sequence"`` object of a workflow file (media through ``map_path``, e.g. made relative)."""
    out: dict[str, Any] = {"name": seq.name, "fps": seq.fps, "start": seq.start,
                           "shots": [shot_to_json(s, map_path) for s in seq.shots]}
    out.update(seq.extra)
    return out


def sequence_from_json(value: Any, map_path: Callable[[str], str] | None = None, where: str = "sequence"
                       ) -> tuple[Sequence, list[Problem]]:
    """Parse the ``"sequence"`` object; returns what loaded (bad shots left out) and every problem."""
    problems: list[Problem] = []
    seq = Sequence()
    if not isinstance(value, dict):
        problems.append(Problem(where, f"expected an object, got {_type_name(value)}"))
        return seq, problems
    if "name" in value:
        seq.name = value["name"]
    if "fps" in value:
        seq.fps = value["fps"]
    if "start" in value:
        seq.start = value["start"]
    defaults = Sequence()
    for key, msg in seq.settings_problems():
        problems.append(Problem(f"{where}.{key}", msg))
        setattr(seq, key, getattr(defaults, key))
    if seq.settings_problems():  # a start that only made sense at the bad rate
        seq.start = defaults.start
    seq.fps = rate_text(seq.fps)
    seq.extra = {k: v for k, v in value.items() if k not in _SEQ_KEYS}
    shots = value.get("shots", [])
    if not isinstance(shots, list):
        problems.append(Problem(f"{where}.shots", f"expected a list, got {_type_name(shots)}"))
        shots = []
    seen: set[str] = set()
    for i, item in enumerate(shots):
        path = f"{where}.shots[{i}]"
        shot, errs = _shot_from_json(item, path, map_path)
        if shot is not None and shot.id in seen:
            errs.append(Problem(f"{path}.id", f"the id {shown(shot.id)} is used twice"))
        if errs or shot is None:
            problems.extend(errs)
            continue
        seen.add(shot.id)
        seq.shots.append(shot)
    return seq, problems


def _shot_from_json(item: Any, path: str, map_path) -> tuple[Shot | None, list[Problem]]:
    if not isinstance(item, dict):
        return None, [Problem(path, f"expected an object, got {_type_name(item)}")]
    missing = [Problem(f"{path}.{k}", "missing value") for k in _REQUIRED if k not in item]
    if missing:
        return None, missing
    kw = {attr: item[key] for key, attr in _SHOT_KEYS.items() if key in item}
    extra = {k: v for k, v in item.items() if k not in _SHOT_KEYS}
    shot = Shot(**kw, extra=extra)
    errs = [Problem(f"{path}.{key}", msg) for key, msg in shot.problems()]
    if errs:
        return None, errs
    media = map_path(shot.media) if map_path else shot.media
    return replace(shot, fps=rate_text(shot.fps), media=media), []


def _type_name(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(v), "a number" if isinstance(v, int) or (isinstance(v, float) and math.isfinite(v)) else type(v).__name__)


def _checked(shot: Shot) -> Shot:
    errs = shot.problems()
    if errs:
        key, msg = errs[0]
        raise GraphError(f"shot {shown(shot.id)}: {key}: {msg}")
    return replace(shot, fps=rate_text(shot.fps))


def relinked(seq: Sequence, node_ids: set[str] | frozenset[str], **media: Any) -> Sequence:
    """A copy of ``seq`` whose shots rendered by ``node_ids`` refer to a new render.

    ``media`` gives the new file's fields (``media``, ``media_frames``, ``fps``, ``timecode``,
    and optionally ``width``, ``height``, ``audio``).  A shot keeps its in/out when they fit in
    the new file, else it takes the whole file.  Name, reel and position do not change.  The
    graph's own sequence is untouched (``cinegraph render`` uses this for the files it writes).
    """
    out = seq.copy()
    for i, shot in enumerate(out.shots):
        if shot.source_node not in node_ids:
            continue
        new = replace(shot, **media)
        if not 0 <= new.source_in < new.source_out <= new.media_frames:
            new = replace(new, source_in=0, source_out=new.media_frames)
        out.shots[i] = _checked(new)
    return out


# -- commands --------------------------------------------------------------------------------------
class AddShot(Command):
    """Append ``shot`` (or insert it at ``index``).  An empty id gets a fresh one (``shot3``).

    The first shot of an empty sequence sets the sequence's rate (and an untouched default
    record start becomes one hour at that rate: ``01:00:00;00`` at 29.97).
    """

    def __init__(self, shot: Shot, index: int | None = None):
        self.shot, self.index = shot, index
        self.old_settings: tuple[str, str] | None = None

    @property
    def text(self) -> str:
        return f"Add shot {self.shot.name}"

    @property
    def shot_id(self) -> str:
        return self.shot.id

    def do(self, graph: Graph) -> None:
        seq = graph.sequence
        shot = self.shot
        if not shot.id:
            shot = replace(shot, id=seq.new_id())
        shot = _checked(shot)
        if any(s.id == shot.id for s in seq.shots):
            raise GraphError(f"a shot with id {shown(shot.id)} already exists")
        if self.index is not None and not 0 <= self.index <= len(seq.shots):
            raise GraphError(f"shot index {self.index} outside 0..{len(seq.shots)}")
        self.shot = shot
        self.old_settings = None
        if not seq.shots and seq.rate != shot.rate:
            self.old_settings = (seq.fps, seq.start)
            start = seq.start
            if start == DEFAULT_START and is_drop_frame_rate(shot.rate):
                start = "01:00:00;00"
            graph._set_sequence_settings(fps=shot.fps, start=start)
        graph._insert_shot(shot, self.index)

    def undo(self, graph: Graph) -> None:
        graph._delete_shot(self.shot.id)
        if self.old_settings is not None:
            fps, start = self.old_settings
            graph._set_sequence_settings(fps=fps, start=start)


class RemoveShot(Command):
    def __init__(self, shot_id: str):
        self.shot_id = shot_id
        self.removed: Shot | None = None
        self.index = 0

    @property
    def text(self) -> str:
        return f"Remove shot {self.shot_id}"

    def do(self, graph: Graph) -> None:
        self.removed, self.index = graph._delete_shot(self.shot_id)

    def undo(self, graph: Graph) -> None:
        graph._insert_shot(self.removed, self.index)


class MoveShot(Command):
    """Move a shot to position ``index`` of the list (0 = first); reorders the cut."""

    def __init__(self, shot_id: str, index: int):
        self.shot_id, self.index = shot_id, index
        self.old_index = 0

    text = "Reorder shots"

    def do(self, graph: Graph) -> None:
        n = len(graph.sequence.shots)
        if not _is_int(self.index) or not 0 <= self.index < n:
            raise GraphError(f"shot index {shown(self.index)} outside 0..{n - 1}")
        self.old_index = graph.sequence.index(self.shot_id)
        graph._move_shot(self.shot_id, self.index)

    def undo(self, graph: Graph) -> None:
        graph._move_shot(self.shot_id, self.old_index)


#: what UpdateShot may change, by keyword
EDITABLE = ("name", "media", "source_node", "source_in", "source_out", "media_frames", "fps", "reel", "timecode",
            "width", "height", "audio")


class UpdateShot(Command):
    """Rename, trim, set the reel or timecode (any of :data:`EDITABLE`) of one shot.

    ``UpdateShot("shot1", source_in=4, merge_key=drag)``; edits of the same shot with the same
    ``merge_key`` (one trim drag) merge into one undo step.
    """

    def __init__(self, shot_id: str, merge_key: object = None, **changes: Any):
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise GraphError(f"a shot has no field {shown(unknown[0])}; editable: {', '.join(EDITABLE)}")
        self.shot_id, self.merge_key, self.changes = shot_id, merge_key, dict(changes)
        self.old: Shot | None = None

    @property
    def text(self) -> str:
        what = ", ".join(self.changes)
        return f"Change {what} of {self.shot_id}"

    def do(self, graph: Graph) -> None:
        current = graph.sequence.shot(self.shot_id)
        new = _checked(replace(current, **self.changes))
        self.old = current
        graph._replace_shot(new)

    def undo(self, graph: Graph) -> None:
        graph._replace_shot(self.old)

    def merge(self, other: Command) -> bool:
        if (isinstance(other, UpdateShot) and self.merge_key is not None and other.merge_key == self.merge_key
                and other.shot_id == self.shot_id):
            self.changes.update(other.changes)
            return True
        return False


class SetSequence(Command):
    """Change the sequence's ``name``, record rate ``fps`` or record start timecode ``start``."""

    def __init__(self, **settings: Any):
        unknown = sorted(set(settings) - {"name", "fps", "start"})
        if unknown:
            raise GraphError(f"the sequence has no setting {shown(unknown[0])}; settings: name, fps, start")
        self.settings = settings
        self.old: dict[str, Any] = {}

    text = "Sequence settings"

    def do(self, graph: Graph) -> None:
        seq = graph.sequence
        trial = Sequence(**{k: self.settings.get(k, getattr(seq, k)) for k in ("name", "fps", "start")})
        errs = trial.settings_problems()
        if errs:
            key, msg = errs[0]
            raise GraphError(f"sequence.{key}: {msg}")
        new = {k: (rate_text(v) if k == "fps" else v) for k, v in self.settings.items()}
        self.old = {k: getattr(seq, k) for k in new}
        graph._set_sequence_settings(**new)

    def undo(self, graph: Graph) -> None:
        graph._set_sequence_settings(**self.old)


__all__ = ["AddShot", "DEFAULT_START", "EDITABLE", "MoveShot", "REEL_MAX", "RemoveShot", "Sequence", "SetSequence",
           "Shot", "UpdateShot", "check_reel", "relinked", "sequence_from_json", "sequence_to_json", "shot_to_json"]

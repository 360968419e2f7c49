"""Motion brushes and camera moves as resolution-independent data.

This is the *motion spec*: what a MotionBrush or CameraMove node outputs and what a
generation request carries.  It is pure data (standard library only) so the workflow
validator can check it without numpy; :mod:`studio.motion.fields` rasterises it to dense
flow fields at whatever size an engine asks for.

Coordinates are normalised: ``x`` in [0, 1] left to right across the frame width, ``y`` in
[0, 1] top to bottom across the frame height.  Lengths (brush radius) are fractions of the
frame *height*, so a round brush stays round on any aspect ratio.

Units of the -10..10 brush values (Runway's Multi Motion Brush model):

* ``horizontal``: 1 unit = 1% of the frame height per second, positive to the right.
* ``vertical``: 1 unit = 1% of the frame height per second, positive *up*.
* ``proximity``: 1 unit = 2% growth in scale per second about the region's centre;
  positive moves toward the camera (the region grows and is drawn in front of regions with
  lower proximity), negative recedes.
* ``ambient``: 1 unit = 0.15% of the frame height of smooth, temporally coherent wander
  (10 gives ripples of 1.5% of the frame height), about one cycle per second.

A ``trajectory`` (at least two points) moves the region's centre along that path over the
whole clip, with ``easing``; horizontal/vertical motion is then added on top.

Sizes are bounded so that rasterising stays quick at any frame size: at most
:data:`MAX_SHAPE_POINTS` points per shape, :data:`MAX_SHAPES` shapes per brush and
:data:`MAX_TRAJECTORY_POINTS` trajectory points; :func:`check_brushes` refuses more, naming
the field (``[0].shapes[0].points: 200000 points; at most 10000``).

Any of these values may be animated (a :class:`studio.graph.animation.Curve`, or its JSON
``{"keys": [...]}``): a brush value is then the value in force at each frame, a camera axis
the camera's position on that axis at each frame (easing does not apply).

Camera values (-10..10) describe the whole move over the clip, shaped by ``easing``:
pan and tilt rotate the camera by 2 degrees per unit (pan positive turns right, tilt
positive looks up), roll by 3 degrees per unit (positive clockwise), zoom changes the focal
length by 5% per unit (positive zooms in), truck and pedestal translate the camera by 2% of
the frame height per unit (truck positive moves right, pedestal positive moves up), and
dolly moves it toward the scene by 4% of the subject distance per unit (positive in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from studio.errors import shown

MAX_BRUSHES = 8
#: bounds that keep rasterising a brush quick at any frame size (see studio.motion.masks): points
#: of one stroke or polygon (an auto-selected outline has a few hundred), shapes of one brush, and
#: points of a trajectory (the editor keeps at most 24)
MAX_SHAPE_POINTS = 10_000
MAX_SHAPES = 256
MAX_TRAJECTORY_POINTS = 1_000
VALUE_RANGE = (-10.0, 10.0)
EASINGS = ("linear", "ease_in", "ease_out", "ease_in_out")
BRUSH_COLOURS = ("#ff5a5f", "#3fa7ff", "#ffd23f", "#5fd068", "#c77dff", "#ff9f1c", "#2ec4b6", "#f72585")
CAMERA_AXES = ("pan", "tilt", "zoom", "roll", "truck", "pedestal", "dolly")


def ease(u: float, easing: str) -> float:
    """Map linear time ``u`` in [0, 1] through an easing curve."""
    u = min(max(u, 0.0), 1.0)
    if easing == "ease_in":
        return u * u
    if easing == "ease_out":
        return 1.0 - (1.0 - u) * (1.0 - u)
    if easing == "ease_in_out":
        return u * u * (3.0 - 2.0 * u)
    return u


@dataclass(frozen=True)
class Shape:
    """One painted or selected shape of a brush region.

    ``kind`` is ``"stroke"`` (a polyline of ``points`` painted with ``radius`` and
    ``softness``) or ``"polygon"`` (a filled outline, e.g. from auto-select).  ``erase``
    removes the shape from the region instead of adding it.
    """

    kind: str
    points: tuple[tuple[float, float], ...]
    radius: float = 0.03
    softness: float = 0.5
    erase: bool = False


@dataclass(frozen=True)
class Brush:
    name: str = "Brush"
    shapes: tuple[Shape, ...] = ()
    horizontal: float = 0.0
    vertical: float = 0.0
    proximity: float = 0.0
    ambient: float = 0.0
    trajectory: tuple[tuple[float, float], ...] = ()
    easing: str = "ease_in_out"
    color: str = ""

    @property
    def is_still(self) -> bool:
        return (_zero(self.horizontal) and _zero(self.vertical) and _zero(self.proximity)
                and _zero(self.ambient) and len(self.trajectory) < 2)


@dataclass(frozen=True)
class MotionSpec:
    """Up to :data:`MAX_BRUSHES` brushes."""

    brushes: tuple[Brush, ...] = ()

    @property
    def is_still(self) -> bool:
        return all(b.is_still or not b.shapes for b in self.brushes)


@dataclass(frozen=True)
class CameraSpec:
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    roll: float = 0.0
    truck: float = 0.0
    pedestal: float = 0.0
    dolly: float = 0.0
    easing: str = "ease_in_out"

    @property
    def is_still(self) -> bool:
        return all(_zero(getattr(self, a)) for a in CAMERA_AXES)


def _zero(value) -> bool:
    """A value that never moves anything: 0, or a curve whose keys are all 0."""
    keys = getattr(value, "keys", None)
    if isinstance(keys, tuple):
        return all(k.value == 0 for k in keys)
    return value == 0


# --------------------------------------------------------------------------------------
# Reading the JSON form stored in workflow params
# --------------------------------------------------------------------------------------

def _num(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_points(value: object, path: str, problems: list[tuple[str, str]], minimum: int, maximum: int) -> None:
    if not isinstance(value, list):
        problems.append((path, f"expected a list of [x, y] points, got {type(value).__name__}"))
        return
    if len(value) < minimum:
        problems.append((path, f"needs at least {minimum} point(s), got {len(value)}"))
    if len(value) > maximum:
        problems.append((path, f"{len(value)} points; at most {maximum}"))
        return
    for i, pt in enumerate(value):
        if not (isinstance(pt, list) and len(pt) == 2 and all(_num(c) for c in pt)):
            problems.append((f"{path}[{i}]", f"expected [x, y] numbers, got {shown(pt)}"))
        elif not all(-1.0 <= c <= 2.0 for c in pt):
            problems.append((f"{path}[{i}]", f"point {shown(pt)} is far outside the frame (coordinates are 0..1)"))


def check_brushes(value: object) -> list[tuple[str, str]]:
    """Every problem in the JSON form of a brush list, as ``(relative path, message)``."""
    problems: list[tuple[str, str]] = []
    if not isinstance(value, list):
        return [("", f"expected a list of brushes, got {type(value).__name__}")]
    if len(value) > MAX_BRUSHES:
        problems.append(("", f"at most {MAX_BRUSHES} brushes, got {len(value)}"))
    for b, brush in enumerate(value):
        bp = f"[{b}]"
        if not isinstance(brush, dict):
            problems.append((bp, f"expected an object, got {type(brush).__name__}"))
            continue
        for key in ("horizontal", "vertical", "proximity", "ambient"):
            v = brush.get(key, 0.0)
            if isinstance(v, dict):   # an animated value: {"keys": [...]}
                from studio.graph.animation import check_curve
                problems.extend((f"{bp}.{key}{where}", msg) for where, msg in check_curve(v, *VALUE_RANGE))
            elif not _num(v):
                problems.append((f"{bp}.{key}", f"expected a number, got {shown(v)}"))
            elif not VALUE_RANGE[0] <= v <= VALUE_RANGE[1]:
                problems.append((f"{bp}.{key}", f"{v} is outside -10..10"))
        if brush.get("easing", "ease_in_out") not in EASINGS:
            problems.append((f"{bp}.easing", f"expected one of {', '.join(EASINGS)}, got {shown(brush.get('easing'))}"))
        if "name" in brush and not isinstance(brush["name"], str):
            problems.append((f"{bp}.name", f"expected text, got {shown(brush['name'])}"))
        traj = brush.get("trajectory", [])
        if traj:
            _check_points(traj, f"{bp}.trajectory", problems, 2, MAX_TRAJECTORY_POINTS)
        shapes = brush.get("shapes", [])
        if not isinstance(shapes, list):
            problems.append((f"{bp}.shapes", f"expected a list, got {type(shapes).__name__}"))
            continue
        if len(shapes) > MAX_SHAPES:
            problems.append((f"{bp}.shapes", f"{len(shapes)} shapes; at most {MAX_SHAPES}"))
            continue
        for s, shape in enumerate(shapes):
            sp = f"{bp}.shapes[{s}]"
            if not isinstance(shape, dict):
                problems.append((sp, f"expected an object, got {type(shape).__name__}"))
                continue
            kind = shape.get("kind", "stroke")
            if kind not in ("stroke", "polygon"):
                problems.append((f"{sp}.kind", f"expected 'stroke' or 'polygon', got {shown(kind)}"))
            _check_points(shape.get("points"), f"{sp}.points", problems, 3 if kind == "polygon" else 1,
                          MAX_SHAPE_POINTS)
            r = shape.get("radius", 0.03)
            if not _num(r) or not 0 < r <= 1:
                problems.append((f"{sp}.radius", f"expected a number in (0, 1], got {shown(r)}"))
            soft = shape.get("softness", 0.5)
            if not _num(soft) or not 0 <= soft <= 1:
                problems.append((f"{sp}.softness", f"expected a number in [0, 1], got {shown(soft)}"))
    return problems


def brushes_from_json(value: list[dict]) -> MotionSpec:
    """Build a :class:`MotionSpec` from the (already checked) JSON brush list."""
    brushes = []
    for i, b in enumerate(value):
        shapes = tuple(
            Shape(kind=s.get("kind", "stroke"), points=tuple((float(x), float(y)) for x, y in s["points"]),
                  radius=float(s.get("radius", 0.03)), softness=float(s.get("softness", 0.5)),
                  erase=bool(s.get("erase", False)))
            for s in b.get("shapes", []))
        from studio.graph.animation import as_curve_or_number
        brushes.append(Brush(
            name=b.get("name", f"Brush {i + 1}"), shapes=shapes,
            horizontal=as_curve_or_number(b.get("horizontal", 0.0)),
            vertical=as_curve_or_number(b.get("vertical", 0.0)),
            proximity=as_curve_or_number(b.get("proximity", 0.0)),
            ambient=as_curve_or_number(b.get("ambient", 0.0)),
            trajectory=tuple((float(x), float(y)) for x, y in b.get("trajectory", []) or []),
            easing=b.get("easing", "ease_in_out"), color=b.get("color", BRUSH_COLOURS[i % len(BRUSH_COLOURS)])))
    return MotionSpec(tuple(brushes))


@dataclass(frozen=True)
class Keyframe:
    """An image placed at a frame; it holds still for ``hold`` extra frames."""

    frame: int
    image: object  # (H, W, 3) uint8 numpy array; typed loosely to keep this module numpy-free
    hold: int = 0
    source: str = ""


@dataclass(frozen=True)
class KeyframeSet:
    keys: tuple[Keyframe, ...] = field(default_factory=tuple)

    @property
    def span(self) -> int:
        """Frames from 0 through the last key's hold."""
        return max((k.frame + k.hold for k in self.keys), default=-1) + 1

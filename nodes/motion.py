"""Motion nodes: MotionBrush (painted regions with motion) and CameraMove."""

from __future__ import annotations

from studio.graph import Choice, Data, Float, Input, NodeType, Output
from studio.graph.animation import as_curve_or_number
from studio.motion.spec import CAMERA_AXES, EASINGS, CameraSpec, brushes_from_json, check_brushes

_AXIS_HELP = {
    "pan": "turn left/right; 1 = 2 degrees over the clip, positive right",
    "tilt": "look down/up; 1 = 2 degrees over the clip, positive up",
    "zoom": "focal length; 1 = 5% over the clip, positive in",
    "roll": "rotate the frame; 1 = 3 degrees over the clip, positive clockwise",
    "truck": "move sideways; 1 = 2% of the frame height, positive right",
    "pedestal": "move up/down; 1 = 2% of the frame height, positive up",
    "dolly": "move toward the subject; 1 = 4% of its distance, positive in",
}


def _motion_brush(ctx, *, image, brushes):
    return {"motion": brushes_from_json(brushes)}


def _camera(ctx, *, easing, **axes):
    return {"camera": CameraSpec(easing=easing, **{a: as_curve_or_number(v) for a, v in axes.items()})}


NODES = [
    NodeType(
        "MotionBrush", "Motion Brush", "Motion", _motion_brush,
        inputs=(Input("image", "Image", optional=True, description="the frame the brushes are painted on"),),
        outputs=(Output("motion", "Motion"),),
        params=(Data("brushes", [], check_brushes,
                     description="up to 8 brushes: painted regions (normalised coordinates) with horizontal, "
                                 "vertical, proximity and ambient motion from -10 to 10 and an optional "
                                 "trajectory; units in docs/motion.md"),),
        icon="fa5s.paint-brush",
        description="Painted regions that move: horizontal, vertical, proximity, ambient, trajectory."),
    NodeType(
        "CameraMove", "Camera Move", "Motion", _camera,
        outputs=(Output("camera", "Camera"),),
        params=tuple(Float(a, 0.0, min=-10, max=10, step=0.1, animatable=True, description=_AXIS_HELP[a])
                     for a in CAMERA_AXES) + (Choice("easing", EASINGS, "ease_in_out"),),
        icon="fa5s.video",
        description="A camera move over the clip: pan, tilt, zoom, roll, truck, pedestal, dolly with easing."),
]

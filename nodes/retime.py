"""Time nodes: Retime (optical-flow slow motion, speed ramps and frame-rate conversion)."""

from __future__ import annotations

from studio.graph import Choice, Float, Input, NodeType, Output
from studio.graph.animation import as_curve_or_number
from studio.timecode import NAMED_RATES
from studio.motion.retime import MAX_SPEED, MIN_SPEED, SHUTTER_MODES, retime
from studio.motion.warp import gpu_backend


def _retime(ctx, *, clip, speed, fps, rolling_shutter="auto", readout=0.5):
    return {"clip": retime(clip, as_curve_or_number(speed), None if fps == "source" else fps, gpu_backend(ctx),
                           rolling_shutter=rolling_shutter, readout=readout)}


NODES = [
    NodeType(
        "Retime", "Retime", "Time", _retime,
        inputs=(Input("clip", "Clip", description="the footage to retime"),),
        outputs=(Output("clip", "Clip"),),
        params=(Float("speed", 1.0, min=MIN_SPEED, max=MAX_SPEED, step=0.05, animatable=True,
                      description="playback speed: 1 is real time, 0.5 half-speed slow motion, 2 double speed; "
                                  "animate it for a speed ramp (evaluated at output frames)"),
                Choice("fps", ("source",) + tuple(NAMED_RATES), "source",
                       description="output frame rate; 'source' keeps the clip's rate"),
                Choice("rolling_shutter", SHUTTER_MODES, "auto",
                       description="camera jerks read from the rolling shutter's shear make in-betweens of "
                                   "hand-held CMOS footage land where the camera really was: 'auto' measures "
                                   "the readout from the footage (used only when clearly present), 'manual' "
                                   "uses the readout below, 'off' ignores it"),
                Float("readout", 0.5, min=0.05, max=1.0, step=0.05,
                      description="sensor readout time as a fraction of the frame interval (rolling_shutter "
                                  "'manual'); phones are often 0.5-0.9")),
        icon="fa5s.tachometer-alt",
        description="Changes the speed of footage with optical-flow in-between frames: slow motion, speed "
                    "ramps and frame-rate conversion (e.g. 24 to 60 fps). Output frame k shows source "
                    "position p(k), p(0) = 0, p(k+1) = p(k) + speed * source fps / output fps; whole "
                    "positions are the source frames exactly. Audio is kept only at a constant speed of 1 "
                    "(pure rate conversion); the start timecode is converted to the new rate."),
]

"""Where an editor's node sits in the graph: the clip it ends up in and the picture it sees.

* :func:`clip_timing` -- the frame count and rate of the clip a node's output feeds: the first
  generator downstream (a node with ``frames`` and ``fps`` params, e.g. FlowGenerator) decides;
  ``frames`` 0 means the generator's automatic length (4 s of a still).  Without one, 4 s at
  24 fps.  The brush preview and the camera overlay use it so their motion is the clip's motion.
* :func:`source_of` -- the node and output feeding an input (the MotionBrush's ``image``).
* :func:`generator_source` -- the still a downstream generator animates (for the camera
  overlay when a CameraMove is viewed).

Graph reads only; no Qt.
"""

from __future__ import annotations

from fractions import Fraction

DEFAULT_FPS = Fraction(24)
DEFAULT_SECONDS = 4


def _rate(value) -> Fraction:
    try:
        from studio.timecode import parse_rate
        return Fraction(parse_rate(value))
    except Exception:   # noqa: BLE001 - a placeholder's raw value, a rate this build does not know
        try:
            return Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            return DEFAULT_FPS


def downstream_generator(graph, node_id: str) -> str | None:
    """The nearest node downstream of ``node_id`` with ``frames`` and ``fps`` params."""
    seen, frontier = {node_id}, [node_id]
    while frontier:
        nxt = []
        for nid in frontier:
            for link in sorted(graph.links_from(nid), key=lambda lk: (lk.target, lk.input)):
                if link.target in seen:
                    continue
                seen.add(link.target)
                node = graph.nodes.get(link.target)
                if node is not None and "frames" in node.params and "fps" in node.params:
                    return node.id
                nxt.append(link.target)
        frontier = nxt
    return None


def clip_timing(graph, node_id: str) -> tuple[int, Fraction]:
    """``(frames, fps)`` of the clip ``node_id`` feeds (see the module docstring)."""
    gen = downstream_generator(graph, node_id) if node_id in graph.nodes else None
    if gen is None:
        return int(DEFAULT_SECONDS * DEFAULT_FPS), DEFAULT_FPS
    params = graph.nodes[gen].params
    fps = _rate(params.get("fps", "24"))
    frames = params.get("frames", 0)
    frames = int(frames) if isinstance(frames, (int, float)) and not isinstance(frames, bool) else 0
    if frames <= 0:
        frames = max(int(round(DEFAULT_SECONDS * fps)), 2)
    return frames, fps


def source_of(graph, node_id: str, input_name: str) -> tuple[str, str] | None:
    """``(source node id, output name)`` linked to ``node_id.input_name``, or None."""
    link = graph.link_to(node_id, input_name) if node_id in graph.nodes else None
    return (link.source, link.output) if link is not None else None


def generator_source(graph, node_id: str) -> tuple[str, str] | None:
    """The node feeding the ``image`` input of the generator downstream of ``node_id``."""
    gen = downstream_generator(graph, node_id) if node_id in graph.nodes else None
    return source_of(graph, gen, "image") if gen is not None else None

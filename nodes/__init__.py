"""The built-in node library: one module per category, each node a short declaration.

Each module lists its :class:`~studio.graph.NodeType` declarations in ``NODES``; the
registry (:func:`studio.graph.default_registry`) discovers them.  Evaluate functions are
thin: they turn params and inputs into calls to ``studio.media``, ``studio.motion`` and
``studio.generators``.

Importing this package registers the value conversions behind the graph's coercion rules
(an Image feeding a Clip or Keyframes input).
"""

from studio.graph.types import register_coercion
from studio.media.clip import Clip
from studio.motion.spec import Keyframe, KeyframeSet

register_coercion("Image", "Clip", lambda image: Clip.from_image(image))
register_coercion("Image", "Keyframes", lambda image: KeyframeSet((Keyframe(0, image),)))

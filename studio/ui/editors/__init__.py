"""The filmmaker editors: motion brush painter, camera overlay, keyframe strip, curve editor
and the keyframe buttons of animatable params.

Every editor here follows the rules of :mod:`studio.ui`: it changes the graph only by pushing
commands (``SetParam`` of the one param it edits) through the window's undo stack, it redraws
from the graph's events, and anything slow (running the upstream node, GrabCut, the preview
loop) happens on a worker thread with the newest request winning.

The modules without ``Qt`` in them (:mod:`.brushdata`, :mod:`.curvedata`, :mod:`.autoselect`,
:mod:`.timing`) hold the edits as pure functions on the param JSON, so they are tested
headless and reused by every widget.
"""

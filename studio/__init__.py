"""Cinegraph Studio: a node-graph tool for directing generated video.

Layers (imports only point down): ``ui`` > ``cli`` > ``nodes`` > ``generators`` >
``motion`` / ``media`` > ``executor`` > ``graph``.  See docs/architecture.md.
"""

__version__ = "0.1.0"

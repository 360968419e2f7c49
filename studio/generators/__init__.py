"""Generator engines behind one request type (:class:`~studio.generators.request.GenerationRequest`).

``ENGINES`` maps engine names to factories; :func:`get_engine` returns a ready engine.  The
flow engine is embedded (no weights); the neural engine runs the model the request names
(:mod:`studio.generators.neural.engine`: Wan 2.x and LTX-Video diffusers folders) in a worker process.
Both are imported on first use, so listing engines imports neither torch nor diffusers.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.errors import EngineError


def _flow():
    from studio.generators.flow_engine import FlowEngine
    return FlowEngine()


def _neural():
    from studio.generators.neural.engine import NeuralEngine
    return NeuralEngine()


ENGINES: dict[str, Callable[[], object]] = {"flow": _flow, "neural": _neural}
_instances: dict[str, object] = {}


def get_engine(name: str):
    if name not in ENGINES:
        raise EngineError(f"engine {name!r}: expected one of {', '.join(ENGINES)}")
    if name not in _instances:
        _instances[name] = ENGINES[name]()
    return _instances[name]

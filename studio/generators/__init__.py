"""Generator engines behind one request type (:class:`~studio.generators.request.GenerationRequest`).

``ENGINES`` maps engine names to factories; :func:`get_engine` returns a ready engine.  The
flow engine is embedded; neural engines register here when they land.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.errors import EngineError


def _flow():
    from studio.generators.flow_engine import FlowEngine
    return FlowEngine()


ENGINES: dict[str, Callable[[], object]] = {"flow": _flow}
_instances: dict[str, object] = {}


def get_engine(name: str):
    if name not in ENGINES:
        raise EngineError(f"engine {name!r}: expected one of {', '.join(ENGINES)}")
    if name not in _instances:
        _instances[name] = ENGINES[name]()
    return _instances[name]

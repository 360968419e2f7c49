"""The background executor: scheduling, cache, cancellation, progress events, devices.  No Qt."""

from studio.executor.cache import OutputCache
from studio.executor.cancel import CancelToken
from studio.executor.context import EvalContext
from studio.executor.device import DeviceManager
from studio.executor.engine import Executor, RunHandle, RunResult
from studio.executor.events import NodeEvent

__all__ = ["CancelToken", "DeviceManager", "EvalContext", "Executor", "NodeEvent", "OutputCache", "RunHandle",
           "RunResult"]

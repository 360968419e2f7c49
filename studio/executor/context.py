"""What a node's evaluate function (and an engine) gets to talk to the executor.

``ctx.progress(fraction, message)`` reports progress (throttled by the executor);
``ctx.check_cancel()`` raises :class:`~studio.errors.Cancelled` when the run was stopped;
``ctx.device()`` returns a ``torch.device`` from the device manager (importing torch only
then); ``ctx.node_id`` names the node for error messages.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.executor.cancel import CancelToken


class EvalContext:
    def __init__(self, node_id: str = "", token: CancelToken | None = None,
                 report: Callable[[float, str], None] | None = None, devices=None,
                 frames: tuple[int, int] | None = None):
        self.node_id = node_id
        self.token = token or CancelToken()
        self._report = report
        self._devices = devices
        #: the frame range the run asked for (start, stop), or None for all frames
        self.frames = frames

    def progress(self, fraction: float, message: str = "") -> None:
        if self._report is not None:
            self._report(min(max(float(fraction), 0.0), 1.0), message)

    def check_cancel(self) -> None:
        self.token.check()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def device(self):
        """The torch device to compute on (cuda, then mps, then cpu unless overridden)."""
        if self._devices is None:
            from studio.executor.device import DeviceManager
            self._devices = DeviceManager()
        return self._devices.torch_device()

    @property
    def accelerator(self) -> str | None:
        """'cuda' or 'mps' when the device manager has a GPU to render on, else None.

        Without a device manager, or on a machine that plainly has no GPU, torch is not imported.
        """
        if self._devices is None:
            return None
        return self._devices.accelerator()

    @property
    def device_kind(self) -> str:
        """'cuda', 'mps' or 'cpu' without importing torch when the choice is forced to cpu."""
        if self._devices is None:
            return "cpu"
        return self._devices.kind()

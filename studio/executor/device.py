"""The device manager: picks cuda, then mps, then cpu, unless told otherwise.

torch is imported here and only when a device is first asked for, so starting the app or
running ``cinegraph --help`` never pays for it.  :meth:`DeviceManager.accelerator` answers
"is there a GPU to render on?" without importing torch when the machine plainly has none
(Linux without ``/dev/nvidia*`` device files), so CPU-only renders never pay for torch either.
"""

from __future__ import annotations

import os
import sys
import threading

from studio.errors import DeviceError

CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceManager:
    def __init__(self, preference: str = "auto"):
        if preference not in CHOICES:
            raise DeviceError(f"device {preference!r}: expected one of {', '.join(CHOICES)}")
        self.preference = preference
        self._kind: str | None = "cpu" if preference == "cpu" else None
        self._lock = threading.Lock()

    def kind(self) -> str:
        """The chosen device kind; resolving 'auto' imports torch."""
        with self._lock:
            if self._kind is None:
                self._kind = self._resolve()
            return self._kind

    def _resolve(self) -> str:
        try:
            import torch
        except ImportError as exc:
            if self.preference == "auto":
                return "cpu"
            raise DeviceError(f"device {self.preference!r} needs torch, which is not installed") from exc
        has_cuda = torch.cuda.is_available()
        mps = getattr(torch.backends, "mps", None)
        has_mps = bool(mps and mps.is_available())
        if self.preference == "cuda" and not has_cuda:
            raise DeviceError("device 'cuda' was asked for, but torch finds no CUDA GPU")
        if self.preference == "mps" and not has_mps:
            raise DeviceError("device 'mps' was asked for, but torch finds no Apple GPU")
        if self.preference != "auto":
            return self.preference
        return "cuda" if has_cuda else "mps" if has_mps else "cpu"

    def accelerator(self) -> str | None:
        """'cuda' or 'mps' when work should go to a GPU, else None (see the module docstring)."""
        with self._lock:
            known = self._kind
        if known is None and self.preference == "auto" and _plainly_no_gpu():
            return None
        kind = self.kind()
        return kind if kind in ("cuda", "mps") else None

    def torch_device(self):
        import torch
        return torch.device(self.kind())

    @property
    def uses_torch(self) -> bool:
        """True when work should go to torch (a GPU is chosen)."""
        return self.kind() in ("cuda", "mps")


def _plainly_no_gpu() -> bool:
    """True on Linux with no NVIDIA device files and torch not yet imported (no GPU to find)."""
    if "torch" in sys.modules or not sys.platform.startswith("linux"):
        return False
    try:
        return not any(name.startswith("nvidia") for name in os.listdir("/dev"))
    except OSError:
        return False

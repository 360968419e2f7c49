"""Fixtures: tiny random-weight Wan and LTX-Video models built offline once per session, and one worker
for them all."""

from __future__ import annotations

import pytest

from tests.neural.tiny_models import build_tiny_ltx, build_tiny_wan


@pytest.fixture(scope="session")
def tiny_t2v(tmp_path_factory) -> str:
    """A tiny Wan 2.1-style text-to-video diffusers folder (16 latent channels, 16-px multiples)."""
    return build_tiny_wan(str(tmp_path_factory.mktemp("models") / "tiny-wan-t2v"), "t2v")


@pytest.fixture(scope="session")
def tiny_ti2v(tmp_path_factory) -> str:
    """A tiny Wan 2.2 TI2V-5B-style folder (48 latent channels, 32-px multiples, image optional)."""
    return build_tiny_wan(str(tmp_path_factory.mktemp("models") / "tiny-wan-ti2v"), "ti2v")


@pytest.fixture(scope="session")
def tiny_flf2v(tmp_path_factory) -> str:
    """A tiny Wan 2.1 FLF2V-style folder (36 input channels, CLIP branch for two images, 16-px multiples)."""
    return build_tiny_wan(str(tmp_path_factory.mktemp("models") / "tiny-wan-flf2v"), "flf2v")


@pytest.fixture(scope="session")
def tiny_ltx(tmp_path_factory) -> str:
    """A tiny LTX-Video 0.9.x-style folder (32 px and 8 frames per latent: sizes 32k, frames 8k+1)."""
    return build_tiny_ltx(str(tmp_path_factory.mktemp("models") / "tiny-ltx-video"))


@pytest.fixture(scope="session")
def client():
    """One generation worker shared by the tests (starting one costs seconds: torch and diffusers)."""
    from studio.generators.neural.client import WorkerClient
    c = WorkerClient()
    yield c
    c.close()

"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chorus_onboarding.testing.world import World, build_world


@pytest.fixture
def make_world() -> Callable[..., World]:
    """Builds fresh worlds; keyword arguments become settings."""
    return build_world


@pytest.fixture
def world() -> World:
    """A fresh world with the default settings."""
    return build_world()

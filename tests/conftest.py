"""Shared fixtures: the kit's worlds (chorus_onboarding.testing.plugin) under the suite's names."""

from __future__ import annotations

import pytest

from chorus_onboarding.testing.plugin import WorldFactory
from chorus_onboarding.testing.world import World

# pytester runs the kit's plugin on small test files of a host (tests/integration/test_plugin.py).
pytest_plugins = ["pytester"]


@pytest.fixture
def make_world(chorus_world_factory: WorldFactory) -> WorldFactory:
    """Builds fresh worlds: ``make_world(**settings)``, ``make_world("sqlite")``... (closed after)."""
    return chorus_world_factory


@pytest.fixture
def world(chorus_world: World) -> World:
    """A fresh world in memory with the default settings."""
    return chorus_world

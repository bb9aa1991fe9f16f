"""Shared, seeded fixtures for the test suite."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "0")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)

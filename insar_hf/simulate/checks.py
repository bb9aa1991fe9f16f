"""Argument checks shared by the nuisance modules (:mod:`~insar_hf.simulate.spectral`,
:mod:`~insar_hf.simulate.atmosphere`, :mod:`~insar_hf.simulate.noise`).

Each check returns the value in the form the caller uses (``float``, ``(rows, cols)``, the
generator) or raises ``ValueError`` with a message that names the argument and says what it
must be.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["check_non_negative", "check_positive", "check_rng", "check_shape"]


def check_shape(shape) -> tuple[int, int]:
    """``shape`` as ``(rows, cols)``, two ints >= 2."""
    try:
        rows, cols = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"shape must be two positive ints (rows, cols), got {shape!r}") from None
    if rows < 2 or cols < 2 or (rows, cols) != tuple(shape):
        raise ValueError(f"shape must be two ints >= 2 (rows, cols), got {shape!r}")
    return rows, cols


def check_positive(name: str, value: float) -> float:
    """``value`` as a finite float > 0; ``name`` is the argument named in the error."""
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def check_non_negative(name: str, value: float) -> float:
    """``value`` as a finite float >= 0; ``name`` is the argument named in the error."""
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def check_rng(rng) -> np.random.Generator:
    """``rng`` itself if it is a ``numpy.random.Generator`` (no global or legacy RNG)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng)!r}"
        )
    return rng

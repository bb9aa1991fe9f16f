"""The canonical model input: one phase field -> one 3-channel ``size x size`` uint8 image.

:func:`render_array` (and its PIL twin :func:`render_interferogram`) is **the one function** that
turns an interferogram into what the detector eats.  The synthetic dataset, the real-data loader
and the Space all call it, so a real product and a synthetic scene are encoded identically.

Input
-----
Any 2-D phase field in radians, of any shape: wrapped (any real values; only ``phi mod 2 pi``
matters) or unwrapped.  Non-finite values (NaN, inf) mean *no data*, as in LiCSAR products.

Resampling to ``size x size``
-----------------------------
The field is first centred on a square canvas of side ``max(rows, cols)`` whose extra border is
no-data (``fit="pad"``, the default: geometry is never distorted), or stretched to a square
(``fit="stretch"``).  It is then resampled by NaN-aware **area averaging**: every output pixel is
the mean over the input area it covers (fractional overlaps weighted exactly), counting valid
input pixels only.  An output pixel is valid when at least half of its area is valid input.
Wrapped phase is averaged as the complex phasor ``exp(i phi)`` and the output is its argument:
averaging raw angles across the ``+-pi`` cut would invent a spurious half-cycle.  A field that is
already ``size x size`` is used as is (exactly, no resampling).

Encoding (channels R, G, B; every channel in 0..255)
----------------------------------------------------
``wrapped``
    ``R = (1 + sin phi) / 2``, ``G = (1 + cos phi) / 2``, ``B = 1``.  The pair (R, G) is a point on
    a circle, so the image is continuous across the ``+-pi`` cut (``pi - eps`` and ``-pi + eps``
    give the same pixel) and a constant phase offset ``c`` acts only as a rotation by ``c`` of
    ``(2R - 1, 2G - 1)`` -- the image of ``phi + c`` is that of ``phi`` with every phasor
    rotated, nothing else changes.  The phase is recoverable: ``phi = atan2(2R - 1, 2G - 1)``.
``unwrapped``
    The median over valid pixels is removed first (an unwrapped field has an arbitrary
    reference), giving ``d``.  ``R = clip((d - p1) / (p99 - p1), 0, 1)`` with ``p1, p99`` the
    1st / 99th percentiles of ``d`` (the robust per-image *shape*; 0.5 everywhere for a flat
    field; the median and percentiles are nearest-rank, over a regular subsample of at most
    8192 valid pixels), ``G = 0.5 + 0.5 * tanh(d / UNWRAPPED_SCALE_RAD)`` (the *absolute amplitude*,
    compressed: two fringes, ``4 pi`` rad, map to ``tanh(1)``), ``B = 1``.
no data
    ``R = G = B = 0`` (black).  Valid pixels always have ``B = 255``, so the blue channel is the
    validity mask; black cannot occur for a valid wrapped pixel (R = 0 forces G = 127.5).

Values in ``[0, 1]`` are mapped to uint8 by ``round(255 * value)``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from insar_hf.schema import IMAGE_SIZE, KIND_NAMES

UNWRAPPED_SCALE_RAD = 4.0 * math.pi
"""Phase (rad) that the unwrapped G channel maps to ``0.5 + 0.5 tanh(1)``: two fringes."""

VALID_FRACTION = 0.5
"""An output pixel is valid when at least this fraction of its area is valid input."""

_FITS = ("pad", "stretch")
_QUANTILE_SAMPLES = 8192


def _kind_name(kind: str | int) -> str:
    if isinstance(kind, (int, np.integer)) and not isinstance(kind, bool):
        if 0 <= int(kind) < len(KIND_NAMES):
            return KIND_NAMES[int(kind)]
    elif isinstance(kind, str) and kind in KIND_NAMES:
        return kind
    raise ValueError(
        f"kind must be 'wrapped' or 'unwrapped' (or their ClassLabel ids 0 / 1), got {kind!r}"
    )


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """Overlap lengths of ``n_out`` equal output cells with ``n_in`` unit input cells.

    Returns
    -------
    ndarray
        Shape ``(n_out, n_in)``, float64; row ``i`` sums to ``n_in / n_out``.
    """
    edges = np.arange(n_out + 1, dtype=np.float64) * (n_in / n_out)  # (n_out + 1,)
    lo = np.maximum(edges[:-1, None], np.arange(n_in)[None, :])  # (n_out, n_in)
    hi = np.minimum(edges[1:, None], np.arange(1, n_in + 1)[None, :])  # (n_out, n_in)
    return np.clip(hi - lo, 0.0, None)


def _pad_to_square(field: np.ndarray) -> np.ndarray:
    rows, cols = field.shape
    side = max(rows, cols)
    if rows == cols:
        return field
    out = np.full((side, side), np.nan, dtype=field.dtype)
    r0, c0 = (side - rows) // 2, (side - cols) // 2
    out[r0 : r0 + rows, c0 : c0 + cols] = field
    return out


def resample_field(field_rad: np.ndarray, kind: str | int, *, size: int = IMAGE_SIZE) -> np.ndarray:
    """NaN-aware area-average resampling of a phase field to ``(size, size)``.

    Parameters
    ----------
    field_rad : ndarray
        Shape ``(rows, cols)``, radians; non-finite = no data.
    kind : {"wrapped", "unwrapped"} or {0, 1}
        Wrapped fields are averaged as ``exp(i phi)`` (output in ``(-pi, pi]``).
    size : int
        Output side in pixels.

    Returns
    -------
    ndarray
        Shape ``(size, size)``, float64, radians; NaN where less than ``VALID_FRACTION`` of the
        output pixel's area is valid input.  An input of shape ``(size, size)`` is returned
        unchanged (as float64, non-finite -> NaN).
    """
    kind = _kind_name(kind)
    field = np.asarray(field_rad)
    if field.dtype not in (np.float32, np.float64):
        field = field.astype(np.float64)
    rows, cols = field.shape
    valid = np.isfinite(field)
    if (rows, cols) == (size, size):
        return np.where(valid, field, np.nan).astype(np.float64)
    # Each output row / column overlaps only ~rows/size + 1 input ones: sparse row weights
    # make a 3000 x 3000 field cost O(rows * cols) instead of O(size * rows * cols).
    wr = sparse.csr_matrix(_area_weights(rows, size))  # (size, rows)
    wc = _area_weights(cols, size).T  # (cols, size)

    def average(a: np.ndarray) -> np.ndarray:
        return np.asarray(wr @ a) @ wc  # (size, rows) (rows, cols) (cols, size) -> (size, size)

    valid_f = valid.astype(np.float32)  # weights are summed in float64 by the products
    weight = average(valid_f)  # (size, size) valid area, in input pixels
    area = (rows / size) * (cols / size)
    filled = np.where(valid, field, field.dtype.type(0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "wrapped":
            # float32 phasors (error ~1e-7) are several times faster to compute than float64
            phasor = filled.astype(np.float32, copy=False)
            re = average(np.cos(phasor) * valid_f)  # (size, size)
            im = average(np.sin(phasor) * valid_f)
            out = np.arctan2(im, re)
        else:
            out = average(filled) / weight
    return np.where(weight >= VALID_FRACTION * area * (1.0 - 1e-9), out, np.nan)


def _to_uint8(signed: np.ndarray) -> np.ndarray:
    """``round(255 * clip((1 + signed) / 2, 0, 1))`` as uint8, for ``signed`` in [-1, 1]."""
    value = np.clip(signed, -1.0, 1.0)
    value *= 127.5
    value += 127.5
    return np.rint(value, out=value).astype(np.uint8)


def _robust_levels(values: np.ndarray) -> tuple[float, float, float]:
    """Nearest-rank 1st, 50th and 99th percentiles of ``values`` (1-D).

    Above ``_QUANTILE_SAMPLES`` values they are taken from a regular subsample (every k-th
    value), which moves them by far less than the uint8 quantisation and is 5-10 times faster
    than exact percentiles of a full 224 x 224 field.
    """
    if values.size > _QUANTILE_SAMPLES:
        values = values[:: values.size // _QUANTILE_SAMPLES]
    n = values.size
    ranks = [round(0.01 * (n - 1)), round(0.5 * (n - 1)), round(0.99 * (n - 1))]
    levels = np.partition(values, ranks)[ranks]
    return float(levels[0]), float(levels[1]), float(levels[2])


def render_array(
    field_rad: np.ndarray,
    kind: str | int,
    *,
    size: int = IMAGE_SIZE,
    fit: str = "pad",
) -> np.ndarray:
    """Encode a wrapped or unwrapped phase field as the canonical uint8 RGB image.

    The encoding and resampling are described in the module docstring.

    Parameters
    ----------
    field_rad : array_like
        Shape ``(rows, cols)``, radians, any size >= 1 x 1; non-finite = no data, and so are
        the masked pixels of a ``numpy.ma.MaskedArray``.
    kind : {"wrapped", "unwrapped"} or {0, 1}
        How to read the field.
    size : int
        Side of the output image in pixels (``IMAGE_SIZE`` = 224 for the model).
    fit : {"pad", "stretch"}
        How a non-square field becomes square: centred with no-data padding (default), or
        stretched.

    Returns
    -------
    ndarray
        Shape ``(size, size, 3)``, uint8.

    Raises
    ------
    ValueError
        If the field is not 2-D, has no valid pixel, ``kind`` / ``fit`` are unknown or
        ``size < 1``.
    """
    kind = _kind_name(kind)
    if fit not in _FITS:
        raise ValueError(f"fit must be one of {_FITS}, got {fit!r}")
    if int(size) != size or size < 1:
        raise ValueError(f"size must be a positive integer number of pixels, got {size!r}")
    if isinstance(field_rad, np.ma.MaskedArray):  # e.g. rasterio masked reads: mask = no data
        field_rad = np.ma.filled(field_rad.astype(np.float64), np.nan)
    field = np.asarray(field_rad)
    if np.iscomplexobj(field):
        raise ValueError(
            "field_rad must be a real phase in radians, got a complex array; "
            "pass np.angle(interferogram) for the wrapped phase"
        )
    if not (np.issubdtype(field.dtype, np.floating) or np.issubdtype(field.dtype, np.integer)):
        raise ValueError(
            f"field_rad must hold real phase values in radians, got dtype {field.dtype}"
        )
    if field.ndim != 2:
        raise ValueError(
            f"field_rad must be a 2-D (rows, cols) phase array, got shape {field.shape}; "
            "select one band / time step first"
        )
    if field.size == 0 or not np.isfinite(field).any():
        raise ValueError(
            f"field_rad (shape {field.shape}) has no valid (finite) pixel; "
            "an interferogram needs at least one to be rendered"
        )
    if field.dtype != np.float32:
        field = field.astype(np.float64)
    if fit == "pad":
        field = _pad_to_square(field)
    if field.shape == (size, size):
        phase = field.astype(np.float32, copy=False)  # already canonical: no resampling
    else:
        phase = resample_field(field, kind, size=size).astype(np.float32)
    valid = np.isfinite(phase)  # (size, size)
    if not valid.any():
        return np.zeros((size, size, 3), dtype=np.uint8)
    # Work on whole float32 planes (no-data filled with 0 and zeroed at the end): boolean
    # fancy indexing of every channel costs more than the encoding itself.
    phase = np.where(valid, phase, np.float32(0.0))
    if kind == "wrapped":
        red = np.sin(phase)
        green = np.cos(phase)
    else:
        p1, p50, p99 = _robust_levels(phase[valid])
        span = float(p99 - p1)
        phase -= np.float32(p50)  # median removed
        if span > 0:
            red = (phase - np.float32(p1 - p50)) * np.float32(2.0 / span) - np.float32(1.0)
        else:
            red = np.zeros_like(phase)  # a flat field: shape channel 0.5 everywhere
        green = np.tanh(phase * np.float32(1.0 / UNWRAPPED_SCALE_RAD))
    image = np.empty((size, size, 3), dtype=np.uint8)
    image[..., 0] = _to_uint8(red)
    image[..., 1] = _to_uint8(green)
    image[..., 2] = 255
    image *= valid[..., None]  # no data -> (0, 0, 0)
    return image


def render_interferogram(
    field_rad: np.ndarray,
    kind: str | int,
    *,
    size: int = IMAGE_SIZE,
    fit: str = "pad",
):
    """:func:`render_array` as an RGB ``PIL.Image.Image`` of ``size x size`` pixels."""
    from PIL import Image

    return Image.fromarray(
        render_array(field_rad, kind, size=size, fit=fit)
    )  # (size, size, 3) -> RGB


def decode_wrapped_rad(image: np.ndarray) -> np.ndarray:
    """Invert the wrapped encoding: phase (rad, NaN where no data) of a rendered wrapped image.

    Parameters
    ----------
    image : ndarray
        Shape ``(size, size, 3)``, uint8, as returned by :func:`render_array` for ``"wrapped"``.

    Returns
    -------
    ndarray
        Shape ``(size, size)``, float64, radians in ``(-pi, pi]``; quantisation error below
        ``1 / 127.5`` rad.
    """
    image = np.asarray(image, dtype=np.float64) / 255.0
    phase = np.arctan2(2.0 * image[..., 0] - 1.0, 2.0 * image[..., 1] - 1.0)
    return np.where(image[..., 2] > 0.5, phase, np.nan)

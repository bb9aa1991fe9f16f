"""8-bit wrapped-phase images: interferograms stored as grey levels (PNG, 8-bit TIFF).

Several public collections of interferograms, such as the volcano set of Bountos et al. (2021,
IEEE GRSL, "Self-supervised contrastive learning for volcanic unrest detection") cut from
COMET-LiCSAR products, store wrapped phase as an 8-bit grey image.  Their encoding:

* grey level ``g`` in ``0 .. 255`` maps linearly to ``phi = g / 255 * 2 pi - pi`` (radians; one
  fringe spans the 256 levels, so the phase is quantised to ``2 pi / 255``);
* an image stored as RGB with three equal channels is the same grey image (any other colour
  image is not phase, and is refused);
* no data is a *constant area*: a pixel of the mask level with its four neighbours at the same
  level (:func:`no_data_mask`).  The documented mask level is mid-grey ``g = 128`` (water, the
  product's mask); frame edges seen in the same collection are areas of ``g = 0``, so both
  levels count (:data:`NO_DATA_LEVELS`).  A lone pixel of those levels is data; the rim of a
  constant area (a pixel of that level touching it) is no data too.

The row direction and the phase's sign convention are not documented by the collection: a reader
of these images gets the phase as stored.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from insar_hf.products.interferogram import ProductError

__all__ = [
    "LEVELS",
    "NO_DATA_LEVELS",
    "SUFFIXES",
    "decode_phase8",
    "is_phase8_image",
    "no_data_mask",
    "read_phase8",
]

LEVELS = 256
"""Grey levels of one fringe."""

NO_DATA_LEVELS = (128, 0)
"""Grey levels whose constant areas are no data: the documented mask (128) and frame edges (0)."""

SUFFIXES = (".png", ".tif", ".tiff")
"""File suffixes an 8-bit phase image may have."""

_FOUR = ndimage.generate_binary_structure(2, 1)  # the pixel and its four neighbours
_EIGHT = ndimage.generate_binary_structure(2, 2)  # and its diagonal ones


def no_data_mask(grey: np.ndarray) -> np.ndarray:
    """True where ``grey`` (``(rows, cols)`` uint8) is a constant area of a no-data level.

    A pixel is a core pixel when it and its four neighbours (inside the image) all have the
    same level from :data:`NO_DATA_LEVELS`; the area is its core pixels plus the pixels of that
    level that touch them (diagonals included: an area's corners).
    """
    grey = np.asarray(grey)
    mask = np.zeros(grey.shape, dtype=bool)
    for level in NO_DATA_LEVELS:
        same = grey == level
        core = ndimage.binary_erosion(same, structure=_FOUR, border_value=1)
        mask |= same & ndimage.binary_dilation(core, structure=_EIGHT)
    return mask


def decode_phase8(grey: np.ndarray) -> np.ndarray:
    """Wrapped phase of an 8-bit grey image: ``g / 255 * 2 pi - pi``, NaN on no data.

    Parameters
    ----------
    grey : ndarray
        Shape ``(rows, cols)``, uint8.

    Returns
    -------
    ndarray
        Shape ``(rows, cols)``, float32 radians in ``[-pi, pi]``, NaN where :func:`no_data_mask`.
    """
    grey = np.asarray(grey)
    if grey.ndim != 2 or grey.dtype != np.uint8:
        raise ValueError(f"need a 2-D uint8 grey image, got {grey.dtype} of shape {grey.shape}")
    phase = grey.astype(np.float32) * np.float32(2.0 * math.pi / (LEVELS - 1)) - np.float32(math.pi)
    phase[no_data_mask(grey)] = np.nan
    return phase


def _grey_of(image: Image.Image, name: str) -> np.ndarray:
    if image.mode == "L":
        return np.asarray(image)
    if image.mode == "RGB":
        rgb = np.asarray(image)
        if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2]):
            return np.ascontiguousarray(rgb[..., 0])
        raise ProductError(
            f"{name}: an RGB image with unequal channels is not an 8-bit phase image (a rendered "
            "interferogram or a colour quick-look?); pass a grey image or the phase product"
        )
    raise ProductError(
        f"{name}: image mode {image.mode!r} is not an 8-bit phase image; expected 8-bit grey "
        "(mode 'L') or RGB with three equal channels"
    )


def is_phase8_image(path: str | Path) -> bool:
    """True when ``path`` opens as an 8-bit grey (or equal-channel RGB) image.

    Reads the header only, except for RGB files, whose channels are compared.  False for
    float GeoTIFF products (mode ``F``), which :func:`insar_hf.products.read_product` reads.
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES or not path.is_file():
        return False
    try:
        with Image.open(path) as image:
            if image.mode == "L":
                return True
            if image.mode != "RGB":
                return False
            _grey_of(image, path.name)
            return True
    except (OSError, ProductError, ValueError):
        return False


def read_phase8(path: str | Path) -> np.ndarray:
    """The wrapped phase of an 8-bit phase image file (:func:`decode_phase8`).

    Raises :class:`~insar_hf.products.interferogram.ProductError` naming the file when it is not
    one.
    """
    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            grey = _grey_of(image, path.name)
    except ProductError:
        raise
    except Exception as err:  # PIL raises many types on damaged files
        raise ProductError(
            f"{path.name}: not a readable 8-bit phase image ({type(err).__name__}: {err})"
        ) from err
    return decode_phase8(grey)

"""What the Detector accepts, and how each input becomes the model's RGB image.

:func:`prepare_input` turns one input into a :class:`ModelInput` (the ``size x size`` RGB image
that the model sees, with the geotransform of georeferenced input):

* a ``PIL.Image.Image`` that is already a rendered interferogram (RGB, 8 bit);
* a path to such an image (:data:`IMAGE_SUFFIXES`);
* a path to an interferogram product or a product folder (the suffixes that
  :func:`insar_hf.products.is_product_path` knows), read with
  :func:`insar_hf.products.read_product`;
* a 2-D array of phase (``units="rad"``) or line-of-sight displacement (``units="m"`` with
  ``wavelength_m``) together with its ``kind`` (``"wrapped"`` or ``"unwrapped"``).

Arrays and products are turned into the model input by
:func:`insar_hf.render.render_interferogram`, the one rendering function.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from insar_hf.physics.los import phase_from_los_rad
from insar_hf.products import PRODUCT_SUFFIXES, is_product_path, read_product
from insar_hf.render import render_interferogram
from insar_hf.schema import KIND_NAMES

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
UNITS = ("rad", "m")
#: Largest image we decode (pixels); a rendered interferogram is 224 x 224.
MAX_IMAGE_PIXELS = 40_000_000
_ACCEPTED_MODES = ("RGB", "RGBA", "P")

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_IMAGE_PIXELS",
    "UNITS",
    "ModelInput",
    "check_field",
    "check_image",
    "open_image",
    "prepare_input",
    "read_frame",
    "render_phase",
]


@dataclass
class ModelInput:
    """One input made ready for the model.

    Attributes
    ----------
    image : PIL.Image.Image
        RGB at the model size.
    source : str
        File name or a short description of the input.
    geotransform : tuple or None
        GDAL geotransform of the array the image was rendered from (products only).
    source_shape : tuple[int, int] or None
        ``(rows, cols)`` of that array (products only).
    """

    image: Any
    source: str
    geotransform: Any = None
    source_shape: tuple[int, int] | None = None


def check_field(field_values: Any, kind: str | None, units: str, wavelength_m: float | None):
    """Validate a 2-D phase / displacement array and return phase in radians (float32).

    ``units="m"`` converts line-of-sight displacement (positive away from the satellite) with
    :func:`insar_hf.physics.los.phase_from_los_rad`; ``wavelength_m`` is then required.
    """
    arr = np.asarray(field_values)
    if arr.ndim != 2:
        raise ValueError(
            f"array input must be 2-D (rows, cols) phase or displacement; got shape {arr.shape}. "
            "Pass rendered RGB interferograms as PIL images or image files instead."
        )
    if arr.size == 0:
        raise ValueError(f"array input is empty (shape {arr.shape})")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(
            f"array input must be real-valued phase or displacement; got dtype {arr.dtype}"
        )
    if kind not in KIND_NAMES:
        raise ValueError(f"kind must be one of {KIND_NAMES} for array input; got {kind!r}")
    if units not in UNITS:
        raise ValueError(f"units must be one of {UNITS}; got {units!r}")
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).any():
        raise ValueError("array input has no finite value (all NaN / inf): nothing to classify")
    if units == "m":
        if wavelength_m is None or not wavelength_m > 0:
            raise ValueError(
                "units='m' needs the radar wavelength: pass wavelength_m > 0 "
                "(e.g. 0.0555 for Sentinel-1 C band)"
            )
        arr = np.asarray(phase_from_los_rad(arr, wavelength_m), dtype=np.float32)
    return arr


def render_phase(phase_rad: np.ndarray, kind: str, size: int):
    """The RGB model image of a phase field (:func:`insar_hf.render.render_interferogram`)."""
    return render_interferogram(phase_rad, kind, size=size).convert("RGB")


def check_image(image: Any, source: str, size: int):
    """An 8-bit RGB / RGBA / palette image resized to ``size x size`` RGB; others are refused."""
    if image.mode not in _ACCEPTED_MODES:
        deep = image.mode in ("I;16", "I;16B", "I;16L", "I", "F")
        what = "a 16-bit image" if deep else "an image"
        raise ValueError(
            f"{source}: expected a rendered interferogram (8-bit RGB image); got {what} with "
            f"mode {image.mode!r} ({len(image.getbands())} band(s)). Render the phase with "
            "insar_hf.render.render_interferogram, or pass the 2-D phase array with its kind."
        )
    if image.width == 0 or image.height == 0:
        raise ValueError(f"{source}: the image is empty ({image.width} x {image.height})")
    return image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)


def open_image(path: Path, size: int):
    """Decode a PNG / JPEG file (at most :data:`MAX_IMAGE_PIXELS`) with :func:`check_image`."""
    try:
        with Image.open(path) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise ValueError(
                    f"{path.name}: image of {img.width} x {img.height} pixels is too large "
                    f"(limit {MAX_IMAGE_PIXELS:,} pixels); crop it or use Detector.scan"
                )
            img.load()
            return check_image(img, path.name, size)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as err:
        raise ValueError(f"{path.name}: not a readable PNG/JPEG image ({err})") from err


def read_frame(
    path: str | os.PathLike, kind: str | None = None
) -> tuple[np.ndarray, str, tuple | None]:
    """Read a product with :func:`insar_hf.products.read_product`.

    Returns ``(phase_rad (rows, cols) float32, kind, GDAL geotransform)``; ``kind`` defaults to
    ``"wrapped"`` (every product can supply it).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if not is_product_path(path):
        raise ValueError(
            f"{path.name}: unsupported product type {path.suffix!r}; supported: "
            f"{', '.join(PRODUCT_SUFFIXES)} or a product folder"
        )
    kind = "wrapped" if kind is None else kind
    if kind not in KIND_NAMES:
        raise ValueError(f"kind must be one of {KIND_NAMES}; got {kind!r}")
    product = read_product(path)
    phase = np.asarray(product.field_rad(kind), dtype=np.float32)
    if phase.ndim != 2 or phase.size == 0:
        raise ValueError(f"{path.name}: expected a 2-D interferogram; got shape {phase.shape}")
    if not np.isfinite(phase).any():
        raise ValueError(f"{path.name}: the interferogram has no finite value (all no-data)")
    return phase, kind, product.transform


def prepare_input(
    x: Any, *, kind: str | None, units: str, wavelength_m: float | None, size: int
) -> ModelInput:
    """Turn one input of :meth:`insar_hf.inference.detector.Detector.predict` into a model input.

    Parameters
    ----------
    x
        PIL image, image or product path, or 2-D array (see the module docstring).
    kind, units, wavelength_m
        For array input (``kind`` also picks the phase of a product).
    size
        Side of the square model input, pixels.
    """
    if isinstance(x, Image.Image):
        return ModelInput(check_image(x, "image", size), "image")
    if isinstance(x, (str, os.PathLike)):
        path = Path(x)
        if not path.exists():
            raise FileNotFoundError(f"no such file: {path}")
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            return ModelInput(open_image(path, size), path.name)
        if is_product_path(path):
            phase, product_kind, geotransform = read_frame(path, kind)
            return ModelInput(
                render_phase(phase, product_kind, size), path.name, geotransform, phase.shape
            )
        raise ValueError(
            f"{path.name}: unsupported file type {suffix!r}; use an image "
            f"({', '.join(IMAGE_SUFFIXES)}) or a product ({', '.join(PRODUCT_SUFFIXES)})"
        )
    if isinstance(x, np.ndarray) or hasattr(x, "__array__"):
        phase = check_field(x, kind, units, wavelength_m)
        return ModelInput(render_phase(phase, kind, size), f"array {phase.shape}")
    raise TypeError(
        f"cannot predict on {type(x).__name__}: pass a PIL image, an image or product path, "
        "or a 2-D array with kind"
    )

"""What the Detector accepts, and how each input becomes the model's RGB image.

:func:`prepare_input` turns one input into a :class:`ModelInput` (the ``size x size`` RGB image
that the model sees, with the geotransform of georeferenced input):

* a ``PIL.Image.Image`` that is already a rendered interferogram (RGB, 8 bit), or a grey 8-bit
  image of wrapped phase (``phi = g / 255 * 2 pi - pi``, :mod:`insar_hf.products.phase8`: grey
  images are never rendered interferograms, see :func:`grey_levels`);
* a path to such an image (:data:`IMAGE_SUFFIXES`);
* a path to an interferogram product or a product folder (the suffixes that
  :func:`insar_hf.products.is_product_path` knows), read with
  :func:`insar_hf.products.read_product`;
* a 2-D array of phase (``units="rad"``) or line-of-sight displacement (``units="m"`` with
  ``wavelength_m``) together with its ``kind`` (``"wrapped"`` or ``"unwrapped"``).

Arrays and products are turned into the model input by
:func:`insar_hf.render.render_interferogram`, the one rendering function.  A product says itself
which phase it holds (:attr:`insar_hf.products.Interferogram.kind`: ``x.geo.unw.tif`` is
unwrapped, ``x.geo.diff_pha.tif`` wrapped, a folder or binary ``.par`` holding both gives wrapped
phase); ``kind`` is needed only for arrays and plain GeoTIFFs, and overrides the product's own.

Inputs that cannot hold an interferogram are refused with an :class:`InputError` that says why:

* smaller than :data:`MIN_SIDE_PX` on a side (one ViT patch: a smaller field shows no fringe
  pattern, and upsampling it to the model size would only invent one);
* with fewer than :data:`MIN_VALID_PIXELS` valid pixels or a valid fraction below
  :data:`MIN_VALID_FRACTION` (too little data to judge; NaN / inf are no data in arrays and
  products, pure black -- the rendering's no-data colour -- in images);
* constant over its valid pixels (no signal at all);
* an image with transparent pixels (what lies under them is not data).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from insar_hf.physics.los import phase_from_los_rad
from insar_hf.products import PRODUCT_SUFFIXES, is_product_path, read_product
from insar_hf.products.phase8 import decode_phase8
from insar_hf.render import render_interferogram
from insar_hf.schema import KIND_NAMES

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
UNITS = ("rad", "m")
#: Largest image we decode (pixels); a rendered interferogram is 224 x 224.
MAX_IMAGE_PIXELS = 40_000_000
#: Smallest side of an input, pixels: one 16 x 16 ViT patch.
MIN_SIDE_PX = 16
#: Fewest valid pixels an input needs to be judged (one patch's worth).
MIN_VALID_PIXELS = 256
#: Smallest fraction of valid pixels an input needs to be judged.
MIN_VALID_FRACTION = 0.1
_ACCEPTED_MODES = ("RGB", "RGBA", "P")

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_IMAGE_PIXELS",
    "MIN_SIDE_PX",
    "MIN_VALID_FRACTION",
    "MIN_VALID_PIXELS",
    "UNITS",
    "InputError",
    "ModelInput",
    "check_field",
    "check_image",
    "check_signal",
    "grey_levels",
    "image_input",
    "is_judgeable",
    "open_image",
    "prepare_input",
    "read_frame",
    "render_phase",
]


class InputError(ValueError):
    """An input the Detector refuses; the message says what was wrong and what to pass instead."""


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
    kind : {"wrapped", "unwrapped"} or None
        The phase the image was rendered from; None for images.
    pixel_m : float or None
        Ground spacing of the model image's pixels, metres (products only: the product's pixel
        size, degrees scaled at its central latitude, times ``max(rows, cols) / size``, since
        rendering pads to a square); None when unknown.
    """

    image: Any
    source: str
    geotransform: Any = None
    source_shape: tuple[int, int] | None = None
    kind: str | None = None
    pixel_m: float | None = None


def is_judgeable(valid: np.ndarray) -> bool:
    """True when a validity mask has enough valid pixels to be judged (module docstring)."""
    count = int(np.count_nonzero(valid))
    return count >= MIN_VALID_PIXELS and count >= MIN_VALID_FRACTION * valid.size


def check_signal(values: np.ndarray, valid: np.ndarray, source: str) -> None:
    """Refuse an input too small, too empty or too flat to hold an interferogram.

    Parameters
    ----------
    values : ndarray
        Shape ``(rows, cols)`` or ``(rows, cols, channels)``: phase, or image pixels.
    valid : ndarray
        Shape ``(rows, cols)``, bool, True where ``values`` hold data.
    source : str
        What the input is, for the message.
    """
    rows, cols = valid.shape
    if min(rows, cols) < MIN_SIDE_PX:
        raise InputError(
            f"{source}: {rows} x {cols} pixels is too small to hold an interferogram; the minimum "
            f"is {MIN_SIDE_PX} x {MIN_SIDE_PX} (one model patch; the model sees 224 x 224)"
        )
    count = int(np.count_nonzero(valid))
    if not is_judgeable(valid):
        raise InputError(
            f"{source}: only {count} of {valid.size} pixels ({count / valid.size:.1%}) hold data; "
            f"too little to judge: at least {MIN_VALID_PIXELS} pixels and "
            f"{MIN_VALID_FRACTION:.0%} of the input must be valid -- crop to the area with data"
        )
    data = values[valid]
    if np.all(data == data[0]):
        raise InputError(
            f"{source}: every valid pixel has the same value: a constant input holds no signal "
            "to classify (is this the right file or band?)"
        )


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def check_field(field_values: Any, kind: str | None, units: str, wavelength_m: float | None):
    """Validate a 2-D phase / displacement array and return phase in radians (float32).

    ``units="m"`` converts line-of-sight displacement (positive away from the satellite) with
    :func:`insar_hf.physics.los.phase_from_los_rad`; ``wavelength_m`` is then required.
    """
    try:
        arr = np.asarray(field_values)
    except (ValueError, TypeError) as err:  # ragged nested lists, objects numpy cannot hold
        raise InputError(f"array input is not a rectangular array of numbers ({err})") from None
    if arr.ndim != 2:
        raise InputError(
            f"array input must be 2-D (rows, cols) phase or displacement; got shape {arr.shape}. "
            "Pass rendered RGB interferograms as PIL images or image files instead."
        )
    if arr.size == 0:
        raise InputError(f"array input is empty (shape {arr.shape})")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise InputError(
            f"array input must be real-valued phase or displacement; got dtype {arr.dtype}"
        )
    if kind not in KIND_NAMES:
        raise InputError(f"kind must be one of {KIND_NAMES} for array input; got {kind!r}")
    if units not in UNITS:
        raise InputError(f"units must be one of {UNITS}; got {units!r}")
    if units == "m" and not 0 < _as_float(wavelength_m) < math.inf:
        raise InputError(
            "units='m' needs the radar wavelength: pass wavelength_m > 0 "
            "(e.g. 0.0555 for Sentinel-1 C band)"
        )
    with np.errstate(over="ignore", invalid="ignore"):  # too large for float32 -> inf: no data
        arr = arr.astype(np.float32)
        if units == "m":
            arr = np.asarray(phase_from_los_rad(arr, wavelength_m), dtype=np.float32)
    valid = np.isfinite(arr)
    if not valid.any():
        raise InputError("array input has no finite value (all NaN / inf): nothing to classify")
    check_signal(arr, valid, f"array {arr.shape}")
    return np.where(valid, arr, np.float32(np.nan))


def render_phase(phase_rad: np.ndarray, kind: str, size: int):
    """The RGB model image of a phase field (:func:`insar_hf.render.render_interferogram`)."""
    return render_interferogram(phase_rad, kind, size=size).convert("RGB")


def check_image(image: Any, source: str, size: int):
    """An 8-bit RGB / opaque RGBA / palette image resized to ``size x size`` RGB.

    Other modes, transparent pixels and images that :func:`check_signal` refuses raise
    :class:`InputError`.
    """
    if image.mode not in _ACCEPTED_MODES:
        deep = image.mode in ("I;16", "I;16B", "I;16L", "I", "F")
        what = "a 16-bit image" if deep else "an image"
        raise InputError(
            f"{source}: expected a rendered interferogram (8-bit RGB image); got {what} with "
            f"mode {image.mode!r} ({len(image.getbands())} band(s)). Render the phase with "
            "insar_hf.render.render_interferogram, or pass the 2-D phase array with its kind."
        )
    if image.width == 0 or image.height == 0:
        raise InputError(f"{source}: the image is empty ({image.width} x {image.height})")
    if image.mode == "RGBA" or (image.mode == "P" and "transparency" in image.info):
        alpha = np.asarray(image.convert("RGBA"))[..., 3]  # (H, W)
        if (alpha < 255).any():
            raise InputError(
                f"{source}: {np.count_nonzero(alpha < 255)} pixels are transparent (RGBA); what "
                "lies under them is not data. Pass an RGB image: drop the alpha channel "
                "(image.convert('RGB')) after filling transparent areas with black (no data)"
            )
    rgb = image.convert("RGB")
    pixels = np.asarray(rgb)  # (H, W, 3) uint8
    check_signal(pixels, pixels.any(axis=-1), f"{source} ({image.width} x {image.height} image)")
    return rgb.resize((size, size), Image.Resampling.BILINEAR)


def grey_levels(image: Any) -> np.ndarray | None:
    """The levels of an 8-bit grey image (mode ``L``, or RGB / palette with equal channels).

    ``None`` for any other image.  A rendered interferogram is never grey (its blue channel is
    255 on valid pixels, and its red and green lie on a circle), so a grey image is read as
    8-bit wrapped phase (:mod:`insar_hf.products.phase8`), the way collections of LiCSAR crops
    store it.
    """
    if image.mode == "L":
        return np.asarray(image)
    if image.mode not in ("RGB", "P") or "transparency" in image.info:
        return None
    rgb = np.asarray(image.convert("RGB"))  # (H, W, 3) uint8
    red = rgb[..., 0]
    if np.array_equal(red, rgb[..., 1]) and np.array_equal(red, rgb[..., 2]):
        return np.ascontiguousarray(red)
    return None


def image_input(image: Any, source: str, size: int, kind: str | None = None) -> ModelInput:
    """The model input of a PIL image: a rendered interferogram as it is (:func:`check_image`),
    or a grey image decoded as 8-bit wrapped phase (:func:`grey_levels`) and rendered."""
    grey = grey_levels(image) if image.width and image.height else None
    if grey is None:
        return ModelInput(check_image(image, source, size), source)
    if kind not in (None, "wrapped"):
        raise InputError(
            f"{source}: a grey 8-bit image is read as wrapped phase (g / 255 * 2 pi - pi); it "
            "cannot hold unwrapped phase: pass the unwrapped field as an array or a product"
        )
    phase = decode_phase8(grey)
    valid = np.isfinite(phase)
    check_signal(phase, valid, f"{source} (8-bit wrapped phase, {image.width} x {image.height})")
    return ModelInput(render_phase(phase, "wrapped", size), source, kind="wrapped")


def open_image(path: Path, size: int, kind: str | None = None) -> ModelInput:
    """Decode a PNG / JPEG file (at most :data:`MAX_IMAGE_PIXELS`) with :func:`image_input`."""
    try:
        with Image.open(path) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise InputError(
                    f"{path.name}: image of {img.width} x {img.height} pixels is too large "
                    f"(limit {MAX_IMAGE_PIXELS:,} pixels); crop it or use Detector.scan"
                )
            img.load()
            image = img.copy()
    except InputError:
        raise
    except Exception as err:  # a damaged file makes PIL's decoders raise almost anything
        raise InputError(
            f"{path.name}: not a readable PNG/JPEG image ({type(err).__name__}: {err})"
        ) from err
    return image_input(image, path.name, size, kind)


def read_frame(
    path: str | os.PathLike, kind: str | None = None
) -> tuple[np.ndarray, str, tuple | None]:
    """Read a product with :func:`insar_hf.products.read_product`.

    Returns ``(phase_rad (rows, cols) float32, kind, GDAL geotransform)``. ``kind`` defaults to
    the product's own (:attr:`insar_hf.products.Interferogram.kind`); it is required for a plain
    GeoTIFF, which does not say. Raises :class:`~insar_hf.products.ProductError` for files that
    cannot be read and :class:`InputError` for phase too small or empty to judge.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if not is_product_path(path):
        raise InputError(
            f"{path.name}: unsupported product type {path.suffix!r}; supported: "
            f"{', '.join(PRODUCT_SUFFIXES)} or a product folder"
        )
    phase, kind, product = _read_checked(path, kind)
    return phase, kind, product.transform


def _read_checked(path: Path, kind: str | None):
    """``(phase_rad, kind, Interferogram)`` of a product, with the checks of :func:`read_frame`."""
    if kind is not None and kind not in KIND_NAMES:
        raise InputError(f"kind must be one of {KIND_NAMES}; got {kind!r}")
    product = read_product(path, kind=kind)
    kind = product.kind if kind is None else kind
    phase = np.asarray(product.field_rad(kind), dtype=np.float32)
    valid = np.isfinite(phase)
    if not valid.any():
        raise InputError(f"{path.name}: the interferogram has no finite value (all no-data)")
    check_signal(phase, valid, f"{path.name} ({kind} phase)")
    return phase, kind, product


def input_list(x: Any, batch_size: int, caller: str) -> tuple[bool, list]:
    """``(single, items)`` of a single input or a list / tuple of them, checked.

    Raises ``ValueError`` for an empty list (``"<caller> got an empty list of inputs"``) or a
    ``batch_size`` below 1.
    """
    single = not isinstance(x, (list, tuple))
    items = [x] if single else list(x)
    if not items:
        raise ValueError(f"{caller} got an empty list of inputs")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    return single, items


def prepare_input(
    x: Any, *, kind: str | None, units: str, wavelength_m: float | None, size: int
) -> ModelInput:
    """Turn one input of :meth:`insar_hf.inference.detector.Detector.predict` into a model input.

    Parameters
    ----------
    x
        PIL image, image or product path, or 2-D array (see the module docstring); or a
        :class:`ModelInput` made by this function before (returned as it is when of ``size``).
    kind, units, wavelength_m
        For array input; ``kind`` also overrides a product's own kind (see :func:`read_frame`).
    size
        Side of the square model input, pixels.
    """
    if isinstance(x, ModelInput):  # prepared earlier (a command checks its files first)
        if x.image.size != (size, size):
            raise InputError(
                f"{x.source}: prepared at {x.image.width} x {x.image.height} pixels; the model "
                f"takes {size} x {size}: prepare it again with size={size}"
            )
        return x
    if isinstance(x, Image.Image):
        return image_input(x, "image", size, kind)
    if isinstance(x, (str, os.PathLike)):
        path = Path(x)
        if not path.exists():
            raise FileNotFoundError(f"no such file: {path}")
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            return open_image(path, size, kind)
        if is_product_path(path):
            phase, product_kind, product = _read_checked(path, kind)
            image = render_phase(phase, product_kind, size)
            spacing_m = float(np.mean(product.pixel_size_m())) * max(phase.shape) / size
            return ModelInput(
                image, path.name, product.transform, phase.shape, product_kind, spacing_m
            )
        raise InputError(
            f"{path.name}: unsupported file type {suffix!r}; use an image "
            f"({', '.join(IMAGE_SUFFIXES)}) or a product ({', '.join(PRODUCT_SUFFIXES)})"
        )
    if isinstance(x, np.ndarray) or hasattr(x, "__array__"):
        phase = check_field(x, kind, units, wavelength_m)
        return ModelInput(render_phase(phase, kind, size), f"array {phase.shape}", kind=kind)
    raise TypeError(
        f"cannot predict on {type(x).__name__}: pass a PIL image, an image or product path, "
        "or a 2-D array with kind"
    )

"""Which product is this path, read it, list the products under a folder.

The one place that knows the product formats: each reader module (:mod:`~insar_hf.products.licsar`,
:mod:`~insar_hf.products.hyp3`, :mod:`~insar_hf.products.binary`) says which file names it
recognises (``matches``, ``product_key``) and with which suffixes (``SUFFIXES``); this module asks
them in that order. :data:`PRODUCT_SUFFIXES` and :func:`is_product_path` let callers (the
:class:`~insar_hf.inference.detector.Detector`) tell a product path from an image path without
keeping their own list.
"""

from __future__ import annotations

import os
from pathlib import Path

from insar_hf.products import binary, geotiff, hyp3, licsar
from insar_hf.products.interferogram import Interferogram, ProductError

READERS = {
    "licsar": licsar.read_licsar,
    "hyp3": hyp3.read_hyp3,
    "binary": binary.read_binary,
    "geotiff": geotiff.read_geotiff,
}
"""Product type -> reader function, in the order the names are tried (plain GeoTIFF last)."""

_MODULES = (licsar, hyp3, binary, geotiff)

PRODUCT_SUFFIXES = tuple(dict.fromkeys(s for module in _MODULES for s in module.SUFFIXES))
"""Lower-case suffixes of the files that some reader recognises (``.tif``, ``.unw``, ...)."""


def is_product_path(path) -> bool:
    """True for a folder or a file whose suffix a reader handles (lower-cased).

    A True answer does not promise that :func:`read_product` succeeds (the content must still be
    a product's); a False one means no reader would look at the file.
    """
    path = Path(path)
    return path.is_dir() or path.suffix.lower() in PRODUCT_SUFFIXES


def detect_type(path) -> str | None:
    """The product type a file or directory looks like, or None."""
    path = Path(path)
    if not is_product_path(path):
        return None
    for module in _MODULES:
        if module.matches(path):
            return module.PRODUCT_TYPE
    return None


def read_product(
    path, *, product_type: str | None = None, kind: str | None = None
) -> Interferogram:
    """Read any supported product (file of it, or its folder) into an :class:`Interferogram`.

    Parameters
    ----------
    path : path-like
        A LiCSAR pair folder or one of its ``*.geo.{unw,diff_pha}.tif`` (any stem, e.g.
        ``sierra_negra_20170320_20170413.geo.diff_pha.tif``); a HyP3 product folder or one of its
        ``*_unw_phase.tif`` / ``*_wrapped_phase.tif`` / ``*_los_disp.tif``; a binary
        ``NAME.unw`` / ``NAME.diff`` / ``NAME.par``; any other single-band float ``.tif`` /
        ``.tiff`` of phase (with ``kind``).
    product_type : {"licsar", "hyp3", "binary", "geotiff"}, optional
        Skip the detection from the name.
    kind : {"wrapped", "unwrapped"}, optional
        What a plain GeoTIFF holds (it does not say); the other readers know their files' kinds
        (``Interferogram.kind``) and ignore it.
    """
    path = Path(path)
    if not path.exists():
        raise ProductError(f"{path}: no such file or directory")
    found = product_type or detect_type(path)
    if found not in READERS:
        raise ProductError(
            f"{path}: not a recognised product; expected a LiCSAR pair "
            "(*YYYYMMDD_YYYYMMDD.geo.unw.tif / .geo.diff_pha.tif), a HyP3 InSAR product "
            "(*_unw_phase.tif, *_wrapped_phase.tif), NAME.unw / NAME.diff with NAME.par, or a "
            "single-band GeoTIFF of phase with its kind"
        )
    if found == geotiff.PRODUCT_TYPE:
        return geotiff.read_geotiff(path, kind=kind)
    return READERS[found](path)


def find_products(root) -> list[Path]:
    """One path per product under ``root`` (sorted), for :func:`read_product`."""
    root = Path(root)
    if not root.is_dir():
        raise ProductError(f"{root}: not a directory of products")
    found: set[Path] = set()
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            for module in _MODULES:
                key = module.product_key(path)
                if key is not None:
                    found.add(key)
                    break
    return sorted(found)

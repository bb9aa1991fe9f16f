"""Interferogram products: the one place that knows file formats.

* :mod:`~insar_hf.products.interferogram` -- the normalised :class:`Interferogram`,
  :class:`ProductError` (:class:`KindRequiredError`, :class:`UnknownCRSError`) and raster
  helpers.
* :mod:`~insar_hf.products.licsar`, :mod:`~insar_hf.products.hyp3`,
  :mod:`~insar_hf.products.binary` -- one reader per product family, each documenting its sign
  conventions; :mod:`~insar_hf.products.geotiff` -- any single-band phase GeoTIFF, with its kind.
* :mod:`~insar_hf.products.read` -- :func:`read_product` (dispatch by suffix and naming),
  :func:`find_products`, :func:`is_product_path` and :data:`PRODUCT_SUFFIXES`.

Readers need rasterio (the ``real`` extra); it is imported inside the functions.
"""

from __future__ import annotations

from insar_hf.products.interferogram import (
    Interferogram,
    KindRequiredError,
    ProductError,
    UnknownCRSError,
)
from insar_hf.products.read import (
    PRODUCT_SUFFIXES,
    detect_type,
    find_products,
    is_product_path,
    read_product,
)

__all__ = [
    "PRODUCT_SUFFIXES",
    "Interferogram",
    "KindRequiredError",
    "ProductError",
    "UnknownCRSError",
    "detect_type",
    "find_products",
    "is_product_path",
    "read_product",
]

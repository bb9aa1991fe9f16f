"""Interferogram products: the one place that knows file formats.

* :mod:`~insar_hf.products.interferogram` -- the normalised :class:`Interferogram`,
  :class:`ProductError` and raster helpers.
* :mod:`~insar_hf.products.licsar`, :mod:`~insar_hf.products.hyp3`,
  :mod:`~insar_hf.products.binary` -- one reader per product family, each documenting its sign
  conventions.
* :func:`read_product` (dispatch by naming) and :func:`find_products`.

Readers need rasterio (the ``real`` extra); it is imported inside the functions.
"""

from __future__ import annotations

from insar_hf.products.interferogram import (
    Interferogram,
    ProductError,
    UnknownCRSError,
    find_products,
    read_product,
)

__all__ = ["Interferogram", "ProductError", "UnknownCRSError", "find_products", "read_product"]

"""Real interferogram products, catalogue labelling and the real-event dataset.

* :mod:`~insar_hf.real.products` -- the normalised :class:`Interferogram` and
  :func:`read_product` (dispatch by naming) / :func:`find_products`.
* :mod:`~insar_hf.real.licsar`, :mod:`~insar_hf.real.hyp3`, :mod:`~insar_hf.real.binary` --
  one reader per product family, each documenting its sign conventions.
* :mod:`~insar_hf.real.catalog` -- USGS ComCat CSV / GeoJSON.
* :mod:`~insar_hf.real.labelling` -- positive / negative / ambiguous rules.
* :mod:`~insar_hf.real.tiles` -- model-sized windows around epicentres and in event-free areas.
* :mod:`~insar_hf.real.build` -- :func:`build_real_dataset` (``insar-hf build-real``).

Readers need rasterio (the ``real`` extra); it is imported inside the functions.
"""

from __future__ import annotations

from insar_hf.real.catalog import Catalog, CatalogError, Event, read_catalog
from insar_hf.real.labelling import LabelRules, ProductLabel, label_product
from insar_hf.real.products import (
    Interferogram,
    ProductError,
    UnknownCRSError,
    find_products,
    read_product,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "Event",
    "Interferogram",
    "LabelRules",
    "ProductError",
    "ProductLabel",
    "UnknownCRSError",
    "build_real_dataset",
    "find_products",
    "label_product",
    "read_catalog",
    "read_product",
]


def __getattr__(name: str):
    if name == "build_real_dataset":
        from insar_hf.real.build import build_real_dataset

        return build_real_dataset
    raise AttributeError(f"module 'insar_hf.real' has no attribute {name!r}")

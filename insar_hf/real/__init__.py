"""Real events: catalogue labelling, tiles, the real-event dataset and zero-shot evaluation.

Products are read by :mod:`insar_hf.products`.

* :mod:`~insar_hf.real.catalog` -- USGS ComCat CSV / GeoJSON.
* :mod:`~insar_hf.real.labelling` -- positive / negative / ambiguous rules.
* :mod:`~insar_hf.real.tiles` -- model-sized windows around epicentres and in event-free areas.
* :mod:`~insar_hf.real.build` -- :func:`build_real_dataset` (``insar-hf build-real``).

Readers need rasterio (the ``real`` extra); it is imported inside the functions.
"""

from __future__ import annotations

from insar_hf.real.catalog import Catalog, CatalogError, Event, read_catalog
from insar_hf.real.labelling import LabelRules, ProductLabel, label_product

__all__ = [
    "Catalog",
    "CatalogError",
    "Event",
    "LabelRules",
    "ProductLabel",
    "build_real_dataset",
    "label_product",
    "read_catalog",
]


def __getattr__(name: str):
    if name == "build_real_dataset":
        from insar_hf.real.build import build_real_dataset

        return build_real_dataset
    raise AttributeError(f"module 'insar_hf.real' has no attribute {name!r}")

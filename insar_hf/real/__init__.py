"""Real events: catalogue labelling, tiles, the real-event dataset and zero-shot evaluation.

Products are read by :mod:`insar_hf.products`.

* :mod:`~insar_hf.real.catalog` -- USGS ComCat CSV / GeoJSON.
* :mod:`~insar_hf.real.labelling` -- positive / negative / ambiguous rules.
* :mod:`~insar_hf.real.tiles` -- model-sized windows around epicentres and in event-free areas.
* :mod:`~insar_hf.real.rows` -- columns and one row per tile.
* :mod:`~insar_hf.real.splits` -- event groups, split assignment, train balancing.
* :mod:`~insar_hf.real.build` -- :func:`build_real_dataset` (``insar-hf build-real``).
* :mod:`~insar_hf.real.evaluate` -- zero-shot vs fine-tuned scores (``insar-hf evaluate-real``).
* :mod:`~insar_hf.real.dev_windows` -- a model's verdicts on the standard windows of the real dev
  frames (``dev_windows.json``, the card's "Real development windows").
"""

from __future__ import annotations

from insar_hf.real.build import build_real_dataset
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

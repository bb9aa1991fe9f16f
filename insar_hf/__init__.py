"""insar_hf: detect earthquake deformation in SAR interferograms with a Vision Transformer.

The package follows the data's journey; each folder is one stage and only imports the stages
above it in this list (``docs/ARCHITECTURE.md``, checked by ``lint-imports``):

* :mod:`insar_hf.schema` -- labels, kinds, splits, image size, metadata fields: shared facts.
* :mod:`insar_hf.physics` -- Okada dislocations, source scaling, line-of-sight geometry.
* :mod:`insar_hf.render` -- the one phase field -> model image function.
* :mod:`insar_hf.simulate` -- synthetic scenes, nuisance signals, previews, Space examples.
* :mod:`insar_hf.dataset` -- the synthetic set as parquet shards with a card, and its checks.
* :mod:`insar_hf.products` -- readers for real interferogram products.
* :mod:`insar_hf.model` -- ViT presets, image processor, checkpoint loading.
* :mod:`insar_hf.inference` -- attention maps, localisation scores, :class:`Detector`.
* :mod:`insar_hf.training` -- augmentation, the Trainer recipe, evaluation, the model card.
* :mod:`insar_hf.real` -- catalogue labelling, tiles, the real-event set and its evaluation.
* :mod:`insar_hf.space`, :mod:`insar_hf.quickstart`, :mod:`insar_hf.cli` -- the main jobs.

Heavy dependencies (torch, transformers, datasets, gradio, rasterio) are imported lazily so that
``import insar_hf`` and ``insar-hf --help`` stay fast.
"""

from __future__ import annotations

from insar_hf.version import __version__

__all__ = ["Detector", "SceneConfig", "__version__", "sample_scene"]


def __getattr__(name: str):
    if name == "Detector":
        from insar_hf.inference.detector import Detector

        return Detector
    if name == "SceneConfig":
        from insar_hf.simulate.config import SceneConfig

        return SceneConfig
    if name == "sample_scene":
        from insar_hf.simulate.scene import sample_scene

        return sample_scene
    raise AttributeError(f"module 'insar_hf' has no attribute {name!r}")

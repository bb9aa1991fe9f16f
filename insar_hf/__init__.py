"""insar_hf: detect earthquake deformation in SAR interferograms with a Vision Transformer.

The package is organised by idea (see ``docs/ARCHITECTURE.md``):

* :mod:`insar_hf.physics` -- Okada dislocations, source scaling, line-of-sight geometry.
* :mod:`insar_hf.atmosphere`, :mod:`insar_hf.noise` -- nuisance signals.
* :mod:`insar_hf.synth`, :mod:`insar_hf.render` -- synthetic scenes and the canonical image.
* :mod:`insar_hf.data`, :mod:`insar_hf.hub` -- datasets, cards and Hub pushes.
* :mod:`insar_hf.modeling`, :mod:`insar_hf.attention`, :mod:`insar_hf.detector` -- the model.
* :mod:`insar_hf.real` -- readers for real interferogram products and catalogue labelling.

Heavy dependencies (torch, transformers, datasets, gradio) are imported lazily so that
``import insar_hf`` and ``insar-hf --help`` stay fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Detector", "__version__"]


def __getattr__(name: str):
    if name == "Detector":
        from insar_hf.detector import Detector

        return Detector
    raise AttributeError(f"module 'insar_hf' has no attribute {name!r}")

"""Synthetic scenes: configuration, nuisance signals, earthquakes and look-alikes, previews.

In the order a scene is made: :mod:`~insar_hf.simulate.config` (``SceneConfig``),
:mod:`~insar_hf.simulate.seeds`, :mod:`~insar_hf.simulate.design`,
:mod:`~insar_hf.simulate.deformation` and :mod:`~insar_hf.simulate.grid` (the source),
:mod:`~insar_hf.simulate.nuisance` over :mod:`~insar_hf.simulate.atmosphere`,
:mod:`~insar_hf.simulate.noise` and :mod:`~insar_hf.simulate.spectral`, and
:mod:`~insar_hf.simulate.scene` (``sample_scene``, which puts them together).
:mod:`~insar_hf.simulate.preview` and :mod:`~insar_hf.simulate.examples` draw scenes to look at.
"""

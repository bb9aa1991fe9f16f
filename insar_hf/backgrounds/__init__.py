"""Real backgrounds: banks of real earthquake-free wrapped interferograms for the generator.

:class:`~insar_hf.backgrounds.bank.BackgroundBank` finds the interferograms in a folder (8-bit
phase images, :mod:`insar_hf.products.phase8`, and wrapped-phase products), names the volcano,
frame and pass of each from its file name (:mod:`insar_hf.backgrounds.names`), splits them into
train / validation / test by *group* (volcanoes that share a frame stay together, so a split never
sees another split's acquisitions), and serves each split as a sequence of
:class:`~insar_hf.simulate.background.Background` for
:func:`~insar_hf.simulate.scene.sample_scene`.
"""

from insar_hf.backgrounds.bank import BackgroundBank, BackgroundSplit

__all__ = ["BackgroundBank", "BackgroundSplit"]

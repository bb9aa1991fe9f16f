"""Source estimation: from an interferogram to a first earthquake source model.

Two ways, scored on the same scenes: a ViT regression network (:mod:`.estimator`, targets and
their scaling in :mod:`.targets`) and a classical non-linear inversion of a uniform-slip Okada
source (:mod:`.inversion`). Both return :class:`~insar_hf.source.estimate.SourceEstimate`;
:mod:`.metrics` scores them against the generator's truth.
"""

from insar_hf.source.estimate import SourceEstimate

__all__ = ["SourceEstimate"]

"""One earthquake source estimate, whichever method made it.

Positions are in pixels of the image (or frame) the estimate was made on, row 0 the north edge,
like the dataset's ``epicentre_row_px`` / ``epicentre_col_px``; angles follow Aki & Richards
(``docs/ARCHITECTURE.md``). ``sigma`` holds one-standard-deviation uncertainties under the same
names (a missing name: no uncertainty known).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from insar_hf.physics.scaling import MECHANISMS

__all__ = ["SourceEstimate"]


@dataclass(frozen=True)
class SourceEstimate:
    """A first source model of one earthquake.

    Attributes
    ----------
    mw
        Moment magnitude.
    centroid_depth_m
        Depth of the moment centroid below the surface, metres.
    epicentre_row_px, epicentre_col_px
        Surface projection of the source's centre, in pixels of the image it was estimated on.
    strike_deg, dip_deg, rake_deg
        Fault angles (NaN when the method does not estimate one).
    mechanism
        One of :data:`insar_hf.physics.scaling.MECHANISMS`.
    method
        ``"network"`` or ``"inversion"``.
    seconds
        Wall time of the estimate.
    sigma
        One-sigma uncertainties keyed by attribute name (same units).
    pixel_m
        Pixel spacing of the image, metres (NaN when unknown); turns pixel positions into km.
    """

    mw: float
    centroid_depth_m: float
    epicentre_row_px: float
    epicentre_col_px: float
    strike_deg: float
    dip_deg: float
    rake_deg: float
    mechanism: str
    method: str
    seconds: float = math.nan
    sigma: dict[str, float] = field(default_factory=dict)
    pixel_m: float = math.nan

    def __post_init__(self):
        if self.mechanism not in MECHANISMS:
            raise ValueError(f"mechanism must be one of {MECHANISMS}; got {self.mechanism!r}")

    def describe(self) -> str:
        """One Markdown line for a reader: values with their one-sigma uncertainties.

        >>> SourceEstimate(6.21, 8.4e3, 101.0, 96.5, 315.0, 42.0, -88.0, "normal", "network",
        ...                sigma={"mw": 0.25, "centroid_depth_m": 3.1e3}).describe()
        'Mw 6.21 ± 0.25, centroid depth 8.4 ± 3.1 km, normal (strike 315°, dip 42°, rake -88°), epicentre at row 101, column 96 (network)'
        """

        def pm(name: str, value: float, scale: float = 1.0, digits: int = 2) -> str:
            text = f"{value / scale:.{digits}f}"
            if math.isfinite(self.sigma.get(name, math.nan)):
                text += f" ± {self.sigma[name] / scale:.{digits}f}"
            return text

        angles = ", ".join(
            f"{label} {value:.0f}°"
            for label, value in (
                ("strike", self.strike_deg),
                ("dip", self.dip_deg),
                ("rake", self.rake_deg),
            )
            if math.isfinite(value)
        )
        return (
            f"Mw {pm('mw', self.mw)}, centroid depth "
            f"{pm('centroid_depth_m', self.centroid_depth_m, 1e3, 1)} km, {self.mechanism}"
            + (f" ({angles})" if angles else "")
            + f", epicentre at row {self.epicentre_row_px:.0f}, column "
            f"{self.epicentre_col_px:.0f} ({self.method})"
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the ``sigma`` mapping copied)."""
        out = asdict(self)
        out["sigma"] = dict(self.sigma)
        return out

"""Physics of the synthetic interferograms (pure NumPy, no I/O).

* :mod:`.okada` -- Okada (1985) surface displacement of a rectangular dislocation.
* :mod:`.scaling` -- Mw <-> M0 (Hanks & Kanamori 1979), rupture scaling (Wells & Coppersmith
  1994), mechanism angles.
* :mod:`.los` -- sensors, line-of-sight geometry and phase (COMET-LiCSAR sign convention).
* :mod:`.sources` -- non-seismic deformation (Mogi source, subsidence bowl) for hard negatives.

Equations, conventions and references: ``docs/physics.md``.
"""

from insar_hf.physics.los import (
    SENSORS,
    Sensor,
    los_displacement_m,
    los_from_phase_m,
    los_unit_vector,
    phase_from_los_rad,
    typical_heading_deg,
    wrap_phase,
)
from insar_hf.physics.okada import okada_surface_displacement
from insar_hf.physics.scaling import (
    MECHANISMS,
    Rupture,
    magnitude_from_moment,
    moment_from_magnitude,
    moment_from_slip,
    sample_mechanism_angles,
    sample_rupture,
)
from insar_hf.physics.sources import mogi_surface_displacement, subsidence_bowl_displacement

__all__ = [
    "MECHANISMS",
    "SENSORS",
    "Rupture",
    "Sensor",
    "los_displacement_m",
    "los_from_phase_m",
    "los_unit_vector",
    "magnitude_from_moment",
    "moment_from_magnitude",
    "moment_from_slip",
    "mogi_surface_displacement",
    "okada_surface_displacement",
    "phase_from_los_rad",
    "sample_mechanism_angles",
    "sample_rupture",
    "subsidence_bowl_displacement",
    "typical_heading_deg",
    "wrap_phase",
]

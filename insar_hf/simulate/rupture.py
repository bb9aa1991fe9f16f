"""A rupture as real products show it: segments whose slip tapers towards the rupture's ends.

A rupture of length ``L`` and width ``W`` (from :func:`insar_hf.physics.scaling.sample_rupture`)
is split along strike into 1 to ``config.rupture_segments_max`` segments (at most one per
``config.rupture_segment_length_min_m`` of length; lengths from a Dirichlet split), chained end
to end along the surface trace, each with its own strike (a bend of up to
``config.rupture_bend_max_deg``) and a step-over across strike (up to
``config.rupture_step_max_m``) from the previous one, and the same dip, rake and top depth.

Slip tapers in two ways, both written as uniform Okada (1985) rectangles (:class:`Patch`):

* *along the rupture*: segment ``i`` carries a weight ``sqrt(1 - x_i^2) exp(0.3 N(0, 1))``,
  ``x_i`` the distance of its centre from the rupture's middle in half-lengths (an elliptical
  profile, the slip of a crack under uniform stress drop, with lognormal variability);
* *within a segment*: ``config.slip_taper_levels = K`` nested rectangles of sides
  ``f_k L_i x f_k W`` with ``f_k = 1 - k / K``; rectangle ``k`` adds the slip increment that
  makes the slip of the ring between ``f_k`` and ``f_(k+1)`` the elliptical profile
  ``sqrt(1 - r^2)`` at the ring's mid-radius ``r``.  The nested rectangles sit around an
  asperity drawn inside the segment; a surface rupture keeps them all at the surface (the slip
  of the trace tapers towards the segment's ends), a buried one tapers down dip too.

The slips are scaled so that the moment ``sum(mu * slip * length * width)`` equals ``M0`` of the
drawn magnitude exactly; the mean slip over the rupture ``L W`` is then the scaling's slip.
Patch positions are relative to the surface projection of the moment centroid (the epicentre
of :func:`insar_hf.simulate.deformation.draw_earthquake`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from insar_hf.physics import scaling

if TYPE_CHECKING:
    from insar_hf.simulate.config import SceneConfig

__all__ = [
    "Patch",
    "SegmentedRupture",
    "draw_segmented_rupture",
    "near_field_band",
    "taper_increments",
]

SLIP_VARIABILITY = 0.3
"""Standard deviation of the natural log of a segment's slip weight."""


@dataclass(frozen=True)
class Patch:
    """One uniform-slip Okada rectangle, in the arguments of ``okada_surface_displacement``.

    ``x_m, y_m``: east and north of the surface point above the midpoint of its top edge,
    relative to the epicentre (the surface projection of the rupture's moment centroid).
    """

    x_m: float
    y_m: float
    strike_deg: float
    dip_deg: float
    rake_deg: float
    slip_m: float
    length_m: float
    width_m: float
    top_depth_m: float

    def okada_kwargs(self) -> dict:
        """Keyword arguments of :func:`insar_hf.physics.okada.okada_surface_displacement`."""
        return {
            "strike_deg": self.strike_deg,
            "dip_deg": self.dip_deg,
            "rake_deg": self.rake_deg,
            "slip_m": self.slip_m,
            "length_m": self.length_m,
            "width_m": self.width_m,
            "top_depth_m": self.top_depth_m,
        }


@dataclass(frozen=True)
class SegmentedRupture:
    """The patches of one rupture and its surface trace.

    ``trace_m`` has shape ``(segments, 2, 2)``: the two ends ``(x_m, y_m)`` of each segment's
    top edge, relative to the epicentre (on the surface when ``surface_rupture``).
    """

    patches: tuple[Patch, ...]
    segments: int
    trace_m: np.ndarray
    surface_rupture: bool
    peak_slip_m: float
    mean_slip_m: float

    def moment_nm(self, shear_modulus_pa: float = 3.0e10) -> float:
        """``sum(mu * slip * length * width)`` over the patches, N m."""
        return float(
            sum(shear_modulus_pa * p.slip_m * p.length_m * p.width_m for p in self.patches)
        )


def taper_increments(levels: int) -> tuple[np.ndarray, np.ndarray]:
    """``(fractions, increments)`` of ``levels`` nested rectangles with an elliptical taper.

    Rectangle ``k`` has sides ``fractions[k] = 1 - k / levels`` times the segment's and adds
    ``increments[k]`` of slip, so that the ring between ``fractions[k]`` and
    ``fractions[k + 1]`` slips ``sqrt(1 - r^2)`` at its mid-radius ``r`` (the core: ``r`` half
    its fraction).  Increments are positive; their sum, the core's slip, is below 1.
    """
    fractions = 1.0 - np.arange(levels) / levels
    mid = 0.5 * (fractions + np.append(fractions[1:], 0.0))
    slip = np.sqrt(1.0 - mid**2)
    return fractions, np.diff(slip, prepend=0.0)


def _segment_count(rng: np.random.Generator, config: SceneConfig, length_m: float) -> int:
    """Uniform in ``1 .. min(segments_max, floor(L / segment_length_min))`` (at least 1)."""
    most = int(length_m // config.rupture_segment_length_min_m)
    most = max(1, min(config.rupture_segments_max, most))
    return int(rng.integers(1, most + 1))


def draw_segmented_rupture(
    rng: np.random.Generator,
    config: SceneConfig,
    *,
    m0_nm: float,
    strike_deg: float,
    dip_deg: float,
    rake_deg: float,
    rupture: scaling.Rupture,
    top_depth_m: float,
    shear_modulus_pa: float = 3.0e10,
) -> SegmentedRupture:
    """Segments, bends, step-overs, asperities and tapered slips of one rupture.

    Draws, in this order: the segment count, the length split, then per segment its bend,
    step-over, along-strike and down-dip asperity position and slip variability.  A rupture
    whose ``top_depth_m`` is below ``config.surface_rupture_depth_m`` reaches the surface: its
    top is set to 0.  The moment of the patches equals ``m0_nm`` (to rounding).
    """
    length, width = rupture.length_m, rupture.width_m
    n = _segment_count(rng, config, length)
    fractions = rng.dirichlet(np.full(n, 4.0)) if n > 1 else np.ones(1)
    surface = top_depth_m < config.surface_rupture_depth_m
    top = 0.0 if surface else float(top_depth_m)
    sin_dip, cos_dip = math.sin(math.radians(dip_deg)), math.cos(math.radians(dip_deg))
    levels, increments = taper_increments(config.slip_taper_levels)

    start = np.zeros(2)  # (x, y) of the current segment's first top-edge end
    along = 0.0  # distance along the rupture of that end
    trace, rects = [], []  # rects: (x_ref, y_ref, strike, slip weight, length, width, top)
    for i in range(n):
        seg_len = float(fractions[i] * length)
        strike = strike_deg + float(rng.uniform(-1.0, 1.0)) * config.rupture_bend_max_deg
        step = float(rng.uniform(-1.0, 1.0)) * config.rupture_step_max_m if i else 0.0
        a_strike = float(rng.uniform(-1.0, 1.0))  # asperity along strike, in free half-range
        a_dip = -1.0 if surface else float(rng.uniform(-1.0, 1.0))  # -1: at the top
        variability = math.exp(SLIP_VARIABILITY * float(rng.standard_normal()))
        s_vec = np.array([math.sin(math.radians(strike)), math.cos(math.radians(strike))])
        d_vec = np.array([s_vec[1], -s_vec[0]])  # horizontal dip direction (right of strike)
        start = start + step * d_vec
        end = start + seg_len * s_vec
        trace.append((start, end))
        x_mid = 0.5 * (along + along + seg_len) / (0.5 * length) - 1.0
        weight = math.sqrt(max(0.0, 1.0 - x_mid * x_mid)) * variability
        centre = 0.5 * (start + end)
        for f, inc in zip(levels, increments):
            s_off = a_strike * (1.0 - f) * seg_len / 2.0  # along strike from the centre
            d_off = (1.0 - f) * width / 2.0 * (1.0 + a_dip)  # down dip from the top edge
            ref = centre + s_off * s_vec + d_off * cos_dip * d_vec
            rects.append(
                (
                    ref[0],
                    ref[1],
                    strike,
                    weight * inc,
                    f * seg_len,
                    f * width,
                    top + d_off * sin_dip,
                )
            )
        start, along = end, along + seg_len
    # Scale the slips to the moment, then move the origin to the moment centroid's projection.
    arr = np.array(rects)  # (patches, 7)
    scale = m0_nm / (shear_modulus_pa * float(np.sum(arr[:, 3] * arr[:, 4] * arr[:, 5])))
    slips = arr[:, 3] * scale
    moments = slips * arr[:, 4] * arr[:, 5]
    centres = arr[:, :2] + 0.5 * arr[:, 5:6] * cos_dip * np.stack(
        [np.cos(np.radians(arr[:, 2])), -np.sin(np.radians(arr[:, 2]))], axis=1
    )  # (patches, 2): surface projection of each rectangle's centre
    origin = (moments[:, None] * centres).sum(axis=0) / moments.sum()
    patches = tuple(
        Patch(
            x_m=float(r[0] - origin[0]),
            y_m=float(r[1] - origin[1]),
            strike_deg=float(r[2]),
            dip_deg=float(dip_deg),
            rake_deg=float(rake_deg),
            slip_m=float(s),
            length_m=float(r[4]),
            width_m=float(r[5]),
            top_depth_m=float(r[6]),
        )
        for r, s in zip(arr, slips)
    )
    per_segment = slips.reshape(n, len(levels)).sum(axis=1)  # core slip of each segment
    return SegmentedRupture(
        patches=patches,
        segments=n,
        trace_m=np.array(trace) - origin,  # (n, 2, 2)
        surface_rupture=surface,
        peak_slip_m=float(per_segment.max()),
        mean_slip_m=float(m0_nm / (shear_modulus_pa * length * width)),
    )


def near_field_band(
    trace_m: np.ndarray, size: int, pixel_m: float, x0_m: float, y0_m: float, width_m: float
) -> np.ndarray:
    """Near-field weight of a surface trace on the pixel grid, float32 (size, size) in [0, 1].

    ``0.5 (1 + cos(pi d / w))`` for a pixel centre at distance ``d < w`` from the nearest
    segment of ``trace_m`` (shape ``(segments, 2, 2)``, relative to the epicentre at
    ``(x0_m, y0_m)`` in the image frame), 0 beyond; ``w = max(width_m, pixel_m)`` so that the
    pixels the trace crosses are never skipped.  1 on the trace itself.
    """
    pix = (np.arange(size) + 0.5) * pixel_m
    x = pix[None, :] - x0_m  # (1, size): east of the epicentre
    y = -pix[:, None] - y0_m  # (size, 1): north of the epicentre
    d2 = np.full((size, size), np.inf)
    for (ax, ay), (bx, by) in trace_m:
        ex, ey = bx - ax, by - ay
        t = ((x - ax) * ex + (y - ay) * ey) / max(ex * ex + ey * ey, 1e-30)
        t = np.clip(t, 0.0, 1.0)  # (size, size): nearest point of the segment
        np.minimum(d2, (x - ax - t * ex) ** 2 + (y - ay - t * ey) ** 2, out=d2)
    w = max(float(width_m), float(pixel_m))
    d = np.sqrt(d2) / w
    return np.where(d < 1.0, 0.5 * (1.0 + np.cos(np.pi * np.minimum(d, 1.0))), 0.0).astype(
        np.float32
    )

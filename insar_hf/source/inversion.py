"""The classical baseline: a non-linear inversion of one uniform-slip Okada rectangle.

What a geodesist does by hand, automated: fit the phase of a uniform-slip rectangle (Okada 1985;
the package's own forward model, :mod:`insar_hf.source.forward`) to one scene's phase field,
knowing the acquisition geometry (pixel spacing, heading, incidence, wavelength) and the kind.

Misfits
-------
* **unwrapped**: least squares. For a fault geometry the phase is linear in the slip components
  ``U1 = slip cos(rake)``, ``U2 = slip sin(rake)``, an offset and (``ramp``) a plane, solved
  linearly in every evaluation (variable projection); only the geometry is searched: centroid
  position, top depth, strike, dip, length, width (7 unknowns). Residual over data variance.
* **wrapped**: the complex misfit ``mean |exp(i d) - exp(i (m + c))|^2 / 2`` at its best
  constant ``c``, ``1 - |mean exp(i (d - m))|``; slip (log) and rake join the geometry (9). Its
  landscape is a maze of fringe-count minima, so the global search fits the **phase gradient**
  instead (:func:`insar_hf.source.forward.phase_gradients`: the unwrapped gradient where the
  fringes are resolved), linear in ``U1, U2`` like an unwrapped phase (a ramp: a constant
  gradient), with a Cauchy loss (scale 0.3 rad, by reweighting) against the few aliased
  gradients that pass the checks; the complex misfit polishes the result.

Bounds: epicentre (surface projection of the centroid) in the image; top depth 0-20 km; strike
0-360; dip 10-170 degrees (past 90: the opposite strike, the supplementary dip and, for wrapped
fields, the opposite rake, so the search crosses the vertical smoothly); length log-uniform from
``max(300 m, pixel_m)`` to the image side; width 0.1-3 lengths (the aspect ratios of Wells &
Coppersmith 1994 ruptures of Mw 4.5-7.5: without it a long narrow deep fault, a line source,
mimics a buried thrust of either dip direction), bottom at most 30 km deep; slip 1 mm - 30 m
(solved linearly: larger slip multiplies the misfit by ``(slip / 30 m)^2``). No magnitude
prior: ``Mw`` comes from the fitted moment ``mu L W slip`` (``mu`` = 30 GPa), the mechanism class
from the fitted rake (:func:`insar_hf.source.metrics.mechanism_from_angles`).

Search: ``scipy.optimize.differential_evolution`` (seeded, ``maxiter`` generations, no polish)
on a coarse sample of the field (every ``k``-th pixel, about ``coarse_points`` a side), one
member at a data-driven epicentre guess; a bounded Gauss-Newton polish
(``scipy.optimize.least_squares``, trust-region reflective: it follows the narrow valleys,
position against dip, width and depth, in which Powell and L-BFGS-B crawl) from the best member
and from the guess; the better result is tried again dipping the other way (strike + 180, dip 50, top 4 km,
width half the length: the commonest false minimum); both candidates are polished on a finer sample
(about ``fine_points`` a side; the complex misfit when wrapped) and the better one kept. Samples
are pixels, not block means, so the model is evaluated where the data are; NaN pixels (water,
frame edges, decorrelation masks) are left out. Deterministic for a ``seed``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from insar_hf.physics.scaling import magnitude_from_moment, moment_from_slip
from insar_hf.schema import KIND_NAMES
from insar_hf.source.estimate import SourceEstimate
from insar_hf.source.forward import (
    MIN_SAMPLES,
    centroid_depth_m,
    phase_gradients,
    pixel_centres_m,
    sample_points,
    unit_slip_phase_rad,
)
from insar_hf.source.metrics import mechanism_from_angles

__all__ = ["InversionFit", "fit_field", "invert_field"]

TOP_DEPTH_MAX_M = 20.0e3
DIP_MIN_DEG = 10.0
SIZE_MIN_M = 300.0
BOTTOM_MAX_M = 30.0e3
LOG_ASPECT_RANGE = (math.log(0.1), math.log(3.0))
SLIP_MAX_M = 30.0
CAUCHY_SCALE_RAD = {"gradient": 0.3, "phase": None}
ROBUST_STEPS = 3
LOG10_SLIP_RANGE = (-3.0, math.log10(SLIP_MAX_M))
GEOMETRY = ("col_px", "row_px", "top_depth_m", "strike_deg", "dip_deg", "length_m", "width_m")


@dataclass(frozen=True)
class InversionFit:
    """The fitted rectangle and how well it fits.

    ``estimate`` is the :class:`SourceEstimate`; ``length_m``, ``width_m``, ``slip_m``,
    ``top_depth_m`` the rest of the rectangle; ``misfit`` the final normalised misfit (0 is
    perfect: residual over data variance, or ``1 - |mean exp(i (d - m))|``); ``evaluations``
    the forward-model evaluations (two Okada fields each) of all stages.
    """

    estimate: SourceEstimate
    length_m: float
    width_m: float
    slip_m: float
    top_depth_m: float
    misfit: float
    evaluations: int


def _check_inputs(field_rad, kind, pixel_m, heading_deg, incidence_deg, wavelength_m):
    field = np.asarray(field_rad, dtype=np.float64)
    if field.ndim != 2:
        raise ValueError(
            f"field_rad must be a 2-D (rows, cols) phase array, got shape {field.shape}"
        )
    finite = int(np.isfinite(field).sum())
    if finite < MIN_SAMPLES:
        raise ValueError(
            f"field_rad has {finite} finite pixel(s); the inversion needs at least {MIN_SAMPLES}"
        )
    if kind not in KIND_NAMES:
        raise ValueError(f"kind must be one of {list(KIND_NAMES)}, got {kind!r}")
    for name, value in (("pixel_m", pixel_m), ("wavelength_m", wavelength_m)):
        if not (isinstance(value, (int, float, np.number)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    if not (math.isfinite(heading_deg) and 0.0 <= incidence_deg < 90.0):
        raise ValueError(
            f"need a finite heading_deg and incidence_deg in [0, 90), got {heading_deg!r} "
            f"and {incidence_deg!r}"
        )
    return field


class _Problem:
    """One misfit (``mode``: phase, gradient or complex) over the unit box of the unknowns."""

    def __init__(self, field, points, *, mode, pixel_m, geometry, ramp, gradients=None):
        self.mode, self.pixel_m, self.geometry = mode, pixel_m, geometry
        self.rows_px, self.cols_px = field.shape
        side = max(field.shape) * pixel_m
        self.log_size = (math.log(max(SIZE_MIN_M, pixel_m)), math.log(max(side, 2 * SIZE_MIN_M)))
        self.evaluations = 0
        self.dim = 9 if mode == "complex" else 7
        if mode == "gradient":
            gx, gy, weight = gradients
            rows, cols = sample_points(weight > 0, points)
            self.values = np.concatenate([gx[rows, cols], gy[rows, cols]])  # (2n,)
            self.weights = np.tile(weight[rows, cols], 2)
            # the model at the pixel, its east and its south neighbour: (3n,)
            rows_all = np.concatenate([rows, rows, rows + 1])
            cols_all = np.concatenate([cols, cols + 1, cols])
            self.n = rows.size
            ones, zeros = np.ones(self.n), np.zeros(self.n)
            self.nuisance = np.stack(
                [np.concatenate([ones, zeros]), np.concatenate([zeros, ones])], axis=1
            )  # (2n, 2): a ramp is a constant gradient
        else:
            rows, cols = sample_points(np.isfinite(field), points)
            rows_all, cols_all = rows, cols
            self.values = field[rows, cols]
            self.weights = np.ones(rows.size)
            u = 2.0 * cols / max(self.cols_px - 1, 1) - 1.0  # (n,) in [-1, 1]
            v = 2.0 * rows / max(self.rows_px - 1, 1) - 1.0
            self.nuisance = np.stack([np.ones_like(u)] + ([u, v] if ramp else []), axis=1)
            self.data = np.exp(1j * self.values)
        self.rows, self.cols = rows, cols
        self.x, self.y = pixel_centres_m(rows_all, cols_all, pixel_m)
        w = self.weights / self.weights.sum()
        self.variance = max(float(np.sum(w * (self.values - np.sum(w * self.values)) ** 2)), 1e-30)

    def physical(self, p: np.ndarray) -> dict[str, float]:
        """Unit-box vector -> named unknowns."""
        lo, hi = self.log_size
        p = np.clip(p, 0.0, 1.0)
        q = {
            "col_px": p[0] * self.cols_px,
            "row_px": p[1] * self.rows_px,
            "top_depth_m": p[2] * TOP_DEPTH_MAX_M,
            "strike_deg": 360.0 * p[3],
            "dip_deg": DIP_MIN_DEG + (180.0 - 2.0 * DIP_MIN_DEG) * p[4],
            "length_m": math.exp(lo + p[5] * (hi - lo)),
        }
        a, b = LOG_ASPECT_RANGE
        sin_dip = math.sin(math.radians(min(q["dip_deg"], 180.0 - q["dip_deg"])))
        bottom = (BOTTOM_MAX_M - q["top_depth_m"]) / sin_dip  # the widest the crust allows
        q["width_m"] = min(q["length_m"] * math.exp(a + p[6] * (b - a)), bottom)
        if self.mode == "complex":
            a, b = LOG10_SLIP_RANGE
            q["slip_m"] = 10.0 ** (a + p[7] * (b - a))
            q["rake_deg"] = -180.0 + 360.0 * p[8]
        if q["dip_deg"] > 90.0:
            # Past the vertical the plane dips the other way: the same plane has the opposite
            # strike and the supplementary dip, and the same slip the opposite rake (so the
            # field is continuous through the vertical).
            q["strike_deg"] = (q["strike_deg"] + 180.0) % 360.0
            q["dip_deg"] = 180.0 - q["dip_deg"]
            if "rake_deg" in q:
                q["rake_deg"] = -q["rake_deg"]
        return q

    def unit(self, q: dict[str, float]) -> np.ndarray:
        """Named unknowns -> unit-box vector (the inverse of :meth:`physical`, clipped)."""
        lo, hi = self.log_size
        p = [
            q["col_px"] / self.cols_px,
            q["row_px"] / self.rows_px,
            q["top_depth_m"] / TOP_DEPTH_MAX_M,
            (q["strike_deg"] % 360.0) / 360.0,
            (q["dip_deg"] - DIP_MIN_DEG) / (180.0 - 2.0 * DIP_MIN_DEG),
            (math.log(q["length_m"]) - lo) / (hi - lo),
            (math.log(q["width_m"] / q["length_m"]) - LOG_ASPECT_RANGE[0])
            / (LOG_ASPECT_RANGE[1] - LOG_ASPECT_RANGE[0]),
        ]
        if self.mode == "complex":
            a, b = LOG10_SLIP_RANGE
            p += [(math.log10(max(q["slip_m"], 1e-12)) - a) / (b - a), (q["rake_deg"] + 180) / 360]
        return np.clip(np.array(p), 0.0, 1.0)

    def residuals(self, p: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
        """``(r, unknowns)``: ``sum(r**2)`` is the normalised misfit; in phase and gradient
        modes the unknowns hold the linearly solved slip and rake."""
        q = self.physical(p)
        self.evaluations += 1
        g = unit_slip_phase_rad(
            self.x,
            self.y,
            centroid_x_m=q["col_px"] * self.pixel_m,
            centroid_y_m=-q["row_px"] * self.pixel_m,
            **{k: q[k] for k in GEOMETRY[2:]},
            **self.geometry,
        )
        if self.mode == "complex":
            r = math.radians(q["rake_deg"])
            model = np.exp(1j * q["slip_m"] * (math.cos(r) * g[0] + math.sin(r) * g[1]))
            offset = np.mean(self.data * np.conj(model))  # best constant: its phase
            if abs(offset) > 0:
                model = model * (offset / abs(offset))
            diff = (self.data - model) / math.sqrt(2.0 * self.data.size)
            return np.concatenate([diff.real, diff.imag]), q
        if self.mode == "gradient":  # (3n,) -> (2n,): east minus here, south minus here
            n = self.n
            g = [np.concatenate([a[n : 2 * n] - a[:n], a[2 * n :] - a[:n]]) for a in g]
        a = np.column_stack([g[0], g[1], self.nuisance])  # (n, k)
        weights, c = self.weights, CAUCHY_SCALE_RAD.get(self.mode)
        for _ in range(1 if c is None else 1 + ROBUST_STEPS):
            sw = np.sqrt(weights)
            coef, *_ = np.linalg.lstsq(a * sw[:, None], self.values * sw, rcond=None)
            residual = self.values - a @ coef
            if c is not None:
                weights = self.weights / (1.0 + (residual / c) ** 2)
        if c is not None:  # signed square root of Cauchy's rho: smooth through 0
            residual = np.sign(residual) * c * np.sqrt(np.log1p((residual / c) ** 2))
        q["slip_m"] = float(math.hypot(coef[0], coef[1]))
        q["rake_deg"] = math.degrees(math.atan2(coef[1], coef[0]))
        scale = math.sqrt(self.weights.sum() * self.variance)
        # Slip beyond the bound (a point-like source with absurd slip) is penalised, not cut.
        scale /= max(1.0, q["slip_m"] / SLIP_MAX_M)
        return np.sqrt(self.weights) * residual / scale, q

    def solve(self, p: np.ndarray) -> tuple[float, dict[str, float]]:
        """``(misfit, unknowns)``."""
        r, q = self.residuals(p)
        return float(np.sum(r**2)), q

    def residual_vector(self, p: np.ndarray) -> np.ndarray:
        r = self.residuals(p)[0]
        return r if np.all(np.isfinite(r)) else np.full(r.shape, 1e3)

    def misfit(self, p: np.ndarray) -> float:
        value = self.solve(p)[0]
        return value if math.isfinite(value) else 1e3

    def guess(self) -> np.ndarray:
        """Unit-box start: epicentre at the weighted centre of the largest 5 % of the signal
        (``|phase - plane|``, or ``|gradient|``), the rest mid-box with a shallow top."""
        if self.mode == "gradient":
            n = self.n
            strength = np.hypot(self.values[:n], self.values[n:]) * self.weights[:n]
        else:
            coef, *_ = np.linalg.lstsq(self.nuisance, self.values, rcond=None)
            strength = np.abs(self.values - self.nuisance @ coef)
        top = strength >= np.quantile(strength, 0.95)
        w = strength[top] + 1e-12
        p = np.full(self.dim, 0.5)
        p[0] = np.sum(w * (self.cols[top] + 0.5)) / w.sum() / self.cols_px
        p[1] = np.sum(w * (self.rows[top] + 0.5)) / w.sum() / self.rows_px
        p[2] = 0.2
        return p


def _polish(problem: _Problem, start: np.ndarray, max_nfev: int) -> optimize.OptimizeResult:
    """Bounded Gauss-Newton (trust-region reflective) on the residuals from ``start``.

    It follows the narrow valleys (position against dip, width and depth) along which Powell,
    L-BFGS-B and Nelder-Mead crawl. ``fun`` of the result is the misfit ``sum(r**2)``.
    """
    result = optimize.least_squares(
        problem.residual_vector,
        np.clip(start, 0.0, 1.0),
        bounds=(0.0, 1.0),
        method="trf",
        diff_step=1e-5,
        max_nfev=max_nfev,
        x_scale=1.0,
    )
    result.fun = 2.0 * result.cost
    return result


def fit_field(
    field_rad,
    *,
    kind: str,
    pixel_m: float,
    heading_deg: float,
    incidence_deg: float,
    wavelength_m: float,
    ramp: bool = True,
    coarse_points: int = 24,
    fine_points: int = 48,
    maxiter: int = 30,
    popsize: int = 8,
    polish_maxfev: int = 60,
    seed: int = 0,
) -> InversionFit:
    """Fit a uniform-slip Okada rectangle to one scene's phase field.

    Parameters
    ----------
    field_rad : array_like
        Phase, radians, shape ``(rows, cols)``, row 0 north; NaN = no data.
    kind : str
        ``"wrapped"`` (gradient search, complex-misfit polish) or ``"unwrapped"`` (least
        squares).
    pixel_m, heading_deg, incidence_deg, wavelength_m : float
        Pixel spacing (m) and acquisition geometry.
    ramp : bool
        Solve a plane with the offset (orbital ramp, long-wavelength delay); for wrapped fields
        in the gradient search only.
    coarse_points, fine_points : int
        Samples a side of the global search and of the last polish.
    maxiter, popsize : int
        Generations and population multiplier of ``differential_evolution``.
    polish_maxfev : int
        Residual evaluations of each polish (``least_squares`` ``max_nfev``; a Jacobian costs
        one more per unknown).
    seed : int
        Seed of the global search.

    Returns
    -------
    InversionFit
        The estimate (``method = "inversion"``, ``seconds`` the wall time of this call) and
        the rest of the fitted rectangle.
    """
    start = time.perf_counter()
    field = _check_inputs(field_rad, kind, pixel_m, heading_deg, incidence_deg, wavelength_m)
    geometry = {"heading_deg": heading_deg, "incidence_deg": incidence_deg}
    geometry = {k: float(v) for k, v in (geometry | {"wavelength_m": wavelength_m}).items()}
    common = {"pixel_m": float(pixel_m), "geometry": geometry, "ramp": ramp}
    mode, grads = "phase", None
    if kind == "wrapped":
        grads = phase_gradients(field)
        # no resolved fringes at all (noise): the complex misfit searches too
        mode = "gradient" if np.count_nonzero(grads[2]) >= MIN_SAMPLES else "complex"
    coarse = _Problem(field, coarse_points, mode=mode, gradients=grads, **common)
    fine = _Problem(field, fine_points, mode="complex" if kind == "wrapped" else "phase", **common)
    found = optimize.differential_evolution(
        coarse.misfit,
        bounds=[(0.0, 1.0)] * coarse.dim,
        maxiter=maxiter,
        popsize=popsize,
        tol=1e-8,
        mutation=(0.5, 1.0),
        recombination=0.7,
        init="sobol",
        x0=coarse.guess(),
        polish=False,
        seed=np.random.default_rng(seed),
    )
    first = min(
        (_polish(coarse, p, polish_maxfev) for p in (found.x, coarse.guess())), key=lambda r: r.fun
    )
    q = coarse.physical(first.x)  # dipping the other way, fresh dip, top depth and width
    q |= {"strike_deg": q["strike_deg"] + 180.0, "dip_deg": 50.0, "top_depth_m": 4.0e3}
    flipped = coarse.unit(q | {"width_m": 0.5 * q["length_m"]})
    candidates = (first, _polish(coarse, flipped, polish_maxfev))
    finals = []  # (fine misfit, unit vector): each candidate polished on the fine sample
    for candidate in candidates:
        start_fine = fine.unit(coarse.solve(candidate.x)[1])
        polished = _polish(fine, start_fine, polish_maxfev)
        finals += [(polished.fun, polished.x), (fine.misfit(start_fine), start_fine)]
    final = min(finals, key=lambda pair: pair[0])[1]
    misfit, q = fine.solve(final)
    return InversionFit(
        estimate=_estimate(q, float(pixel_m), time.perf_counter() - start),
        length_m=q["length_m"],
        width_m=q["width_m"],
        slip_m=q["slip_m"],
        top_depth_m=q["top_depth_m"],
        misfit=misfit,
        evaluations=coarse.evaluations + fine.evaluations,
    )


def _estimate(q: dict[str, float], pixel_m: float, seconds: float) -> SourceEstimate:
    moment = moment_from_slip(max(q["slip_m"], 1e-12), q["length_m"], q["width_m"])
    rake = -((-q["rake_deg"] + 180.0) % 360.0 - 180.0)  # into (-180, 180]
    return SourceEstimate(
        mw=float(magnitude_from_moment(moment)),
        centroid_depth_m=centroid_depth_m(q["top_depth_m"], q["dip_deg"], q["width_m"]),
        epicentre_row_px=float(q["row_px"]),
        epicentre_col_px=float(q["col_px"]),
        strike_deg=float(q["strike_deg"] % 360.0),
        dip_deg=float(q["dip_deg"]),
        rake_deg=float(rake),
        mechanism=mechanism_from_angles(rake, q["dip_deg"]),
        method="inversion",
        seconds=float(seconds),
        pixel_m=pixel_m,
    )


def invert_field(field_rad, **kwargs) -> SourceEstimate:
    """:func:`fit_field` and keep only its :class:`SourceEstimate` (same keyword arguments)."""
    return fit_field(field_rad, **kwargs).estimate

"""Forward model of the inversion: the phase of a uniform-slip Okada rectangle on a scene grid.

The source is placed by its **centroid** (the centre of the rectangle), as the dataset's truth
is: ``centroid_x_m, centroid_y_m`` is the surface point above it in the image frame (``x`` east
from the west edge, ``y`` north from the north edge, so ``y <= 0`` inside the image) and the
epicentre in pixels is ``(row, col) = (-y / pixel_m, x / pixel_m)``, the convention of
:func:`insar_hf.simulate.deformation.draw_earthquake`. Pixel ``(r, c)`` has its centre at
``x = (c + 0.5) pixel_m``, ``y = -(r + 0.5) pixel_m`` (:mod:`insar_hf.simulate.grid`).

:func:`insar_hf.physics.okada.okada_surface_displacement` measures positions from the surface
point above the midpoint of the fault's top edge, which lies ``(W / 2) cos(dip)`` from the
centroid's surface point against the dip direction (azimuth ``strike + 90``: the fault dips to
the right of its strike, Aki & Richards). The displacement is projected on the line of sight
and turned into phase with :mod:`insar_hf.physics.los`:
``phase_rad = -4 pi / wavelength_m * los_m``.

The field is linear in the two slip components, ``U1 = slip cos(rake)`` (strike-slip) and
``U2 = slip sin(rake)`` (dip-slip); :func:`unit_slip_phase_rad` returns the phase of one metre
of each, so that the unwrapped inversion can solve for them linearly.

The data side of the same grid: :func:`sample_points` (every ``k``-th pixel with data) and
:func:`phase_gradients` (the unwrapped phase gradient a wrapped field shows where its fringes
are resolved), the samples the inversion's misfits compare the model with.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from insar_hf.physics.los import los_unit_vector
from insar_hf.physics.okada import okada_surface_displacement

__all__ = [
    "MIN_SAMPLES",
    "centroid_depth_m",
    "phase_gradients",
    "pixel_centres_m",
    "sample_points",
    "source_phase_rad",
    "top_edge_origin_m",
    "unit_slip_phase_rad",
]


MIN_SAMPLES = 20
"""Fewest finite samples :func:`sample_points` returns (it samples more densely to reach them)."""


def pixel_centres_m(rows, cols, pixel_m: float) -> tuple[np.ndarray, np.ndarray]:
    """``(x_m, y_m)`` of the centres of pixels ``(rows, cols)`` (broadcast), image frame."""
    x = (np.asarray(cols, dtype=np.float64) + 0.5) * pixel_m
    y = -(np.asarray(rows, dtype=np.float64) + 0.5) * pixel_m
    return np.broadcast_arrays(x, y)


def top_edge_origin_m(
    centroid_x_m: float, centroid_y_m: float, *, strike_deg: float, dip_deg: float, width_m: float
) -> tuple[float, float]:
    """Surface point above the midpoint of the top edge of a rectangle with this centroid.

    ``(W / 2) cos(dip)`` up dip of the centroid's surface point: against the dip direction,
    whose east and north components are ``(cos(strike), -sin(strike))``.
    """
    s, d = math.radians(strike_deg), math.radians(dip_deg)
    offset = 0.5 * width_m * math.cos(d)
    return centroid_x_m - offset * math.cos(s), centroid_y_m + offset * math.sin(s)


def centroid_depth_m(top_depth_m: float, dip_deg: float, width_m: float) -> float:
    """Depth of the centre of a rectangle: ``top + (W / 2) sin(dip)``, metres."""
    return float(top_depth_m + 0.5 * width_m * math.sin(math.radians(dip_deg)))


def unit_slip_phase_rad(
    x_m,
    y_m,
    *,
    centroid_x_m: float,
    centroid_y_m: float,
    top_depth_m: float,
    strike_deg: float,
    dip_deg: float,
    length_m: float,
    width_m: float,
    heading_deg: float,
    incidence_deg: float,
    wavelength_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Unwrapped phase (rad) of 1 m of strike-slip (rake 0) and of dip-slip (rake 90).

    Parameters
    ----------
    x_m, y_m : array_like
        Image-frame positions (broadcastable), metres.
    centroid_x_m, centroid_y_m : float
        Surface point above the rectangle's centre, image frame, metres.
    top_depth_m, strike_deg, dip_deg, length_m, width_m : float
        The rectangle (:func:`insar_hf.physics.okada.okada_surface_displacement`).
    heading_deg, incidence_deg, wavelength_m : float
        Acquisition geometry (:func:`insar_hf.physics.los.los_unit_vector`).

    Returns
    -------
    (g_strike, g_dip) : tuple of numpy.ndarray
        Float64, the broadcast shape of ``x_m, y_m``; the phase of slip ``U1, U2`` is
        ``U1 * g_strike + U2 * g_dip``.
    """
    ox, oy = top_edge_origin_m(
        centroid_x_m, centroid_y_m, strike_deg=strike_deg, dip_deg=dip_deg, width_m=width_m
    )
    e, n, u = los_unit_vector(heading_deg, incidence_deg)
    # phase = -4 pi / lambda * los = 4 pi / lambda * (e E + n N + u U)
    k = 4.0 * math.pi / wavelength_m
    dx = np.asarray(x_m, dtype=np.float64) - ox
    dy = np.asarray(y_m, dtype=np.float64) - oy
    out = []
    for rake in (0.0, 90.0):
        de, dn, du = okada_surface_displacement(
            dx,
            dy,
            strike_deg=strike_deg,
            dip_deg=dip_deg,
            rake_deg=rake,
            slip_m=1.0,
            length_m=length_m,
            width_m=width_m,
            top_depth_m=top_depth_m,
        )
        out.append(k * (e * de + n * dn + u * du))
    return out[0], out[1]


def source_phase_rad(x_m, y_m, *, rake_deg: float, slip_m: float, **geometry) -> np.ndarray:
    """Unwrapped phase (rad, float64) of ``slip_m`` at ``rake_deg`` on the rectangle.

    ``geometry``: the keyword arguments of :func:`unit_slip_phase_rad`.
    """
    g_strike, g_dip = unit_slip_phase_rad(x_m, y_m, **geometry)
    r = math.radians(rake_deg)
    return slip_m * (math.cos(r) * g_strike + math.sin(r) * g_dip)


def sample_points(ok: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and cols of the True pixels of every ``k``-th row and column of ``ok``.

    ``k`` makes about ``points`` samples a side, halved until at least ``MIN_SAMPLES`` are True.
    """
    stride = max(1, math.ceil(max(ok.shape) / points))
    while True:
        rows = np.arange(stride // 2, ok.shape[0], stride)
        cols = np.arange(stride // 2, ok.shape[1], stride)
        r, c = np.meshgrid(rows, cols, indexing="ij")  # (n_rows, n_cols)
        keep = ok[r, c]
        if keep.sum() >= MIN_SAMPLES or stride == 1:
            return r[keep], c[keep]
        stride = max(1, stride // 2)


def phase_gradients(field: np.ndarray):
    """``(gx, gy, weight)``, each (rows, cols): the phase gradient where the fringes are resolved.

    ``gx[r, c] = angle(m[r, c + 1] conj m[r, c])`` (``gy`` down the rows) of the 3 x 3 mean
    phasor ``m`` of ``exp(i field)``: the unwrapped gradient, radians per pixel, wherever the
    phase changes by less than pi per pixel. ``weight`` in [0, 1] is 0 where that is in doubt:
    where a 3 x 3 window reaches no data or the edge, where ``|m|`` is under 1/2 (noise, or fringes
    too dense: a gradient ``g`` per pixel leaves ``|m| <= ((1 + 2 cos g) / 3)^2``), where
    ``|gx|`` or ``|gy|`` exceeds 1.5 (an aliased gradient lands anywhere in [-pi, pi)) or where
    the gradient of the raw phasors differs from ``gx, gy`` by more than 0.5.
    """
    ok = np.isfinite(field)
    z = np.where(ok, np.exp(1j * np.where(ok, field, 0.0)), 0.0)  # (rows, cols)
    mean = ndimage.uniform_filter(z.real, 3, mode="constant") + 1j * ndimage.uniform_filter(
        z.imag, 3, mode="constant"
    )
    # only full windows (every pixel with data; none at the edges): a partial mean is biased
    full = ndimage.uniform_filter(ok.astype(np.float64), 3, mode="constant") > 1.0 - 1e-9
    length = np.where(full, np.abs(mean), 0.0)
    gx, gy = np.zeros(field.shape), np.zeros(field.shape)
    wx, wy = np.zeros(field.shape), np.zeros(field.shape)
    gx[:, :-1] = np.angle(mean[:, 1:] * np.conj(mean[:, :-1]))
    gy[:-1, :] = np.angle(mean[1:, :] * np.conj(mean[:-1, :]))
    wx[:, :-1] = np.minimum(length[:, 1:], length[:, :-1])
    wy[:-1, :] = np.minimum(length[1:, :], length[:-1, :])
    weight = np.clip(2.0 * np.minimum(wx, wy) - 1.0, 0.0, 1.0)
    raw_x, raw_y = np.zeros(field.shape), np.zeros(field.shape)
    raw_x[:, :-1] = np.angle(z[:, 1:] * np.conj(z[:, :-1]))
    raw_y[:-1, :] = np.angle(z[1:, :] * np.conj(z[:-1, :]))
    agree = (np.abs(np.angle(np.exp(1j * (raw_x - gx)))) < 0.5) & (
        np.abs(np.angle(np.exp(1j * (raw_y - gy)))) < 0.5
    )
    resolved = (np.abs(gx) < 1.5) & (np.abs(gy) < 1.5) & agree
    return gx, gy, np.where(resolved, weight, 0.0)

"""Decorrelation by the deformation gradient: fringes denser than the pixels cannot be seen.

A pixel of a multilooked interferogram is the mean phasor over its footprint.  Under a phase
that varies linearly across a pixel of unit width, ``phi(x) = phi_0 + g x`` for ``x`` in
``[-1/2, 1/2]``, that mean is ``exp(i phi_0) sinc(g / 2 pi)`` with ``sinc(u) = sin(pi u) /
(pi u)``; in two dimensions, for a planar ramp, the product of the two axes.  Its modulus is the
coherence that survives: 1 for a flat phase, 0.64 at half a fringe per pixel, 0 at one fringe per
pixel -- the largest deformation gradient an interferogram can show (Massonnet & Feigl 1998,
*Rev. Geophys.* 36, 441-500: about one fringe per pixel).  Near a large rupture, where the
fringes of a simulated field would otherwise alias into false patterns, real interferograms are
decorrelated; :func:`gradient_coherence` gives the factor by which a scene's coherence falls.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gradient_coherence"]


def gradient_coherence(phase_rad: np.ndarray) -> np.ndarray:
    """``|sinc(g_row / 2 pi) sinc(g_col / 2 pi)|``, the coherence left by the phase gradient.

    Parameters
    ----------
    phase_rad : ndarray
        Shape ``(rows, cols)``, the deformation's (unwrapped, smooth) phase in radians.

    Returns
    -------
    ndarray
        Shape ``(rows, cols)``, float32 in ``[0, 1]``; the gradients ``g`` (radians per pixel)
        are central differences (one-sided at the edges).  At one fringe per pixel or more the
        factor is 0: the sinc's side lobes belong to a perfect ramp over a box-shaped pixel,
        which the looks of a real product average away.
    """
    phase = np.asarray(phase_rad, dtype=np.float64)
    g_row, g_col = np.gradient(phase)
    u_row, u_col = g_row / (2.0 * np.pi), g_col / (2.0 * np.pi)  # fringes per pixel
    factor = np.abs(np.sinc(u_row) * np.sinc(u_col))
    factor[(np.abs(u_row) >= 1.0) | (np.abs(u_col) >= 1.0)] = 0.0
    return factor.astype(np.float32)

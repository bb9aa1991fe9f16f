"""Okada (1985) surface displacements: published check values, DC3D oracle, invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.physics import okada as okada_module
from insar_hf.physics import okada_surface_displacement

# Okada (1985), BSSA 75(4), Table 2 "Check list for numerical calculations", finite
# rectangular source, displacements (u_x, u_y, u_z) for unit dislocation, lambda = mu
# (Poisson 0.25). Okada's frame: X along strike (here strike 90 = east, so X = east and
# Y = north), origin above the start of the *bottom* edge at depth d, fault spanning
# 0 <= xi <= L along strike and 0 <= eta <= W up dip.
#   case 2: x=2, y=3, d=4, dip=70, L=3, W=2;  case 3: x=0, y=0, d=4, dip=90, L=3, W=2;
#   case 4: x=0, y=0, d=4, dip=-90, L=3, W=2 (the fault goes down from 4 to 6 km).
OKADA_TABLE_2 = {
    ("case2", "strike-slip"): (-8.689e-3, -4.298e-3, -2.747e-3),
    ("case2", "dip-slip"): (-4.682e-3, -3.527e-2, -3.564e-2),
    ("case2", "tensile"): (-2.660e-4, +1.056e-2, +3.214e-3),
    ("case3", "strike-slip"): (0.0, +5.253e-3, 0.0),
    ("case3", "dip-slip"): (0.0, 0.0, 0.0),
    ("case3", "tensile"): (+1.223e-2, 0.0, -1.606e-2),
    ("case4", "strike-slip"): (0.0, -1.303e-3, 0.0),
    ("case4", "dip-slip"): (0.0, 0.0, 0.0),
    ("case4", "tensile"): (+3.507e-3, 0.0, -7.740e-3),
}
SLIP = {"strike-slip": (0.0, 1.0, 0.0), "dip-slip": (90.0, 1.0, 0.0), "tensile": (0.0, 0.0, 1.0)}


def _table2_in_our_frame(case: str, mode: str):
    """Map a Table 2 case to our reference point (above the top-edge midpoint)."""
    rake, slip, opening = SLIP[mode]
    x, y, d, dip, length, width = {
        "case2": (2.0, 3.0, 4.0, 70.0, 3.0, 2.0),
        "case3": (0.0, 0.0, 4.0, 90.0, 3.0, 2.0),
        # dip = -90 is our dip 90 with top at d = 4 and bottom at 6: the same plane seen from
        # the other side, so hanging and foot wall swap and the strike-slip sense flips
        # (rake 0 -> 180); dip-slip and opening are unchanged.
        "case4": (0.0, 0.0, 6.0, 90.0, 3.0, 2.0),
    }[case]
    if case == "case4" and mode == "strike-slip":
        rake = 180.0
    cd, sd = math.cos(math.radians(dip)), math.sin(math.radians(dip))
    return okada_surface_displacement(
        x - length / 2,
        y - width * cd,
        strike_deg=90.0,
        dip_deg=dip,
        rake_deg=rake,
        slip_m=slip,
        length_m=length,
        width_m=width,
        top_depth_m=d - width * sd,
        opening_m=opening,
    )


@pytest.mark.parametrize(("case", "mode"), list(OKADA_TABLE_2))
def test_reproduces_okada_1985_table_2(case, mode):
    got = np.array(_table2_in_our_frame(case, mode), dtype=np.float64)
    expected = np.array(OKADA_TABLE_2[(case, mode)])
    # Half a unit in the 4th printed significant digit.
    tol = np.where(
        expected == 0, 1e-12, 0.5 * 10.0 ** (np.floor(np.log10(np.abs(expected) + 1e-300)) - 3)
    )
    assert np.all(np.abs(got - expected) <= tol), (got, expected)


def _dc3d_reference(x, y, *, strike, dip, rake, slip, length, width, top, opening, poisson):
    """Okada's own DC3D (Fortran, through okada_wrapper) at each point, in our frame."""
    dc3d = pytest.importorskip("okada_wrapper").dc3dwrapper
    alpha = 1.0 / (2.0 * (1.0 - poisson))  # (lambda + mu) / (lambda + 2 mu)
    st, ct = math.sin(math.radians(strike)), math.cos(math.radians(strike))
    u1, u2 = slip * math.cos(math.radians(rake)), slip * math.sin(math.radians(rake))
    out = []
    for xi, yi in zip(x, y):
        s, t = xi * st + yi * ct, -xi * ct + yi * st
        _, u, _ = dc3d(
            alpha,
            [s, t, 0.0],
            top,
            dip,
            [-length / 2, length / 2],
            [-width, 0.0],
            [u1, u2, opening],
        )
        out.append((u[0] * st - u[1] * ct, u[0] * ct + u[1] * st, u[2]))
    return np.array(out).T


@pytest.mark.parametrize("poisson", [0.2, 0.25, 0.3])
def test_agrees_with_dc3d_at_random_parameters(poisson):
    rng = np.random.default_rng(int(poisson * 100))
    for trial in range(12):
        p = dict(
            strike=rng.uniform(0, 360),
            dip=90.0 if trial % 4 == 0 else rng.uniform(5, 90),
            rake=rng.uniform(-180, 180),
            slip=rng.uniform(0.1, 5),
            length=rng.uniform(1e3, 5e4),
            width=rng.uniform(1e3, 2e4),
            top=0.0 if trial % 3 == 0 else rng.uniform(0, 1e4),
            opening=rng.uniform(-1, 1) if trial % 2 else 0.0,
            poisson=poisson,
        )
        x, y = rng.uniform(-6e4, 6e4, (2, 25))
        ref = _dc3d_reference(x, y, **p)
        got = okada_surface_displacement(
            x,
            y,
            strike_deg=p["strike"],
            dip_deg=p["dip"],
            rake_deg=p["rake"],
            slip_m=p["slip"],
            length_m=p["length"],
            width_m=p["width"],
            top_depth_m=p["top"],
            opening_m=p["opening"],
            poisson=poisson,
        )
        np.testing.assert_allclose(np.array(got), ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


def _okada_mpmath(x, y, *, strike, dip, rake, slip, length, width, top, opening, poisson):
    """Slow reference: Okada (1985) eqs. (25)-(30) transcribed term by term, 60 digits."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(60):
        cd, sd = mp.cos(mp.radians(dip)), mp.sin(mp.radians(dip))
        if dip == 90:
            cd, sd = mp.mpf(0), mp.mpf(1)
        st, ct = mp.sin(mp.radians(strike)), mp.cos(mp.radians(strike))
        u1, u2, u3 = slip * mp.cos(mp.radians(rake)), slip * mp.sin(mp.radians(rake)), opening
        c0 = 1 - 2 * mp.mpf(poisson)
        s, t = x * st + y * ct, -x * ct + y * st
        d = top + width * sd
        big_y = t + width * cd
        p, q = big_y * cd + d * sd, big_y * sd - d * cd

        def corner(xi, eta):
            r = mp.sqrt(xi**2 + eta**2 + q**2)
            big_x = mp.sqrt(xi**2 + q**2)
            yt, dt = eta * cd + q * sd, eta * sd - q * cd
            th = mp.atan(xi * eta / (q * r))
            if cd != 0:
                i5 = (
                    2
                    * c0
                    / cd
                    * mp.atan(
                        (eta * (big_x + q * cd) + big_x * (r + big_x) * sd)
                        / (xi * (r + big_x) * cd)
                    )
                )
                i4 = c0 / cd * (mp.log(r + dt) - sd * mp.log(r + eta))
                i3 = c0 * (yt / (cd * (r + dt)) - mp.log(r + eta)) + sd / cd * i4
                i1 = -c0 * xi / (cd * (r + dt)) - sd / cd * i5
            else:
                i1 = -c0 / 2 * xi * q / (r + dt) ** 2
                i3 = c0 / 2 * (eta / (r + dt) + yt * q / (r + dt) ** 2 - mp.log(r + eta))
                i4 = -c0 * q / (r + dt)
                i5 = -c0 * xi * sd / (r + dt)
            i2 = -c0 * mp.log(r + eta) - i3
            a, b = 1 / (r * (r + eta)), 1 / (r * (r + xi))
            k1, k2, k3 = -u1 / (2 * mp.pi), -u2 / (2 * mp.pi), u3 / (2 * mp.pi)
            ux = k1 * (xi * q * a + th + i1 * sd) + k2 * (q / r - i3 * sd * cd)
            ux += k3 * (q**2 * a - i3 * sd**2)
            uy = k1 * (yt * q * a + q * cd / (r + eta) + i2 * sd)
            uy += k2 * (yt * q * b + cd * th - i1 * sd * cd)
            uy += k3 * (-dt * q * b - sd * (xi * q * a - th) - i1 * sd**2)
            uz = k1 * (dt * q * a + q * sd / (r + eta) + i4 * sd)
            uz += k2 * (dt * q * b + sd * th - i5 * sd * cd)
            uz += k3 * (yt * q * b + cd * (xi * q * a - th) - i5 * sd**2)
            return mp.matrix([ux, uy, uz])

        half = length / 2
        u = corner(s + half, p) - corner(s + half, p - width)
        u += corner(s - half, p - width) - corner(s - half, p)
        return (float(u[0] * st - u[1] * ct), float(u[0] * ct + u[1] * st), float(u[2]))


def test_mpmath_reference_reproduces_okada_table_2_case_2():
    cd, sd = math.cos(math.radians(70.0)), math.sin(math.radians(70.0))
    kw = dict(strike=90.0, dip=70.0, rake=0.0, slip=1.0, length=3.0, width=2.0)
    got = _okada_mpmath(0.5, 3.0 - 2 * cd, top=4.0 - 2 * sd, opening=0.0, poisson=0.25, **kw)
    np.testing.assert_allclose(got, OKADA_TABLE_2[("case2", "strike-slip")], rtol=1e-3)


@pytest.mark.parametrize("dip", [89.99, 89.9999, 89.999999])
def test_nearly_vertical_faults_agree_with_a_high_precision_reference(dip):
    # Okada's general I-terms cancel catastrophically as cos(dip) -> 0 (DC3D too).
    rng = np.random.default_rng(11)
    x, y = rng.uniform(-3e4, 3e4, (2, 8))
    p = dict(strike=20.0, dip=dip, rake=60.0, slip=1.0, length=1e4, width=5e3, top=1e3)
    p |= dict(opening=0.3, poisson=0.27)
    ref = np.array([_okada_mpmath(a, b, **p) for a, b in zip(x, y)]).T
    got = okada_surface_displacement(
        x,
        y,
        strike_deg=20.0,
        dip_deg=dip,
        rake_deg=60.0,
        slip_m=1.0,
        length_m=1e4,
        width_m=5e3,
        top_depth_m=1e3,
        opening_m=0.3,
        poisson=0.27,
    )
    np.testing.assert_allclose(np.array(got), ref, rtol=0, atol=1e-6 * np.abs(ref).max())


def test_poisson_ratio_changes_the_answer():
    kw = dict(
        strike_deg=20, dip_deg=40, rake_deg=70, slip_m=1, length_m=1e4, width_m=5e3, top_depth_m=2e3
    )
    a = np.array(okada_surface_displacement(3e3, -4e3, poisson=0.25, **kw))
    b = np.array(okada_surface_displacement(3e3, -4e3, poisson=0.35, **kw))
    assert np.abs(a - b).max() > 1e-3 * np.abs(a).max()


SURFACE_RUPTURE = dict(length_m=2e4, width_m=1e4, top_depth_m=0.0, slip_m=2.0)


@pytest.mark.parametrize("dip", [90.0, 60.0])
@pytest.mark.parametrize("rake", [0.0, 90.0, 180.0])
@pytest.mark.parametrize("opening", [0.0, 1.0])
def test_surface_rupture_is_finite_on_trace_corners_and_beyond(dip, rake, opening):
    s = np.array([-2e4, -1e4, -5e3, 0.0, 5e3, 1e4, 2e4])  # along strike: ends at +-1e4
    for strike in (0.0, 90.0, 37.0):  # aligned with the axes, and not
        st, ct = math.sin(math.radians(strike)), math.cos(math.radians(strike))
        u = okada_surface_displacement(
            s * st,
            s * ct,
            strike_deg=strike,
            dip_deg=dip,
            rake_deg=rake,
            opening_m=opening,
            **SURFACE_RUPTURE,
        )
        assert all(np.isfinite(c).all() for c in u)


@pytest.mark.parametrize("dip", [90.0, 60.0, 30.0])
@pytest.mark.parametrize("rake", [0.0, 90.0, -135.0])
def test_value_on_the_trace_is_the_mean_of_both_sides(dip, rake):
    # Strike 0: the trace is x = 0, |y| <= 1e4; y = +-1.5e4 lie on its extension.
    kw = dict(strike_deg=0.0, dip_deg=dip, rake_deg=rake, opening_m=0.5, **SURFACE_RUPTURE)
    y = np.array([-1.5e4, -3e3, 2e3, 9e3, 1.5e4])
    on = np.array(okada_surface_displacement(0.0, y, **kw))
    east = np.array(okada_surface_displacement(1e-3, y, **kw))
    west = np.array(okada_surface_displacement(-1e-3, y, **kw))
    assert np.abs(east - west)[:, 1:4].max() > 0.5  # the slip discontinuity is there
    np.testing.assert_allclose(on, 0.5 * (east + west), atol=1e-5)


def test_right_lateral_fault_moves_the_east_block_south():
    # Strike 0 dips east (to the right); rake 180 = right-lateral.
    _, north, _ = okada_surface_displacement(
        [1e3, -1e3], [0.0, 0.0], strike_deg=0, dip_deg=90, rake_deg=180, **SURFACE_RUPTURE
    )
    assert north[0] < -0.5 and north[1] > 0.5


def test_thrust_uplifts_the_hanging_wall():
    # Strike 0, dip 30 to the east: the hanging wall is east of the trace.
    _, _, up = okada_surface_displacement(
        5e3,
        0.0,
        strike_deg=0,
        dip_deg=30,
        rake_deg=90,
        slip_m=1,
        length_m=2e4,
        width_m=1e4,
        top_depth_m=1e3,
    )
    assert up > 0.1


def test_vertical_fault_is_unchanged_by_strike_plus_180_with_rake_negated(rng):
    x, y = rng.uniform(-3e4, 3e4, (2, 200))
    kw = dict(
        dip_deg=90.0, slip_m=1.3, length_m=1.5e4, width_m=8e3, top_depth_m=500.0, opening_m=0.2
    )
    a = okada_surface_displacement(x, y, strike_deg=25.0, rake_deg=70.0, **kw)
    b = okada_surface_displacement(x, y, strike_deg=205.0, rake_deg=-70.0, **kw)
    np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-5, atol=1e-7)


def test_rotating_fault_and_points_together_rotates_the_displacement(rng):
    x, y = rng.uniform(-3e4, 3e4, (2, 200))
    alpha = math.radians(50.0)  # rotate clockwise (strike increases) by 50 degrees
    xr = x * math.cos(alpha) + y * math.sin(alpha)
    yr = -x * math.sin(alpha) + y * math.cos(alpha)
    kw = dict(dip_deg=35.0, rake_deg=120.0, slip_m=1.0, length_m=1e4, width_m=6e3, top_depth_m=1e3)
    e, n, u = okada_surface_displacement(x, y, strike_deg=10.0, **kw)
    er, nr, ur = okada_surface_displacement(xr, yr, strike_deg=60.0, **kw)
    np.testing.assert_allclose(er, e * math.cos(alpha) + n * math.sin(alpha), atol=1e-6)
    np.testing.assert_allclose(nr, -e * math.sin(alpha) + n * math.cos(alpha), atol=1e-6)
    np.testing.assert_allclose(ur, u, atol=1e-6)


def test_displacement_is_linear_in_slip_and_opening(rng):
    x, y = rng.uniform(-3e4, 3e4, (2, 100))
    kw = dict(strike_deg=300.0, dip_deg=55.0, length_m=1e4, width_m=6e3, top_depth_m=2e3)
    rake = 35.0
    both = np.array(
        okada_surface_displacement(x, y, rake_deg=rake, slip_m=2.0, opening_m=0.5, **kw)
    )
    ss = np.array(okada_surface_displacement(x, y, rake_deg=0.0, slip_m=1.0, **kw))
    ds = np.array(okada_surface_displacement(x, y, rake_deg=90.0, slip_m=1.0, **kw))
    op = np.array(okada_surface_displacement(x, y, rake_deg=0.0, slip_m=0.0, opening_m=1.0, **kw))
    r = math.radians(rake)
    expected = 2.0 * (math.cos(r) * ss + math.sin(r) * ds) + 0.5 * op
    np.testing.assert_allclose(both, expected, rtol=1e-5, atol=1e-7)


def test_fast_and_corner_by_corner_paths_agree(rng):
    s, t = rng.uniform(-4e4, 4e4, (2, 500))
    for dip in (90.0, 25.0):
        cd, sd = math.cos(math.radians(dip)), math.sin(math.radians(dip))
        if dip == 90.0:
            cd, sd = 0.0, 1.0
        fault = okada_module._Fault(1e4, 5e3, 1e3, cd, sd, 0.4, 0.7, -0.4, 0.3)
        fast = okada_module._displacement(
            okada_module._chinnery_sums_fast(s, t, fault, 1e-6), fault
        )
        slow = okada_module._displacement(
            okada_module._chinnery_sums_careful(s, t, fault, 1e-6), fault
        )
        np.testing.assert_allclose(np.array(fast), np.array(slow), rtol=1e-9, atol=1e-13)


def test_broadcasts_and_returns_float32():
    e, n, u = okada_surface_displacement(
        np.zeros((3, 1)),
        np.zeros((1, 4)),
        strike_deg=0,
        dip_deg=45,
        rake_deg=0,
        slip_m=1,
        length_m=1e3,
        width_m=1e3,
        top_depth_m=1e3,
    )
    assert e.shape == n.shape == u.shape == (3, 4) and e.dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(dip_deg=0.0), "dip_deg must be > 0.0"),
        (dict(dip_deg=95.0), "dip_deg must be <= 90.0"),
        (dict(top_depth_m=-1.0), "top_depth_m must be >= 0.0"),
        (dict(width_m=0.0), "width_m must be > 0.0"),
        (dict(poisson=0.5), "poisson must be < 0.5"),
        (dict(slip_m=float("nan")), "slip_m must be finite"),
    ],
)
def test_rejects_bad_parameters_with_a_clear_message(kwargs, message):
    kw = dict(
        strike_deg=0, dip_deg=45, rake_deg=0, slip_m=1, length_m=1e3, width_m=1e3, top_depth_m=1e3
    )
    kw.update(kwargs)
    with pytest.raises(ValueError, match=message):
        okada_surface_displacement(0.0, 0.0, **kw)


def test_rejects_non_finite_points():
    with pytest.raises(ValueError, match="x_m and y_m must be finite"):
        okada_surface_displacement(
            [0.0, np.nan],
            0.0,
            strike_deg=0,
            dip_deg=45,
            rake_deg=0,
            slip_m=1,
            length_m=1e3,
            width_m=1e3,
            top_depth_m=1e3,
        )


@pytest.mark.parametrize("dip", [0.5, 2.0, 10.0])
def test_opening_sills_at_shallow_dips_agree_with_dc3d(dip):
    # Sills (simulate.volcanic) are tensile rectangles dipping 0.5-10 degrees, below the dips
    # of the random DC3D test above.
    rng = np.random.default_rng(int(dip * 10))
    p = dict(strike=rng.uniform(0, 360), dip=dip, rake=0.0, slip=0.0, length=6e3, width=4e3,
             top=rng.uniform(300, 5e3), opening=rng.uniform(0.1, 2.0), poisson=0.25)  # fmt: skip
    x, y = rng.uniform(-2e4, 2e4, (2, 40))
    got = okada_surface_displacement(
        x, y, strike_deg=p["strike"], dip_deg=dip, rake_deg=0.0, slip_m=0.0,
        length_m=p["length"], width_m=p["width"], top_depth_m=p["top"], opening_m=p["opening"],
    )  # fmt: skip
    ref = _dc3d_reference(x, y, **p)
    np.testing.assert_allclose(np.array(got), ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


# ------------------------------------------------------- several rectangles, compiled (numba)


def _random_rectangles(rng, k):
    return [
        dict(
            x_m=rng.uniform(-5e3, 5e3),
            y_m=rng.uniform(-5e3, 5e3),
            strike_deg=rng.uniform(0, 360),
            dip_deg=dip,
            rake_deg=rng.uniform(-180, 180),
            slip_m=rng.uniform(0.1, 3),
            length_m=rng.uniform(1e3, 2e4),
            width_m=rng.uniform(1e3, 1e4),
            top_depth_m=top,
            opening_m=opening,
            poisson=rng.uniform(0.1, 0.4),
        )  # fmt: skip
        for dip, top, opening in zip(
            rng.choice([rng.uniform(5, 89.9), 90.0, 89.99999, 89.97], k),
            rng.choice([0.0, rng.uniform(0, 5e3)], k),
            rng.choice([0.0, rng.uniform(0, 1)], k),
        )
    ]


def _numpy_sum(x, y, rectangles):
    total = np.zeros((3, *np.shape(x)))
    for r in rectangles:
        kw = {k: v for k, v in r.items() if k not in ("x_m", "y_m")}
        total += okada_surface_displacement(x - r["x_m"], y - r["y_m"], dtype=np.float64, **kw)
    return total


@pytest.mark.parametrize("seed", range(4))
def test_compiled_rectangles_equal_the_numpy_sum_of_their_fields(seed):
    from insar_hf.physics.rectangles import rectangles_displacement

    rng = np.random.default_rng(seed)
    rectangles = _random_rectangles(rng, 3)
    g = np.linspace(-2e4, 2e4, 41)
    x, y = np.meshgrid(g, g)
    expected = _numpy_sum(x, y, rectangles)
    got = np.array(rectangles_displacement(x, y, rectangles))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


def test_compiled_rectangles_are_finite_and_exact_on_a_surface_trace():
    from insar_hf.physics.rectangles import rectangles_displacement

    rect = dict(x_m=0.0, y_m=0.0, strike_deg=0.0, dip_deg=60.0, rake_deg=45.0, slip_m=1.0,
                length_m=8e3, width_m=5e3, top_depth_m=0.0)  # fmt: skip
    y = np.array([-4e3, -2e3, 0.0, 2e3, 4e3, 6e3])  # the trace, its ends and beyond (x = 0)
    got = np.array(rectangles_displacement(np.zeros_like(y), y, [rect]))
    assert np.isfinite(got).all()
    np.testing.assert_array_equal(got, _numpy_sum(np.zeros_like(y), y, [rect]))


def test_compiled_rectangles_keep_one_field_per_rectangle_when_asked():
    from insar_hf.physics.rectangles import rectangles_displacement

    rectangles = _random_rectangles(np.random.default_rng(7), 2)
    x, y = np.zeros((5, 4)), np.linspace(-9e3, 9e3, 20).reshape(5, 4)
    each = np.array(rectangles_displacement(x, y, rectangles, summed=False))  # (3, K, 5, 4)
    assert each.shape == (3, 2, 5, 4)
    np.testing.assert_allclose(each.sum(axis=1), rectangles_displacement(x, y, rectangles))


def test_compiled_rectangles_check_parameters_as_the_numpy_function_does():
    from insar_hf.physics.rectangles import rectangles_displacement

    rect = dict(strike_deg=0.0, dip_deg=95.0, rake_deg=0.0, slip_m=1.0, length_m=1e3,
                width_m=1e3, top_depth_m=0.0)  # fmt: skip
    with pytest.raises(ValueError, match="dip_deg must be <= 90"):
        rectangles_displacement(0.0, 0.0, [rect])

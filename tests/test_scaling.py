"""Source scaling: Hanks & Kanamori moment magnitude, Wells & Coppersmith ruptures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.physics import (
    MECHANISMS,
    magnitude_from_moment,
    moment_from_magnitude,
    moment_from_slip,
    sample_mechanism_angles,
    sample_rupture,
)
from insar_hf.physics.scaling import WELLS_COPPERSMITH_1994


def test_mw_7_is_3_98e19_newton_metres():
    # 10 ** (1.5 * 7 + 9.1) = 10 ** 19.6
    assert moment_from_magnitude(7.0) == pytest.approx(3.981e19, rel=1e-3)


def test_mw_6_is_1_26e18_newton_metres():
    assert moment_from_magnitude(6.0) == pytest.approx(1.259e18, rel=1e-3)


def test_magnitude_moment_round_trip():
    mw = np.linspace(4.0, 9.0, 11)
    np.testing.assert_allclose(magnitude_from_moment(moment_from_magnitude(mw)), mw, atol=1e-12)


def test_magnitude_rejects_non_positive_moment():
    with pytest.raises(ValueError, match="m0_nm must be > 0"):
        magnitude_from_moment(0.0)


def test_moment_from_slip_is_mu_l_w_slip():
    assert moment_from_slip(2.0, 3.0e4, 1.5e4, shear_modulus_pa=3.3e10) == pytest.approx(
        3.3e10 * 3.0e4 * 1.5e4 * 2.0, rel=1e-15
    )


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_sampled_rupture_has_exactly_the_moment_of_its_magnitude(mechanism, rng):
    for mw in (5.0, 6.3, 7.8):
        rupture = sample_rupture(mw, mechanism, rng, shear_modulus_pa=3.2e10, dip_deg=40.0)
        assert rupture.moment_nm(3.2e10) == pytest.approx(moment_from_magnitude(mw), rel=1e-12)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_sampled_rupture_medians_follow_wells_coppersmith(mechanism):
    rng = np.random.default_rng(7)
    mw = 6.0  # widths below the seismogenic cap for every mechanism
    draws = [sample_rupture(mw, mechanism, rng) for _ in range(2000)]
    (a_l, b_l, s_l), (a_w, b_w, s_w) = WELLS_COPPERSMITH_1994[mechanism]
    log_l = np.log10([r.length_m / 1e3 for r in draws])
    log_w = np.log10([r.width_m / 1e3 for r in draws])
    assert np.median(log_l) == pytest.approx(a_l + b_l * mw, abs=0.015)
    assert np.median(log_w) == pytest.approx(a_w + b_w * mw, abs=0.015)
    # Scatter as published (truncated at 2 sigma: the std of the truncated normal is 0.88 s).
    assert np.std(log_l) == pytest.approx(0.88 * s_l, rel=0.1)
    assert np.std(log_w) == pytest.approx(0.88 * s_w, rel=0.1)


def test_width_is_capped_by_the_seismogenic_layer(rng):
    for _ in range(50):
        r = sample_rupture(8.3, "thrust", rng, dip_deg=30.0, seismogenic_thickness_m=20e3)
        assert r.width_m <= 20e3 / math.sin(math.radians(30.0)) * (1 + 1e-12)


def test_sample_rupture_rejects_unknown_mechanism(rng):
    with pytest.raises(ValueError, match="mechanism must be one of"):
        sample_rupture(6.0, "reverse", rng)


@pytest.mark.parametrize(
    ("mechanism", "dips", "rakes"),
    [
        ("strike-slip", (80, 90), ((-15, 15), (165, 180), (-180, -165))),
        ("thrust", (20, 45), ((75, 105),)),
        ("normal", (45, 65), ((-105, -75),)),
        ("oblique", (30, 80), ((25, 65), (115, 155), (-65, -25), (-155, -115))),
    ],
)
def test_mechanism_angles_are_in_their_ranges(mechanism, dips, rakes, rng):
    for _ in range(300):
        strike, dip, rake = sample_mechanism_angles(mechanism, rng)
        assert 0 <= strike < 360 and dips[0] <= dip <= dips[1]
        assert -180 < rake <= 180
        assert any(lo <= rake <= hi for lo, hi in rakes), rake


def test_strike_slip_draws_both_senses(rng):
    rakes = [sample_mechanism_angles("strike-slip", rng)[2] for _ in range(100)]
    assert any(abs(r) < 20 for r in rakes) and any(abs(r) > 160 for r in rakes)

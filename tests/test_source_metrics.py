"""Source metrics: the mechanism rule, the error statistics and the comparison table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.physics.scaling import MECHANISMS, sample_mechanism_angles
from insar_hf.source.estimate import SourceEstimate
from insar_hf.source.metrics import (
    markdown_table,
    mechanism_from_angles,
    source_errors,
    speed_ratio,
)


def _truth(mw, row=100.0, col=100.0, depth=8e3, mechanism="thrust", pixel_m=100.0):
    return {
        "mw": mw,
        "centroid_depth_m": depth,
        "epicentre_row_px": row,
        "epicentre_col_px": col,
        "mechanism": mechanism,
        "pixel_m": pixel_m,
    }


def _estimate(mw, row=100.0, col=100.0, depth=8e3, mechanism="thrust", seconds=1.0, method="x"):
    return SourceEstimate(
        mw=mw,
        centroid_depth_m=depth,
        epicentre_row_px=row,
        epicentre_col_px=col,
        strike_deg=0.0,
        dip_deg=45.0,
        rake_deg=90.0,
        mechanism=mechanism,
        method=method,
        seconds=seconds,
    )


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_mechanism_from_angles_recovers_every_sampled_mechanism(mechanism):
    rng = np.random.default_rng(7)
    for _ in range(500):
        _, dip, rake = sample_mechanism_angles(mechanism, rng)
        assert mechanism_from_angles(rake, dip) == mechanism


def test_mechanism_from_angles_boundaries_and_wrapping():
    assert mechanism_from_angles(-179.0, 88.0) == "strike-slip"  # near 180 across the wrap
    assert mechanism_from_angles(90.0 + 22.4, 30.0) == "thrust"
    assert mechanism_from_angles(90.0 + 22.6, 30.0) == "oblique"
    assert mechanism_from_angles(-90.0 - 22.4, 50.0) == "normal"


@pytest.mark.parametrize(("rake", "dip"), [(math.nan, 45.0), (0.0, 0.0), (0.0, 91.0)])
def test_mechanism_from_angles_refuses_bad_angles(rake, dip):
    with pytest.raises(ValueError, match="must be"):
        mechanism_from_angles(rake, dip)


def test_source_errors_of_perfect_estimates_are_zero():
    truths = [_truth(5.0), _truth(6.5, row=10.0, col=20.0)]
    estimates = [_estimate(5.0), _estimate(6.5, row=10.0, col=20.0)]
    out = source_errors(truths, estimates)
    assert out["mw_mae"] == 0.0 and out["epicentre_km_median"] == 0.0
    assert out["mechanism_accuracy"] == 1.0 and out["confusion"]["thrust"]["thrust"] == 2


def test_source_errors_epicentre_km_uses_the_truths_pixel_spacing():
    # 3-4-5 pixels off at 200 m per pixel: 1 km.
    out = source_errors([_truth(6.0, pixel_m=200.0)], [_estimate(6.0, row=103.0, col=104.0)])
    assert out["epicentre_km_median"] == pytest.approx(1.0)


def test_source_errors_bias_sign_mae_and_magnitude_bins():
    truths = [_truth(5.0), _truth(6.2), _truth(7.2)]
    estimates = [_estimate(5.3), _estimate(6.0), _estimate(7.2)]
    out = source_errors(truths, estimates)
    assert out["mw_mae"] == pytest.approx((0.3 + 0.2) / 3)
    assert out["mw_bias"] == pytest.approx((0.3 - 0.2) / 3)
    assert out["by_mw_bin"]["[4.5, 5.5)"]["mw_bias"] == pytest.approx(0.3)
    assert out["by_mw_bin"]["[5.5, 6)"] == {"n": 0}
    assert out["mw_ge_6"]["n"] == 2 and out["mw_ge_6"]["mw_bias"] == pytest.approx(-0.1)


def test_source_errors_depth_in_km_and_confusion_counts_misclassification():
    out = source_errors(
        [_truth(6.0, depth=5e3, mechanism="normal")],
        [_estimate(6.0, depth=8e3, mechanism="oblique")],
    )
    assert out["depth_mae_km"] == pytest.approx(3.0)
    assert out["mechanism_accuracy"] == 0.0
    assert out["confusion"]["normal"]["oblique"] == 1


def test_source_errors_refuses_mismatched_lengths_and_missing_keys():
    with pytest.raises(ValueError, match="got 1 truths but 2 estimates"):
        source_errors([_truth(5.0)], [_estimate(5.0), _estimate(5.0)])
    bad = _truth(5.0)
    del bad["pixel_m"]
    with pytest.raises(ValueError, match="'pixel_m'"):
        source_errors([bad], [_estimate(5.0)])


def test_markdown_table_marks_goals_and_the_speed_ratio():
    truths = [_truth(6.5), _truth(6.8)]
    good = source_errors(truths, [_estimate(6.5, seconds=0.01), _estimate(6.8, seconds=0.01)])
    bad = source_errors(truths, [_estimate(7.5, seconds=5.0), _estimate(7.8, seconds=5.0)])
    results = {"network": good, "inversion": bad}
    assert speed_ratio(results) == pytest.approx(500.0)
    table = markdown_table(results)
    mae_row = next(line for line in table.splitlines() if "Mw >= 6: Mw MAE" in line)
    assert "0.00 (reached)" in mae_row and "1.00 (missed)" in mae_row
    assert "500x faster" in table and "reached" in table.splitlines()[-1]


def test_markdown_table_without_network_has_no_speed_line():
    out = source_errors([_truth(6.5)], [_estimate(6.5)])
    assert math.isnan(speed_ratio({"inversion": out}))
    assert "faster" not in markdown_table({"inversion": out})

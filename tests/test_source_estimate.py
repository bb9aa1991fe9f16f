"""SourceEstimate: the one result type of both source methods."""

import math

import pytest

from insar_hf.source.estimate import SourceEstimate

ESTIMATE = dict(
    mw=6.21,
    centroid_depth_m=8.4e3,
    epicentre_row_px=101.0,
    epicentre_col_px=96.6,
    strike_deg=315.0,
    dip_deg=42.0,
    rake_deg=-88.0,
    mechanism="normal",
    method="network",
)


def test_description_gives_values_with_their_sigma_in_reader_units():
    text = SourceEstimate(**ESTIMATE, sigma={"mw": 0.25, "centroid_depth_m": 3.1e3}).describe()
    assert text == (
        "Mw 6.21 ± 0.25, centroid depth 8.4 ± 3.1 km, normal (strike 315°, dip 42°, rake -88°), "
        "epicentre at row 101, column 97 (network)"
    )


def test_description_leaves_out_unknown_angles_and_sigmas():
    fields = ESTIMATE | {"strike_deg": math.nan, "dip_deg": math.nan, "method": "inversion"}
    text = SourceEstimate(**fields).describe()
    assert text.startswith("Mw 6.21, centroid depth 8.4 km, normal (rake -88°), epicentre")


def test_an_unknown_mechanism_is_refused():
    with pytest.raises(ValueError, match="mechanism must be one of"):
        SourceEstimate(**ESTIMATE | {"mechanism": "slip"})


def test_as_dict_round_trips():
    estimate = SourceEstimate(**ESTIMATE, sigma={"mw": 0.3}, seconds=0.01, pixel_m=120.0)
    assert SourceEstimate(**estimate.as_dict()) == estimate

"""Source-network targets: encode / decode round trips, scale-free decoding, config storage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.source.epicentre import heat_target
from insar_hf.source.targets import (
    CONFIG_KEY,
    MW_PER_LOG10_PIXEL,
    PATCH_TARGETS,
    REQUIRED_COLUMNS,
    SOURCE_FIELDS,
    TARGETS,
    TargetScaling,
    circular_difference_deg,
    raw_targets,
)


def source_rows(n: int = 50, seed: int = 0) -> dict[str, np.ndarray]:
    """Metadata rows in the generator's ranges (every mechanism, every strike)."""
    rng = np.random.default_rng(seed)
    return {
        "mw": rng.uniform(4.5, 7.5, n),
        "centroid_depth_m": rng.uniform(200.0, 15e3, n),
        "epicentre_row_px": rng.uniform(34.0, 190.0, n),
        "epicentre_col_px": rng.uniform(34.0, 190.0, n),
        "strike_deg": rng.uniform(0.0, 360.0, n),
        "dip_deg": rng.uniform(20.0, 90.0, n),
        "rake_deg": rng.uniform(-179.0, 180.0, n),
        "pixel_m": np.exp(rng.uniform(np.log(30.0), np.log(1500.0), n)),
    }


@pytest.fixture(scope="module")
def scaling() -> TargetScaling:
    return TargetScaling.fit(source_rows(200, seed=1))


@pytest.mark.parametrize("with_pixel_m", [True, False])
def test_decode_inverts_encode(scaling, with_pixel_m):
    rows = source_rows()
    w = heat_target(rows["epicentre_row_px"], rows["epicentre_col_px"], grid=14, patch_size=16)
    heat = np.log(w.astype(np.float64) + 1e-30).reshape(-1, 14, 14)  # the exact heat map
    pixel_m = rows["pixel_m"] if with_pixel_m else None
    fields = scaling.decode(scaling.encode(rows), pixel_m, heat)
    for name in SOURCE_FIELDS:
        want, got = rows[name], fields[name]
        if name in ("strike_deg", "rake_deg"):
            got = want + circular_difference_deg(got, want)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3, err_msg=name)


def test_encoded_training_targets_are_standardised(scaling):
    encoded = scaling.encode(source_rows(200, seed=1))
    heat = [TARGETS.index(name) for name in PATCH_TARGETS]
    regression = [i for i in range(len(TARGETS)) if i not in heat]
    np.testing.assert_allclose(encoded[:, regression].mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(encoded[:, regression].std(axis=0), 1.0, atol=1e-4)
    assert (encoded[:, heat] == 0).all()  # the [CLS] value of a heat map is held at 0


def test_without_a_heat_map_the_epicentre_is_unknown(scaling):
    fields = scaling.decode(scaling.encode(source_rows(2)), 100.0)
    assert np.isnan(fields["epicentre_row_px"]).all() and np.isfinite(fields["mw"]).all()


def test_scale_free_magnitude_grows_with_the_pixel_spacing(scaling):
    outputs = scaling.encode(source_rows(1))
    mw_100 = scaling.decode(outputs, 100.0)["mw"][0]
    mw_1000 = scaling.decode(outputs, 1000.0)["mw"][0]
    assert mw_1000 - mw_100 == pytest.approx(MW_PER_LOG10_PIXEL, rel=1e-9)


def test_scale_free_depth_is_proportional_to_the_pixel_spacing(scaling):
    outputs = scaling.encode(source_rows(1))
    d1, d3 = (scaling.decode(outputs, px)["centroid_depth_m"][0] for px in (50.0, 150.0))
    assert d3 / d1 == pytest.approx(3.0, rel=1e-9)


def test_unknown_pixel_spacing_falls_back_to_the_plain_heads(scaling):
    rows = source_rows(3)
    outputs = scaling.encode(rows)
    outputs[:, TARGETS.index("mw_scale_free")] += 5.0  # a wrong scale-free head ...
    fields = scaling.decode(outputs, [np.nan, np.nan, rows["pixel_m"][2]])
    np.testing.assert_allclose(fields["mw"][:2], rows["mw"][:2], atol=1e-6)  # ... is unused
    assert abs(fields["mw"][2] - rows["mw"][2]) > 1.0


def test_a_field_left_out_of_scale_free_keeps_its_plain_head(scaling):
    import dataclasses

    rows = source_rows(2)
    outputs = scaling.encode(rows)
    outputs[:, TARGETS.index("log10_depth_px")] += 3.0  # a wrong scale-free depth head ...
    plain_depth = dataclasses.replace(scaling, scale_free=("mw",))
    fields = plain_depth.decode(outputs, rows["pixel_m"])
    np.testing.assert_allclose(fields["centroid_depth_m"], rows["centroid_depth_m"], rtol=1e-6)
    assert TargetScaling.from_dict(plain_depth.as_dict()).scale_free == ("mw",)


def test_strike_takes_the_half_turn_of_the_single_angle_head(scaling):
    t = {name: 0.0 for name in TARGETS}
    t.update(sin_strike=math.sin(math.radians(190)), cos_strike=math.cos(math.radians(190)))
    t.update(sin_2strike=math.sin(math.radians(40)), cos_2strike=math.cos(math.radians(40)))
    raw = np.array([[t[name] for name in TARGETS]])
    outputs = (raw - np.array(scaling.mean)) / np.array(scaling.std)
    assert scaling.decode(outputs)["strike_deg"][0] == pytest.approx(200.0, abs=1e-6)


def test_raw_targets_refuse_rows_without_an_earthquake():
    rows = source_rows(2)
    rows["mw"][1] = np.nan
    with pytest.raises(ValueError, match=r"non-finite \['mw'\].*earthquake scenes only"):
        raw_targets(rows)


def test_raw_targets_name_a_missing_column():
    rows = source_rows(2)
    del rows["pixel_m"]
    with pytest.raises(ValueError, match=r"metadata column\(s\) \['pixel_m'\]"):
        raw_targets(rows)
    assert "pixel_m" in REQUIRED_COLUMNS


def test_decode_refuses_outputs_of_the_wrong_width(scaling):
    with pytest.raises(ValueError, match=f"shape \\(N, {len(TARGETS)}\\)"):
        scaling.decode(np.zeros((2, 3)))


def test_scaling_from_another_version_is_refused(scaling):
    data = scaling.as_dict()
    data["names"] = data["names"][::-1]
    with pytest.raises(ValueError, match="retrain the source model"):
        TargetScaling.from_dict(data)


def test_sigma_survives_the_dict_round_trip(scaling):
    measured = scaling.with_sigma({"mw": 0.1}, {"mw": 0.4})
    back = TargetScaling.from_dict(measured.as_dict())
    assert back == measured and back.sigma(True) == {"mw": 0.1} and back.sigma(False)["mw"] == 0.4


def test_scaling_survives_save_pretrained_and_auto_config(scaling, tmp_path):
    from transformers import AutoConfig, ViTConfig

    config = ViTConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=4)
    measured = scaling.with_sigma({"mw": 0.12}, {"mw": 0.5})
    measured.to_config(config)
    config.save_pretrained(tmp_path)
    assert TargetScaling.from_config(AutoConfig.from_pretrained(tmp_path)) == measured
    assert TargetScaling.from_config(ViTConfig.from_pretrained(tmp_path)) == measured


def test_a_config_without_targets_is_not_a_source_model():
    from transformers import ViTConfig

    with pytest.raises(ValueError, match=f"no {CONFIG_KEY!r}: it is not a source-estimation"):
        TargetScaling.from_config(ViTConfig())

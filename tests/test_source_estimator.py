"""SourceEstimator: loading, decoding through the network, inputs, and the plain HF paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from source_fixtures import answering_source_model
from test_source_targets import source_rows

from insar_hf.model.checkpoint import ModelSourceError
from insar_hf.render import render_interferogram
from insar_hf.source.estimate import SourceEstimate
from insar_hf.source.estimator import SourceEstimator
from insar_hf.source.targets import SOURCE_FIELDS, TARGETS, TargetScaling

TRUTH = {k: v[:1] for k, v in source_rows(1, seed=7).items()}
SIGMA_WITH, SIGMA_WITHOUT = {"mw": 0.1, "dip_deg": 5.0}, {"mw": 0.4, "dip_deg": 5.0}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A vit-micro source model that answers ``TRUTH`` whatever the image."""
    scaling = TargetScaling.fit(source_rows(100, seed=3)).with_sigma(SIGMA_WITH, SIGMA_WITHOUT)
    model = answering_source_model(scaling, TRUTH)
    out = tmp_path_factory.mktemp("source_model")
    model.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def estimator(model_dir):
    return SourceEstimator.from_pretrained(model_dir, device="cpu")


def wrapped_field(seed: int = 0) -> np.ndarray:
    y, x = np.mgrid[0:96, 0:96] / 96.0
    return (np.random.default_rng(seed).uniform(1, 3) * 20 * (x - 0.5) * (y - 0.3)).astype(
        np.float32
    )


def test_estimate_decodes_the_network_output_with_the_pixel_spacing(estimator):
    image = render_interferogram(wrapped_field(), "wrapped")
    est = estimator.estimate(image, pixel_m=float(TRUTH["pixel_m"][0]))
    assert isinstance(est, SourceEstimate) and est.method == "network"
    for name in SOURCE_FIELDS:
        want = float(TRUTH[name][0])
        got = getattr(est, name)
        if name in ("strike_deg", "rake_deg"):
            got = want + ((got - want + 180.0) % 360.0 - 180.0)
        assert got == pytest.approx(want, rel=1e-4, abs=1e-3), name


def test_the_epicentre_is_decoded_from_the_patch_tokens_of_the_head(model_dir, estimator):
    """Oracle: ViTModel's own last_hidden_state through the head, then decode_epicentre."""
    from transformers import AutoModelForImageClassification

    from insar_hf.model.presets import pixel_values_from_images
    from insar_hf.source.epicentre import decode_epicentre

    model = AutoModelForImageClassification.from_pretrained(model_dir).eval()
    image = render_interferogram(wrapped_field(5), "wrapped")
    with torch.inference_mode():
        tokens = model.vit(pixel_values=pixel_values_from_images([image])).last_hidden_state
        heat = model.classifier(tokens[:, 1:])[..., TARGETS.index("epicentre_heat")]  # (1, 196)
    row, col = decode_epicentre(heat.reshape(1, 14, 14).numpy(), patch_size=16)
    est = estimator.estimate(image)
    assert (est.epicentre_row_px, est.epicentre_col_px) == pytest.approx((row[0], col[0]))
    assert (row[0], col[0]) == pytest.approx(
        (TRUTH["epicentre_row_px"][0], TRUTH["epicentre_col_px"][0]), abs=1e-3
    )


def test_estimate_carries_the_sigma_of_its_decode(estimator):
    image = render_interferogram(wrapped_field(), "wrapped")
    assert estimator.estimate(image, pixel_m=100.0).sigma == SIGMA_WITH
    assert estimator.estimate(image).sigma == SIGMA_WITHOUT


def test_estimate_batches_a_list_of_mixed_inputs(estimator, tmp_path):
    path = tmp_path / "scene.png"
    render_interferogram(wrapped_field(1), "wrapped").save(path)
    inputs = [path, wrapped_field(2), render_interferogram(wrapped_field(3), "unwrapped")]
    out = estimator.estimate(inputs, kind="wrapped", pixel_m=[50.0, 100.0, None], batch_size=2)
    assert [type(e) for e in out] == [SourceEstimate] * 3
    assert all(e.seconds > 0 for e in out)
    assert [np.isnan(e.pixel_m) for e in out] == [False, False, True]


def test_mechanism_follows_the_decoded_rake(estimator):
    from insar_hf.source.metrics import mechanism_from_angles

    est = estimator.estimate(render_interferogram(wrapped_field(), "wrapped"))
    assert est.mechanism == mechanism_from_angles(est.rake_deg, est.dip_deg)


def test_pixel_spacing_of_the_wrong_length_is_refused(estimator):
    image = render_interferogram(wrapped_field(), "wrapped")
    with pytest.raises(ValueError, match=r"one number or one per input \(2\); got 3"):
        estimator.estimate([image, image], pixel_m=[1.0, 2.0, 3.0])


def test_array_input_without_kind_is_refused_as_the_detector_does(estimator):
    from insar_hf.inference.inputs import InputError

    with pytest.raises(InputError, match="kind must be one of"):
        estimator.estimate(wrapped_field())


def test_a_detector_is_not_a_source_model(tmp_path):
    from insar_hf.model.presets import build_model

    build_model("vit-micro", id2label={0: "a", 1: "b"}, label2id={"a": 0, "b": 1}).save_pretrained(
        tmp_path
    )
    with pytest.raises(ValueError, match="not a source-estimation model"):
        SourceEstimator.from_pretrained(tmp_path)


def test_a_missing_folder_is_a_model_source_error(tmp_path):
    with pytest.raises(ModelSourceError):
        SourceEstimator.from_pretrained(tmp_path / "nothing")


def test_auto_class_gives_the_same_raw_outputs(model_dir, estimator):
    from transformers import AutoModelForImageClassification

    model = AutoModelForImageClassification.from_pretrained(model_dir).eval()
    image = np.array(render_interferogram(wrapped_field(), "wrapped"))[None]  # (1, S, S, 3)
    from insar_hf.model.presets import pixel_values_from_images

    with torch.inference_mode():
        logits = model(pixel_values=pixel_values_from_images(image)).logits.numpy()
    np.testing.assert_allclose(logits, estimator.outputs(image)[0], rtol=1e-5, atol=1e-5)
    assert model.config.problem_type == "regression" and model.config.num_labels == len(TARGETS)


def test_pipeline_scores_are_the_raw_regression_outputs(model_dir, estimator):
    from transformers import pipeline

    from insar_hf.model.presets import build_image_processor

    pipe = pipeline(
        "image-classification", model=str(model_dir), image_processor=build_image_processor()
    )
    image = render_interferogram(wrapped_field(), "wrapped")
    scores = {d["label"]: d["score"] for d in pipe(image, top_k=len(TARGETS))}
    raw = estimator.outputs([image])[0][0]
    assert set(scores) == set(TARGETS)
    np.testing.assert_allclose([scores[n] for n in TARGETS], raw, rtol=1e-5, atol=1e-5)


def test_rgba_image_with_holes_is_refused_like_the_detector(estimator):
    from insar_hf.inference.inputs import InputError

    rgba = Image.new("RGBA", (64, 64), (10, 200, 255, 0))
    with pytest.raises(InputError, match="transparent"):
        estimator.estimate(rgba)


def test_a_product_gives_its_own_pixel_spacing(estimator, tmp_path):
    from real_fixtures import quiet_los_m, write_licsar

    from insar_hf.inference.inputs import prepare_input

    los_m = quiet_los_m((150, 260), np.random.default_rng(3))
    folder = write_licsar(tmp_path, "20230120", "20230213", los_m, with_enu=False)
    path = folder / "20230120_20230213.geo.unw.tif"
    spacing = prepare_input(path, kind=None, units="rad", wavelength_m=None, size=224).pixel_m
    own = estimator.estimate(path)
    assert own.pixel_m == pytest.approx(spacing) and own.sigma == SIGMA_WITH
    given = estimator.estimate(path, pixel_m=spacing)
    assert (own.mw, own.centroid_depth_m) == pytest.approx((given.mw, given.centroid_depth_m))

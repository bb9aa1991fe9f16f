"""Explanation maps: gradient relevance, occlusion, rollout with discard, the saved choice."""

import json

import numpy as np
import pytest
import torch
from test_detector import _model_outputs, _noise_image, _save_tiny_vit

from insar_hf.inference.attention import attention_rollout
from insar_hf.inference.detector import Detector
from insar_hf.inference.explain import MAP_METHODS, MapSettings, explain
from insar_hf.inference.map_choice import (
    DEFAULT_BOX_THRESHOLD,
    MapChoice,
    load_map_choice,
    save_map_choice,
)
from insar_hf.inference.occlusion import occlusion_map
from insar_hf.inference.relevance import gradient_relevance
from insar_hf.model.presets import pixel_values_from_images


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return _save_tiny_vit(tmp_path_factory.mktemp("tiny-vit-explain"))


@pytest.fixture(scope="module")
def detector(model_dir):
    return Detector.from_pretrained(model_dir, device="cpu")


def _softmax_rows(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ------------------------------------------------------------------ gradient relevance


def test_gradient_relevance_follows_the_published_update_rule():
    rng = np.random.default_rng(3)
    att = [_softmax_rows(rng.normal(size=(2, 3, 5, 5))) for _ in range(3)]
    grad = [rng.normal(size=(2, 3, 5, 5)) for _ in range(3)]
    expected = np.zeros((2, 4))
    for b in range(2):  # R = I; R <- R + mean_h(relu(grad * A)) @ R, layer by layer
        relevance = np.eye(5)
        for a, g in zip(att, grad):
            relevance = relevance + np.maximum(g[b] * a[b], 0).mean(axis=0) @ relevance
        expected[b] = relevance[0, 1:]
    got = gradient_relevance([torch.tensor(a) for a in att], [torch.tensor(g) for g in grad])
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)


def test_gradient_relevance_is_the_identity_row_when_no_attention_raises_the_score():
    att = [torch.full((1, 2, 5, 5), 0.2)]
    got = gradient_relevance(att, [-torch.ones(1, 2, 5, 5)])  # every product negative
    assert torch.equal(got, torch.zeros(1, 4))  # the [CLS] row of I over the patches


def test_gradient_relevance_rejects_mismatched_layers():
    with pytest.raises(ValueError, match="one gradient per attention layer; got 2 layers and 1"):
        gradient_relevance([torch.zeros(1, 1, 5, 5)] * 2, [torch.zeros(1, 1, 5, 5)])


def test_relevance_uses_the_gradient_of_the_log_odds_of_the_models_own_attentions(detector):
    image = _noise_image(5)
    pixels = pixel_values_from_images([image])
    with torch.enable_grad():
        out = detector.model(pixel_values=pixels, output_attentions=True)
        log_odds = out.logits[0, 1] - out.logits[0, 0]
        grads = torch.autograd.grad(log_odds, out.attentions)
    expected = gradient_relevance(out.attentions, grads).reshape(1, 14, 14)
    got = explain(detector.model, pixels, MapSettings(method="relevance")).maps
    torch.testing.assert_close(got, expected)


def test_maps_of_a_batch_equal_the_maps_of_each_image_alone(detector):
    images = [_noise_image(1), _noise_image(2)]
    for method in ("relevance", "rollout_discard"):
        settings = detector.settings(method)
        together = detector.explain(images, settings)[2]
        alone = np.concatenate([detector.explain([im], settings)[2] for im in images])
        np.testing.assert_allclose(together, alone, atol=1e-5)


# ------------------------------------------------------------------ occlusion


def _linear_score(weights):
    return lambda x: (x * weights).sum(dim=(1, 2, 3))


def test_occlusion_of_a_linear_score_is_the_weighted_change_of_each_patch():
    torch.manual_seed(0)
    pixels, fill, weights = torch.randn(2, 1, 8, 8), torch.randn(1, 8, 8), torch.randn(1, 8, 8)
    got = occlusion_map(_linear_score(weights), pixels, fill, patch_size=2)
    change = ((pixels - fill) * weights).reshape(2, 4, 2, 4, 2).sum(dim=(2, 4))  # per patch
    torch.testing.assert_close(got, change)


def test_occlusion_with_blocks_averages_the_drops_of_the_squares_covering_each_patch():
    torch.manual_seed(1)
    pixels, fill, weights = torch.randn(1, 1, 8, 8), torch.zeros(1, 8, 8), torch.randn(1, 8, 8)
    got = occlusion_map(_linear_score(weights), pixels, fill, patch_size=2, block=2, max_batch=3)
    per_patch = (pixels * weights).reshape(4, 2, 4, 2).sum(dim=(1, 3)).numpy()
    expected, cover = np.zeros((4, 4)), np.zeros((4, 4))
    for r in range(3):
        for c in range(3):
            expected[r : r + 2, c : c + 2] += per_patch[r : r + 2, c : c + 2].sum()
            cover[r : r + 2, c : c + 2] += 1
    np.testing.assert_allclose(got[0].numpy(), expected / cover, rtol=1e-5, atol=1e-5)


def test_occlusion_rejects_a_block_larger_than_the_grid():
    with pytest.raises(ValueError, match=r"block must lie in \[1, 4\] patches; got 5"):
        occlusion_map(
            _linear_score(1.0), torch.zeros(1, 1, 8, 8), torch.zeros(1, 8, 8), patch_size=2, block=5
        )


def test_occlusion_map_of_the_detector_blanks_patches_with_no_data(detector):
    image = _noise_image(7)
    pixels = pixel_values_from_images([image])
    got = explain(
        detector.model,
        pixels,
        MapSettings(method="occlusion"),
        image_processor=detector.image_processor,
    ).maps
    blanked = pixels.clone()
    black = pixel_values_from_images([np.zeros((224, 224, 3), np.uint8)])[0]
    blanked[0, :, 32:48, 80:96] = black[:, 32:48, 80:96]  # patch row 2, column 5
    with torch.inference_mode():
        logits = detector.model(pixel_values=torch.cat([pixels, blanked])).logits
    drop = (logits[0, 1] - logits[0, 0]) - (logits[1, 1] - logits[1, 0])
    assert float(got[0, 2, 5]) == pytest.approx(float(drop), abs=1e-4)


# ------------------------------------------------------------------ rollout with discard


def test_rollout_with_no_discard_is_plain_rollout_and_rows_still_sum_to_one(detector):
    _, att = _model_outputs(detector, _noise_image(3))
    torch.testing.assert_close(attention_rollout(att, discard_ratio=0.0), attention_rollout(att))
    kept = attention_rollout(att, discard_ratio=0.9)
    torch.testing.assert_close(kept.sum(dim=-1), torch.ones(kept.shape[:-1]))


def test_discard_drops_the_weakest_weights_but_never_the_cls_column():
    att = torch.softmax(torch.randn(2, 3, 5, 5, generator=torch.Generator().manual_seed(2)), -1)
    got = attention_rollout([att], discard_ratio=0.5).numpy()
    for b in range(2):  # one layer: rows of 0.5 * kept + 0.5 * I, renormalised
        fused = att[b].mean(dim=0).numpy()
        off = np.ones((5, 5), dtype=bool)
        off[:, 0] = False  # the [CLS] column is never discarded
        weakest = np.argsort(np.where(off, fused, np.inf), axis=None)[:10]  # 0.5 of 5 * 4
        kept = fused.copy()
        kept.flat[weakest] = 0.0
        residual = 0.5 * kept + 0.5 * np.eye(5)
        np.testing.assert_allclose(got[b], residual / residual.sum(-1, keepdims=True), rtol=1e-5)


# ------------------------------------------------------------------ the patch map


def test_patch_map_is_the_classifiers_log_odds_of_each_last_layer_patch_token(detector):
    pixel_values = pixel_values_from_images([_noise_image(s) for s in (1, 2)])
    model = detector.model
    with torch.inference_mode():
        tokens = model.vit(pixel_values=pixel_values).last_hidden_state[:, 1:]  # (2, 196, 32)
        logits = model.classifier(tokens)  # (2, 196, 2): the [CLS] head on every patch token
    want = (logits[..., 1] - logits[..., 0]).reshape(2, 14, 14)
    got = explain(model, pixel_values, MapSettings(method="patch"))
    torch.testing.assert_close(got.maps, want, rtol=1e-5, atol=1e-5)
    # the forward pass is the same one: the probabilities are the model's own
    torch.testing.assert_close(got.probabilities, model(pixel_values).logits.softmax(-1))


def test_patch_map_follows_a_head_that_reads_one_token_feature(detector, model_dir):
    """A head that scores feature 0 of the normalised token: the map is that feature's grid."""
    from insar_hf.model.presets import load_model

    model = load_model(str(model_dir))
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.weight[1, 0] = 2.0  # earthquake logit = 2 * feature 0
    pixel_values = pixel_values_from_images([_noise_image(4)])
    with torch.inference_mode():
        feature = model.vit(pixel_values=pixel_values).last_hidden_state[0, 1:, 0]  # (196,)
    got = explain(model, pixel_values, MapSettings(method="patch")).maps[0]
    torch.testing.assert_close(got, 2.0 * feature.reshape(14, 14), rtol=1e-5, atol=1e-5)


def test_map_settings_reject_unknown_values():
    with pytest.raises(ValueError, match="method must be one of"):
        MapSettings(method="gradcam")
    with pytest.raises(ValueError, match=r"discard_ratio must lie in \[0, 1\); got 1.0"):
        MapSettings(discard_ratio=1.0)


# ------------------------------------------------------------------ the saved choice


def test_map_choice_round_trips_and_sets_the_detectors_default(model_dir, tmp_path):
    choice = MapChoice(method="relevance", box_threshold=0.3, box_thresholds={"layer": 0.7})
    save_map_choice(choice, model_dir)
    try:
        assert load_map_choice(model_dir) == choice
        loaded = Detector.from_pretrained(model_dir, device="cpu")
        image = _noise_image(4)
        default = loaded.predict(image)
        explicit = loaded.predict(image, method="relevance", threshold=0.3)
        np.testing.assert_array_equal(default.combined_map, explicit.combined_map)
        assert default.boxes == explicit.boxes
        assert choice.level("layer") == 0.7 and choice.level("occlusion") == DEFAULT_BOX_THRESHOLD
    finally:
        (model_dir / "localisation.json").unlink()
    assert load_map_choice(tmp_path) == MapChoice()  # none saved: the defaults


def test_a_broken_choice_file_is_named_in_the_error(tmp_path):
    (tmp_path / "localisation.json").write_text(json.dumps({"method": "rollout"}))
    with pytest.raises(ValueError, match="localisation.json is not a valid localisation choice"):
        load_map_choice(tmp_path)
    with pytest.raises(ValueError, match="box_threshold of layer must lie in"):
        MapChoice(box_thresholds={"layer": 0.0})


def test_the_cli_offers_every_map_method():
    import argparse

    from insar_hf.commands import predict

    parser = argparse.ArgumentParser()
    predict.add_arguments(parser)
    action = next(a for a in parser._actions if "--method" in a.option_strings)
    assert tuple(action.choices) == MAP_METHODS


# ------------------------------------------------------------------ the frame's map


def test_scan_of_a_one_window_frame_maps_probability_times_the_windows_map(detector):
    rows, cols = np.mgrid[0:224, 0:224]
    phase = (0.003 * ((rows - 70.0) ** 2 + (cols - 160.0) ** 2)).astype(np.float32)
    scan = detector.scan(phase, kind="wrapped", method="relevance", progress=False)
    alone = detector.predict(phase, kind="wrapped", method="relevance")
    assert len(scan.window_origins) == 1
    expected = alone.probability * alone.combined_map
    np.testing.assert_allclose(scan.attention, expected, rtol=1e-4, atol=1e-6)


def test_scan_map_is_nan_where_no_window_could_be_judged(detector):
    phase = np.full((224, 448), np.nan, dtype=np.float32)
    rows, cols = np.mgrid[0:224, 0:224]
    phase[:, :224] = 0.003 * ((rows - 70.0) ** 2 + (cols - 100.0) ** 2)
    scan = detector.scan(phase, kind="wrapped", stride=224, progress=False)
    assert np.isfinite(scan.attention[:, :224]).all()
    assert np.isnan(scan.attention[:, 224:]).all()

"""The epicentre heat map: its bilinear target, its decoding, its loss in the source trainer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_source_targets import source_rows

from insar_hf.source.epicentre import decode_epicentre, heat_target, patch_centres_px
from insar_hf.source.targets import TARGETS, TargetScaling

CENTRES = patch_centres_px(14, 16.0)  # 8, 24, ..., 216


def _positions(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.uniform(8.0, 216.0, n), rng.uniform(8.0, 216.0, n)


def test_target_rows_sum_to_one_and_their_mean_centre_is_the_epicentre():
    row, col = _positions()
    w = heat_target(row, col, grid=14, patch_size=16).reshape(-1, 14, 14).astype(np.float64)
    np.testing.assert_allclose(w.sum(axis=(1, 2)), 1.0, atol=1e-6)
    assert (w >= 0).all() and ((w > 0).sum(axis=(1, 2)) <= 4).all()
    np.testing.assert_allclose((w.sum(axis=2) * CENTRES).sum(axis=1), row, atol=1e-4)
    np.testing.assert_allclose((w.sum(axis=1) * CENTRES).sum(axis=1), col, atol=1e-4)


def test_decoding_the_log_target_gives_back_the_epicentre():
    row, col = _positions(seed=1)
    w = heat_target(row, col, grid=14, patch_size=16).astype(np.float64)
    got_row, got_col = decode_epicentre(np.log(w + 1e-30).reshape(-1, 14, 14), patch_size=16)
    np.testing.assert_allclose(got_row, row, atol=1e-6)
    np.testing.assert_allclose(got_col, col, atol=1e-6)


def test_a_single_hot_patch_decodes_to_its_centre():
    heat = np.full((1, 14, 14), -100.0)
    heat[0, 3, 11] = 0.0
    row, col = decode_epicentre(heat, patch_size=16)
    assert (row[0], col[0]) == pytest.approx((3.5 * 16, 11.5 * 16))


def test_the_window_is_cut_at_the_image_edge():
    heat = np.full((1, 14, 14), -100.0)
    heat[0, 0, 0] = heat[0, 0, 1] = 0.0  # two equal patches on the top edge
    row, col = decode_epicentre(heat, patch_size=16)
    assert (row[0], col[0]) == pytest.approx((8.0, 16.0))


def test_an_epicentre_beyond_the_outer_centres_lands_on_the_edge_patch():
    w = heat_target([2.0], [220.0], grid=14, patch_size=16).reshape(14, 14)
    assert w[0, 13] == pytest.approx(1.0)


def test_the_epicentre_loss_is_the_cross_entropy_of_the_patch_softmax():
    from insar_hf.training.source_batches import epicentre_loss

    logits = torch.randn(3, 196, generator=torch.Generator().manual_seed(0), requires_grad=True)
    row, col = _positions(3, seed=2)
    target = torch.from_numpy(heat_target(row, col, grid=14, patch_size=16))
    epicentre_loss(logits, target).backward()
    want = (logits.softmax(dim=1) - target) / 3  # d/dz of the mean cross-entropy
    torch.testing.assert_close(logits.grad, want.detach(), rtol=1e-5, atol=1e-7)


def test_the_source_loss_adds_the_weighted_heat_loss_to_the_models_mse(tmp_path):
    import torch.nn.functional as F

    from insar_hf.training.arguments import ModelArguments
    from insar_hf.training.source_batches import source_trainer_class
    from insar_hf.training.source_training import SourceTrainingArguments, build_source_model

    rows = source_rows(4, seed=3)
    scaling = TargetScaling.fit(source_rows(50, seed=4))
    torch.manual_seed(0)
    model = build_source_model(ModelArguments(preset="vit-micro"), scaling).eval()
    args = SourceTrainingArguments(
        output_dir=str(tmp_path), report_to="none", use_cpu=True, eval_strategy="no",
        save_strategy="no", load_best_model_at_end=False, epicentre_loss_weight=0.3,
    )  # fmt: skip
    target = heat_target(rows["epicentre_row_px"], rows["epicentre_col_px"], grid=14, patch_size=16)
    batch = {
        "pixel_values": torch.rand(4, 3, 224, 224, generator=torch.Generator().manual_seed(1)),
        "labels": torch.from_numpy(scaling.encode(rows)),
        "epicentre_heat": torch.from_numpy(target),
    }
    loss = source_trainer_class()(model=model, args=args).compute_loss(model, dict(batch))
    with torch.no_grad():
        out = model.classifier(model.vit(pixel_values=batch["pixel_values"]).last_hidden_state)
    mse = F.mse_loss(out[:, 0], batch["labels"])
    heat = out[:, 1:, TARGETS.index("epicentre_heat")]  # (4, 196)
    ce = -(batch["epicentre_heat"] * heat.log_softmax(dim=1)).sum(dim=1).mean()
    torch.testing.assert_close(loss, mse + 0.3 * ce, rtol=1e-5, atol=1e-6)


def test_the_detectors_patch_loss_is_refused_for_the_source_model(tmp_path):
    from insar_hf.training.source_training import SourceTrainingArguments

    with pytest.raises(ValueError, match="locates its epicentre with --epicentre_loss_weight"):
        SourceTrainingArguments(output_dir=str(tmp_path), patch_loss_weight=1.0)

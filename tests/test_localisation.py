import json

import numpy as np
import pytest
from PIL import Image
from test_detector import _save_tiny_vit

from insar_hf.inference.explain import MAP_METHODS
from insar_hf.inference.localisation import (
    choose_box_threshold,
    localisation_metrics,
    random_maps,
    score_maps,
)


def _square_masks(n, size=224, box=(40, 60, 120, 140)):
    x0, y0, x1, y1 = box
    masks = np.zeros((n, size, size), dtype=bool)
    masks[:, y0:y1, x0:x1] = True
    return masks, np.tile(np.array(box), (n, 1))


def test_map_equal_to_the_mask_scores_perfectly():
    masks, boxes = _square_masks(3)
    scores = score_maps(masks.astype(np.float32), masks, boxes)
    assert scores == {
        "pointing_game": 1.0,
        "iou_top_box": 1.0,
        "iou_at_0_5": 1.0,
        "box_centre_hit": 1.0,
        "top_box_area": pytest.approx(80 * 80 / 224**2),
        "top_box_over_half": 0.0,
        "tight_iou": 1.0,
        "mass_in_mask": 1.0,
        "recall_at_0_3": 1.0,
        "recall_at_0_5": 1.0,
    }


def _two_blobs(n=2):
    """Maps with a strong blob away from the mask and a weaker one exactly on it."""
    masks, boxes = _square_masks(n)
    maps = np.zeros_like(masks, dtype=np.float32)
    maps[:, 180:200, 180:200] = 1.0  # the top box: wrong place
    maps[:, 60:140, 40:120] = 0.6  # the second box: exactly the true one
    return maps, masks, boxes


def test_recall_counts_a_lower_ranked_box_that_finds_the_deformation():
    maps, masks, boxes = _two_blobs()
    scores = score_maps(maps, masks, boxes, threshold=0.5)
    assert scores["iou_top_box"] == 0.0 and scores["pointing_game"] == 0.0
    assert scores["recall_at_0_3"] == 1.0 and scores["recall_at_0_5"] == 1.0


def test_box_level_chosen_is_the_one_whose_top_box_fits_best():
    masks, boxes = _square_masks(2)
    maps = np.zeros_like(masks, dtype=np.float32)
    maps[:, 60:140, 40:120] = 0.5  # the true box at half height ...
    maps[:, 90:110, 70:90] = 1.0  # ... around a small peak
    level, iou = choose_box_threshold(maps, boxes, candidates=(0.3, 0.5, 0.8))
    assert (level, iou) == (0.3, 1.0)  # 0.8 boxes the peak alone (IoU 400 / 6400)
    assert choose_box_threshold(maps, boxes, candidates=(0.8,))[1] == pytest.approx(400 / 6400)


def test_box_level_is_chosen_for_tight_boxes_not_for_the_largest_overlap():
    from insar_hf.inference.boxes import box_iou, boxes_from_map

    masks, boxes = _square_masks(2, box=(50, 20, 150, 120))  # 100 x 100 true box
    maps = np.zeros_like(masks, dtype=np.float32)
    maps[:, 12:137, 12:212] = 0.3  # 125 x 200 around the truth: just under half the image
    maps[:, 40:100, 70:130] = 1.0  # 60 x 60 inside it
    ious = [box_iou(boxes_from_map(maps[0], threshold=t)[0], boxes[0]) for t in (0.2, 0.5)]
    assert ious == pytest.approx([0.4, 0.36])  # IoU alone would take the broad box of 0.2
    assert choose_box_threshold(maps, boxes, candidates=(0.2, 0.5))[0] == 0.5


def test_score_maps_reports_where_the_top_box_centre_falls_and_its_area():
    masks, boxes = _square_masks(2)
    maps = np.zeros_like(masks, dtype=np.float32)
    maps[0, 60:140, 40:120] = 1.0  # on the truth
    maps[1, 180:200, 150:200] = 1.0  # away from it: 20 x 50
    scores = score_maps(maps, masks, boxes)
    assert scores["box_centre_hit"] == 0.5
    assert scores["top_box_area"] == pytest.approx((6400 + 1000) / 2 / 224**2)


def test_map_peaked_away_from_the_mask_scores_zero():
    masks, boxes = _square_masks(2)
    maps = np.zeros_like(masks, dtype=np.float32)
    maps[:, 180:200, 180:200] = 1.0
    scores = score_maps(maps, masks, boxes)
    assert scores["pointing_game"] == 0.0 and scores["iou_top_box"] == 0.0
    assert scores["mass_in_mask"] == 0.0


def test_random_map_points_into_the_mask_as_often_as_its_area_fraction():
    masks = np.zeros((200, 64, 64), dtype=bool)
    masks[:, :, :32] = True  # half the image: 7 of the 14 patch centres per row
    maps = random_maps(200, 14, 64, np.random.default_rng(0))
    scores = score_maps(maps, masks, np.tile([0, 0, 32, 64], (200, 1)))
    assert scores["pointing_game"] == pytest.approx(0.5, abs=0.11)  # 3 binomial sigma


def test_mismatched_shapes_are_rejected():
    with pytest.raises(ValueError, match="same|shape"):
        score_maps(np.zeros((2, 8, 8)), np.zeros((2, 8, 9), dtype=bool), np.zeros((2, 4)))


def _dataset(n_pos=3, n_neg=1):
    from datasets import ClassLabel, Dataset, Features, Sequence, Value
    from datasets import Image as ImageFeature

    from insar_hf.render import render_interferogram

    rows, cols = np.mgrid[0:224, 0:224]
    images, masks, boxes, labels = [], [], [], []
    for i in range(n_pos + n_neg):
        positive = i < n_pos
        phase = (
            0.004 * ((rows - 60.0 - 20 * i) ** 2 + (cols - 100.0) ** 2) if positive else 0 * rows
        )
        images.append(render_interferogram(phase, "wrapped"))
        mask = np.zeros((224, 224), dtype=np.uint8)
        box = [0, 0, 0, 0]
        if positive:
            mask[40 + 20 * i : 80 + 20 * i, 80:120] = 255
            box = [80, 40 + 20 * i, 120, 80 + 20 * i]
        masks.append(Image.fromarray(mask, mode="L"))
        boxes.append(box)
        labels.append(int(positive))
    features = Features(
        {
            "image": ImageFeature(),
            "label": ClassLabel(names=["no_earthquake", "earthquake"]),
            "deformation_bbox": Sequence(Value("int32"), length=4),
            "deformation_mask": ImageFeature(),
        }
    )
    data = {"image": images, "label": labels, "deformation_bbox": boxes, "deformation_mask": masks}
    return Dataset.from_dict(data, features=features)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from insar_hf.model.presets import load_model

    return load_model(str(_save_tiny_vit(tmp_path_factory.mktemp("tiny"))))


def test_hook_scores_only_the_earthquake_scenes_with_every_map(tiny_model):
    from insar_hf.training.evaluation import ExtraMetricsContext

    ds = _dataset(n_pos=3, n_neg=2)
    context = ExtraMetricsContext(tiny_model, ds, np.zeros((5, 2)), np.array(ds["label"]), 2)
    result = localisation_metrics(context)
    assert result["n"] == 3
    scores = {"pointing_game", "iou_top_box", "iou_at_0_5", "mass_in_mask", "recall_at_0_3"}
    scores |= {"box_centre_hit", "top_box_area", "top_box_over_half"}
    for name in (*MAP_METHODS, "random"):
        extra = {"recall_at_0_5", "tight_iou", "box_threshold", "seconds_per_image"}
        assert set(result[name]) == scores | extra
        assert all(0.0 <= result[name][k] <= 1.0 for k in scores)
        assert result[name]["recall_at_0_5"] <= result[name]["recall_at_0_3"]
    assert result["mask_area_fraction"] == pytest.approx(40 * 40 / 224**2)


def test_hook_reports_a_split_without_masks_as_skipped(tiny_model):
    from insar_hf.training.evaluation import ExtraMetricsContext

    ds = _dataset().remove_columns(["deformation_mask"])
    context = ExtraMetricsContext(tiny_model, ds, np.zeros((4, 2)), np.array(ds["label"]))
    assert "deformation_mask" in localisation_metrics(context)["skipped"]


def test_evaluate_model_writes_localisation_to_metrics_and_model_card(tiny_model, tmp_path):
    from insar_hf.training.card import build_model_card
    from insar_hf.training.evaluation import evaluate_model

    evaluate_model(tiny_model, _dataset(), tmp_path, batch_size=4)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["attention"]["n"] == 3
    assert set(metrics["attention"]) >= {*MAP_METHODS, "random"}
    card = str(build_model_card(metrics, figures=()))
    assert "Localisation on 3 earthquake scenes" in card and "| random map |" in card


def test_markdown_table_has_one_row_per_map_and_is_empty_when_skipped():
    from insar_hf.inference.localisation_table import markdown_table

    masks, boxes = _square_masks(2)
    scores = score_maps(masks.astype(np.float32), masks, boxes)
    result = {"n": 2, "mask_area_fraction": 0.1, "rollout": scores}
    result |= {"layer": scores, "random": scores, "settings": {"default": "rollout"}}
    table = markdown_table(result)
    row = "| attention rollout (default) | 1.000 | 1.000 | 1.000 | 1.000 | 0.128 | 1.000 | 1.000 |"
    assert row in table
    assert len([line for line in table.splitlines() if line.startswith("| ")]) == 4
    assert markdown_table({"skipped": "no masks"}) == ""


def test_after_training_the_map_is_chosen_on_validation_and_saved(tiny_model, tmp_path, caplog):
    from insar_hf.inference.localisation import FAST_METHODS
    from insar_hf.inference.map_choice import load_map_choice
    from insar_hf.training.calibrate import choose_map_after_training

    choice = choose_map_after_training(tiny_model, _dataset(n_pos=4, n_neg=2), tmp_path)
    assert load_map_choice(tmp_path) == choice
    assert set(choice.box_thresholds) == set(FAST_METHODS)
    scores = choice.scores
    best = max(FAST_METHODS, key=lambda m: scores[m]["pointing_game"] + scores[m]["iou_top_box"])
    assert choice.method == best and choice.box_threshold == choice.box_thresholds[best]
    # a split without masks keeps no stale choice
    no_masks = _dataset().remove_columns(["deformation_mask"])
    assert choose_map_after_training(tiny_model, no_masks, tmp_path) is None
    assert not (tmp_path / "localisation.json").exists()
    assert "not chosen on validation" in caplog.text

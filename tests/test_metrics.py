"""The detection metric module, compute_metrics, breakdowns, metrics.json and the model card."""

import json
import math

import evaluate
import numpy as np
import pytest
import torch
from transformers import EvalPrediction

from insar_hf.training import evaluation
from insar_hf.training.card import build_model_card, write_model_card
from insar_hf.training.evaluation import (
    METRIC_PATH,
    breakdown,
    compute_metrics,
    detection_metrics,
    detection_vs_magnitude,
    summarise,
)


def _counts(y, p):
    tp = int(((y == 1) & (p == 1)).sum())
    fp = int(((y == 0) & (p == 1)).sum())
    fn = int(((y == 1) & (p == 0)).sum())
    tn = int(((y == 0) & (p == 0)).sum())
    return tn, fp, fn, tp


def _auc_by_pairs(y, s):
    """ROC-AUC as the probability that a positive outscores a negative (ties count one half)."""
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    return ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size


def test_metric_module_loads_offline_by_path():
    metric = evaluate.load(str(METRIC_PATH))
    assert metric.compute(predictions=[0, 1], references=[0, 1])["accuracy"] == 1.0


def test_metric_matches_counts_computed_by_hand(rng):
    y = rng.integers(0, 2, 200)
    p = np.where(rng.random(200) < 0.7, y, 1 - y)
    m = detection_metrics(y, p)
    tn, fp, fn, tp = _counts(y, p)
    assert m["confusion_matrix"] == [[tn, fp], [fn, tp]]
    assert m["accuracy"] == pytest.approx((tp + tn) / 200)
    assert m["precision"] == pytest.approx(tp / (tp + fp))
    assert m["recall"] == pytest.approx(tp / (tp + fn))
    assert m["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))


def test_roc_auc_equals_the_pairwise_ranking_probability(rng):
    y = rng.integers(0, 2, 150)
    s = np.round(rng.random(150) * 0.5 + 0.3 * y, 2)  # rounding makes ties
    m = detection_metrics(y, (s > 0.5).astype(int), s)
    assert m["roc_auc"] == pytest.approx(_auc_by_pairs(y, s), abs=1e-12)


def test_roc_auc_is_nan_with_a_single_class():
    assert math.isnan(detection_metrics([1, 1, 1], [1, 0, 1], [0.9, 0.2, 0.8])["roc_auc"])


def test_precision_is_zero_not_an_error_without_positive_predictions():
    m = detection_metrics([0, 1, 0], [0, 0, 0])
    assert (m["precision"], m["recall"], m["f1"]) == (0.0, 0.0, 0.0)


def test_labels_other_than_0_1_are_refused():
    with pytest.raises(ValueError, match=r"labels must be 0 or 1, got \[2\]"):
        detection_metrics([0, 2], [0, 1])


def test_compute_metrics_takes_logits_and_labels():
    logits = np.array([[2.0, 0.0], [0.0, 1.0], [0.5, 0.0], [0.0, 3.0]])
    out = compute_metrics(EvalPrediction(predictions=logits, label_ids=np.array([0, 1, 1, 0])))
    assert (out["tn"], out["fp"], out["fn"], out["tp"]) == (1, 1, 1, 1)
    assert out["accuracy"] == 0.5
    # P(class 1) ranks: label-1 scores {0.73, 0.38}, label-0 scores {0.12, 0.95} -> 2 of 4 pairs
    assert out["roc_auc"] == pytest.approx(0.5)


def test_breakdown_by_kind_on_a_hand_made_example():
    labels = [1, 1, 0, 0, 1, 0]
    preds = [1, 0, 0, 1, 1, 0]
    kinds = ["wrapped", "wrapped", "wrapped", "unwrapped", "unwrapped", "unwrapped"]
    out = breakdown(labels, preds, None, kinds)
    assert list(out) == ["unwrapped", "wrapped"]
    assert out["wrapped"]["confusion_matrix"] == [[1, 0], [1, 1]]
    assert out["wrapped"]["recall"] == 0.5 and out["wrapped"]["precision"] == 1.0
    assert out["unwrapped"]["confusion_matrix"] == [[1, 1], [0, 1]]
    assert out["unwrapped"]["accuracy"] == pytest.approx(2 / 3)


def test_detection_rate_per_magnitude_bin_on_a_hand_made_example():
    labels = [1, 1, 1, 1, 0, 1]
    preds = [0, 1, 1, 1, 1, 1]
    mw = [5.2, 5.4, 6.1, 6.4, np.nan, np.nan]  # the unlabelled positive is ignored
    rows = {
        r["mw_min"]: r for r in detection_vs_magnitude(labels, preds, mw, edges=(5, 5.5, 6, 6.5))
    }
    assert (rows[5.0]["n"], rows[5.0]["detected"], rows[5.0]["detection_rate"]) == (2, 1, 0.5)
    assert rows[5.5]["n"] == 0 and rows[5.5]["detection_rate"] is None
    assert rows[6.0]["detection_rate"] == 1.0


def test_summary_false_positive_rate():
    logits = np.log(np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.1, 0.9]]))
    s = summarise([0, 0, 0, 1], logits)
    assert s["false_positive_rate"] == pytest.approx(2 / 3)


@pytest.fixture
def micro_model():
    from insar_hf.model.presets import build_model

    torch.manual_seed(0)
    return build_model(
        "vit-micro",
        id2label={0: "no_earthquake", 1: "earthquake"},
        label2id={"no_earthquake": 0, "earthquake": 1},
    ).eval()


@pytest.fixture
def tiny_split(rng):
    from datasets import ClassLabel, Dataset, Features, Image, Value

    n = 8
    features = Features(
        {
            "image": Image(),
            "label": ClassLabel(names=["no_earthquake", "earthquake"]),
            "kind": ClassLabel(names=["wrapped", "unwrapped"]),
            "sensor": Value("string"),
            "mw": Value("float32"),
        }
    )
    return Dataset.from_dict(
        {
            "image": [rng.integers(0, 256, (224, 224, 3), dtype=np.uint8) for _ in range(n)],
            "label": [i % 2 for i in range(n)],
            "kind": [(i // 2) % 2 for i in range(n)],
            "sensor": ["sentinel1", "nisar_l"] * (n // 2),
            "mw": [np.nan, 5.2, np.nan, 5.7, np.nan, 6.3, np.nan, 7.1],
        },
        features=features,
    )


def test_evaluate_model_writes_json_and_figures(micro_model, tiny_split, tmp_path):
    metrics = evaluate_model_no_extra(micro_model, tiny_split, tmp_path)
    on_disk = json.loads((tmp_path / "metrics.json").read_text())
    assert on_disk == metrics
    assert set(on_disk["by_kind"]) == {"wrapped", "unwrapped"}
    assert set(on_disk["by_sensor"]) == {"sentinel1", "nisar_l"}
    assert sum(r["n"] for r in on_disk["detection_vs_magnitude"]) == 4
    for name in ("confusion_matrix.png", "detection_vs_magnitude.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def evaluate_model_no_extra(model, split, out):
    return evaluation.evaluate_model(model, split, out, extra=None, dataset_name="tiny")


def test_evaluate_model_overall_equals_our_own_probabilities(micro_model, tiny_split, tmp_path):
    from insar_hf.model.presets import predict_proba

    metrics = evaluate_model_no_extra(micro_model, tiny_split, tmp_path)
    probs = predict_proba(micro_model, [np.asarray(im) for im in tiny_split["image"]])
    expected = detection_metrics(tiny_split["label"], probs.argmax(-1), probs[:, 1])
    assert metrics["overall"]["confusion_matrix"] == expected["confusion_matrix"]
    assert metrics["overall"]["roc_auc"] == pytest.approx(expected["roc_auc"], abs=1e-6)


def test_registered_extra_metrics_land_in_metrics_json(
    micro_model, tiny_split, tmp_path, monkeypatch
):
    monkeypatch.setattr(evaluation, "EXTRA_METRICS", {})
    evaluation.register_extra_metrics("toy", lambda ctx: {"n_logits": len(ctx.logits)})
    evaluation.evaluate_model(micro_model, tiny_split, tmp_path)
    assert json.loads((tmp_path / "metrics.json").read_text())["toy"] == {"n_logits": 8}


def test_reserved_extra_metrics_name_is_refused():
    with pytest.raises(ValueError, match="'overall' is reserved"):
        evaluation.register_extra_metrics("overall", lambda ctx: {})


def test_model_index_numbers_equal_metrics_json(micro_model, tiny_split, tmp_path):
    from huggingface_hub import ModelCard

    metrics = evaluate_model_no_extra(micro_model, tiny_split, tmp_path)
    (tmp_path / "training_config.json").write_text(
        json.dumps(
            {
                "dataset": "user/insar-synth",
                "preset": "vit-micro",
                "hyperparameters": {"learning_rate": 1e-5},
            }
        )
    )
    card = ModelCard.load(write_model_card(tmp_path, model_name="m"))
    got = {r.metric_type: r.metric_value for r in card.data.eval_results}
    expected = {
        k: metrics["overall"][k] for k in ("accuracy", "precision", "recall", "f1", "roc_auc")
    }
    assert got == {k: v for k, v in expected.items() if v is not None}
    assert {r.dataset_type for r in card.data.eval_results} == {"user/insar-synth"}
    assert card.data.datasets == ["user/insar-synth"]
    assert "| learning_rate | 1e-05 |" in card.text and "## Limitations" in card.text


def test_card_leaves_undefined_roc_auc_out_of_model_index():
    metrics = {
        "overall": {
            "accuracy": 1.0,
            "precision": 1.0,
            "recall": 1.0,
            "f1": 1.0,
            "roc_auc": None,
            "n": 2,
        }
    }
    card = build_model_card(metrics, figures=())
    assert [r.metric_type for r in card.data.eval_results] == [
        "accuracy",
        "precision",
        "recall",
        "f1",
    ]


def test_write_model_card_without_metrics_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `insar-hf evaluate"):
        write_model_card(tmp_path)


def _scores(accuracy, dataset, split="test", n=8):
    overall = dict(accuracy=accuracy, precision=0.5, recall=0.5, f1=0.5, roc_auc=None, n=n)
    return {"split": split, "dataset": dataset, "overall": overall}


def _real_events(tmp_path, **settings):
    real = {"dataset": str(tmp_path / "real"), "dataset_id": "real", "split": "test"}
    real.update({k: {"model": k, **_scores(v, "real")} for k, v in settings.items()})
    (tmp_path / "real_events.json").write_text(json.dumps(real))


def _card(tmp_path):
    from huggingface_hub import ModelCard

    return ModelCard.load(write_model_card(tmp_path, model_name="m"))


def test_card_renders_the_real_events_json_beside_it(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps(_scores(0.9, "synth")))
    _real_events(tmp_path, zero_shot=0.625)
    card = _card(tmp_path)
    assert {r.dataset_name for r in card.data.eval_results} == {"synth", "real events (zero-shot)"}
    section = card.text.split("## Real events (zero-shot)\n")[1]
    assert "dataset `real`" in section and "| Accuracy | 0.6250 |" in section


def test_fine_tuned_card_shows_its_own_score_in_place_of_its_test_entry(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps(_scores(0.75, "real")))
    _real_events(tmp_path, zero_shot=0.5, fine_tuned=0.75)
    card = _card(tmp_path)
    assert {r.dataset_name for r in card.data.eval_results} == {"real events (fine-tuned)"}
    assert "## Real events (fine-tuned)" in card.text and "(zero-shot)" not in card.text


def test_card_is_rendered_from_files_never_read_back(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps(_scores(0.9, "synth")))
    _real_events(tmp_path, zero_shot=0.625)
    first = write_model_card(tmp_path).read_text()
    (tmp_path / "README.md").write_text(first + "\n## Real events (edited)\n\nby hand\n")
    assert write_model_card(tmp_path).read_text() == first


def test_metric_folder_is_a_space_whose_app_file_exists():
    import yaml

    header = (METRIC_PATH / "README.md").read_text().split("---")[1]
    meta = yaml.safe_load(header)
    assert meta["sdk"] == "gradio" and "metric" in meta["tags"]
    assert (METRIC_PATH / meta["app_file"]).is_file()

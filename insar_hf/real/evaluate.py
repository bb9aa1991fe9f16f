"""Honest evaluation on real events: zero-shot vs fine-tuned, and the model card's "real events".

``compare_on_real(synthetic_dir, finetuned_dir, dataset)`` scores both checkpoints on the **same**
real test split (:func:`insar_hf.training.evaluation.evaluate_model`, so the numbers are computed
exactly like the synthetic ones) and writes ``real_events.json``
(:data:`insar_hf.training.card.REAL_EVENTS_FILE`): the fine-tuned folder's holds both scores, the
synthetic folder's its zero-shot score. Each card is then rendered again from the files beside
it, so that its ``model-index`` holds a "real events" entry beside the existing (synthetic) one:
``real events (zero-shot)`` on the synthetic checkpoint and ``real events (fine-tuned)`` on the
fine-tuned one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insar_hf.model.calibration import load_calibration
from insar_hf.model.presets import load_model
from insar_hf.training.card import dataset_id_of, write_model_card, write_real_events
from insar_hf.training.evaluation import evaluate_model

REAL_EVENTS_DIR = "real_events"
"""Sub-folder of a checkpoint for the metrics and figures of each real split scored."""


def evaluate_on_real(model_dir, dataset, *, split: str = "test", batch_size: int = 32) -> dict:
    """Metrics of the checkpoint ``model_dir`` on ``split`` of the real dataset ``dataset``.

    Figures and ``metrics.json`` go to ``model_dir/real_events/<split>/``.
    """
    from datasets import load_dataset

    splits = load_dataset(str(dataset))
    if split not in splits:
        raise ValueError(f"{dataset} has no split {split!r} (it has {sorted(splits)})")
    model = load_model(str(model_dir))
    return evaluate_model(
        model,
        splits[split],
        Path(model_dir) / REAL_EVENTS_DIR / split,
        split=split,
        dataset_name=str(dataset),
        batch_size=batch_size,
        calibration=load_calibration(model_dir),
    )


def update_model_card(model_dir) -> Path:
    """Render ``model_dir/README.md`` again so that it shows the ``real_events.json`` beside it.

    The card keeps its name (the ``model-index`` name of the card it replaces); everything else
    comes from the files in ``model_dir`` (:func:`insar_hf.training.card.write_model_card`).
    """
    from huggingface_hub import ModelCard

    path = Path(model_dir) / "README.md"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no model card; train or evaluate the model first")
    return write_model_card(model_dir, model_name=ModelCard.load(path).data.model_name)


def compare_on_real(
    synthetic_dir,
    finetuned_dir,
    dataset,
    *,
    split: str = "test",
    batch_size: int = 32,
    update_cards: bool = True,
) -> dict[str, Any]:
    """Zero-shot (synthetic checkpoint) and fine-tuned scores on the same real split.

    Writes ``finetuned_dir/real_events.json`` (both scores, returned); with ``update_cards`` also
    ``synthetic_dir/real_events.json`` (the zero-shot score) and renders both model cards again
    with their "real events" entry (where a card exists).
    """
    results = {}
    for setting, folder in (("zero_shot", synthetic_dir), ("fine_tuned", finetuned_dir)):
        metrics = evaluate_on_real(folder, dataset, split=split, batch_size=batch_size)
        results[setting] = {"model": str(folder), **metrics}
    head = {"dataset": str(dataset), "dataset_id": dataset_id_of(dataset), "split": split}
    summary = {**head, **results}
    write_real_events(finetuned_dir, summary)
    if update_cards:
        write_real_events(synthetic_dir, {**head, "zero_shot": results["zero_shot"]})
        for folder in (synthetic_dir, finetuned_dir):
            if (Path(folder) / "README.md").is_file():
                update_model_card(folder)
    return summary

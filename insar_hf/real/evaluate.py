"""Honest evaluation on real events: zero-shot vs fine-tuned, and the model card's "real events".

``compare_on_real(synthetic_dir, finetuned_dir, dataset)`` scores both checkpoints on the **same**
real test split (:func:`insar_hf.training.evaluation.evaluate_model`, so the numbers are computed exactly
like the synthetic ones), writes ``real_events.json`` with both, and adds a "real events" entry to
each checkpoint's ``model-index`` beside the existing (synthetic) one: ``real events
(zero-shot)`` on the synthetic checkpoint and ``real events (fine-tuned)`` on the fine-tuned one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REAL_EVENTS_FILE = "real_events.json"
REAL_EVENTS_DIR = "real_events"
REAL_EVENTS_NAME = "real events"


def evaluate_on_real(model_dir, dataset, *, split: str = "test", batch_size: int = 32) -> dict:
    """Metrics of the checkpoint ``model_dir`` on ``split`` of the real dataset ``dataset``.

    Figures and ``metrics.json`` go to ``model_dir/real_events/<split>/``.
    """
    from datasets import load_dataset

    from insar_hf.model.presets import load_model
    from insar_hf.training.evaluation import evaluate_model

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
    )


def add_real_events_entry(model_dir, metrics: dict, *, setting: str, dataset_id: str) -> Path:
    """Add ``real events (<setting>)`` results to ``model_dir/README.md``'s ``model-index``.

    Entries of the same name are replaced; all other entries (the synthetic test) are kept.
    A "Real events" section with the numbers is appended to the text (replacing an older one).
    """
    from huggingface_hub import ModelCard

    from insar_hf.training.card import CARD_METRIC_NAMES, eval_results_for
    from insar_hf.training.evaluation import SCALAR_KEYS

    path = Path(model_dir) / "README.md"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no model card; train or evaluate the model first")
    card = ModelCard.load(path)
    name = f"{REAL_EVENTS_NAME} ({setting})"
    split = metrics.get("split") or "test"
    # The Hub groups model-index results by dataset type and split, not by name: an entry of the
    # same dataset and split (training's own test score of a fine-tuned model) is replaced.
    kept = [
        r
        for r in (card.data.eval_results or [])
        if r.dataset_name != name and (r.dataset_type, r.dataset_split) != (dataset_id, split)
    ]
    overall = metrics["overall"]
    added = eval_results_for(overall, dataset_id=dataset_id, dataset_name=name, split=split)
    card.data.eval_results = kept + added
    if not card.data.model_name:
        card.data.model_name = Path(model_dir).resolve().name
    marker = f"## Real events ({setting})"
    text = card.text.split(f"\n{marker}\n")[0].rstrip()
    rows = "\n".join(
        f"| {CARD_METRIC_NAMES[k]} | {overall[k]:.4f} |"
        for k in SCALAR_KEYS
        if overall.get(k) is not None
    )
    text += (
        f"\n\n{marker}\n\nScored {setting} on the `{metrics.get('split') or 'test'}` split of the "
        f"real-event dataset `{dataset_id}` (built with `insar-hf build-real`, splits grouped "
        f"by event; {overall.get('n', '?')} tiles).\n\n| metric | value |\n|---|---|\n{rows}\n"
    )
    content = f"---\n{card.data.to_yaml()}\n---\n{text}"
    tmp = path.with_name(f".README.md.{os.getpid()}.tmp")
    ModelCard(content).save(tmp)
    os.replace(tmp, path)
    return path


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

    Writes ``finetuned_dir/real_events.json``; with ``update_cards`` adds the "real events"
    entries to both model cards (where a card exists).
    """
    dataset_id = Path(str(dataset)).name if Path(str(dataset)).exists() else str(dataset)
    results = {}
    for setting, folder in (("zero-shot", synthetic_dir), ("fine-tuned", finetuned_dir)):
        metrics = evaluate_on_real(folder, dataset, split=split, batch_size=batch_size)
        results[setting] = {"model": str(folder), **metrics}
        if update_cards and (Path(folder) / "README.md").is_file():
            add_real_events_entry(folder, metrics, setting=setting, dataset_id=dataset_id)
    summary = {
        "dataset": str(dataset),
        "split": split,
        "zero_shot": results["zero-shot"],
        "fine_tuned": results["fine-tuned"],
    }
    out = Path(finetuned_dir) / REAL_EVENTS_FILE
    out.write_text(json.dumps(summary, indent=2) + "\n")
    return summary

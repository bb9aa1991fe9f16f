"""The model card names its dataset by an id, never by the local folder name (#14)."""

import json

from huggingface_hub import DatasetCard, DatasetCardData, ModelCard

from insar_hf.dataset.card import PRETTY_NAME
from insar_hf.training.card import build_model_card, dataset_id_of, write_model_card

METRICS = {
    "split": "test",
    "overall": {"accuracy": 0.75, "precision": 0.5, "recall": 1.0, "f1": 0.6, "roc_auc": None},
}


def _dataset_folder(tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    card = DatasetCard(f"---\n{DatasetCardData(pretty_name=PRETTY_NAME).to_yaml()}\n---\n\n# x\n")
    card.save(folder / "README.md")
    return folder


def _model_index_datasets(card):
    return {(r.dataset_type, r.dataset_name) for r in card.data.eval_results}


def test_local_dataset_folder_is_named_by_its_card_pretty_name(tmp_path):
    folder = _dataset_folder(tmp_path)
    card = build_model_card(METRICS, config={"dataset": str(folder)}, figures=())
    assert _model_index_datasets(card) == {(PRETTY_NAME, PRETTY_NAME)}
    assert card.data.datasets is None  # a card name is not a Hub repository
    assert "`dataset`" not in card.text and f"`{PRETTY_NAME}`" in card.text


def test_dataset_id_given_names_the_dataset_and_links_it(tmp_path):
    folder = _dataset_folder(tmp_path)
    config = {"dataset": str(folder), "dataset_id": "my-org/insar-synthetic-earthquakes"}
    card = build_model_card(METRICS, config=config, figures=())
    name = "my-org/insar-synthetic-earthquakes"
    assert _model_index_datasets(card) == {(name, name)} and card.data.datasets == [name]


def test_hub_dataset_is_named_by_its_id():
    assert dataset_id_of("org/insar-set") == "org/insar-set"
    assert dataset_id_of("org/insar-set", "other/name") == "other/name"


def test_folder_without_a_card_falls_back_to_its_resolved_name(tmp_path, monkeypatch):
    (tmp_path / "my-set").mkdir()
    monkeypatch.chdir(tmp_path / "my-set")
    assert dataset_id_of(".") == "my-set"


def test_write_model_card_records_a_dataset_id_for_later_renders(tmp_path):
    folder = _dataset_folder(tmp_path)
    model = tmp_path / "model"
    model.mkdir()
    (model / "metrics.json").write_text(json.dumps(METRICS))
    (model / "training_config.json").write_text(json.dumps({"dataset": str(folder)}))
    write_model_card(model, model_name="m", dataset_id="org/pushed")
    write_model_card(model, model_name="m")  # e.g. `insar-hf evaluate` again
    card = ModelCard.load(model / "README.md")
    assert _model_index_datasets(card) == {("org/pushed", "org/pushed")}
    assert json.loads((model / "training_config.json").read_text())["dataset_id"] == "org/pushed"


def test_training_arguments_resolve_the_dataset_id_from_the_folder_card(tmp_path, monkeypatch):
    from insar_hf.training.arguments import DataArguments

    _dataset_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert DataArguments(dataset="dataset").dataset_id == PRETTY_NAME
    assert DataArguments(dataset="dataset", dataset_id="org/x").dataset_id == "org/x"

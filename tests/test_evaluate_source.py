"""evaluate-source: the dataset's earthquake scenes, both methods on them, the CLI."""

from __future__ import annotations

import argparse
import json
import math
from io import BytesIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from insar_hf.commands import evaluate_source as command
from insar_hf.dataset.generate import generate_dataset
from insar_hf.render import render_array
from insar_hf.schema import KIND_NAMES
from insar_hf.simulate.config import SceneConfig
from insar_hf.source.evaluate import (
    REQUIRED_COLUMNS,
    SceneMismatchError,
    earthquake_rows,
    evaluate_source,
    parse_methods,
    physical_field,
    scene_config,
)

SIZE = 64  # scene side: the model image (224) is 3.5 times finer
TINY = {"maxiter": 2, "popsize": 3, "polish_maxfev": 10}  # a fast, poor inversion


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("ds")
    config = SceneConfig(image_size_px=SIZE, positive_fraction=0.75)
    generate_dataset(
        out,
        split_sizes_={"train": 1, "validation": 1, "test": 8},
        seed=3,
        workers=1,
        scene_config=config,
        progress=False,
        figure=False,
    )
    return out


def _test_table(dataset):
    return pq.read_table(next((dataset / "data").glob("test-*.parquet")))


def test_parse_methods_keeps_order_and_refuses_unknown_names():
    assert parse_methods("inversion, network,inversion") == ("inversion", "network")
    with pytest.raises(ValueError, match=r"unknown method\(s\) \['net'\]: choose from network"):
        parse_methods("net,inversion")


def test_earthquake_rows_are_the_label_1_rows_of_the_split(dataset):
    labels = _test_table(dataset)["label"].to_pylist()
    rows = earthquake_rows(dataset, "test")
    assert [r["row"] for r in rows] == [i for i, label in enumerate(labels) if label == 1]
    assert len(earthquake_rows(dataset, "test", max_scenes=2)) == 2


def test_physical_field_regenerates_the_rows_scene_and_its_image(dataset):
    row = earthquake_rows(dataset, "test", max_scenes=1)[0]
    field, kind = physical_field(row, scene_config(dataset))
    table = _test_table(dataset).slice(row["row"], 1).to_pylist()[0]
    assert field.shape == (SIZE, SIZE) and kind == KIND_NAMES[table["kind"]]
    stored = np.asarray(Image.open(BytesIO(table["image"]["bytes"])).convert("RGB"))
    np.testing.assert_array_equal(render_array(field, kind), stored)


def test_physical_field_refuses_a_row_the_generator_does_not_make(dataset):
    row = earthquake_rows(dataset, "test", max_scenes=1)[0]
    with pytest.raises(SceneMismatchError, match="regenerate the dataset"):
        physical_field(row | {"mw": row["mw"] + 0.5}, scene_config(dataset))


def _write_test_shard(folder, columns: dict) -> None:
    (folder / "data").mkdir(parents=True)
    pq.write_table(pa.table(columns), folder / "data" / "test-00000-of-00001.parquet")


def test_earthquake_rows_names_the_missing_columns(tmp_path):
    _write_test_shard(tmp_path, {"label": [1], "mw": [6.0]})
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['seed', 'split'"):
        earthquake_rows(tmp_path, "test")


def test_earthquake_rows_refuses_a_split_without_earthquakes(tmp_path):
    columns = {c: [0.0] for c in REQUIRED_COLUMNS} | {"label": [0], "mechanism": ["none"]}
    _write_test_shard(tmp_path, columns | {"split": ["test"]})
    with pytest.raises(ValueError, match="holds no earthquake scene"):
        earthquake_rows(tmp_path, "test")
    with pytest.raises(ValueError, match="has no validation shards"):
        earthquake_rows(tmp_path, "validation")


def test_evaluate_source_inversion_scores_the_same_scenes(dataset):
    out = evaluate_source(dataset, methods="inversion", max_scenes=2, inversion_kwargs=TINY)
    assert out["n_scenes"] == 2 and out["methods"]["inversion"]["n"] == 2
    assert math.isnan(out["speed_ratio"]) and "| | inversion |" in out["table"]
    first = out["scenes"][0]
    assert first["inversion"]["method"] == "inversion" and first["truth"]["index"] == 0


def test_evaluate_source_network_needs_a_model_folder(dataset, tmp_path):
    with pytest.raises(ValueError, match="is not a folder with a trained source model"):
        evaluate_source(dataset, methods="network", model_dir=tmp_path / "nothing")


def test_evaluate_source_network_positions_come_back_in_scene_pixels(dataset, tmp_path):
    """A model that always answers the first scene's source (in 224-pixel units) scores 0 on it."""
    from source_fixtures import answering_source_model

    from insar_hf.source.targets import TargetScaling

    row = earthquake_rows(dataset, "test", max_scenes=1)[0]
    scale = 224 / SIZE
    truth = {k: np.array([row[k]], dtype=float) for k in ("mw", "centroid_depth_m")}
    truth |= {k: np.array([row[k]], dtype=float) for k in ("strike_deg", "dip_deg", "rake_deg")}
    truth |= {
        "epicentre_row_px": np.array([row["epicentre_row_px"] * scale]),
        "epicentre_col_px": np.array([row["epicentre_col_px"] * scale]),
        "pixel_m": np.array([row["pixel_m"] / scale]),
    }
    spread = {
        k: v + np.array([0.0, 1.0]) for k, v in ((k, np.repeat(v, 2)) for k, v in truth.items())
    }
    model = answering_source_model(TargetScaling.fit(spread), truth)
    model.save_pretrained(tmp_path / "model")
    out = evaluate_source(dataset, methods="network", model_dir=tmp_path / "model", max_scenes=1)
    scores = out["methods"]["network"]
    assert scores["mw_mae"] == pytest.approx(0.0, abs=1e-3)
    assert scores["epicentre_km_median"] == pytest.approx(0.0, abs=1e-3)
    assert out["scenes"][0]["network"]["method"] == "network"


def _args(**kw) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    argv = [f"--{k.replace('_', '-')}={v}" for k, v in kw.items()]
    return parser.parse_args(argv)


def test_cli_refuses_an_unknown_method_with_exit_code_2(dataset, capsys):
    assert command.run(_args(dataset=dataset, methods="magic")) == 2
    err = capsys.readouterr().err
    assert err.startswith("insar-hf evaluate-source: error: unknown method(s) ['magic']")


def test_cli_says_when_the_folder_is_not_a_generated_dataset(tmp_path, capsys):
    assert command.run(_args(dataset=tmp_path, methods="inversion")) == 2
    assert "generation.json is missing" in capsys.readouterr().err


def test_cli_prints_the_table_and_writes_strict_json(dataset, tmp_path, capsys):
    path = tmp_path / "source.json"
    args = _args(dataset=dataset, methods="inversion", max_scenes=1, output=path)
    assert command.run(args) == 0
    assert "| | inversion |" in capsys.readouterr().out
    result = json.loads(path.read_text())  # strict: NaN written as null
    assert result["n_scenes"] == 1 and result["speed_ratio"] is None


def test_real_backgrounds_for_a_dataset_made_without_them_are_refused(dataset, tmp_path):
    from insar_hf.source.evaluate import dataset_backgrounds

    assert dataset_backgrounds(dataset) is None
    with pytest.raises(ValueError) as info:
        dataset_backgrounds(dataset, tmp_path)
    assert str(info.value) == (
        f"{dataset} was generated without real backgrounds: drop --real-backgrounds"
    )

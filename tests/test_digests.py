"""Same seeds, same bytes: scenes, rendered images, dataset shards and the bundled model's outputs.

The digests below were recorded before the package was reorganised into subpackages (issue 10)
and must never change unless a change to the generator, the renderer, the dataset writer or the
bundled model is intended; then record the new values in the same commit and say why.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow
import pyarrow.parquet as pq
import pytest

from insar_hf import SceneConfig, sample_scene
from insar_hf.cli import main as cli_main
from insar_hf.render import render_array
from insar_hf.simulate.seeds import scene_seed_sequence

SPACE_MODEL = Path(__file__).resolve().parents[1] / "space" / "model"
SPACE_EXAMPLES = Path(__file__).resolve().parents[1] / "space" / "examples"

SCENE_ARRAYS = (
    "los_m",
    "eq_los_m",
    "unwrapped_rad",
    "wrapped_rad",
    "coherence",
    "deformation_mask",
)

# (name, SceneConfig overrides, split, index) -> digest of every array, the metadata and the image.
SCENE_CASES = {
    "default-train-0": ({}, "train", 0),
    "default-train-1": ({}, "train", 1),
    "default-test-7": ({}, "test", 7),
    "positive-log-uniform": (
        {"positive_fraction": 1.0, "pixel_spacing_mode": "log-uniform"},
        "validation",
        3,
    ),
    "hard-negative": ({"positive_fraction": 0.0, "hard_negative_fraction": 1.0}, "train", 4),
    "nisar-unwrapped": (
        {"sensor_weights": (("nisar_l", 1.0),), "wrapped_fraction": 0.0},
        "train",
        5,
    ),
}
SCENE_DIGESTS: dict[str, str] = {
    "default-train-0": "6c9150f94f6a9546ab13e7a09378644610ca11fbb9dba5c398fb7c1f5a344905",
    "default-train-1": "11065b93cedbed3a9e5450b4a3780555aa11261ec6a28a08fc1e7e2f39c1e50e",
    "default-test-7": "70027bf9dddc1accfc9cb9fe41efb9cb701d654c68d05b29b412111fead81638",
    "positive-log-uniform": "1d04a0a7393fa6dafea22a24bd897bd0d2aa0adc511c87a019aa9b529db9335d",
    "hard-negative": "87fabd65eb7126d8eef313b8763bf79025b660647815bc98e82394f12f078e4e",
    "nisar-unwrapped": "f1f2c32007d22b4f85028796574c8cfe2d5ecf443ec908fa8b59262d58c73519",
}

GENERATE_ARGS = ["--num-samples", "14", "--shard-size", "4", "--seed", "3", "--with-raw"]
# Shard name -> digest of its decoded content (schema with its metadata, every column's values).
SHARD_CONTENT_DIGESTS: dict[str, str] = {
    "test-00000-of-00001.parquet": "c0bb8e80f5f15cb04fa0caea252839e33e09a1d2c04f4c77e789f3b7afab40c4",
    "train-00000-of-00003.parquet": "8253a81ef05d740b76b8e50c59cdafe33e3103dbeab02eaa16f19f57199e0854",
    "train-00001-of-00003.parquet": "1dc581865a1f64654e6145c984643d0f5ce3a44b2e138a1c374fc9187967123f",
    "train-00002-of-00003.parquet": "ce00be1851c7c1ab6f8fac0865ca484300e304eb0930c4c573f4cd8d8d4bb13c",
    "validation-00000-of-00001.parquet": "0e1f39912b9f4097a77aaf472f3781fde0404eb14f4bb1ca158df676f64dce17",
}
# Shard name -> digest of the file's bytes, which also depend on the parquet writer's version.
SHARD_BYTE_DIGESTS: dict[str, str] = {
    "test-00000-of-00001.parquet": "b152e256e4d51809fa45976a2496f16dce291968136db85cd0ad7bd1db9ded72",
    "train-00000-of-00003.parquet": "287d5a64118da957e121d8fcde436260f1d311aa437967b4957a10f8ffca14c4",
    "train-00001-of-00003.parquet": "1bf4b281782cdfdeac4781ec520d0b5986fc1479cc3b1c2b3e30615a25af4f8c",
    "train-00002-of-00003.parquet": "4dcd753783fc6bc1e75cd91fedd2d5310ab146fab85daae8fe8bbf1e48efc568",
    "validation-00000-of-00001.parquet": "87f620a6b23edf40b91bcb2ef246ccad987c4da880c16173af151513b7dbf602",
}
SHARD_BYTES_PYARROW = "26.0.1"

# Bundled Space model on the bundled examples: probabilities and combined maps, recorded values.
SPACE_PROBABILITIES: dict[str, float] = {
    "earthquake_unwrapped_1.png": 0.5766831040382385,
    "earthquake_unwrapped_2.png": 0.411895751953125,
    "earthquake_wrapped_1.png": 0.39563772082328796,
    "earthquake_wrapped_2.png": 0.402479887008667,
    "no_earthquake_unwrapped_1.png": 0.5612354874610901,
    "no_earthquake_unwrapped_2.png": 0.4505593180656433,
    "no_earthquake_wrapped_1.png": 0.4671728312969208,
    "no_earthquake_wrapped_2.png": 0.38950762152671814,
}
# Per map: sum, first moments along rows and columns, maximum and arg-maximum.
SPACE_MAP_SIGNATURES: dict[str, list[float]] = {
    "earthquake_unwrapped_1.png": [
        8349.52751931333,
        3964.2644067579276,
        5216.465455795167,
        1.0,
        23415.0,
    ],
    "earthquake_unwrapped_2.png": [
        5861.228398669133,
        3902.9270475599537,
        2122.553508463023,
        1.0,
        23335.0,
    ],
    "earthquake_wrapped_1.png": [
        15670.534587910457,
        7198.774860775597,
        7668.2170990444065,
        1.0,
        8839.0,
    ],
    "earthquake_wrapped_2.png": [
        9061.28497426019,
        5562.425469049161,
        4495.666820498631,
        1.0,
        23448.0,
    ],
    "no_earthquake_unwrapped_1.png": [
        5668.965208997528,
        2902.6722076066226,
        3142.1737872868825,
        1.0,
        34136.0,
    ],
    "no_earthquake_unwrapped_2.png": [
        6351.72571794175,
        3111.1069492206107,
        2796.460029225914,
        1.0,
        8760.0,
    ],
    "no_earthquake_wrapped_1.png": [
        7211.369370519358,
        3664.228980138533,
        3819.045913087826,
        1.0,
        19671.0,
    ],
    "no_earthquake_wrapped_2.png": [
        11613.699484465142,
        5905.48103245862,
        5602.7093493299535,
        1.0,
        12544.0,
    ],
}


def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.hexdigest()


def scene_digest(config_overrides: dict, split: str, index: int) -> str:
    """SHA-256 of one scene's arrays, metadata, box, label, kind and rendered image."""
    config = SceneConfig().replace(**config_overrides)
    scene = sample_scene(scene_seed_sequence(11, split, index), config)
    parts = [np.ascontiguousarray(getattr(scene, name)).tobytes() for name in SCENE_ARRAYS]
    meta = json.dumps({k: repr(v) for k, v in scene.metadata.items()}, sort_keys=False).encode()
    extra = json.dumps([scene.deformation_bbox, scene.label, scene.kind]).encode()
    image = render_array(scene.field_rad, scene.kind).tobytes()
    return _sha(*parts, meta, extra, image)


def shard_content_digest(path: Path) -> str:
    table = pq.read_table(path)
    schema = table.schema.to_string(show_schema_metadata=True).encode()
    return _sha(schema, repr(table.to_pydict()).encode())


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("digest") / "ds"
    argv = ["generate", *GENERATE_ARGS, "--out", str(out), "--workers", "1"]
    assert cli_main([*argv, "--no-progress", "--no-figure"]) == 0
    return out


@pytest.mark.parametrize("name", list(SCENE_CASES))
def test_scene_bytes_are_unchanged(name):
    assert scene_digest(*SCENE_CASES[name]) == SCENE_DIGESTS[name]


def test_shard_contents_are_unchanged(generated):
    found = {
        p.name: shard_content_digest(p) for p in sorted((generated / "data").glob("*.parquet"))
    }
    assert found == SHARD_CONTENT_DIGESTS


@pytest.mark.skipif(
    pyarrow.__version__ != SHARD_BYTES_PYARROW,
    reason=f"shard bytes were recorded with pyarrow {SHARD_BYTES_PYARROW}",
)
def test_shard_bytes_are_unchanged(generated):
    found = {p.name: _sha(p.read_bytes()) for p in sorted((generated / "data").glob("*.parquet"))}
    assert found == SHARD_BYTE_DIGESTS


def space_outputs() -> tuple[dict[str, float], dict[str, np.ndarray]]:
    from insar_hf import Detector

    detector = Detector.from_pretrained(SPACE_MODEL)
    files = sorted(SPACE_EXAMPLES.glob("*.png"))
    predictions = detector.predict([str(f) for f in files])
    probs = {f.name: p.probability for f, p in zip(files, predictions)}
    maps = {f.name: p.combined_map for f, p in zip(files, predictions)}
    return probs, maps


def map_signature(m: np.ndarray) -> list[float]:
    rows, cols = np.indices(m.shape, dtype=np.float64) / m.shape[0]
    m = m.astype(np.float64)
    return [m.sum(), (m * rows).sum(), (m * cols).sum(), m.max(), float(np.argmax(m))]


def test_bundled_model_outputs_are_unchanged():
    probs, maps = space_outputs()
    assert list(probs) == list(SPACE_PROBABILITIES)
    np.testing.assert_allclose(
        [probs[k] for k in probs], [SPACE_PROBABILITIES[k] for k in probs], rtol=1e-5, atol=1e-7
    )
    for name, m in maps.items():
        np.testing.assert_allclose(
            map_signature(m), SPACE_MAP_SIGNATURES[name], rtol=1e-5, atol=1e-6
        )

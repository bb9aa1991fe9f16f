"""Same seeds, same bytes: scenes, rendered images, dataset shards and the default model's outputs.

The digests below were first recorded before the package was reorganised into subpackages (issue
10), and re-recorded for generator v2 (issue 11: new nuisance and sources, lossless WebP images,
the Space's examples redrawn by the new generator), and the model outputs once more for issue 12
(the packaged default model replaced the Space's bundled one).  They must never change unless a
change to the generator, the renderer, the dataset writer or the default model is intended; then
record the new values in the same commit and say why.

The scene and shard bytes also depend on the CPU: NumPy dispatches its float32 transcendental
functions (sin, cos, exp, log) to SIMD kernels whose last bits differ between instruction-set
levels (seen: every scene digest differs between an AVX-512 machine, ``X86_V4``, and an AVX2 one,
``X86_V3``, with the same NumPy; ``NPY_DISABLE_CPU_FEATURES=X86_V3`` changes them again).  So the
digests are recorded per level (:func:`simd_level`), and a level with no record is skipped with
the reason rather than compared with another machine's bytes.  Issue 21 changed the scenes with a
deformation (fringes near one per pixel decorrelate, :mod:`insar_hf.simulate.gradient`) and gave
the shards three columns (a row's real background, empty here): the digests were re-recorded on
the only level at hand (``X86_V3``); the ``X86_V4`` ones await a machine of that level.
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
from insar_hf.model.default import DEFAULT_MODEL_DIR
from insar_hf.render import render_array
from insar_hf.simulate.seeds import scene_seed_sequence

SPACE_EXAMPLES = Path(__file__).resolve().parents[1] / "space" / "examples"

SCENE_ARRAYS = (
    "los_m",
    "eq_los_m",
    "unwrapped_rad",
    "wrapped_rad",
    "coherence",
    "deformation_mask",
)

BACKGROUND_FIELDS = ("background_file", "background_volcano", "background_group")
"""Metadata of scenes on real backgrounds (issue 21), left out of the scene digests."""

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
SCENE_DIGESTS: dict[str, dict[str, str]] = {
    "X86_V3": {
        "default-train-0": "fbf19fb13dd1fdc5680c73e23c268fc9432c1c6326255def36686ad8f94581da",
        "default-train-1": "21d69e585c18ab44063d8bae75b39ebed6aedbae10f46431929d3e9d3bfeb9ca",
        "default-test-7": "483c694dd942433eaa69ad433729422cbea2e522629e6b068f33206fd82c7243",
        "positive-log-uniform": "666d9ddce59d1cdcc3347b5dcb7b9947846b4f9a934139c1ffd5a823a1f36268",
        "hard-negative": "74666c3cd43e2a05c3cb5b90d75b79257e6e60fa0a5fc0086278e80f1f7ec3d9",
        "nisar-unwrapped": "5e371eccece7f6e4e68ab1a877c446d555eae15b12cc0930ec0c1e27640f7ddc",
    },
}

GENERATE_ARGS = ["--num-samples", "14", "--shard-size", "4", "--seed", "3", "--with-raw"]
# Shard name -> digest of its decoded content (schema with its metadata, every column's values).
SHARD_CONTENT_DIGESTS: dict[str, dict[str, str]] = {
    "X86_V3": {
        "test-00000-of-00001.parquet": "58e9d00ee795b7294f573f87132b29639d7ec5ccc996d1d20712af74722296f3",
        "train-00000-of-00003.parquet": "a64e5771849588e12f1f1c87e4040bd587165281f7620183bdd9e70d06175bd7",
        "train-00001-of-00003.parquet": "68d4565952417e6f6ebbfcee1017f89792c95199d8c574d347f8b2dfe974d8b6",
        "train-00002-of-00003.parquet": "c099d66420da03b48d622c90ff8ddb2ca91241c1b69d167c445283aa7c065ebd",
        "validation-00000-of-00001.parquet": "06173d9732a1b694e3a98c5dae77c94f82f878c942f8907aaba040a102929aa6",
    },
}
# Shard name -> digest of the file's bytes, which also depend on the parquet writer's version.
SHARD_BYTE_DIGESTS: dict[str, dict[str, str]] = {
    "X86_V3": {
        "test-00000-of-00001.parquet": "ccd2e65abd2d4a0e75d7a12e03943f2065acf70bf2bcb4d498e8c69bb62228be",
        "train-00000-of-00003.parquet": "d13d99a04e8cb6939c3e56fe783c7d6abddc233a177395e50c7a34d1c951967a",
        "train-00001-of-00003.parquet": "914a7550d0dedee163b4472d41963cd9e8e7aabcf838ebe7f08e50fa3631ebae",
        "train-00002-of-00003.parquet": "6d58feb065bc4c12f6326ac732c5dc72634c24ee27cc13c1ebadd87412b505a6",
        "validation-00000-of-00001.parquet": "aa663332a3ab8b6e894fe2d0108acd28367acb51a08469d2d7ffda7ac2663cb0",
    },
}
SHARD_BYTES_PYARROW = "26.0.1"

# The packaged default model on the Space's examples: calibrated probabilities and combined maps.
SPACE_PROBABILITIES: dict[str, float] = {
    "earthquake_unwrapped_1.png": 0.8941516280174255,
    "earthquake_unwrapped_2.png": 0.8382832407951355,
    "earthquake_wrapped_1.png": 0.9019290804862976,
    "earthquake_wrapped_2.png": 0.8708455562591553,
    "no_earthquake_unwrapped_1.png": 0.2889006435871124,
    "no_earthquake_unwrapped_2.png": 0.18438927829265594,
    "no_earthquake_wrapped_1.png": 0.37525588274002075,
    "no_earthquake_wrapped_2.png": 0.4203447103500366,
}
# Per map: sum, first moments along rows and columns, maximum and arg-maximum.
SPACE_MAP_SIGNATURES: dict[str, list[float]] = {
    "earthquake_unwrapped_1.png": [
        4887.538679569785,
        3043.8388393072446,
        2669.018173805368,
        1.0,
        34040.0,
    ],
    "earthquake_unwrapped_2.png": [
        1979.368771958314,
        1118.5901802673404,
        991.3717282115695,
        1.0,
        37719.0,
    ],
    "earthquake_wrapped_1.png": [
        10620.498454560526,
        5446.280366531464,
        4848.513838063724,
        1.0,
        37432.0,
    ],
    "earthquake_wrapped_2.png": [
        6860.5164741521,
        3672.825862875118,
        3628.017106573673,
        1.0,
        34040.0,
    ],
    "no_earthquake_unwrapped_1.png": [
        18667.437434654217,
        9569.736208488273,
        9638.035275376493,
        1.0,
        16007.0,
    ],
    "no_earthquake_unwrapped_2.png": [
        6133.128806842957,
        2569.5087795000063,
        3066.492979019299,
        1.0,
        8936.0,
    ],
    "no_earthquake_wrapped_1.png": [
        11259.81652585906,
        5569.604040737075,
        5354.213323188818,
        1.0,
        26728.0,
    ],
    "no_earthquake_wrapped_2.png": [
        2068.20164632018,
        1327.396696368477,
        673.887251124647,
        1.0,
        34072.0,
    ],
}


def simd_level() -> str:
    """The highest x86 SIMD level NumPy dispatches to here (``X86_V4``, ``X86_V3``, ...)."""
    from numpy._core._multiarray_umath import __cpu_features__

    found = [name for name in ("X86_V4", "X86_V3", "X86_V2") if __cpu_features__.get(name)]
    return found[0] if found else "other"


def recorded(digests: dict[str, dict[str, str]]) -> dict[str, str]:
    """This machine's SIMD level's digests; skips the test where none were recorded."""
    level = simd_level()
    if level not in digests:
        pytest.skip(f"digests were recorded for {sorted(digests)}; this CPU dispatches {level}")
    return digests[level]


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
    meta = {k: repr(v) for k, v in scene.metadata.items() if k not in BACKGROUND_FIELDS}
    meta = json.dumps(meta, sort_keys=False).encode()
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


def test_simulated_scenes_name_no_background():
    # The fields of issue 21 that the scene digests leave out, so that the digests recorded
    # before them (on every SIMD level) still hold: empty for every simulated scene.
    for overrides, split, index in SCENE_CASES.values():
        scene = sample_scene(scene_seed_sequence(11, split, index), SceneConfig(**overrides))
        assert all(scene.metadata[k] == "" for k in BACKGROUND_FIELDS)


@pytest.mark.parametrize("name", list(SCENE_CASES))
def test_scene_bytes_are_unchanged(name):
    assert scene_digest(*SCENE_CASES[name]) == recorded(SCENE_DIGESTS)[name]


def test_shard_contents_are_unchanged(generated):
    found = {
        p.name: shard_content_digest(p) for p in sorted((generated / "data").glob("*.parquet"))
    }
    assert found == recorded(SHARD_CONTENT_DIGESTS)


@pytest.mark.skipif(
    pyarrow.__version__ != SHARD_BYTES_PYARROW,
    reason=f"shard bytes were recorded with pyarrow {SHARD_BYTES_PYARROW}",
)
def test_shard_bytes_are_unchanged(generated):
    found = {p.name: _sha(p.read_bytes()) for p in sorted((generated / "data").glob("*.parquet"))}
    assert found == recorded(SHARD_BYTE_DIGESTS)


def space_outputs() -> tuple[dict[str, float], dict[str, np.ndarray]]:
    from insar_hf import Detector

    detector = Detector.from_pretrained(DEFAULT_MODEL_DIR)
    files = sorted(SPACE_EXAMPLES.glob("*.png"))
    predictions = detector.predict([str(f) for f in files])
    probs = {f.name: p.probability for f, p in zip(files, predictions)}
    maps = {f.name: p.combined_map for f, p in zip(files, predictions)}
    return probs, maps


def map_signature(m: np.ndarray) -> list[float]:
    rows, cols = np.indices(m.shape, dtype=np.float64) / m.shape[0]
    m = m.astype(np.float64)
    return [m.sum(), (m * rows).sum(), (m * cols).sum(), m.max(), float(np.argmax(m))]


def test_default_model_outputs_are_unchanged():
    probs, maps = space_outputs()
    assert list(probs) == list(SPACE_PROBABILITIES)
    np.testing.assert_allclose(
        [probs[k] for k in probs], [SPACE_PROBABILITIES[k] for k in probs], rtol=1e-5, atol=1e-7
    )
    for name, m in maps.items():
        np.testing.assert_allclose(
            map_signature(m), SPACE_MAP_SIGNATURES[name], rtol=1e-5, atol=1e-6
        )

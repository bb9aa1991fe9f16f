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
the reason rather than compared with another machine's bytes.

Re-recorded for issue 24 (``X86_V3`` only; ``X86_V4`` has no record until someone runs this
file's digests on such a machine): the Okada grid interpolated its nodes with a BLAS matrix
product, whose last bits depend on the number of BLAS threads (with ``OPENBLAS_NUM_THREADS=1``
five of the six recorded scenes did not match; they had been recorded with two threads), and now
sums each pixel's four cubic terms itself, the same on every machine and thread count (tested:
these digests are equal with 1 and 4 BLAS threads); the DEM is synthesised at half resolution
(exact below its 0.25 cycles/px cutoff, a quarter of the FFT).
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
        "default-train-0": "b08e1062770c9d718683c88973c811fae0956df3783be01be16bcdde7abff5a8",
        "default-train-1": "4a4edffb93c2c67c8b0a64ae34ecd9a9df5493efd01a63e38194d33fd3ccaf1e",
        "default-test-7": "2e5ff536a40c65810b54ab29dee988d2a49f067220b25d8414bc55863ce42e42",
        "positive-log-uniform": "a234cd3966c0b71bdded9d17e289660ff5f47da2423ca693b0623ea41b3c6274",
        "hard-negative": "e5efe895b4b1165fb73498cde3aabced29b716b05cc8c5a4836b1a977d805e70",
        "nisar-unwrapped": "92a94b44def838a53bcc3a97ccf3e2f87a9685b3b7c762cb655c2f14cc1b1015",
    },
}

GENERATE_ARGS = ["--num-samples", "14", "--shard-size", "4", "--seed", "3", "--with-raw"]
# Shard name -> digest of its decoded content (schema with its metadata, every column's values).
SHARD_CONTENT_DIGESTS: dict[str, dict[str, str]] = {
    "X86_V3": {
        "test-00000-of-00001.parquet": "aae17b9414d1801b68f9ce68acfc0e74924f01b60c70c64a7f92062232d8430e",
        "train-00000-of-00003.parquet": "78aa8189959af9df6bf2bbc22e431ca5245d1480b3c452b57e6b28423ee24e79",
        "train-00001-of-00003.parquet": "562f120aab5f355961b0cc834db7ac409decfa135cfdc6dd28d5647796ee2a92",
        "train-00002-of-00003.parquet": "410cb21c7e800eda5c7f69f85d81e17209a60a2b3067ddbc8b25a657d2085173",
        "validation-00000-of-00001.parquet": "ef42f792d39430ab29bfbea5fb9accd75bc6b4327a59fdfa18c4d751bdc60990",
    },
}
# Shard name -> digest of the file's bytes, which also depend on the parquet writer's version.
SHARD_BYTE_DIGESTS: dict[str, dict[str, str]] = {
    "X86_V3": {
        "test-00000-of-00001.parquet": "29bca4064a0c6e894d7bd44d9b28b1d816ef437dcea9e330ea102d6ce18c28e4",
        "train-00000-of-00003.parquet": "3b59f8ed033c29ad583c97b1ce097332ee3f241b4b439994af303a43d6a6db06",
        "train-00001-of-00003.parquet": "e12bff90c59fa8e15aeed5a5dc2d567c6a8bda0e948134005b403408537b651b",
        "train-00002-of-00003.parquet": "3b225f563240f949ae3b437bc03aa9a363b02edbc9881cc111ff703df28c9d4d",
        "validation-00000-of-00001.parquet": "58a44ac5a8f8e20f0a1211f47df75e45167abf3a816900d7543f373ea0ec3785",
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

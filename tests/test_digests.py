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
(exact below its 0.25 cycles/px cutoff, a quarter of the FFT).  Issue 21 then changed the scenes
with a deformation (fringes near one per pixel decorrelate, :mod:`insar_hf.simulate.gradient`)
and gave the shards three columns (a row's real background, empty for these simulated scenes):
re-recorded again, ``X86_V3`` only.  The model outputs were re-recorded for the default model
retrained by issues 21 and 22 (half of its wrapped scenes on real backgrounds, the patch loss).
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
"""Metadata of scenes on real backgrounds (issue 21), empty for the simulated scenes here."""

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
        "default-train-0": "deaebfc2c185167252122e44e1f77e0e568302d4314c3d3ba3903ccfa8767c47",
        "default-train-1": "f80e8a559437e7918312084dfede0268b6a7a048a8afbbf55a9f7b008258121e",
        "default-test-7": "3fcdb0846f4c3de3acbde08b39efbcbabd238ce24057dfdec35e6e06ead79519",
        "positive-log-uniform": "1e4891b366029d0ec2da8cb48d6c3e79bf921eddc12e3c25482737821d2dda43",
        "hard-negative": "efa4fc29d97cc81589f4d90796f360d2181e394fa9c80f7ceeb69f3dfb88e39d",
        "nisar-unwrapped": "1f4c8b3d8036233644f53d0156b2e78eef171074a45b4ad4544ec46cdf9b37f0",
    },
}

GENERATE_ARGS = ["--num-samples", "14", "--shard-size", "4", "--seed", "3", "--with-raw"]
# Shard name -> digest of its decoded content (schema with its metadata, every column's values).
SHARD_CONTENT_DIGESTS: dict[str, dict[str, str]] = {
    "X86_V3": {
        "test-00000-of-00001.parquet": "9cce921ead8537d2507c3a0586afeea24429b5c0d8465a7a9bac78942ab0bba4",
        "train-00000-of-00003.parquet": "cca84b3b8ae2f78d595927e492f5a175ba7321f7dceeee05435977fb271c7659",
        "train-00001-of-00003.parquet": "5f61668029bf78142844f3c9317963a2e91851d3c9c23d344117f8c5bc51d5d4",
        "train-00002-of-00003.parquet": "ea8f1fdf6eaa834d935508819d240ff2cb0d19cb458a37239cc319b300987209",
        "validation-00000-of-00001.parquet": "c39198a20ec9dff3ead9ad508d0d097b187043a284f79cb58d7f30f150717bba",
    },
}
# Shard name -> digest of the file's bytes, which also depend on the parquet writer's version.
SHARD_BYTE_DIGESTS: dict[str, dict[str, str]] = {
    "X86_V3": {
        "test-00000-of-00001.parquet": "02be912b612d4bdd2bb18a11fcafbf16161ed1eadb148fdf3f289b099266cc90",
        "train-00000-of-00003.parquet": "a0dc1efccd8fb57442ecd05b8682bd46f443175730169c34b80936d3a86851d8",
        "train-00001-of-00003.parquet": "d883690e38132f0e61b0ab9069a178aec57ef74b6c61c4551857eaadc8adba94",
        "train-00002-of-00003.parquet": "4bd717a7bdd4d2250d4e7ba5eae68b6ca6fb428f89bcb415f59d08735fc04161",
        "validation-00000-of-00001.parquet": "84bd7e86b5002e71f5b56a8e2662ce587155fb8b7a94ccde4b5dac3ea0afc93e",
    },
}
SHARD_BYTES_PYARROW = "26.0.1"

# The packaged default model on the Space's examples: calibrated probabilities and combined maps.
SPACE_PROBABILITIES: dict[str, float] = {
    "earthquake_unwrapped_1.png": 0.8052476048469543,
    "earthquake_unwrapped_2.png": 0.8408660888671875,
    "earthquake_wrapped_1.png": 0.6436827778816223,
    "earthquake_wrapped_2.png": 0.5998662710189819,
    "no_earthquake_unwrapped_1.png": 0.2226334810256958,
    "no_earthquake_unwrapped_2.png": 0.22379809617996216,
    "no_earthquake_wrapped_1.png": 0.30155932903289795,
    "no_earthquake_wrapped_2.png": 0.3377774655818939,
}
# Per map: sum, first moments along rows and columns, maximum and arg-maximum.
SPACE_MAP_SIGNATURES: dict[str, list[float]] = {
    "earthquake_unwrapped_1.png": [
        29292.61351872282,
        15345.387518562453,
        14309.411911588293,
        1.0,
        30535.0,
    ],
    "earthquake_unwrapped_2.png": [
        30680.740926746803,
        15074.745054694427,
        15433.775735880457,
        1.0,
        37511.0,
    ],
    "earthquake_wrapped_1.png": [
        31158.67883670423,
        15884.650610725388,
        15617.451918593433,
        1.0,
        26807.0,
    ],
    "earthquake_wrapped_2.png": [
        30605.804141063243,
        15184.973980904822,
        15203.975915479878,
        1.0,
        30520.0,
    ],
    "no_earthquake_unwrapped_1.png": [
        20027.22713480564,
        10192.028921157842,
        8245.791541958712,
        1.0,
        23351.0,
    ],
    "no_earthquake_unwrapped_2.png": [
        21506.807470260188,
        12129.66592626112,
        8500.019010777203,
        1.0,
        23352.0,
    ],
    "no_earthquake_wrapped_1.png": [
        29310.29382327199,
        14626.024784341354,
        14543.734573850576,
        1.0,
        23144.0,
    ],
    "no_earthquake_wrapped_2.png": [
        16685.70769115165,
        9592.138465402077,
        6098.133367771186,
        1.0,
        33864.0,
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


def test_simulated_scenes_name_no_background():
    # The fields of issue 21: empty for every simulated scene.
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

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
the reason rather than compared with another machine's bytes.  The shards gained three columns
in issue 21 (the real background of a row, empty here), so their digests were re-recorded on the
only level at hand (``X86_V3``); the ``X86_V4`` ones await a machine of that level.
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
    "X86_V4": {
        "default-train-0": "0d569ad11e50a2fa02e8fd822ab590519d45fb1c8db5fc033a85a36ee0d6f20b",
        "default-train-1": "7e94a56ce6e9e59675df0ba3669eaf4f24ff09b32d7e5a3864042c6146186d7f",
        "default-test-7": "47042736bcafb74ac902c73e8d1397e642249c738d703c81ab8d4838892b801a",
        "positive-log-uniform": "b44dac756acd41f8c7e513cd1f7c4d595c4a4961032de519f5aaa03f50ea1d4a",
        "hard-negative": "4cbb90053da7a309a4edf4c41f654b4ca21f6cc69f7cebb50dd2096548bada44",
        "nisar-unwrapped": "589bc58fa494b82f179291007997663ad208fe2280968823aee03279aee2db80",
    },
    "X86_V3": {
        "default-train-0": "6b66a9952086c76811e0a1ef31e9e24b291c9a16c5a4838155ecb030fddf48ef",
        "default-train-1": "4c83608d5f0ae4d9933509eae3110b28e311221d7d0f965308b6b162d65e8748",
        "default-test-7": "a38f7f4792884f5f74997c90dfb5564d9156ac2e54440b93a67f3f90bbfe3c37",
        "positive-log-uniform": "3943a04065245d12ca1597360146a5bcbc75ec9318c141db9e8e1f2a5345b356",
        "hard-negative": "a386fe63584b65147108cbb60dd8dabea54a4f29b23e13118871d11794bbbfa1",
        "nisar-unwrapped": "5e371eccece7f6e4e68ab1a877c446d555eae15b12cc0930ec0c1e27640f7ddc",
    },
}

GENERATE_ARGS = ["--num-samples", "14", "--shard-size", "4", "--seed", "3", "--with-raw"]
# Shard name -> digest of its decoded content (schema with its metadata, every column's values).
SHARD_CONTENT_DIGESTS: dict[str, dict[str, str]] = {
    "X86_V3": {
        "test-00000-of-00001.parquet": "1d0c22c40e26dd57a69d9856a349f292de885160c80b8596958c3d4c02775655",
        "train-00000-of-00003.parquet": "7fc869855639c5300029bc98dac5d1e42773ffc8dd72b72e83fdb20a563d36ff",
        "train-00001-of-00003.parquet": "43af79d2bc80c2e95ea159c2627be70e971e8422a303a3468076f0ad8606ecd6",
        "train-00002-of-00003.parquet": "f45d9b86aeb7fe51081ec9ac9428b4118ba855e0644d3cb41caa78c02f54b012",
        "validation-00000-of-00001.parquet": "442f81c4cc3ba5e792229a9081511c681a1ec2800ae1904d8c0f7d6e4abb4878",
    },
}
# Shard name -> digest of the file's bytes, which also depend on the parquet writer's version.
SHARD_BYTE_DIGESTS: dict[str, dict[str, str]] = {
    "X86_V3": {
        "test-00000-of-00001.parquet": "59ea3f9b29e65574bccc606583098e76a114351d49f88767924258833a279cae",
        "train-00000-of-00003.parquet": "6e77f0eaf55f0a34e3ce4da3071f9c017b070ed6c9caa41e70fc8e6541e54d31",
        "train-00001-of-00003.parquet": "604278107371f961953c27e1f01e02ef3666cd02ae75b85634700ba890721f5e",
        "train-00002-of-00003.parquet": "51f62084db1eb9caaa470513c286bb356683c8810b23ccb11691bbb7d5ab6420",
        "validation-00000-of-00001.parquet": "3dc6175ccb6c01670a868e2b8a81758c87fee25aeea7dc4bf9464379b6a46bdf",
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

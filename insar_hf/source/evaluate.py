"""Both source methods on the same earthquake scenes of a dataset split, and their scores.

The two methods see what each would see in practice:

* the **network** reads the dataset's rendered image (``image`` column: what a user uploads),
  with the pixel spacing of that image;
* the **inversion** reads the scene's *physical* field, phase in radians (wrapped or unwrapped,
  NaN holes included), regenerated exactly from the row's seed metadata with the package's own
  generator (:func:`insar_hf.dataset.scenes.row_scene`: the row's seed, split and index, the
  ``SceneConfig`` in the folder's ``generation.json`` and, for a dataset drawn partly on real
  backgrounds, the same bank of real interferograms, checked against the digest that
  ``generation.json`` records): the rendered image of an unwrapped scene has lost its amplitude, and
  an inversion needs radians. It knows the acquisition geometry (pixel spacing, heading,
  incidence, wavelength), as a geodesist would.

:func:`evaluate_source` runs the chosen methods on the first ``max_scenes`` earthquake scenes
(label 1) of the split and scores them with :func:`insar_hf.source.metrics.source_errors`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from insar_hf.backgrounds import BackgroundBank
from insar_hf.backgrounds.bank import DEFAULT_SPLIT_FRACTIONS
from insar_hf.dataset.layout import SHARD_RE, read_generation
from insar_hf.dataset.scenes import row_scene
from insar_hf.model.default import DEFAULT_SOURCE_MODEL_DIR, default_model_path
from insar_hf.physics.scaling import MECHANISMS
from insar_hf.schema import IMAGE_SIZE, LABEL_NAMES, POSITIVE_LABEL, SPLITS
from insar_hf.simulate.config import SceneConfig
from insar_hf.source.estimate import SourceEstimate
from insar_hf.source.inversion import invert_field
from insar_hf.source.metrics import markdown_table, source_errors, speed_ratio

__all__ = [
    "EARTHQUAKE",
    "METHODS",
    "REQUIRED_COLUMNS",
    "SceneMismatchError",
    "dataset_backgrounds",
    "earthquake_rows",
    "evaluate_source",
    "json_ready",
    "parse_methods",
    "physical_field",
    "run_inversion",
    "run_network",
    "scene_config",
]

METHODS = ("network", "inversion")

REQUIRED_COLUMNS = (
    "label",
    "seed",
    "split",
    "index",
    "mw",
    "mechanism",
    "strike_deg",
    "dip_deg",
    "rake_deg",
    "centroid_depth_m",
    "epicentre_row_px",
    "epicentre_col_px",
    "pixel_m",
    "heading_deg",
    "incidence_deg",
    "wavelength_m",
)
"""Metadata columns the evaluation reads (a dataset written by ``insar-hf generate`` has them)."""


EARTHQUAKE = LABEL_NAMES.index(POSITIVE_LABEL)
"""The integer label of an earthquake scene."""


class SceneMismatchError(ValueError):
    """A regenerated scene is not the dataset's row (another generator version or config)."""


def json_ready(value):
    """``value`` with every non-finite float (NaN, inf) replaced by None, numpy scalars as Python."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def parse_methods(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"network,inversion"`` (or a sequence) -> a tuple of known method names, in order."""
    names = [m.strip() for m in text.split(",")] if isinstance(text, str) else list(text)
    names = [m for m in names if m]
    unknown = [m for m in names if m not in METHODS]
    if unknown or not names:
        raise ValueError(
            f"unknown method(s) {unknown or names}: choose from {', '.join(METHODS)} "
            "(comma-separated)"
        )
    return tuple(dict.fromkeys(names))


def _shards(dataset: Path, split: str) -> list[Path]:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    data = dataset / "data"
    shards = sorted(
        p for p in data.glob("*.parquet") if (m := SHARD_RE.match(p.name)) and m["split"] == split
    )
    if not shards:
        raise ValueError(f"{dataset} has no {split} shards under data/: give a dataset folder")
    return shards


def earthquake_rows(dataset: str | Path, split: str = "test", max_scenes: int | None = None):
    """The metadata of the first ``max_scenes`` earthquake scenes (label 1) of ``split``.

    Returns a list of dicts (the :data:`REQUIRED_COLUMNS` plus ``shard`` and ``row``, where
    the row lies), in the split's order. Raises ``ValueError`` when a column is missing or the
    split holds no earthquake scene.
    """
    import pyarrow.parquet as pq

    if max_scenes is not None and max_scenes < 1:
        raise ValueError(f"max_scenes must be >= 1, got {max_scenes}")
    dataset = Path(dataset)
    rows: list[dict] = []
    for shard in _shards(dataset, split):
        names = set(pq.ParquetFile(shard).schema_arrow.names)
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            raise ValueError(
                f"{shard.name} lacks the column(s) {missing} that evaluate-source needs; use a "
                "dataset written by `insar-hf generate`"
            )
        table = pq.read_table(shard, columns=list(REQUIRED_COLUMNS)).to_pylist()
        for i, row in enumerate(table):
            if row["label"] == EARTHQUAKE and row["mechanism"] in MECHANISMS:
                rows.append(row | {"shard": str(shard), "row": i})
                if max_scenes is not None and len(rows) >= max_scenes:
                    return rows
    if not rows:
        raise ValueError(f"split {split!r} of {dataset} holds no earthquake scene (label 1)")
    return rows


def scene_config(dataset: str | Path) -> SceneConfig:
    """The ``SceneConfig`` the dataset was generated with (its ``generation.json``)."""
    params = read_generation(dataset)
    return SceneConfig(**(params.get("scene_config") or {}))


def dataset_backgrounds(dataset: str | Path, backgrounds=None) -> BackgroundBank | None:
    """The bank of real backgrounds that ``dataset``'s scenes were drawn on, to regenerate them.

    ``backgrounds`` is a :class:`~insar_hf.backgrounds.BackgroundBank` or a folder of real
    earthquake-free interferograms; it is split with the shares that ``generation.json``
    records and must hold the same files (the same digest). None for a dataset made without
    real backgrounds. Raises ``ValueError`` when the dataset needs a bank and none is given, when
    the bank is not the dataset's, or when a bank is given for a dataset that used none.
    """
    record = read_generation(dataset).get("real_backgrounds")
    fraction = scene_config(dataset).real_background_fraction
    if record is None or fraction <= 0:
        if backgrounds is not None:
            raise ValueError(
                f"{dataset} was generated without real backgrounds: drop --real-backgrounds"
            )
        return None
    if backgrounds is None:
        raise ValueError(
            f"the scenes of {dataset} were drawn on real backgrounds (a share of "
            f"{fraction:g} of the wrapped scenes, {record['files']} files, digest "
            f"{record['digest'][:12]}): the inversion regenerates each scene, so give the same "
            "folder with --real-backgrounds DIR"
        )
    bank = backgrounds
    if not isinstance(bank, BackgroundBank):
        bank = BackgroundBank(backgrounds, record.get("split_fractions", DEFAULT_SPLIT_FRACTIONS))
    if bank.digest() != record["digest"]:
        raise ValueError(
            f"the real backgrounds given ({len(bank.entries)} files, digest "
            f"{bank.digest()[:12]}) are not those {dataset} was generated with "
            f"({record['files']} files, digest {record['digest'][:12]})"
        )
    return bank


def physical_field(
    row: dict, config: SceneConfig, bank: BackgroundBank | None = None
) -> tuple[np.ndarray, str]:
    """``(field_rad, kind)`` of a dataset row, regenerated from its seed metadata.

    ``bank``: the real backgrounds of a dataset drawn partly on them
    (:func:`dataset_backgrounds`). Raises :class:`SceneMismatchError` when the regenerated
    scene's magnitude or epicentre is not the row's.
    """
    scene = row_scene(int(row["seed"]), str(row["split"]), int(row["index"]), config, bank)
    meta = scene.metadata
    for key in ("mw", "epicentre_row_px", "epicentre_col_px"):
        if not np.isclose(meta[key], row[key], rtol=1e-5, atol=1e-4):
            raise SceneMismatchError(
                f"scene {row['split']}/{row['index']} regenerates with {key}={meta[key]!r}, but "
                f"the dataset says {row[key]!r}: regenerate the dataset with this version"
            )
    return scene.field_rad, scene.kind


def run_inversion(
    rows: Sequence[dict],
    config: SceneConfig,
    *,
    bank: BackgroundBank | None = None,
    progress: Callable[[str], None] | None = None,
    **inversion_kwargs,
) -> list[SourceEstimate]:
    """:func:`insar_hf.source.inversion.invert_field` on each row's physical field
    (:func:`physical_field`, with the dataset's real backgrounds ``bank`` if it has some).

    ``seconds`` of each estimate is the inversion's wall time (regenerating the scene is not
    counted: a geodesist starts from the product).
    """
    out = []
    for i, row in enumerate(rows):
        field, kind = physical_field(row, config, bank)
        est = invert_field(
            field,
            kind=kind,
            pixel_m=float(row["pixel_m"]),
            heading_deg=float(row["heading_deg"]),
            incidence_deg=float(row["incidence_deg"]),
            wavelength_m=float(row["wavelength_m"]),
            **inversion_kwargs,
        )
        out.append(est)
        if progress is not None:
            progress(
                f"inversion {i + 1}/{len(rows)}: Mw {est.mw:.2f} (true {row['mw']:.2f}), "
                f"{est.seconds:.1f} s"
            )
    return out


def _images(rows: Sequence[dict]) -> list:
    """The rendered images (PIL) of ``rows``, read from their shards."""
    import pyarrow.parquet as pq

    out, cache = [], {}
    for row in rows:
        if row["shard"] not in cache:
            cache[row["shard"]] = pq.read_table(row["shard"], columns=["image"])["image"]
        cell = cache[row["shard"]][row["row"]].as_py()
        out.append(Image.open(io.BytesIO(cell["bytes"])).convert("RGB"))
    return out


def run_network(
    rows: Sequence[dict], model_dir: str | Path, config: SceneConfig, *, batch_size: int = 32
) -> list[SourceEstimate]:
    """``SourceEstimator.from_pretrained(model_dir).estimate`` on the rows' rendered images.

    The network's positions (pixels of the 224 x 224 model image) are returned in pixels of
    the scene, like the truth; ``seconds`` is the estimator's time per image (loading the
    model is not counted).
    """
    from insar_hf.source.estimator import SourceEstimator

    scale = config.image_size_px / IMAGE_SIZE  # scene pixels per model-image pixel
    images = _images(rows)
    estimator = SourceEstimator.from_pretrained(model_dir)
    pixel_m = [float(r["pixel_m"]) * scale for r in rows]
    estimates = estimator.estimate(images, pixel_m=pixel_m, batch_size=batch_size)
    if scale == 1.0:
        return list(estimates)
    return [
        replace(
            e,
            epicentre_row_px=e.epicentre_row_px * scale,
            epicentre_col_px=e.epicentre_col_px * scale,
        )
        for e in estimates
    ]


def evaluate_source(
    dataset: str | Path,
    *,
    split: str = "test",
    methods: str | Sequence[str] = METHODS,
    model_dir: str | Path | None = None,
    max_scenes: int | None = 50,
    progress: Callable[[str], None] | None = None,
    inversion_kwargs: dict | None = None,
    real_backgrounds=None,
) -> dict:
    """Score the chosen methods on the same earthquake scenes of ``split``.

    ``real_backgrounds`` (a bank or a folder): the real backgrounds the dataset was drawn on,
    which the inversion needs to regenerate its scenes (:func:`dataset_backgrounds`).

    Returns a JSON-ready dict: ``dataset``, ``split``, ``n_scenes``, ``methods`` (name ->
    :func:`~insar_hf.source.metrics.source_errors`), ``speed_ratio`` (inversion over network
    median seconds; NaN unless both ran), ``table`` (Markdown) and ``scenes`` (per scene: the
    truth and each method's estimate).
    """
    methods = parse_methods(methods)
    if "network" in methods and model_dir is None:
        model_dir = default_model_path(DEFAULT_SOURCE_MODEL_DIR)  # the packaged source model
    if "network" in methods and not Path(model_dir).is_dir():
        raise ValueError(f"--model {model_dir} is not a folder with a trained source model")
    config = scene_config(dataset)
    bank = None
    if "inversion" in methods:  # checked before any scene is scored
        bank = dataset_backgrounds(dataset, real_backgrounds)
    rows = earthquake_rows(dataset, split, max_scenes)
    estimates: dict[str, list[SourceEstimate]] = {}
    for method in methods:
        start = time.perf_counter()
        if method == "network":
            estimates[method] = run_network(rows, model_dir, config)
        else:
            estimates[method] = run_inversion(
                rows, config, bank=bank, progress=progress, **(inversion_kwargs or {})
            )
        if progress is not None:
            progress(f"{method}: {len(rows)} scenes in {time.perf_counter() - start:.1f} s")
    scores = {m: source_errors(rows, estimates[m]) for m in methods}
    truth_keys = [k for k in rows[0] if k not in ("shard", "row")]
    return {
        "dataset": str(dataset),
        "split": split,
        "n_scenes": len(rows),
        "methods": scores,
        "speed_ratio": speed_ratio(scores),
        "table": markdown_table(scores),
        "scenes": [
            {"truth": {k: row[k] for k in truth_keys}}
            | {m: estimates[m][i].as_dict() for m in methods}
            for i, row in enumerate(rows)
        ],
    }

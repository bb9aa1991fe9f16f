"""The dataset card (README.md) of a generated dataset folder, via huggingface_hub's card API.

The YAML header is built with :class:`huggingface_hub.DatasetCardData`: license, task
categories, tags, size category, ``configs`` (``data_files`` per split, so ``load_dataset(DIR)``
and ``load_dataset(repo_id)`` find the shards) and ``dataset_info`` (features, including the
``ClassLabel`` names, and the split sizes), followed by prose on how the samples are made.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from insar_hf.dataset.layout import HISTOGRAM_FILE, features_for, read_generation
from insar_hf.dataset.stats import plot_parameter_histograms, split_byte_sizes
from insar_hf.schema import KIND_NAMES, LABEL_NAMES, SPLITS
from insar_hf.version import __version__

PRETTY_NAME = "insar_hf synthetic earthquake interferograms"
LICENSE = "apache-2.0"
TAGS = ["insar", "sar", "interferometry", "earthquake", "geophysics", "synthetic", "remote-sensing"]

CITATION = """\
@software{insar_hf,
  title  = {insar\\_hf: synthetic InSAR earthquake interferograms, Vision Transformer detection
            and attention maps with Hugging Face},
  year   = {2026},
  note   = {Python package, version {version}}
}"""


def size_category(n: int) -> str:
    """The Hub's ``size_categories`` bucket for ``n`` examples."""
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
        (100_000_000, "10M<n<100M"),
    ]
    for bound, name in bounds:
        if n < bound:
            return name
    return "n>1T" if n >= 10**12 else "100M<n<1B" if n < 10**9 else "1B<n<10B"


def card_data(params: dict[str, Any], features, byte_sizes: dict[str, dict[str, int]]):
    """The :class:`DatasetCardData` of a dataset generated with ``params`` (generation.json)."""
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from huggingface_hub import DatasetCardData

    sizes = params["split_sizes"]
    splits = SplitDict()
    for split in SPLITS:
        splits.add(
            SplitInfo(
                name=split,
                num_examples=int(sizes[split]),
                num_bytes=int(byte_sizes[split]["num_bytes"]),
            )
        )
    download = sum(v["download_size"] for v in byte_sizes.values())
    info = DatasetInfo(
        features=features,
        splits=splits,
        download_size=download,
        dataset_size=sum(v["num_bytes"] for v in byte_sizes.values()),
    )
    info_yaml = info._to_yaml_dict()
    return DatasetCardData(
        pretty_name=PRETTY_NAME,
        license=LICENSE,
        task_categories=["image-classification"],
        task_ids=["multi-class-image-classification"],
        tags=TAGS,
        size_categories=[size_category(sum(sizes.values()))],
        annotations_creators=["machine-generated"],
        source_datasets=["original"],
        configs=[
            {
                "config_name": "default",
                "data_files": [
                    {"split": split, "path": f"data/{split}-*"}
                    for split in SPLITS
                    if sizes[split] > 0
                ],
            }
        ],
        dataset_info=info_yaml,
    )


def field_table(features) -> str:
    """The card's Markdown table of ``features``: column, type and meaning.

    Columns without a meaning of their own are scene parameters (metadata fields).
    """
    rows = ["| column | type | meaning |", "|---|---|---|"]
    meaning = {
        "image": "canonical 224x224 RGB rendering (`insar_hf.render.render_interferogram`), "
        "lossless WebP",
        "label": f"{list(LABEL_NAMES)}: 0 no earthquake, 1 earthquake deformation",
        "kind": f"{list(KIND_NAMES)}: which phase field was rendered",
        "deformation_bbox": "[x_min, y_min, x_max, y_max] pixels, max exclusive; [0,0,0,0] = none",
        "deformation_mask": "mode L PNG, 255 where the earthquake phase is >= a quarter fringe",
        "wrapped_rad": "float16 wrapped phase (rad), NaN = no data",
        "unwrapped_rad": "float16 unwrapped phase (rad), NaN = no data",
    }
    for name, feature in features.items():
        dtype = getattr(feature, "dtype", type(feature).__name__)
        kind = type(feature).__name__ if type(feature).__name__ != "Value" else dtype
        rows.append(
            f"| `{name}` | {kind} | {meaning.get(name, 'scene parameter (`insar_hf.schema.METADATA_FIELDS`; NaN when absent)')} |"
        )
    return "\n".join(rows)


BACKGROUND_CREDIT = """The real backgrounds are third-party interferograms: credit their
source. insar_hf's default model was trained on COMET-LiCSAR products (Lazecky et al. 2020,
Remote Sensing 12(15) 2430; contain modified Copernicus Sentinel data) as cropped by Bountos,
Papoutsis, Michail, Karavias, Elias and Papoutsis (2021, "Self-supervised contrastive learning for
volcanic unrest detection", IEEE GRSL; labels after Anantrasirichai et al. 2018, 2019), repository
ngbountos/DeepCubeVolcano."""


def backgrounds_section(params: dict[str, Any]) -> str:
    """The card's "Real backgrounds" section: the bank's identity and splits, and the credit."""
    bank = params.get("real_backgrounds")
    if not bank:
        return ""
    fraction = (params.get("scene_config") or {}).get("real_background_fraction", 0.0)
    rows = "\n".join(
        f"| {split} | {bank[split]['files']:,} | {bank[split]['groups']:,} | "
        f"{bank[split]['volcanoes']:,} |"
        for split in SPLITS
    )
    return f"""
## Real backgrounds

In {float(fraction):.0%} of the wrapped scenes, of every class alike, the nuisance and the
decorrelation are a **real earthquake-free interferogram** instead of the simulator's
(`insar_hf.simulate.background`): a random crop (flipped, rotated, negated, offset) of one of
{bank["files"]:,} files (bank digest `{bank["digest"][:16]}`), with the scene's deformation drawn on
the background's own grid (8-bit images at {bank["phase8_pixel_m"]:g} m) and line of sight, added
to its phase, and judged visible against the background's own nuisance; the product is
quantised to the background's levels whatever the label. Unwrapped scenes stay synthetic. Each
row names its `background_file`, `background_volcano` and `background_group`. The files are
split by group (volcanoes sharing a frame stay together; shares
{", ".join(f"{f:g}" for f in bank["split_fractions"])}), and each split's scenes use that split's
files only:

| split | files | groups | volcanoes |
|---|---|---|---|
{rows}

{BACKGROUND_CREDIT}
"""


def regenerate_backgrounds(params: dict[str, Any]) -> str:
    """The options that the card's regeneration command needs for a bank (or nothing)."""
    bank = params.get("real_backgrounds")
    if not bank:
        return ""
    fraction = (params.get("scene_config") or {}).get("real_background_fraction", 0.0)
    splits = ",".join(f"{f:g}" for f in bank["split_fractions"])
    return (
        f" \\\n    --real-backgrounds BANK --real-background-fraction {fraction:g} "
        f"--background-splits {splits}  # BANK: the files of digest {bank['digest'][:16]}"
    )


def card_text(params: dict[str, Any], features, histogram: str | None) -> str:
    """The Markdown prose that follows the YAML header."""
    sizes = params["split_sizes"]
    total = sum(sizes.values())
    size_lines = "\n".join(f"| {s} | {sizes[s]:,} |" for s in SPLITS)
    figure = (
        f"\n![Parameter distributions, by label]({histogram})\n" if histogram is not None else ""
    )
    raw = (
        "This copy also stores the float16 `wrapped_rad` / `unwrapped_rad` arrays for re-rendering."
        if params.get("with_raw")
        else "Raw phase arrays are not stored (regenerate with `--with-raw` to get them)."
    )
    citation = CITATION.replace("{version}", __version__)
    backgrounds = backgrounds_section(params)
    return f"""
# {PRETTY_NAME}

Physics-based synthetic SAR interferograms for training an earthquake **detector**: does this
interferogram contain co-seismic surface deformation or not? {total:,} samples, generated by the
`insar_hf` Python package (version {__version__}) with seed {params["seed"]}.

| split | examples |
|---|---|
{size_lines}

```python
from datasets import load_dataset

ds = load_dataset("<this repository or folder>")          # train / validation / test
ds["train"].features["label"].names                        # ['no_earthquake', 'earthquake']
stream = load_dataset("<this repository or folder>", split="train", streaming=True)
```

## How a sample is made

Every sample is a pure function of `(seed, split, index)`
(`insar_hf.simulate.scene.sample_scene(insar_hf.simulate.seeds.scene_seed_sequence(seed, split, index))`);
no seed is shared between splits, so the same command reproduces the same set on any number of
processes or machines. A scene is a map-projected patch (north up) on which:

1. **Earthquake deformation** (positives): a uniform-slip rectangular fault in an elastic
   half-space (Okada 1985). Magnitude, mechanism (strike-slip, thrust, normal, oblique: strike,
   dip, rake in the Aki & Richards convention), depth and rupture size follow empirical scaling
   with scatter; slip is set so that `mu * L * W * slip` equals the moment of the magnitude
   (Hanks & Kanamori 1979).
2. **Line of sight**: the east, north and up displacement is projected on the satellite line of
   sight of a right-looking Sentinel-1 (C band) or NISAR (L or S band) geometry, ascending or
   descending; positive LOS is motion away from the satellite (LiCSAR convention) and
   `phase = -4 pi / wavelength * LOS`.
3. **Nuisance signals** present in every sample: turbulent tropospheric delay (power-law
   spectrum), topography-correlated stratified delay over a fractal DEM, orbital ramps,
   decorrelation phase noise drawn from a coherence map, and no-data holes where coherence is low.
   Negatives may also contain non-seismic **hard negatives** (a Mogi inflation source or a
   subsidence bowl), which are *not* earthquakes.
4. The wrapped or unwrapped phase (`kind`) is rendered to the canonical 224x224 image by
   `insar_hf.render.render_interferogram`, the same function the detector applies to real
   products, so synthetic and real interferograms are encoded identically.

{backgrounds}
## Labels

`label` is 1 (`earthquake`) when the scene contains fault deformation that is visible and 0
(`no_earthquake`) otherwise, as in the paper that this project follows. Visible means that the
earthquake's own phase reaches a quarter fringe (pi / 2 rad) on at least
`SceneConfig.min_visible_pixels` valid pixels; an earthquake drawn too small is redrawn a few
times and, if still invisible, kept but labelled 0 (`deformation_source =
"earthquake_not_visible"`). Hard negatives (`deformation_source` `mogi` or `subsidence`) are
always 0. `deformation_bbox` and `deformation_mask` mark those quarter-fringe pixels in image
pixels (`[0, 0, 0, 0]` and an empty mask for every label-0 scene).

## Columns

{field_table(features)}

{raw}

## Parameter distributions
{figure}
Numeric scene parameters as histograms over the whole set, by label; categorical ones as counts.
The exact sampling ranges are those of `insar_hf.simulate.config.SceneConfig`, stored in `generation.json`.

## Files

`data/{{split}}-{{i:05d}}-of-{{n:05d}}.parquet` shards of {params["shard_size"]:,} rows (row groups of
{params.get("row_group_size", 100)} rows); `generation.json` holds every parameter needed to
regenerate the set bit for bit:

```bash
insar-hf generate --num-samples {total} --seed {params["seed"]} --shard-size {params["shard_size"]} --out DIR{regenerate_backgrounds(params)}
insar-hf check-dataset DIR
```

## Citation

```bibtex
{citation}
```
"""


def write_dataset_card(
    out_dir: str | Path,
    *,
    params: dict[str, Any] | None = None,
    features=None,
    histogram: bool = True,
) -> Path:
    """Write ``out_dir/README.md`` (and ``parameter_histograms.png``) for a generated dataset.

    Parameters
    ----------
    out_dir
        Dataset folder with ``generation.json`` and complete ``data/`` shards.
    params, features
        Generation parameters and features; read from ``out_dir`` when omitted.
    histogram
        Also draw the parameter histogram figure from the shards and link it from the card.
    """
    from huggingface_hub import DatasetCard

    out_dir = Path(out_dir)
    params = read_generation(out_dir) if params is None else params
    features = features_for(params) if features is None else features
    figure = None
    if histogram:
        plot_parameter_histograms(out_dir, out_dir / HISTOGRAM_FILE)
        figure = HISTOGRAM_FILE
    data = card_data(params, features, split_byte_sizes(out_dir))
    content = f"---\n{data.to_yaml()}\n---\n{card_text(params, features, figure)}"
    card = DatasetCard(content)
    path = out_dir / "README.md"
    tmp = out_dir / f".README.md.{os.getpid()}.tmp"
    card.save(tmp)
    os.replace(tmp, path)
    return path

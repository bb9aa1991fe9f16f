"""Realism of synthetic negatives against the real dev frames, side by side (issue 11, part 5).

Draws scenes of the default ``SceneConfig`` until ``--scenes`` negatives (label 0, whatever
they hold: nothing, a hard negative, an earthquake too small to see) are collected, measures
each with :mod:`insar_hf.simulate.realism` (the definitions are in its docstring) and prints:

the RMS of LOS differences against lag (100 m ... 6.4 km: synthetic median and 10-90 % range,
real far-field windows, the Emardson et al. 2003 law in LOS), every real crop's figures, then
one table of each figure, synthetic vs real vs target, with PASS / MISS (synthetic).

Synthetic LOS = ``unwrapped_rad * -wavelength / (4 pi)`` of every negative (both kinds, noise
included, NaN = no data); wrapped figures (smoothness, no data) from the negatives whose
``kind`` is wrapped (``wrapped_rad``, what the model sees); amplitude from the negatives with a
window side of 10-50 km; spectral slope from negatives with at least half their pixels valid.
Diagnostics: the lag RMS, its 64 px / 1 px ratio and the slope also on ``Scene.los_m`` (no
decorrelation noise), and the no-data fraction of unwrapped negatives.

Real: the 8 earthquake-free windows of ``real-dev/windows.json`` (2 unwrapped, 6 wrapped) and 6
extra 224 px crops of the Thessaly frame (``EXTRA_THESSALY_CROPS``) whose nearest pixel is more
than 150 px (15 km) from the deformation centre (row 395, col 380) along rows or columns; the
extra crops enter only smoothness, no data and spectral slope, since the coseismic signal's
long-wavelength tail may reach them.  Wrapped-only data give n/a for LOS figures.  The binary
Thessaly ``.diff`` marks no data (the west wedge) with an exact 0, like the GeoTIFF.

usage:
  python benchmarks/realism.py                          # 300 negatives, seed 0
  python benchmarks/realism.py --scenes 100 --seed 3
  python benchmarks/realism.py --set turbulence_beta=3.67 --set no_data_threshold=0.05
  python benchmarks/realism.py --figure docs/figures/realism_negatives.png
"""

from __future__ import annotations

import argparse
import ast
import collections
import dataclasses
import io
import json
import math
import time
from pathlib import Path

import numpy as np
from PIL import Image

from insar_hf.render import render_array
from insar_hf.simulate import realism
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.scene import sample_scene
from insar_hf.simulate.seeds import scene_seed_sequence
from insar_hf.simulate.turbulence import emardson_sigma_m

REAL_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "real-dev"
C_BAND_WAVELENGTH_M = 0.055466
THESSALY_PIXEL_M = 100.0
LAW_INCIDENCE_DEG = 39.0
"""Sentinel-1 IW mid-swath incidence used to turn the zenith law into LOS (1 / cos)."""
EXTRA_THESSALY_CROPS = (
    (0, 0, "north-west"),
    (0, 268, "north"),
    (283, 0, "west"),
    (283, 577, "east"),
    (577, 0, "south-west"),
    (577, 268, "south"),
)
"""(row, col, name) of 224 px Thessaly crops more than 150 px from (395, 380) on one axis."""
CROP_PX = 224
SIDE_RANGE_KM = (10.0, 50.0)


# --------------------------------------------------------------------------- synthetic side


def measure(los_m, pixel_m: float, wavelength_m: float, wrapped_rad=None) -> dict:
    """Every figure of one window; wrapped ones only with ``wrapped_rad``, LOS ones with LOS."""
    out = {"pixel_m": pixel_m, "side_km": pixel_m * CROP_PX / 1000.0}
    if los_m is not None:
        los = np.asarray(los_m, dtype=np.float64)
        out["rms_m"] = realism.los_difference_rms_by_lag_m(los, pixel_m)
        rms_64px, rms_1px = (realism.los_difference_rms_m(los, n) for n in (64, 1))
        out["px_ratio"] = rms_64px / rms_1px
        out["span_m"] = realism.los_span_m(los)
        out["fringe"] = out["span_m"] >= wavelength_m / 2.0
        valid = np.isfinite(los).mean()
        out["los_no_data"] = 1.0 - valid
        out["slope"] = realism.los_spectral_slope(los, pixel_m) if valid >= 0.5 else math.nan
    if wrapped_rad is not None:
        out["smooth_rad"] = realism.neighbour_phase_difference_rad(wrapped_rad)
        out["blobs"] = realism.no_data_blobs(~np.isfinite(wrapped_rad))
    return out


def synthetic_negatives(
    n: int, seed: int, keep_images: int, config: SceneConfig
) -> tuple[list, list, int]:
    """``n`` negatives of ``config``: (figures, first ``keep_images`` fields, scenes drawn)."""
    figures, kept, index = [], [], 0
    while len(figures) < n:
        scene = sample_scene(scene_seed_sequence(seed, "validation", index), config)
        index += 1
        if scene.label != 0:
            continue
        meta = scene.metadata
        wavelength_m = meta["wavelength_m"]
        los = realism.los_from_unwrapped_m(scene.unwrapped_rad, wavelength_m)
        wrapped = scene.wrapped_rad if scene.kind == "wrapped" else None
        fig = measure(los, meta["pixel_m"], wavelength_m, wrapped)
        clean = measure(scene.los_m, meta["pixel_m"], wavelength_m)  # no decorrelation noise
        fig |= {"kind": scene.kind, "source": meta["deformation_source"]}
        fig |= {f"clean_{key}": clean[key] for key in ("rms_m", "px_ratio", "slope")}
        figures.append(fig)
        if len(kept) < keep_images and np.isfinite(scene.field_rad).any():
            kept.append((scene.field_rad, scene.kind, fig["side_km"], fig["source"]))
    return figures, kept, index


# -------------------------------------------------------------------------------- real side


def _read_raw(path: Path) -> np.ndarray:
    if path.suffix == ".tif":
        import rasterio

        with rasterio.open(path) as src:
            array = src.read(1).astype(np.float64)
        return np.where(array == 0.0, np.nan, array)  # the GeoTIFF's exact 0 = no data
    return np.fromfile(path, dtype="<f4").reshape(801, 801).astype(np.float64)


def _galapagos_pixel_m(path: Path) -> float:
    import rasterio

    with rasterio.open(path) as src:
        t, rows = src.transform, src.height
    lat_deg = t.f + t.e * rows / 2.0
    metres_per_deg = math.pi / 180.0 * 6_371_008.8
    return math.sqrt(abs(t.a) * math.cos(math.radians(lat_deg)) * abs(t.e)) * metres_per_deg


def read_frame(path: Path) -> tuple[np.ndarray, str]:
    """The file's array on its own grid (LOS m or wrapped rad, NaN = no data) and how it was read.

    ``read_product`` is used when it reads the file and gives the same grid (up to the sign the
    reader converts); otherwise the raw file, and the note says why.
    """
    from insar_hf.products import read_product

    raw = _read_raw(path)
    try:
        product = read_product(path)
    except ValueError as error:
        reason = str(error).splitlines()[0].replace(f"{path.parent}/", "")
        return raw, f"raw file (read_product: {reason[:100]})"
    array = product.los_m if path.suffix == ".unw" else product.wrapped_rad
    if array is None or array.shape != raw.shape:
        return raw, "raw file (read_product gave another grid)"
    same = np.isfinite(array) & np.isfinite(raw)
    even = np.abs if path.suffix == ".unw" else np.cos  # blind to the sign the reader converts
    if np.allclose(even(array[same]), even(raw[same]), atol=1e-5):
        return np.asarray(array, dtype=np.float64), "read_product"
    return raw, "raw file (read_product's array differs from the file's grid)"


def real_crops(real_dev: Path) -> tuple[list, list]:
    """Figures of the earthquake-free windows and extra Thessaly crops, and read notes."""
    windows = json.loads((real_dev / "windows.json").read_text())["windows"]
    frames, notes, crops = {}, [], []
    for w in [w for w in windows if w["label"] == 0] + [
        {"file": f, "kind": k, "row": r, "col": c, "size": CROP_PX, "note": f"extra {name}"}
        for r, c, name in EXTRA_THESSALY_CROPS
        for f, k in (
            ("thessaly_2021/greece.unw", "unwrapped"),
            ("thessaly_2021/greece.diff", "wrapped"),
        )
    ]:
        path = real_dev / w["file"]
        if path not in frames:
            frames[path] = read_frame(path)
            notes.append(f"{w['file']}: {frames[path][1]}")
            if path.suffix == ".diff":  # its exact 0 is the west wedge, NaN in the .unw
                frames[path][0][frames[path][0] == 0.0] = np.nan
        array = frames[path][0][w["row"] : w["row"] + w["size"], w["col"] : w["col"] + w["size"]]
        galapagos = path.suffix == ".tif"
        pixel_m = _galapagos_pixel_m(path) if galapagos else THESSALY_PIXEL_M
        unwrapped = w["kind"] == "unwrapped"
        fig = measure(
            array if unwrapped else None, pixel_m, C_BAND_WAVELENGTH_M, None if unwrapped else array
        )
        name = ("Galapagos " if galapagos else "Thessaly ") + w["note"]
        extra = w["note"].startswith("extra")
        phase = -4.0 * math.pi / C_BAND_WAVELENGTH_M * array if unwrapped else array
        crops.append(fig | {"name": name, "kind": w["kind"], "extra": extra, "field": phase})
    return crops, notes


# ---------------------------------------------------------------------------------- report


def _q(values, q) -> float:
    """Percentile ``q`` of the finite values, or their mean for ``q = "mean"`` (NaN if none)."""
    values = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if not values.size:
        return math.nan
    return float(values.mean()) if q == "mean" else float(np.percentile(values, q))


def _fmt(value, scale=1.0, digits=2):
    return "n/a" if value is None or not np.isfinite(value) else f"{value * scale:.{digits}f}"


def _spread(values, scale=1.0) -> str:
    """``median [p10, p90] (n)`` of the finite values, times ``scale``."""
    n = int(np.isfinite(values).sum())
    p10, p50, p90 = (_fmt(_q(values, q), scale) for q in (10, 50, 90))
    return f"{p50} [{p10}, {p90}] ({n})"


def lag_table(syn: list, real: list) -> None:
    los_real = [c for c in real if "rms_m" in c and not c["extra"]]
    rms = np.array([f["rms_m"] for f in syn])  # (scenes, lags)
    clean = np.array([f["clean_rms_m"] for f in syn])  # (scenes, lags)
    head = f"{'lag':>7} | {'synthetic median [p10, p90] (n)':>34} | {'noise-free':>10}"
    head += "".join(f" | {c['name'].replace('far field, ', ''):>26}" for c in los_real)
    head += " | law LOS (mm)"
    print("RMS of LOS differences against lag, mm\n" + head + "\n" + "-" * len(head))
    for i, lag_m in enumerate(realism.LAGS_M):
        col = rms[:, i]
        law = emardson_sigma_m(lag_m / 1000.0) / math.cos(math.radians(LAW_INCIDENCE_DEG))
        line = f"{lag_m / 1000:>5.1f}km | {_spread(col, 1e3):>34}"
        line += f" | {_fmt(_q(clean[:, i], 50), 1e3):>10}"
        line += "".join(f" | {_fmt(c['rms_m'][i], 1e3):>26}" for c in los_real)
        print(line + f" | {float(law) * 1e3:.2f}")
    law = emardson_sigma_m(6.4) / emardson_sigma_m(0.1)
    line = f"{'6.4/0.1':>7} | {_spread(rms[:, -1] / rms[:, 0]):>34}"
    line += f" | {_fmt(_q(clean[:, -1] / clean[:, 0], 50)):>10}"
    line += "".join(f" | {_fmt(c['rms_m'][-1] / c['rms_m'][0]):>26}" for c in los_real)
    print(line + f" | {float(law):.2f}")
    law_text = f"c L^0.5, H = 0, / cos({LAW_INCIDENCE_DEG:g} deg)"
    print(f"law: Emardson et al. (2003) {law_text} (insar_hf.simulate.turbulence)")
    print("noise-free: synthetic median of Scene.los_m (no decorrelation noise, no NaN)\n")


def crop_table(real: list) -> None:
    print("Real crops (224 px)\n" f"{'crop':<44} {'kind':<9} {'px m':>5} {'span cm':>7} "
          f"{'64/1px':>6} {'|dphi|':>6} {'NaN %':>6} {'blobs':>5} {'slope':>5}")  # fmt: skip
    for c in real:
        blobs = c.get("blobs")
        print(
            f"{c['name'][:44]:<44} {c['kind']:<9} {c['pixel_m']:>5.0f} "
            f"{_fmt(c.get('span_m'), 100):>7} {_fmt(c.get('px_ratio')):>6} "
            f"{_fmt(c.get('smooth_rad'), 1, 3):>6} "
            f"{_fmt(blobs.fraction if blobs else None, 100, 1):>6} "
            f"{blobs.count if blobs else 'n/a':>5} {_fmt(c.get('slope')):>5}"
        )
    print()


def summary_table(syn: list, real: list) -> None:
    wrapped = [f for f in syn if "smooth_rad" in f]
    in_range = [f for f in syn if SIDE_RANGE_KM[0] <= f["side_km"] <= SIDE_RANGE_KM[1]]
    r_los = [c for c in real if "rms_m" in c and not c["extra"]]
    r_wrapped = [c for c in real if "smooth_rad" in c]
    slope_crops = [c for c in real if "slope" in c]

    def get(figs, key):
        return [f[key] for f in figs if key in f]

    def blob(figs, attr):
        return [getattr(f["blobs"], attr) for f in figs]

    ratio = [f["rms_m"][-1] / f["rms_m"][0] for f in syn]
    r_ratio = [c["rms_m"][-1] / c["rms_m"][0] for c in r_los]
    span, r_span = get(in_range, "span_m"), get(r_los, "span_m")
    smooth, r_smooth = get(wrapped, "smooth_rad"), get(r_wrapped, "smooth_rad")
    nan, r_nan = blob(wrapped, "fraction"), blob(r_wrapped, "fraction")
    u_nan = [f["los_no_data"] for f in syn if f["kind"] == "unwrapped"]
    r_u_nan = [c["los_no_data"] for c in real if "los_no_data" in c]
    count, r_count = blob(wrapped, "count"), blob(r_wrapped, "count")
    med, r_med = blob(wrapped, "median_size_fraction"), blob(r_wrapped, "median_size_fraction")
    big, r_big = blob(wrapped, "largest_size_fraction"), blob(r_wrapped, "largest_size_fraction")
    slope, r_slope = get(syn, "slope"), get(slope_crops, "slope")
    n_ratio, n_span, n_wrapped = int(np.isfinite(ratio).sum()), len(span), len(wrapped)
    # (figure, synthetic values, real values, percentile, scale, digits, target, test)
    rows = [
        (f"RMS ratio 6.4 km / 100 m, median (n={n_ratio})", ratio, r_ratio, 50, 1, 1, ">= 10",
         lambda v: v >= 10),
        ("RMS ratio 64 px / 1 px, median", get(syn, "px_ratio"), get(r_los, "px_ratio"), 50, 1,
         1, "", None),
        ("  the same on noise-free Scene.los_m (diagnostic)", get(syn, "clean_px_ratio"),
         get(r_los, "px_ratio"), 50, 1, 1, "", None),
        (f"amplitude p99-p1 cm, 10-50 km windows (n={n_span}), median", span, r_span, 50, 100,
         2, "3.3-8.5", lambda v: 0.033 <= v <= 0.085),
        ("amplitude p99-p1 cm, p10", span, r_span, 10, 100, 2, "", None),
        ("amplitude p99-p1 cm, p90", span, r_span, 90, 100, 2, "", None),
        (f"wrapped |dphi| rad, smoothest tenth (p10, n={n_wrapped})", smooth, r_smooth, 10, 1,
         3, "<= 0.06", lambda v: v <= 0.06),
        ("wrapped |dphi| rad, median", smooth, r_smooth, 50, 1, 3, "", None),
        ("wrapped no data %, median", nan, r_nan, 50, 100, 1, "<= 5", lambda v: v <= 0.05),
        ("wrapped no data %, p90", nan, r_nan, 90, 100, 1, "<= 30", lambda v: v <= 0.30),
        ("  unwrapped no data %, median (diagnostic)", u_nan, r_u_nan, 50, 100, 1, "", None),
        ("  unwrapped no data %, p90 (diagnostic)", u_nan, r_u_nan, 90, 100, 1, "", None),
        ("no-data blobs per wrapped scene, median", count, r_count, 50, 1, 1, "", None),
        ("median blob size % (scenes with blobs), median", med, r_med, 50, 100, 3, "", None),
        ("largest blob % (scenes with blobs), median", big, r_big, 50, 100, 2, "", None),
        ("spectral slope of LOS, median", slope, r_slope, 50, 1, 2, "", None),
        ("spectral slope of LOS, p10", slope, r_slope, 10, 1, 2, "", None),
        ("spectral slope of LOS, p90", slope, r_slope, 90, 1, 2, "", None),
        ("  median on noise-free Scene.los_m (diagnostic)", get(syn, "clean_slope"), r_slope, 50,
         1, 2, "", None),
        ("share of negatives with >= 1 fringe of nuisance %", get(syn, "fringe"),
         get(r_los, "fringe"), "mean", 100, 1, "", None),
    ]  # fmt: skip
    print(f"{'figure':<58} {'synthetic':>9} {'real':>9} {'target':>8}")
    print("-" * 92)
    for name, s_values, r_values, q, scale, digits, target, test in rows:
        s, r = _q(s_values, q), _q(r_values, q)
        mark = "" if test is None else ("PASS" if np.isfinite(s) and test(s) else "MISS")
        print(f"{name:<58} {_fmt(s, scale, digits):>9} {_fmt(r, scale, digits):>9} "
              f"{target:>8} {mark}")  # fmt: skip
    print(
        f"real: LOS figures from {len(r_los)} unwrapped windows.json crops (percentiles of 2 "
        f"interpolate); wrapped figures from {len(r_wrapped)} crops, spectral slope and "
        f"unwrapped no data from {len(r_slope)} (extras included)"
    )


def figure(path: Path, kept: list, real: list, config_text: str) -> None:
    """A 4 x 6 grid: 16 synthetic negatives, then the 8 windows.json real crops, rendered."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(f, k, f"synthetic {k}, {s:.0f} km\n{src}") for f, k, s, src in kept[:16]]
    panels += [
        (c["field"], c["kind"], f"real {c['kind']}, {c['side_km']:.0f} km\n{c['name']}")
        for c in real
        if not c["extra"]
    ][:8]
    fig, axes = plt.subplots(4, 6, figsize=(15, 11))
    for ax, (field, kind, title) in zip(axes.ravel(), panels):
        ax.imshow(render_array(field, kind))
        ax.set_title(title, fontsize=7)
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.suptitle(
        f"Synthetic negatives ({config_text}) and real-dev crops, as the model sees them "
        "(render_array)",
        fontsize=10,
    )
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=80)
    plt.close(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    # 256 octree colours: 0.45 MB instead of 1.5 (phase noise does not compress), no banding
    image = Image.open(buffer).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    print(f"figure written to {path}")


def scene_config(settings: list[str], parser: argparse.ArgumentParser) -> SceneConfig:
    """``SceneConfig()`` with the ``FIELD=VALUE`` changes of ``--set`` (exit 2 if invalid)."""
    fields, changes = {f.name for f in dataclasses.fields(SceneConfig)}, {}
    for item in settings:
        key, _, text = (part.strip() for part in item.partition("="))
        if key not in fields or not text:
            parser.error(f"--set {item}: write FIELD=VALUE with FIELD a SceneConfig field")
        try:
            changes[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            parser.error(f"--set {item}: VALUE must be a Python literal, e.g. 3.67 or (0.1, 0.2)")
    try:
        return SceneConfig().replace(**changes)
    except (TypeError, ValueError) as error:
        parser.error(f"--set: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", type=int, default=300, help="Synthetic negatives to draw.")
    parser.add_argument("--seed", type=int, default=0, help="Dataset seed (validation split).")
    parser.add_argument("--figure", type=Path, default=None, help="Write the grid figure here.")
    parser.add_argument("--real-dev", type=Path, default=REAL_DEV, help="The real-dev folder.")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="Change one SceneConfig field (a Python literal), e.g. turbulence_beta=3.67.",
    )
    args = parser.parse_args(argv)
    if args.scenes < 10:
        parser.error("--scenes must be at least 10 for percentiles to mean anything")
    start = time.perf_counter()
    if not (args.real_dev / "windows.json").is_file():
        parser.error(f"no windows.json in {args.real_dev}; pass --real-dev PATH/real-dev")
    config = scene_config(args.set, parser)
    syn, kept, drawn = synthetic_negatives(args.scenes, args.seed, 16 if args.figure else 0, config)
    seconds = time.perf_counter() - start
    sources = dict(collections.Counter(f["source"] for f in syn))
    print(
        f"{len(syn)} synthetic negatives of {drawn} scenes (seed {args.seed}) in "
        f"{seconds:.1f} s; by deformation_source: {sources}"
    )
    real, notes = real_crops(args.real_dev)
    print("real frames: " + "; ".join(notes) + "\n")
    lag_table(syn, real)
    crop_table(real)
    summary_table(syn, real)
    if args.figure:
        figure(args.figure, kept, real, " ".join(args.set) or "default SceneConfig")
    print(f"total {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed of the synthetic-scene generator, per core, with the split per stage.

Prints, from one run on one core (BLAS/OpenMP threads pinned to 1 before NumPy loads):

0. deformation-box statistics over ``--box-scenes`` scenes drawn as positives, for the default
   magnitude-aware pixel spacing and for the previous independent log-uniform 40-400 m one:
   fraction of boxes covering > 90 % of the image, median box area, redraws, positives out of
   redraws and ``sample_scene`` speed (``--only-boxes`` stops after it);
1. ``sample_scene`` scenes per second per core (target 150) and the whole path -- sample
   (design, atmosphere, coherence and noise, source incl. Okada and redraws, compose) + row
   (render with :func:`insar_hf.render.render_array`, lossless WebP image, PNG mask, metadata)
   -- in samples per second per core (target 100), at the default 224 x 224 ``SceneConfig``,
   with the time of each stage, and the image encoders (PNG levels, WebP lossless methods):
   encode and decode time and size;
2. the vectorised Okada call on a full 224 x 224 grid against a per-pixel Python loop over
   Okada's own DC3D (``okada_wrapper.dc3dwrapper``) on a random subsample, as a ratio of the
   time per pixel, plus their largest difference on that subsample (a sanity check; the
   physics tests are the real comparison);
3. the error of computing Okada on every ``okada_stride_px``-th pixel and interpolating, against
   every pixel, over the same scenes: RMS and 99th-percentile phase error (rad) and the change
   of the deformation mask and the label.

With ``--before REV`` it first prints the generator of git revision ``REV`` against this
checkout, in one run (:mod:`before_after`): ``sample_scene`` scenes/s/core and the whole row path
in samples/s/core, both in CPU time, interleaved chunk by chunk on the same seeds (so a shared
machine slows both alike), KB per sample and draws per positive; with ``--generate N`` also
``insar-hf generate`` of N samples on ``--workers`` processes, wall time and CPU time per sample.

No SyInterferoPy-like baseline is timed here (that package is not installed).  The machine may
be shared: quote ratios measured in the same run, not absolute figures from different runs.

usage:
  python benchmarks/bench_synth.py                    # 200 scenes
  python benchmarks/bench_synth.py --before main --generate 2000 --box-scenes 0
  python benchmarks/bench_synth.py --scenes 50 --dc3d-pixels 500 --box-scenes 0
  python benchmarks/bench_synth.py --only-boxes --box-scenes 300
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import io  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from insar_hf.dataset.rows import WEBP_METHOD, scene_to_row  # noqa: E402
from insar_hf.physics.okada import okada_surface_displacement  # noqa: E402
from insar_hf.physics.rectangles import rectangles_displacement  # noqa: E402
from insar_hf.render import render_array  # noqa: E402
from insar_hf.simulate import deformation  # noqa: E402
from insar_hf.simulate.config import SceneConfig  # noqa: E402
from insar_hf.simulate.scene import sample_scene  # noqa: E402
from insar_hf.simulate.seeds import scene_seed_sequence  # noqa: E402

STAGES = ("design", "atmosphere", "coherence_noise", "source", "compose", "render", "row")


def whole_path(n: int, seed: int, config: SceneConfig) -> dict:
    """Time ``n`` scenes through sample -> row (render, WebP image, PNG mask, metadata)."""
    timings: dict[str, float] = {}
    sizes = []
    sample_scene(scene_seed_sequence(seed, "validation", 0), config)  # warm caches
    start = time.perf_counter()
    for i in range(n):
        scene = sample_scene(scene_seed_sequence(seed, "train", i), config, timings=timings)
        t0 = time.perf_counter()
        image = render_array(scene.field_rad, scene.kind)
        t1 = time.perf_counter()
        row = scene_to_row(scene)
        t2 = time.perf_counter()
        timings["render"] = timings.get("render", 0.0) + t1 - t0
        # scene_to_row renders again: its encoding time is the row time minus one render.
        timings["row"] = timings.get("row", 0.0) + (t2 - t1) - (t1 - t0)
        sizes.append(len(row["image"]["bytes"]) + len(row["deformation_mask"]["bytes"]))
        del image
    timings["total"] = time.perf_counter() - start - timings["render"]  # one render per scene
    timings["row_kib"] = float(np.mean(sizes)) / 1024
    return timings


ENCODERS = {
    "PNG level 1": dict(format="PNG", compress_level=1),
    "PNG level 6": dict(format="PNG", compress_level=6),
    "WebP lossless m0": dict(format="WEBP", lossless=True, method=0, quality=0),
    "WebP lossless m1 (used)": dict(format="WEBP", lossless=True, method=WEBP_METHOD, quality=0),
    "WebP lossless m2": dict(format="WEBP", lossless=True, method=2, quality=0),
}


def encoders(n: int, seed: int, config: SceneConfig) -> dict:
    """Encode / decode ms and KiB per rendered image for each of :data:`ENCODERS`."""
    images = [
        Image.fromarray(render_array(s.field_rad, s.kind))
        for s in (sample_scene(scene_seed_sequence(seed, "train", i), config) for i in range(n))
    ]
    out = {}
    for name, kwargs in ENCODERS.items():
        t0 = time.perf_counter()
        blobs = []
        for image in images:
            buffer = io.BytesIO()
            image.save(buffer, **kwargs)
            blobs.append(buffer.getvalue())
        t1 = time.perf_counter()
        for blob in blobs:
            Image.open(io.BytesIO(blob)).load()
        t2 = time.perf_counter()
        kib = sum(len(b) for b in blobs) / n / 1024
        out[name] = ((t1 - t0) / n * 1e3, (t2 - t1) / n * 1e3, kib)
    return out


def _dc3d_enu(x_m, y_m, *, strike_deg, dip_deg, rake_deg, slip_m, length_m, width_m, top_m, nu):
    """East/north/up from DC3D at one surface point (map frame of okada_surface_displacement)."""
    from okada_wrapper import dc3dwrapper

    s, c = math.sin(math.radians(strike_deg)), math.cos(math.radians(strike_deg))
    along = x_m * s + y_m * c  # along strike
    left = -x_m * c + y_m * s  # 90 deg anticlockwise of strike (the fault dips the other way)
    rake = math.radians(rake_deg)
    ok, u, _ = dc3dwrapper(
        1.0 / (2.0 * (1.0 - nu)),  # alpha = (lambda + mu) / (lambda + 2 mu)
        [along, left, 0.0],
        top_m,
        dip_deg,
        [-length_m / 2, length_m / 2],
        [-width_m, 0.0],
        [slip_m * math.cos(rake), slip_m * math.sin(rake), 0.0],
    )
    if ok != 0:
        return (math.nan,) * 3
    return (u[0] * s - u[1] * c, u[0] * c + u[1] * s, u[2])


def okada_vs_dc3d(n_pixels: int, seed: int, repeats: int = 5) -> dict:
    """Vectorised Okada on 224 x 224 pixels vs a DC3D Python loop over ``n_pixels`` of them."""
    rng = np.random.default_rng(seed)
    size, pixel_m = 224, 100.0
    params = dict(strike_deg=35.0, dip_deg=40.0, rake_deg=70.0, slip_m=1.2)
    length_m, width_m, top_m = 12_000.0, 6_000.0, 1_500.0
    centres = (np.arange(size) + 0.5 - size / 2) * pixel_m
    x, y = np.meshgrid(centres, -centres)  # (224, 224) east, north of the reference point
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        e, n, u = okada_surface_displacement(
            x, y, length_m=length_m, width_m=width_m, top_depth_m=top_m, **params
        )
        times.append(time.perf_counter() - t0)
    vector_per_px = min(times) / x.size
    pick = rng.choice(x.size, size=n_pixels, replace=False)
    t0 = time.perf_counter()
    loop = [
        _dc3d_enu(
            float(x.flat[k]),
            float(y.flat[k]),
            length_m=length_m,
            width_m=width_m,
            top_m=top_m,
            nu=0.25,
            **params,
        )
        for k in pick
    ]
    loop_per_px = (time.perf_counter() - t0) / n_pixels
    loop = np.array(loop)  # (n_pixels, 3)
    ours = np.stack([e.flat[pick], n.flat[pick], u.flat[pick]], axis=1)
    return {
        "vector_ms": min(times) * 1e3,
        "loop_ms_extrapolated": loop_per_px * x.size * 1e3,
        "ratio": loop_per_px / vector_per_px,
        "max_abs_diff_m": float(np.nanmax(np.abs(loop - ours))),
        "max_abs_m": float(np.abs(ours).max()),
    }


def stride_error(n: int, seed: int, config: SceneConfig) -> dict:
    """Phase / mask / label error of the strided Okada grid over ``n`` positive scenes."""
    coarse_cfg = config.replace(positive_fraction=1.0)
    fine_cfg = coarse_cfg.replace(okada_stride_px=1)
    errors, p99, worst, iou, label_same = [], [], [], [], []
    t_fine = t_coarse = 0.0
    points, draws = [0], 0

    def counting(x_m, y_m, rectangles, **kw):  # counts Okada evaluation points: machine-free
        points[0] += np.size(x_m)
        return rectangles_displacement(x_m, y_m, rectangles, **kw)

    for i in range(n):
        ss = scene_seed_sequence(seed, "test", i)
        tf, tc = {}, {}
        fine = sample_scene(ss, fine_cfg, timings=tf)
        deformation.rectangles_displacement = counting
        try:
            coarse = sample_scene(ss, coarse_cfg, timings=tc)
        finally:
            deformation.rectangles_displacement = rectangles_displacement
        draws += coarse.metadata["redraws"] + 1
        t_fine += tf["source"] / (fine.metadata["redraws"] + 1)
        t_coarse += tc["source"] / (coarse.metadata["redraws"] + 1)
        if fine.metadata["redraws"] != coarse.metadata["redraws"]:
            label_same.append(fine.label == coarse.label)
            continue
        to_phase = 4 * math.pi / fine.metadata["wavelength_m"]
        d = np.abs(fine.eq_los_m - coarse.eq_los_m) * to_phase  # (size, size) rad
        errors.append(float(np.sqrt(np.mean(d**2))))
        p99.append(float(np.percentile(d, 99)))
        worst.append(float(d.max()))
        union = np.count_nonzero(fine.deformation_mask | coarse.deformation_mask)
        inter = np.count_nonzero(fine.deformation_mask & coarse.deformation_mask)
        iou.append(inter / union if union else 1.0)
        label_same.append(fine.label == coarse.label)
    return {
        "rms_rad_median": float(np.median(errors)),
        "rms_rad_max": float(np.max(errors)),
        "p99_rad_median": float(np.median(p99)),
        "max_rad": float(np.max(worst)),
        "points_fraction": points[0] / draws / config.image_size_px**2,
        "mask_iou_median": float(np.median(iou)),
        "mask_iou_min": float(np.min(iou)),
        "label_agreement": float(np.mean(label_same)),
        "source_ms_per_draw_stride1": t_fine / n * 1e3,
        "source_ms_per_draw_strided": t_coarse / n * 1e3,
    }


def box_statistics(n: int, seed: int, config: SceneConfig) -> dict:
    """Deformation-box size, redraws and speed over ``n`` scenes drawn as positives.

    Scenes ``("train", 0 .. n-1)`` with ``positive_fraction = 1`` (every scene draws an
    earthquake; those still invisible after ``max_redraws`` are label 0).  Box fractions are
    of the label-1 scenes; ``scenes_per_s`` is ``sample_scene`` alone (no render, no PNG).
    """
    config = config.replace(positive_fraction=1.0)
    fractions, redraws, out, pixel, mw = [], [], 0, [], []
    start = time.perf_counter()
    for i in range(n):
        scene = sample_scene(scene_seed_sequence(seed, "train", i), config)
        m = scene.metadata
        redraws.append(m["redraws"])
        if scene.label == 0:
            out += 1
            continue
        x0, y0, x1, y1 = scene.deformation_bbox
        fractions.append((x1 - x0) * (y1 - y0) / config.image_size_px**2)
        pixel.append(m["pixel_m"])
        mw.append(m["mw"])
    elapsed = time.perf_counter() - start
    fractions, mw = np.array(fractions), np.array(mw)
    by_mw = {}
    for lo in (4.5, 5.5, 6.5):
        pick = (mw >= lo) & (mw < lo + 1.0)
        if pick.any():
            by_mw[lo] = (int(pick.sum()), float(np.median(fractions[pick])))
    return {
        "above_90": float(np.mean(fractions > 0.9)),
        "median_fraction": float(np.median(fractions)),
        "p10_fraction": float(np.percentile(fractions, 10)),
        "mean_redraws": float(np.mean(redraws)),
        "max_redraws": int(np.max(redraws)),
        "out_of_redraws": out / n,
        "pixel_m_quartiles": np.percentile(pixel, [25, 50, 75]).tolist(),
        "mw_quartiles": np.percentile(mw, [25, 50, 75]).tolist(),
        "median_fraction_by_mw": by_mw,
        "scenes_per_s": n / elapsed,
    }


def _print_boxes(name: str, b: dict) -> None:
    print(f"  {name}")
    print(
        f"    boxes > 90 % of the image {100 * b['above_90']:5.1f} %; box area median "
        f"{100 * b['median_fraction']:.1f} %, 10th percentile {100 * b['p10_fraction']:.1f} %"
    )
    print(
        f"    redraws mean {b['mean_redraws']:.2f} (max {b['max_redraws']}); out of redraws "
        f"{100 * b['out_of_redraws']:.1f} %; {b['scenes_per_s']:.1f} scenes/s (sample only)"
    )
    q = ", ".join(f"{v:.0f}" for v in b["pixel_m_quartiles"])
    w = ", ".join(f"{v:.2f}" for v in b["mw_quartiles"])
    by = "; ".join(
        f"Mw {lo}-{lo + 1}: {k} scenes {100 * f:.1f} %"
        for lo, (k, f) in b["median_fraction_by_mw"].items()
    )
    print(f"    label-1 pixel_m quartiles {q} m; Mw quartiles {w}")
    print(f"    median box area by Mw: {by}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("usage:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scenes", type=int, default=200, help="scenes timed (default 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dc3d-pixels", type=int, default=2000, help="DC3D loop subsample")
    parser.add_argument("--stride-scenes", type=int, default=40, help="scenes for stride error")
    parser.add_argument(
        "--box-scenes", type=int, default=300, help="positive scenes for box statistics (0: skip)"
    )
    parser.add_argument("--only-boxes", action="store_true", help="print the box statistics only")
    parser.add_argument(
        "--okada-stride", type=int, default=None, help="override SceneConfig.okada_stride_px"
    )
    parser.add_argument(
        "--before", metavar="REV", default=None, help="also time this git revision, interleaved"
    )
    parser.add_argument(
        "--before-scenes", type=int, default=400, help="scenes of the before/after comparison"
    )
    parser.add_argument(
        "--generate", type=int, default=0, help="with --before: time `generate` of N samples"
    )
    parser.add_argument("--workers", type=int, default=2, help="generate's processes")
    args = parser.parse_args(argv)
    if args.before:
        import before_after

        before_after.print_comparison(args.before, args.before_scenes, args.generate, args.workers)
    config = SceneConfig()
    if args.okada_stride is not None:
        config = config.replace(okada_stride_px=args.okada_stride)

    if args.box_scenes > 0:
        print(
            f"deformation boxes over {args.box_scenes} scenes drawn as positives, by pixel_spacing_mode"
        )
        _print_boxes(
            f"magnitude (span {config.span_factor_min}-{config.span_factor_max} x footprint, "
            f"{config.pixel_spacing_min_m:.0f}-{config.pixel_spacing_max_m:.0f} m)",
            box_statistics(args.box_scenes, args.seed, config),
        )
        old = config.replace(
            pixel_spacing_mode="log-uniform", pixel_spacing_min_m=40.0, pixel_spacing_max_m=400.0
        )
        _print_boxes(
            "log-uniform 40-400 m (the previous default)",
            box_statistics(args.box_scenes, args.seed, old),
        )
    if args.only_boxes:
        return 0

    t = whole_path(args.scenes, args.seed, config)
    sample_ms = sum(t.get(stage, 0.0) for stage in STAGES[:5]) / args.scenes * 1e3
    per_scene_ms = t["total"] / args.scenes * 1e3
    print(f"{args.scenes} default scenes of {config.image_size_px}x{config.image_size_px}, 1 core")
    print(
        f"  sample_scene      {1e3 / sample_ms:7.1f} scenes/s/core ({sample_ms:.2f} ms)   "
        f"target >= 150: {'PASS' if 1e3 / sample_ms >= 150 else 'MISS'}"
    )
    print(
        f"  whole path        {1e3 / per_scene_ms:7.1f} samples/s/core ({per_scene_ms:.2f} ms)  "
        f"target >= 100: {'PASS' if 1e3 / per_scene_ms >= 100 else 'MISS'}"
    )
    for stage in STAGES:
        ms = t.get(stage, 0.0) / args.scenes * 1e3
        print(f"    {stage:16s} {ms:7.2f} ms  {100 * ms / per_scene_ms:5.1f} %")
    print(
        f"  image + mask {t['row_kib']:.1f} KiB per sample (metadata adds about 1 KiB in parquet); "
        "target <= 50 KB without raw arrays: see benchmarks/bench_dataset.py for shard bytes"
    )

    e = encoders(min(args.scenes, 40), args.seed, config)
    print("image encoders on rendered scenes (ms to encode, ms to decode, KiB per image)")
    for name, (enc, dec, kib) in e.items():
        print(f"  {name:26s} {enc:6.2f} ms {dec:6.2f} ms {kib:6.1f} KiB")

    o = okada_vs_dc3d(args.dc3d_pixels, args.seed)
    print("Okada, 224x224 grid, vectorised NumPy vs per-pixel Python loop over DC3D")
    print(f"  vectorised        {o['vector_ms']:9.2f} ms")
    print(f"  DC3D loop         {o['loop_ms_extrapolated']:9.2f} ms  (from {args.dc3d_pixels} px)")
    print(f"  speed-up          {o['ratio']:9.1f} x")
    print(f"  max |diff|        {o['max_abs_diff_m']:.2e} m  (max |u| {o['max_abs_m']:.2e} m)")

    s = stride_error(args.stride_scenes, args.seed, config)
    print(
        f"Okada on every {config.okada_stride_px}-th pixel + cubic + refinement "
        f"(tolerance {config.okada_tolerance_rad} rad) vs every pixel, "
        f"{args.stride_scenes} positive scenes"
    )
    print(
        f"  source stage per draw: {s['source_ms_per_draw_strided']:.2f} ms strided, "
        f"{s['source_ms_per_draw_stride1']:.2f} ms full; Okada evaluated at "
        f"{100 * s['points_fraction']:.1f} % of the pixels"
    )
    print(
        f"  phase error RMS median {s['rms_rad_median']:.4f} rad, worst {s['rms_rad_max']:.4f} "
        f"rad; 99th percentile median {s['p99_rad_median']:.4f} rad; "
        f"largest {s['max_rad']:.3f} rad"
    )
    print(
        f"  mask IoU median {s['mask_iou_median']:.4f}, min {s['mask_iou_min']:.4f}; "
        f"label agreement {100 * s['label_agreement']:.1f} %"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``scalebridge demo``: the workflows on the data shipped in the package, one report.

1. strength: the published cross-scale covariance analysis (153 IPs, 9,919 models).
2. strength for a potential computed from scratch: indicators of Mishin's Cu EAM by LAMMPS,
   and its predicted large-scale strength with interval.
3. STZ: one forward solve of the continuum model at the published validation parameters,
   beside the coarse-grained MD of the CuZr glass.
4. patterns: the embedded tile dataset of sliding CuNi, example tiles per pattern, the
   pattern classifier trained on it (random split and spatial hold-out, with baselines) and
   the deformation-mechanism map it draws.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scalebridge.cli.common import add_executor_options, add_run_options, executor_settings

DEMO_POTENTIAL = ("Cu_mishin1.eam.alloy", "Cu")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run the workflows on the embedded data")
    add_run_options(parser, default_out="runs/demo")
    add_executor_options(parser)
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    import pandas as pd

    from scalebridge.atomistic.properties.engine import groups_for
    from scalebridge.compute.executor import Executor
    from scalebridge.continuum.parameters import VALIDATION_PARAMETERS
    from scalebridge.continuum.workflow import STZRunSettings, run_stz
    from scalebridge.runs.folder import RunFolder
    from scalebridge.runs.report import Report
    from scalebridge.runs.settings import settings_to_dict
    from scalebridge.strength.dataset import load_pool
    from scalebridge.strength.potential_properties import compute_for_potential
    from scalebridge.strength.workflow import (
        FitSettings,
        comparison_table,
        fit_strength,
        predict_strength,
    )

    settings = FitSettings()
    record = {"strength": settings_to_dict(settings), "potential": list(DEMO_POTENTIAL)}
    with RunFolder(args.out, command="demo", settings=record, overwrite=args.overwrite) as run:
        pool = load_pool()
        print(pool.summary())
        strength_dir = run.path / "strength"
        with Executor(executor_settings(args), progress=not args.no_progress) as executor:
            metrics = fit_strength(
                pool,
                settings,
                strength_dir,
                executor=executor,
                checkpoint_dir=run.checkpoint_dir / "strength",
            )
        name, element = DEMO_POTENTIAL
        indicators = compute_for_potential(
            name, element, groups=tuple(groups_for(list(settings.predictors)))
        )
        row = {"label": f"{name} ({element})"} | {
            c: indicators.values[c] for c in settings.predictors
        }
        potential_dir = run.path / "potential"
        predicted = predict_strength(
            pool, settings, pd.DataFrame([row]), potential_dir, flags=indicators.flags
        )["predictions"][0]
        stz = run_stz(STZRunSettings(VALIDATION_PARAMETERS), run.path / "stz", overwrite=True)

        report = Report("scalebridge demo")
        report.heading("strength — cross-scale covariance (Jasperson et al. 2025)")
        report.table(comparison_table(metrics))
        report.figure(strength_dir / "parity.png", caption="Leave-one-out parity")
        report.figure(strength_dir / "dft_predictions.png", caption="DFT-informed strength")
        report.figure(strength_dir / "correlation_heatmap.png", caption="Indicator correlations")
        report.paragraph("Full report: strength/report.html in this folder.")
        report.heading(f"strength of {name} for {element}, from indicators computed here")
        report.paragraph(
            f"Indicators computed with LAMMPS in {sum(indicators.seconds.values()):.1f} s; "
            f"predicted strength {predicted['strength_mpa']:.0f} MPa, 95 % jackknife+ interval "
            f"{predicted['lower_mpa']:.0f}–{predicted['upper_mpa']:.0f} MPa (MD of this "
            "potential in the dataset: 1145 MPa). Nearest pool potentials: "
            f"{predicted['nearest_pool_ips']}."
        )
        report.heading("STZ continuum model of the CuZr glass (Kontolati et al. 2021)")
        objective = stz.get("objective") or {}
        report.paragraph(
            f"One forward solve at the published validation parameters in {stz['seconds']:.1f} s;"
            f" Grassmann/stress objective against the MD d = {objective.get('d', float('nan')):.4f}"
            " (these parameters were not fitted to this MD; calibration comes with issue 5)."
        )
        report.figure(run.path / "stz" / "stress_strain.png", caption="Stress–strain, MD and STZ")
        report.figure(run.path / "stz" / "strain_snapshots.png", caption="Shear-strain fields")

        from scalebridge.patterns.dataset import load_dataset
        from scalebridge.patterns.figures import grain_pairs, tile_gallery
        from scalebridge.patterns.learn.pipeline import summary_table
        from scalebridge.runs.figures import save_png

        tiles = load_dataset("embedded")
        save_png(tile_gallery(tiles), run.path / "patterns_tiles.png")
        save_png(grain_pairs(tiles), run.path / "patterns_grains.png")
        counts = tiles.table["label"].value_counts()
        report.heading("patterns — tomographs of sliding CuNi (Ehrich, May, Eder 2025)")
        report.paragraph(
            f"The embedded dataset: {len(tiles.table)} labelled tiles from "
            f"{len(tiles.info['runs'])} sliding runs of our own (Cu, CuNi25, Ni; 0.5 and 3 GPa; "
            "300 and 600 K). " + ", ".join(f"{label}: {n}" for label, n in counts.items()) + "."
        )
        report.figure(run.path / "patterns_tiles.png", caption="Example tiles per pattern")
        report.figure(
            run.path / "patterns_grains.png",
            caption="Refined and coarsened tiles: grains counted inside the tile, then and now",
        )
        patterns_dir = run.path / "patterns"
        learned = _patterns(patterns_dir, run.checkpoint_dir / "patterns", not args.no_progress)
        report.table(summary_table(learned))
        report.figure(patterns_dir / "train" / "confusion_random.png", caption="random split")
        report.figure(patterns_dir / "map" / "mechanism_map.png", caption="mechanism map")
        report.paragraph("Full reports: patterns/train/report.html, patterns/map/report.html.")
        report.write(run.path / "report.html")
    print(f"demo report: {args.out / 'report.html'}")
    return 0


def _patterns(folder: Path, checkpoints: Path, progress: bool) -> dict[str, Any]:
    """Train the pattern classifier on the embedded tiles, then draw the mechanism map."""
    from scalebridge.patterns.learn.model import load_model
    from scalebridge.patterns.learn.pipeline import run_map, run_train
    from scalebridge.patterns.learn.workflow import LearnSettings

    (folder / "train").mkdir(parents=True, exist_ok=True)
    (folder / "map").mkdir(parents=True, exist_ok=True)
    metrics = run_train(
        "embedded", LearnSettings(), ("random", "spatial"), folder / "train", checkpoints, progress
    )
    run_map(load_model(folder / "train"), folder / "map")
    return metrics

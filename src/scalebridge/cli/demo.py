"""``scalebridge demo``: every workflow on the data shipped in the package, one report."""

from __future__ import annotations

import argparse
from typing import Any

from scalebridge.cli.common import add_executor_options, add_run_options, executor_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run the workflows on the embedded data")
    add_run_options(parser, default_out="runs/demo")
    add_executor_options(parser)
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from scalebridge.compute.executor import Executor
    from scalebridge.runs.folder import RunFolder
    from scalebridge.runs.report import Report
    from scalebridge.runs.settings import settings_to_dict
    from scalebridge.strength.dataset import load_pool
    from scalebridge.strength.workflow import FitSettings, comparison_table, fit_strength

    settings = FitSettings()
    record = {"strength": settings_to_dict(settings)}
    with (
        RunFolder(args.out, command="demo", settings=record, overwrite=args.overwrite) as run,
        Executor(executor_settings(args), progress=not args.no_progress) as executor,
    ):
        strength_dir = run.path / "strength"
        metrics = fit_strength(
            load_pool(),
            settings,
            strength_dir,
            executor=executor,
            checkpoint_dir=run.checkpoint_dir / "strength",
        )
        report = Report("scalebridge demo")
        report.heading("strength — cross-scale covariance (Jasperson et al. 2025)")
        report.table(comparison_table(metrics))
        report.figure(strength_dir / "parity.png", caption="Leave-one-out parity")
        report.figure(strength_dir / "dft_predictions.png", caption="DFT-informed strength")
        report.figure(strength_dir / "correlation_heatmap.png", caption="Indicator correlations")
        report.paragraph("Full strength report: strength/report.html in this folder.")
        report.write(run.path / "report.html")
    print(f"demo report: {args.out / 'report.html'}")
    return 0

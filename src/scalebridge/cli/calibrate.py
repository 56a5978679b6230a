"""``scalebridge calibrate``: fit the STZ model to MD with the published EGO or batch BoTorch."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from scalebridge.cli.common import add_executor_options, add_run_options

if TYPE_CHECKING:
    from scalebridge.calibration.workflow import CalibrationSettings


def _settings(args: argparse.Namespace, *, validate: bool) -> CalibrationSettings:
    from scalebridge.calibration.workflow import CalibrationSettings

    return CalibrationSettings(
        method=args.method,
        budget=args.budget,
        seed=args.seed,
        seeds=args.seeds,
        batch=args.batch,
        initial=args.initial,
        objective=args.objective,
        md_data=None if args.md_data is None else str(args.md_data),
        validate=validate,
        stop_below=args.stop_below,
        bounds=tuple(_bounds(text) for text in args.bounds or ()),
        n_candidates=args.candidates,
    )


#: Short names of the calibrated parameters on the command line.
_SHORT = {"beta": "beta_per_ev", "u0": "u0_ev", "c0": "c0", "s_y": "s_y_gpa"}


def _bounds(text: str) -> tuple[str, float, float]:
    """``NAME=LOW:HIGH`` → (parameter name, low, high)."""
    from scalebridge.errors import InputError

    name, _, limits = text.partition("=")
    low, _, high = limits.partition(":")
    name = _SHORT.get(name.strip(), name.strip())
    try:
        return name, float(low), float(high)
    except ValueError:
        raise InputError(
            repr(text),
            source="calibrate",
            field="--bounds",
            expected="NAME=LOW:HIGH with NAME one of "
            + ", ".join(_SHORT)
            + " (e.g. u0=-3.42:-3.38)",
        ) from None


def _run(args: argparse.Namespace) -> int:
    from scalebridge.calibration.workflow import run_calibration
    from scalebridge.cli.common import executor_settings
    from scalebridge.errors import InputError

    if args.out is None:
        raise InputError("missing", source="calibrate", field="--out", expected="a run folder")
    validate = getattr(args, "calibrate_command", None) == "validate"
    settings = _settings(args, validate=validate)
    executor = None if args.workers == 0 else executor_settings(args)
    metrics = run_calibration(
        settings,
        args.out,
        executor=executor,
        overwrite=args.overwrite,
        progress=not args.no_progress,
    )
    best = metrics["best"]
    if best is None:
        print(f"{metrics['n_evaluations']} solves, none feasible")
    else:
        params = ", ".join(f"{k} = {v:.6g}" for k, v in best["params"].items())
        print(
            f"best d = {best['objective']['d']:.6f} after {best['n_evaluations']} of "
            f"{metrics['n_evaluations']} solves ({metrics['wall_seconds']:.0f} s): {params}"
        )
    if "validation" in metrics:
        errors = metrics["validation"]["error_percent_of_range"]
        print(
            "validation error (% of range): "
            + ", ".join(f"{k} {v:.2f}" for k, v in errors.items())
            + (
                " — within 5 %"
                if metrics["validation"]["within_5_percent"]
                else " — NOT within 5 %"
            )
        )
    print(f"wrote {args.out}")
    return 0


def _add_options(parser: argparse.ArgumentParser, *, budget: int) -> None:
    parser.add_argument("--method", choices=("paper", "bo"), default="bo", help="optimiser")
    parser.add_argument("--budget", type=int, default=budget, help="forward solves per seed")
    parser.add_argument("--seed", type=int, default=0, help="first random seed")
    parser.add_argument("--seeds", type=int, default=1, help="independent calibrations (seeds)")
    parser.add_argument(
        "--batch", type=int, default=None, help="points per iteration (paper: 1, bo: 4)"
    )
    parser.add_argument(
        "--initial",
        type=int,
        default=None,
        help="initial Latin-hypercube size (paper: 350 if budget >= 400 else budget/3; bo: 24)",
    )
    parser.add_argument(
        "--objective",
        choices=("robust", "paper"),
        default="robust",
        help="robust: ranks from a singular-value tolerance (default); paper: as published",
    )
    parser.add_argument(
        "--md-data",
        type=Path,
        default=None,
        metavar="DIR",
        help="coarse-grained MD in the cuzr_shear_md format (default: shipped CuZr data)",
    )
    parser.add_argument(
        "--stop-below",
        type=float,
        default=None,
        help="stop once the best d is below this (default 0.01, as published)",
    )
    parser.add_argument(
        "--bounds",
        action="append",
        metavar="NAME=LOW:HIGH",
        help="replace the published bounds of one parameter (beta 1/eV, u0 eV, c0, s_y GPa), "
        "e.g. --bounds u0=-3.42:-3.38 for a glass on another energy scale; repeatable",
    )
    parser.add_argument(
        "--candidates", type=int, default=16384, help="Sobol candidates per EI step (paper)"
    )
    add_run_options(parser)
    add_executor_options(parser)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="calibrate the STZ model against MD (published EGO or batch BoTorch)",
        description="Fit beta, u0, c0 and s_y of the STZ model to coarse-grained MD by "
        "minimising the Grassmannian objective. Rerun the same command to resume an "
        "interrupted run. 'calibrate validate' recovers the published validation parameters.",
    )
    _add_options(parser, budget=300)
    for action in parser._actions:  # 'calibrate validate --out DIR' gives --out after the
        if action.dest == "out":  # subcommand, so the parent cannot require it
            action.required = False
    commands = parser.add_subparsers(dest="calibrate_command", metavar="SUBCOMMAND")
    validate = commands.add_parser(
        "validate",
        help="recover the published validation parameters from a solver-made reference",
        description="The published validation experiment: the reference is the STZ solver's "
        "own output at the validation parameters; the calibration must find them back.",
    )
    _add_options(validate, budget=300)
    for action in validate._actions:  # options given before 'validate' keep their values:
        if action.dest != "help":  # the subcommand sets only what follows it (--out is
            action.default = argparse.SUPPRESS  # checked in _run, wherever it was given)
            action.required = False
    parser.set_defaults(handler=_run)
    validate.set_defaults(handler=_run)

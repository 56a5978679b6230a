"""``scalebridge strength fit`` and ``scalebridge strength predict``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scalebridge.cli.common import add_executor_options, add_run_options, executor_settings
from scalebridge.errors import InputError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "strength",
        help="MD strength of an interatomic potential from indicator properties",
        description="Cross-scale covariance (Jasperson et al. 2025): reproduce the published "
        "analysis and predict the large-scale MD strength of new potentials.",
    )
    commands = parser.add_subparsers(dest="strength_command", metavar="COMMAND", required=True)

    fit = commands.add_parser("fit", help="pool, correlations, model search, final model")
    fit.add_argument("--data", type=Path, help="table like models_w_props.csv (default: shipped)")
    fit.add_argument("--config", type=Path, help="TOML/JSON file with FitSettings fields")
    fit.add_argument("--predictors", nargs="+", help="final-model indicators (dataset names)")
    fit.add_argument("--seed", type=int, help="seed of the repeated K-fold assignment")
    fit.add_argument("--level", type=float, help="nominal coverage of prediction intervals")
    add_run_options(fit)
    add_executor_options(fit)
    fit.set_defaults(handler=run_fit)

    props = commands.add_parser(
        "properties", help="indicator properties of a potential (LAMMPS through ASE)"
    )
    which = props.add_mutually_exclusive_group(required=True)
    which.add_argument("--potential", help="potential file name (shipped with lammps) or path")
    which.add_argument(
        "--all-shipped", action="store_true", help="every shipped potential and FCC element"
    )
    props.add_argument("--element", help="element to compute (with --potential)")
    props.add_argument("--pair-style", help="LAMMPS pair style if the extension does not say")
    props.add_argument(
        "--thermal-expansion",
        action="store_true",
        help="also the fcc thermal expansion coefficient (NPT MD, about a minute)",
    )
    add_run_options(props)
    add_executor_options(props)
    props.set_defaults(handler=run_properties)

    predict = commands.add_parser("predict", help="strength with interval for new potentials")
    source = predict.add_mutually_exclusive_group(required=True)
    source.add_argument("--indicators", type=Path, help="CSV of indicator rows")
    source.add_argument("--potential", help="compute the indicators of this potential first")
    predict.add_argument("--element", help="element (with --potential)")
    predict.add_argument("--pair-style", help="LAMMPS pair style if the extension does not say")
    predict.add_argument("--model", type=Path, help="a `strength fit` run folder (its settings)")
    predict.add_argument("--level", type=float, help="nominal coverage of the interval")
    add_run_options(predict)
    predict.set_defaults(handler=run_predict)


def _settings(args: argparse.Namespace, base: dict[str, Any] | None = None) -> Any:
    from scalebridge.runs.settings import read_settings_file, settings_from_mapping
    from scalebridge.strength.workflow import FitSettings

    values: dict[str, Any] = dict(base or {})
    config = getattr(args, "config", None)
    if config is not None:
        values.update(read_settings_file(config))
    for name in ("data", "predictors", "seed", "level"):
        value = getattr(args, name, None)
        if value is not None:
            values[name] = str(value) if isinstance(value, Path) else value
    return settings_from_mapping(FitSettings, values, source=str(config or "options"))


def run_fit(args: argparse.Namespace) -> int:
    from scalebridge.compute.executor import Executor
    from scalebridge.runs.folder import RunFolder
    from scalebridge.runs.settings import settings_to_dict
    from scalebridge.strength.dataset import load_pool
    from scalebridge.strength.workflow import fit_strength

    settings = _settings(args)
    pool = load_pool(Path(settings.data) if settings.data else None)
    print(pool.summary())
    record = settings_to_dict(settings) | {"data_sha256": _sha256(settings.data)}
    with (
        RunFolder(
            args.out, command="strength fit", settings=record, overwrite=args.overwrite
        ) as run,
        Executor(executor_settings(args), progress=not args.no_progress) as executor,
    ):
        metrics = fit_strength(
            pool, settings, run.path, executor=executor, checkpoint_dir=run.checkpoint_dir
        )
    final = metrics["final_model"]
    print(
        f"{metrics['n_ips']} IPs, {metrics['n_candidates']} indicators, "
        f"{metrics['n_models']} models searched in {metrics['search_seconds']:.1f} s\n"
        f"final model {' + '.join(final['predictors'])}: adjusted R² {final['adj_r2']:.3f}, "
        f"LOO RMSE {final['loo_rmse_mpa']:.0f} MPa ({100 * final['loo_relative_error']:.1f} %), "
        f"jackknife+ LOO coverage {final['interval']['loo_coverage']:.1%}\n"
        f"report: {args.out / 'report.html'}"
    )
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from scalebridge.runs.folder import RunFolder
    from scalebridge.runs.settings import settings_to_dict
    from scalebridge.strength.dataset import load_pool
    from scalebridge.strength.workflow import predict_strength, read_indicator_rows

    base = None if args.model is None else _fit_settings_of(args.model)
    settings = _settings(args, base)
    pool = load_pool(Path(settings.data) if settings.data else None)
    settings.check(pool)  # before the (possibly minutes long) indicator calculation
    predictors = list(settings.predictors)
    flags: list[str] = []
    if args.potential is not None:
        rows, flags = _indicators_of_potential(args, predictors)
        record = settings_to_dict(settings) | {
            "potential": args.potential,
            "element": args.element,
            "pair_style": args.pair_style,
        }
    else:
        rows = read_indicator_rows(args.indicators, predictors)
        record = settings_to_dict(settings) | {"indicators": str(args.indicators)}
    with RunFolder(
        args.out, command="strength predict", settings=record, overwrite=args.overwrite
    ) as run:
        metrics = predict_strength(pool, settings, rows, run.path, flags=flags)
    for flag in flags:
        print(f"flag: {flag}")
    for p in metrics["predictions"]:
        flag = "  (extrapolation)" if p["extrapolation"] else ""
        print(
            f"{p['label']}: {p['strength_mpa']:.0f} MPa "
            f"[{p['lower_mpa']:.0f}, {p['upper_mpa']:.0f}]{flag}"
        )
    return 0


def _sha256(path: str | None) -> str | None:
    """Checksum of a user data file (so a resumed run notices an edited file)."""
    if path is None:
        return None
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None  # load_pool reports the missing file


def _fit_settings_of(folder: Path) -> dict[str, Any]:
    """Settings of a finished `strength fit` run (or of the strength part of a demo run)."""
    if not folder.is_dir():
        raise InputError("folder does not exist", source=folder, expected="a strength fit run")
    config = folder / "config.json"
    try:
        record = json.loads(config.read_text())
    except (OSError, json.JSONDecodeError):
        raise InputError(
            "no readable config.json", source=folder, expected="a finished `strength fit` run"
        ) from None
    settings = record.get("settings", {})
    settings = settings.get("strength", settings)  # a demo run nests the workflow's settings
    if record.get("command") not in ("strength fit", "demo") or not isinstance(settings, dict):
        raise InputError(
            f"written by `{record.get('command')}`", source=config, expected="`strength fit`"
        )
    return {k: v for k, v in settings.items() if k != "data_sha256"}


def _need_element(args: argparse.Namespace) -> str:
    if not args.element:
        raise InputError(
            "an element is needed with --potential",
            source="--element",
            expected="e.g. --element Cu",
        )
    return str(args.element)


def _indicators_of_potential(args: argparse.Namespace, predictors: list[str]) -> Any:
    import pandas as pd

    from scalebridge.atomistic.properties.engine import groups_for
    from scalebridge.strength.potential_properties import compute_for_potential

    element = _need_element(args)
    report = compute_for_potential(
        args.potential, element, args.pair_style, tuple(groups_for(predictors))
    )
    row: dict[str, Any] = {"label": f"{Path(args.potential).name} ({element})"}
    row |= {c: report.values[c] for c in predictors}
    return pd.DataFrame([row]), report.flags


def run_properties(args: argparse.Namespace) -> int:
    from scalebridge.compute.executor import Executor
    from scalebridge.runs.folder import RunFolder
    from scalebridge.strength import potential_properties as pp

    if args.all_shipped:
        pairs = pp.shipped_pairs()
        record = {
            "all_shipped": True,
            "pairs": [list(p) for p in pairs],
            "thermal_expansion": args.thermal_expansion,
        }
        with (
            RunFolder(
                args.out, command="strength properties", settings=record, overwrite=args.overwrite
            ) as run,
            Executor(executor_settings(args), progress=not args.no_progress) as executor,
        ):
            metrics = pp.all_shipped(
                run.path, executor, run.checkpoint_dir, pairs, thermal=args.thermal_expansion
            )
        print(
            f"{metrics['computed']}/{metrics['pairs']} pairs computed, {metrics['failed']} failed;"
            f" OpenKIM agreement {metrics['openkim_within_target']}/"
            f"{metrics['openkim_compared']} within target\nreport: {args.out / 'report.html'}"
        )
        return 0
    from scalebridge.atomistic.potentials import potentials_dir, resolve_potential

    element = _need_element(args)
    potential = resolve_potential(args.potential, args.pair_style)
    potential.lammps_commands(element)
    shipped = potential.path.resolve().parent == potentials_dir().resolve()
    from scalebridge.atomistic.properties.engine import GROUPS

    groups = (*GROUPS, "thermal") if args.thermal_expansion else GROUPS
    record = {
        "potential": str(args.potential),
        "element": element,
        "pair_style": args.pair_style,
        "groups": list(groups),
    }
    with RunFolder(
        args.out, command="strength properties", settings=record, overwrite=args.overwrite
    ) as run:
        report = pp.compute_for_potential(args.potential, element, args.pair_style, groups)
        metrics = pp.write_single(potential.name, report, run.path, shipped=shipped)
    for flag in report.flags:
        print(f"flag: {flag}")
    seconds = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
    print(
        f"{potential.name} / {element}: {len(report.values)} properties in "
        f"{metrics['total_seconds']:.1f} s ({seconds})\nreport: {args.out / 'report.html'}"
    )
    return 0

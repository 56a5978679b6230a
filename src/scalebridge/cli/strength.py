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

    predict = commands.add_parser("predict", help="strength with interval for indicator rows")
    predict.add_argument("--indicators", type=Path, required=True, help="CSV of indicator rows")
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
    settings.check(pool)
    record = settings_to_dict(settings)
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

    base = None
    if args.model is not None:
        config = args.model / "config.json"
        try:
            base = json.loads(config.read_text())["settings"]
        except (OSError, json.JSONDecodeError, KeyError):
            raise InputError(
                "not a finished `strength fit` run folder",
                source=config,
                expected="config.json with a 'settings' object",
            ) from None
    settings = _settings(args, base)
    pool = load_pool(Path(settings.data) if settings.data else None)
    settings.check(pool)
    rows = read_indicator_rows(args.indicators, pool, list(settings.predictors))
    record = settings_to_dict(settings) | {"indicators": str(args.indicators)}
    with RunFolder(
        args.out, command="strength predict", settings=record, overwrite=args.overwrite
    ) as run:
        metrics = predict_strength(pool, settings, rows, run.path)
    for p in metrics["predictions"]:
        flag = "  (extrapolation)" if p["extrapolation"] else ""
        print(
            f"{p['label']}: {p['strength_mpa']:.0f} MPa "
            f"[{p['lower_mpa']:.0f}, {p['upper_mpa']:.0f}]{flag}"
        )
    return 0

"""``scalebridge patterns``: tile datasets, the autoencoder, the pattern classifier, its
predictions and the deformation-mechanism map."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scalebridge.cli.common import add_run_options


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "patterns", help="deformation patterns of sliding CuNi: datasets, learning, maps"
    )
    commands = parser.add_subparsers(dest="patterns_command", metavar="COMMAND", required=True)
    _register_dataset(commands)

    ae = commands.add_parser("autoencoder", help="convolutional autoencoder of tomograph tiles")
    _dataset_option(ae)
    ae.add_argument("--latent", type=int, default=32, help="latent dimension (default 32)")
    _learning_options(ae)
    ae.set_defaults(handler=run_autoencoder_command)

    train = commands.add_parser("train", help="dual-branch pattern classifier with baselines")
    _dataset_option(train)
    train.add_argument(
        "--split",
        choices=("random", "spatial", "both"),
        default="both",
        help="validation split: random tiles, a held-out lateral region of every run, or both "
        "(default; the model kept is the first one's)",
    )
    train.add_argument("--latent", type=int, default=32)
    train.add_argument(
        "--decision",
        choices=("rules", "head"),
        default="rules",
        help="name the pattern by the stated label rules on the network's descriptor reading "
        "(default) or by its class heads",
    )
    train.add_argument(
        "--inputs",
        choices=("maps", "tomograph"),
        default="maps",
        help="what the classifier sees: the analysis maps (default; orientation colours left "
        "out) or the published tomographs' images only (orientation, structure, advection; "
        "read as a series: flow, colour grains, colour turn)",
    )
    _learning_options(train)
    train.set_defaults(handler=run_train_command)

    evaluate = commands.add_parser("evaluate", help="re-score a trained model on its split")
    evaluate.add_argument("--model", type=Path, required=True, help="`patterns train` folder")
    evaluate.add_argument("--dataset", default=None, help="default: the one it was trained on")
    evaluate.set_defaults(handler=run_evaluate_command)

    predict = commands.add_parser("predict", help="patterns of new tomographs with probabilities")
    predict.add_argument(
        "inputs", nargs="+", type=Path, help="a tile dataset (.npz), or dumps of one sliding run"
    )
    predict.add_argument("--model", type=Path, required=True, help="`patterns train` folder")
    add_run_options(predict)
    predict.set_defaults(handler=run_predict_command)

    mapping = commands.add_parser("map", help="deformation-mechanism map and next simulations")
    mapping.add_argument("--model", type=Path, required=True, help="`patterns train` folder")
    mapping.add_argument("--dataset", default=None, help="default: the one it was trained on")
    mapping.add_argument("--time-ps", type=float, default=None, help="default: the last frame")
    mapping.add_argument("--top", type=int, default=10, help="next simulations listed")
    add_run_options(mapping)
    mapping.set_defaults(handler=run_map_command)


def _register_dataset(commands: Any) -> None:
    dataset = commands.add_parser("dataset", help="tile datasets")
    steps = dataset.add_subparsers(dest="dataset_command", metavar="COMMAND", required=True)
    build = steps.add_parser("build", help="tiles of every finished run of campaigns")
    build.add_argument(
        "campaign", type=Path, nargs="+", help="one or more folders written by `md campaign`"
    )
    build.add_argument("--out", type=Path, required=True, help="dataset file (.npz)")
    build.add_argument("--tile-px", type=int, default=16)
    build.add_argument("--pixel-angstrom", type=float, default=2.0)
    build.set_defaults(handler=run_build)


def _dataset_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        default="embedded",
        help="tile dataset (.npz from `patterns dataset build`) or `embedded` (default)",
    )


def _learning_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--epochs", type=int, default=None, help="most epochs of the network this command trains"
    )
    parser.add_argument(
        "--autoencoder-epochs", type=int, default=None, help="most epochs of the autoencoder"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    add_run_options(parser)


def _settings(args: argparse.Namespace) -> Any:
    from scalebridge.patterns.learn.workflow import LearnSettings

    values: dict[str, Any] = {"seed": args.seed, "latent": args.latent}
    autoencoder_only = args.patterns_command == "autoencoder"
    if args.epochs is not None:
        values["autoencoder_epochs" if autoencoder_only else "classifier_epochs"] = args.epochs
    if args.autoencoder_epochs is not None:
        values["autoencoder_epochs"] = args.autoencoder_epochs
    for name in ("decision", "inputs"):
        if getattr(args, name, None) is not None:
            values[name] = getattr(args, name)
    return LearnSettings(**values)


def _record(args: argparse.Namespace, settings: Any, **extra: Any) -> dict[str, Any]:
    from scalebridge.patterns.dataset import load_dataset
    from scalebridge.patterns.learn.model import dataset_file, fingerprint
    from scalebridge.runs.settings import settings_to_dict

    dataset = load_dataset(args.dataset)
    digest = fingerprint(args.dataset, dataset)["sha256"]
    return {
        "dataset": str(args.dataset),
        "dataset_file": str(dataset_file(args.dataset)),
        "dataset_sha256": digest,
        **settings_to_dict(settings),
        **extra,
    }


def run_build(args: argparse.Namespace) -> int:
    from scalebridge.patterns.dataset import build_dataset

    dataset = build_dataset(
        args.campaign, args.out, tile_px=args.tile_px, pixel_angstrom=args.pixel_angstrom
    )
    counts = dataset.table["label"].value_counts().to_dict()
    print(f"{len(dataset.table)} tiles from {len(dataset.info['runs'])} runs: {counts}")
    return 0


def run_autoencoder_command(args: argparse.Namespace) -> int:
    from scalebridge.patterns.learn.pipeline import run_autoencoder
    from scalebridge.runs.folder import RunFolder

    settings = _settings(args)
    record = _record(args, settings)
    with RunFolder(
        args.out, command="patterns autoencoder", settings=record, overwrite=args.overwrite
    ) as run:
        metrics = run_autoencoder(
            args.dataset, settings, run.path, run.checkpoint_dir, not args.no_progress
        )
    ae = metrics["autoencoder"]
    print(
        f"autoencoder ({ae['latent_dim']}-d latent, {ae['epochs']} epochs): held-out MSE "
        f"{ae['mse']:.4f}, SSIM {ae['ssim']:.3f}\nreport: {args.out / 'report.html'}"
    )
    return 0


def run_train_command(args: argparse.Namespace) -> int:
    from scalebridge.patterns.learn.pipeline import run_train, summary_table
    from scalebridge.runs.folder import RunFolder

    settings = _settings(args)
    splits = ("random", "spatial") if args.split == "both" else (args.split,)
    record = _record(args, settings, splits=list(splits))
    with RunFolder(
        args.out, command="patterns train", settings=record, overwrite=args.overwrite
    ) as run:
        metrics = run_train(
            args.dataset, settings, splits, run.path, run.checkpoint_dir, not args.no_progress
        )
    print(summary_table(metrics).to_string(index=False))
    print(f"model: {args.out / 'model'}\nreport: {args.out / 'report.html'}")
    return 0


def run_evaluate_command(args: argparse.Namespace) -> int:
    from scalebridge.patterns.descriptors import PATTERNS
    from scalebridge.patterns.learn.model import load_model
    from scalebridge.patterns.learn.pipeline import evaluate_model

    model = load_model(args.model)
    result = evaluate_model(model, args.dataset)
    print(
        f"{model.info['split']} split, {result['n_val']} validation tiles: accuracy "
        f"{result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}"
    )
    for name in PATTERNS:
        if name in result["per_class_f1"]:
            print(f"  F1 {name:<22} {result['per_class_f1'][name]:.3f}")
    return 0


def run_predict_command(args: argparse.Namespace) -> int:
    import tempfile

    from scalebridge.patterns.learn.model import load_model
    from scalebridge.patterns.learn.pipeline import run_predict
    from scalebridge.runs.folder import RunFolder

    model = load_model(args.model)
    record = {"inputs": [str(p) for p in args.inputs], "model": str(model.folder)}
    with (
        RunFolder(
            args.out, command="patterns predict", settings=record, overwrite=args.overwrite
        ) as run,
        tempfile.TemporaryDirectory() as scratch,
    ):
        metrics = run_predict(list(args.inputs), model, run.path, Path(scratch))
    print(
        f"{metrics['tiles']} tiles: {metrics['predicted']}\n"
        f"predictions: {args.out / 'predictions.csv'}\nreport: {args.out / 'report.html'}"
    )
    return 0


def run_map_command(args: argparse.Namespace) -> int:
    from scalebridge.patterns.learn.model import load_model
    from scalebridge.patterns.learn.pipeline import run_map
    from scalebridge.runs.folder import RunFolder

    model = load_model(args.model)
    record = {
        "model": str(model.folder),
        "dataset": args.dataset,
        "time_ps": args.time_ps,
        "top": args.top,
    }
    with RunFolder(
        args.out, command="patterns map", settings=record, overwrite=args.overwrite
    ) as run:
        metrics = run_map(model, run.path, args.time_ps, args.dataset, args.top)
    print(f"mechanism map at t = {metrics['time_ps']:g} ps; next simulations:")
    for row in metrics["next_simulations"][:5]:
        print(
            f"  Ni {row['ni_fraction']:.2f}, {row['pressure_gpa']:g} GPa, "
            f"{row['temperature_k']:.0f} K — uncertainty {row['mean_uncertainty']:.2f}"
        )
    print(f"report: {args.out / 'report.html'}")
    return 0

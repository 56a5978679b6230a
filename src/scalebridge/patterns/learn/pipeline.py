"""The ``patterns`` learning commands as functions: each fills a run folder (tables,
figures, metrics.json, report.html) and returns its metrics."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalebridge.errors import InputError
from scalebridge.patterns.dataset import EMBEDDED, TileDataset, load_dataset
from scalebridge.patterns.descriptors import PATTERNS, LabelRules
from scalebridge.patterns.learn.data import Normaliser, to_arrays
from scalebridge.patterns.learn.model import PatternModel, fingerprint, save_model
from scalebridge.patterns.learn.workflow import (
    LearnSettings,
    ensemble_outputs,
    evaluate_split,
    fit_autoencoder,
    ipf_colours,
    latents,
    predict_proba,
    prepare,
    reconstruction_scores,
    rules_on_reading,
    split_rows,
)
from scalebridge.patterns.tiles import DESCRIPTORS
from scalebridge.runs.figures import save_png
from scalebridge.runs.folder import write_json_atomic
from scalebridge.runs.report import Report

SPLIT_KEYS = {"random": "random_split", "spatial": "spatial_holdout"}


@contextmanager
def epoch_progress(enabled: bool, description: str, total: int) -> Any:
    """A Rich progress bar advanced by a trainer observer (one step per epoch) over all the
    networks a command trains in turn; an early-stopped network counts its skipped epochs
    as done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
    ) as bar:
        task = bar.add_task(description, total=total)
        seen: list[Any] = []  # the trainers so far, in order

        def observe(trainer: Any, record: dict[str, float]) -> None:
            if not seen or seen[-1] is not trainer:
                seen.append(trainer)
            before = sum(t.epochs for t in seen[:-1])
            bar.update(
                task,
                completed=min(before + record["epoch"], total),
                description=f"{description}, network {len(seen)}: loss {record['val_loss']:.4f}",
            )

        yield observe
        bar.update(task, completed=total)


def run_autoencoder(
    source: str | Path,
    settings: LearnSettings,
    folder: Path,
    checkpoints: Path,
    progress: bool = True,
) -> dict[str, Any]:
    """Train the autoencoder on the random split's training tiles (15 % of them for early
    stopping); reconstruction error on its validation tiles, which it never saw; the latent
    vector of every tile (now and at t = 0)."""
    import torch

    dataset = load_dataset(source)
    train, val = split_rows(dataset, "random", settings)
    normaliser, arrays, fit_rows, stop = prepare(dataset, train, settings)
    with epoch_progress(progress, "autoencoder", settings.autoencoder_epochs) as observe:
        model, epochs = fit_autoencoder(
            arrays,
            fit_rows,
            stop,
            settings,
            checkpoints / "autoencoder.ckpt",
            [observe],
        )
    scored = reconstruction_scores(model, arrays, val, normaliser)
    z_now, z_start = latents(model, arrays.now), latents(model, arrays.start)
    np.savez_compressed(folder / "latents.npz", now=z_now, start=z_start)
    role = np.full(len(z_now), "reference (t = 0)", dtype=object)
    role[train] = "train"
    role[val] = "validation"
    dataset.table.assign(role=role).to_csv(folder / "tiles.csv", index=False)
    with torch.no_grad():
        rebuilt = model(torch.from_numpy(arrays.now[val])).numpy()
    shown = np.linspace(0, len(val) - 1, min(12, len(val))).astype(int)
    save_png(
        _reconstruction_figure(arrays.now[val][shown], rebuilt[shown], normaliser),
        folder / "reconstructions.png",
    )
    ae = scored | {"latent_dim": settings.latent, "epochs": epochs}
    metrics = {"autoencoder": ae, "dataset": fingerprint(source, dataset)}
    write_json_atomic(folder / "metrics.json", metrics)
    page = Report("scalebridge · tile autoencoder")
    page.paragraph(
        f"{settings.latent}-d latent, {epochs} epochs, {len(train)} training tiles. Held-out "
        f"tiles ({len(val)}): orientation-colour MSE {ae['mse']:.4f}, SSIM {ae['ssim']:.3f}; "
        f"all channels (standardised) MSE {ae['mse_all_channels_standardised']:.3f}. "
        "latents.npz: the latent of every tile now and of its region at t = 0 (rows as in "
        "tiles.csv)."
    )
    page.figure(folder / "reconstructions.png", caption="held-out tiles and their decoding")
    page.write(folder / "report.html")
    return metrics


def _reconstruction_figure(original: np.ndarray, rebuilt: np.ndarray, norm: Normaliser) -> Any:
    from scalebridge.patterns.learn.figures import reconstructions

    return reconstructions(ipf_colours(original, norm), ipf_colours(rebuilt, norm))


def run_train(
    source: str | Path,
    settings: LearnSettings,
    splits: tuple[str, ...],
    folder: Path,
    checkpoints: Path,
    progress: bool = True,
) -> dict[str, Any]:
    """Fit and score every split; keep the first split's model in ``folder/model``."""
    from scalebridge.patterns.learn.figures import confusion, training_curves

    dataset = load_dataset(source)
    metrics: dict[str, Any] = {"dataset": fingerprint(source, dataset)}
    histories: dict[str, Any] = {}
    page = Report("scalebridge · deformation-pattern classifier")
    for split in splits:
        total = settings.autoencoder_epochs + settings.ensemble * settings.classifier_epochs
        with epoch_progress(progress, f"{split} split", total) as observe:
            result = evaluate_split(dataset, split, settings, checkpoints, [observe])
        key = SPLIT_KEYS[split]
        metrics[key] = result.scores
        metrics.setdefault("autoencoder", result.autoencoder_metrics)
        histories[split] = _histories(checkpoints, split, settings.ensemble)
        predictions = _prediction_table(dataset.table.iloc[result.val], result.proba)
        predictions.to_csv(folder / f"{split}_validation_predictions.csv", index=False)
        save_png(
            confusion(result.scores["confusion"], f"{split} split: validation tiles"),
            folder / f"confusion_{split}.png",
        )
        if split == splits[0]:
            save_model(
                folder / "model",
                result.autoencoder,
                result.classifier,
                result.normaliser,
                settings,
                metrics["dataset"],
                split,
                result.descriptor_scale,
            )
    save_png(
        training_curves(histories),
        folder / "training.png",
    )
    write_json_atomic(folder / "metrics.json", metrics)
    page.table(summary_table(metrics))
    for split in splits:
        page.figure(folder / f"confusion_{split}.png", caption=f"{split} split")
    page.figure(folder / "training.png", caption="losses per epoch; dashed: the kept epoch")
    page.paragraph(
        f"The model in model/ is the one fitted on the {splits[0]} split. Its inputs: the tile "
        "now and the same region at t = 0 (structure, advection velocity, displacement and "
        "lattice rotation since t = 0, weighted by the atoms per pixel; the orientation "
        "colours go to the autoencoder only) and the metadata. The network reads the label "
        "descriptors from the images; with the default decision the stated label rules "
        "name the pattern from that reading, with probabilities from the reading's error. "
        "'Class heads': the accuracy of the network's own class outputs, for comparison."
    )
    page.write(folder / "report.html")
    return metrics


def _histories(checkpoints: Path, split: str, ensemble: int) -> dict[str, list[dict[str, float]]]:
    """Epoch records of this training's networks (not of other checkpoints in the folder)."""
    import torch

    names = {"autoencoder": "autoencoder"} | {
        f"classifier_{k}": f"classifier {k}" for k in range(ensemble)
    }
    out = {}
    for stem, name in names.items():
        path = checkpoints / f"{split}_{stem}.ckpt"
        if path.is_file():
            out[name] = torch.load(path, weights_only=False)["history"]
    return out


def summary_table(metrics: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for key in SPLIT_KEYS.values():
        if key in metrics:
            s = metrics[key]
            rows.append(
                {
                    "split": key,
                    "accuracy": round(s["accuracy"], 3),
                    "macro-F1": round(s["macro_f1"], 3),
                    "class heads": round(s.get("head_accuracy", float("nan")), 3),
                    "majority": round(s["baselines"]["majority"], 3),
                    "metadata only": round(s["baselines"]["metadata_only"], 3),
                    "latent only": round(s["baselines"]["latent_only"], 3),
                    "channel means": round(s["baselines"]["channel_means"], 3),
                    "validation tiles": s["n_val"],
                }
            )
    return pd.DataFrame(rows)


def _prediction_table(table: pd.DataFrame, proba: np.ndarray) -> pd.DataFrame:
    out = table.reset_index(drop=True).copy()
    out["predicted"] = [PATTERNS[k] for k in proba.argmax(axis=1)]
    out["probability"] = proba.max(axis=1)
    for k, name in enumerate(PATTERNS):
        out[f"p_{name.replace(' ', '_')}"] = proba[:, k]
    return out


def predict_dataset(model: PatternModel, dataset: TileDataset) -> pd.DataFrame:
    """Every tile of ``dataset`` with predicted pattern and class probabilities, the label
    descriptors the network reads from its images (``read_*``), the pattern the stated
    rules give for that reading (``rules_on_reading``) and the class heads' pattern
    (``head_predicted``)."""
    arrays = to_arrays(dataset, model.normaliser)
    proba, head, read = ensemble_outputs(model.classifier, arrays, model.descriptor_scale)
    out = _prediction_table(dataset.table, proba)
    for j, name in enumerate(DESCRIPTORS):
        out[f"read_{name}"] = np.exp(read[:, j]) if name == "grain_size_ratio" else read[:, j]
    rules = LabelRules.from_info(model.info["dataset"])
    out["rules_on_reading"] = [PATTERNS[k] for k in rules_on_reading(read, rules)]
    out["head_predicted"] = [PATTERNS[k] for k in head.argmax(axis=1)]
    return out


def evaluate_model(model: PatternModel, source: str | Path | None = None) -> dict[str, Any]:
    """Scores of the model on the validation tiles of the split it was trained on."""
    from scalebridge.patterns.learn.metrics import scores

    source = source if source is not None else model.info["dataset"]["source"]
    dataset = load_dataset(source)
    model.check_same_dataset(source, dataset)
    _, val = split_rows(dataset, model.info["split"], model.settings)
    arrays = to_arrays(dataset, model.normaliser)
    proba = predict_proba(model.classifier, arrays, val)
    return scores(arrays.labels[val], proba.argmax(axis=1)) | {"n_val": len(val)}


def load_inputs(paths: list[Path], model: PatternModel, scratch: Path) -> TileDataset:
    """A tile dataset (.npz or ``embedded``) or dumps of one sliding run (files or folders
    of *.dump)."""
    if len(paths) == 1 and (paths[0].suffix == ".npz" or str(paths[0]) == EMBEDDED):
        dataset = load_dataset(paths[0])
        dataset.info["sha256"] = fingerprint(paths[0], dataset)["sha256"]
    else:
        from scalebridge.patterns.descriptors import LabelRules
        from scalebridge.patterns.workflow import TomographRun, make_tomographs, ordered_dumps

        trained = model.info["dataset"]
        settings = TomographRun(
            pixel_angstrom=trained["pixel_angstrom"], tile_px=trained["tile_px"]
        )
        dumps = ordered_dumps(paths)
        make_tomographs(dumps, settings, scratch, LabelRules.from_info(trained))
        dataset = _tiles_as_dataset(scratch, trained)
    model.check_tiles(dataset, paths[0])
    return dataset


def _tiles_as_dataset(folder: Path, trained: dict[str, Any]) -> TileDataset:
    from scalebridge.patterns.workflow import read_tiles

    arrays, table = read_tiles(folder)
    table.insert(0, "run", "input")
    info = {"tile_px": trained["tile_px"], "pixel_angstrom": trained["pixel_angstrom"]}
    return TileDataset(**arrays, table=table, info=info)


def run_predict(
    paths: list[Path], model: PatternModel, folder: Path, scratch: Path
) -> dict[str, Any]:
    from scalebridge.patterns.learn.figures import predicted_tiles

    dataset = load_inputs(paths, model, scratch)
    table = predict_dataset(model, dataset)
    table.to_csv(folder / "predictions.csv", index=False)
    page = Report("scalebridge · predicted deformation patterns")
    counts = table["predicted"].value_counts()
    page.paragraph(
        f"{len(table)} tiles from {', '.join(str(p) for p in paths)}; model {model.folder}. "
        + ", ".join(f"{p}: {n}" for p, n in counts.items())
    )
    for k, (run, rows) in enumerate(table.groupby("run", sort=True)):
        save_png(predicted_tiles(rows, f"run {run}"), folder / f"predicted_{k:02d}.png")
        page.figure(folder / f"predicted_{k:02d}.png", caption=str(run))
    metrics: dict[str, Any] = {
        "tiles": len(table),
        "predicted": {p: int(counts.get(p, 0)) for p in PATTERNS},
        "mean_probability": float(table["probability"].mean()),
    }
    if "label" in table and table["label"].isin(PATTERNS).all():
        agree = float(np.mean(table["label"] == table["predicted"]))
        metrics["agreement_with_conventional_labels"] = agree
        seen = dataset.info.get("sha256") == model.info["dataset"]["sha256"]
        metrics["includes_training_tiles"] = seen
        page.paragraph(
            f"Agreement with the conventional analysis' labels: {agree:.3f}"
            + (" (these tiles include the model's training tiles)." if seen else ".")
        )
    write_json_atomic(folder / "metrics.json", metrics)
    page.write(folder / "report.html")
    return metrics


def run_map(
    model: PatternModel,
    folder: Path,
    time_ps: float | None = None,
    source: str | Path | None = None,
    top: int = 10,
) -> dict[str, Any]:
    """The mechanism map from the model's labels of every tile, and the next simulations."""
    from scalebridge.patterns.learn.figures import mechanism_map
    from scalebridge.patterns.learn.mechanism import DesignSpace, fit_map, map_grid
    from scalebridge.patterns.learn.mechanism import next_simulations as ranked

    source = source if source is not None else model.info["dataset"]["source"]
    dataset = load_dataset(source)
    model.check_tiles(dataset, source)
    tiles = predict_dataset(model, dataset)
    time_ps = float(tiles["time_ps"].max()) if time_ps is None else time_ps
    fitted = fit_map(tiles, time_ps, DesignSpace())
    candidates = ranked(fitted)
    if candidates.empty:
        raise InputError("every condition of the design space is simulated", field="design space")
    panels = fitted.simulated[["ni_fraction", "temperature_k"]].drop_duplicates()
    grids = {
        (float(ni), float(t)): map_grid(fitted, float(ni), float(t))
        for ni, t in panels.to_numpy(float)
    }
    pd.concat([g.assign(ni_fraction=k[0], temperature_k=k[1]) for k, g in grids.items()]).to_csv(
        folder / "map.csv", index=False
    )
    save_png(mechanism_map(grids, fitted), folder / "mechanism_map.png")
    candidates.to_csv(folder / "next_simulations.csv", index=False)
    page = Report("scalebridge · deformation-mechanism map")
    page.paragraph(
        f"Dominant pattern predicted by the model in {model.folder} for the "
        f"{len(fitted.tiles)} tiles at t = {time_ps:g} ps of {len(fitted.simulated)} simulated "
        "conditions, carried over pressure and depth by a Gaussian-process classifier "
        "(faded where uncertain)."
    )
    page.figure(folder / "mechanism_map.png", caption="mechanism map")
    page.heading("Next simulations (largest mean uncertainty over depth)")
    page.table(candidates.head(top).round(3))
    page.write(folder / "report.html")
    metrics = {
        "time_ps": time_ps,
        "tiles": len(fitted.tiles),
        "simulated_conditions": fitted.simulated.to_dict(orient="records"),
        "mean_uncertainty_simulated": float(
            np.mean([g["uncertainty"].mean() for g in grids.values()])
        ),
        "next_simulations": candidates.head(top).to_dict(orient="records"),
    }
    write_json_atomic(folder / "metrics.json", metrics)
    return metrics

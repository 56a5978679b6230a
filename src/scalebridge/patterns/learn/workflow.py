"""Fitting and scoring: the autoencoder, the dual-branch classifier, one split end to end."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.errors import InputError
from scalebridge.patterns.dataset import TileDataset
from scalebridge.patterns.descriptors import PATTERNS, LabelRules
from scalebridge.patterns.learn.data import (
    CHANNELS,
    INPUTS,
    Arrays,
    Normaliser,
    random_split,
    sample_rows,
    spatial_split,
    to_arrays,
)
from scalebridge.patterns.learn.metrics import baselines, scores
from scalebridge.patterns.learn.training import Trainer, seed_everything
from scalebridge.runs.settings import require_at_least

Observer = Callable[[Trainer, dict[str, float]], None]


@dataclass(frozen=True)
class LearnSettings:
    latent: int = 32
    autoencoder_epochs: int = 100
    classifier_epochs: int = 200
    batch: int = 64
    lr: float = 2e-3
    ensemble: int = 3
    weight_decay: float = 1e-3
    patience: int = 40
    seed: int = 0
    val_fraction: float = 0.2
    stop_fraction: float = 0.15
    spatial_fraction: float = 0.25
    descriptor_weight: float = 1.0
    class_weight_power: float = 0.5
    decision: str = "rules"
    inputs: str = "maps"

    def __post_init__(self) -> None:
        for name in ("val_fraction", "stop_fraction", "spatial_fraction"):
            if not 0 < getattr(self, name) < 0.5:
                raise InputError(
                    f"{name} = {getattr(self, name)}", field=name, expected="between 0 and 0.5"
                )
        if self.decision not in ("rules", "head"):
            raise InputError(
                f"decision = {self.decision!r}", field="decision", expected="'rules' or 'head'"
            )
        if self.inputs not in INPUTS:
            raise InputError(
                f"inputs = {self.inputs!r}", field="inputs", expected=" or ".join(map(repr, INPUTS))
            )
        if self.decision == "rules" and self.descriptor_weight <= 0:
            raise InputError(
                "decision 'rules' with descriptor_weight 0: the rules would read an untrained "
                "descriptor output",
                field="descriptor_weight",
                expected="> 0, or decision 'head'",
            )
        require_at_least(self, dict.fromkeys(("descriptor_weight", "class_weight_power"), 0))
        counts = ("latent", "autoencoder_epochs", "classifier_epochs", "batch", "ensemble")
        require_at_least(self, dict.fromkeys(counts, 1))


def ssim_global(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of image pairs (N x C x H x W in [0, 1]), each channel with
    whole-tile statistics (tiles are too small for a sliding window)."""
    c1, c2 = 0.01**2, 0.03**2
    axes = (2, 3)
    mu_a, mu_b = a.mean(axes), b.mean(axes)
    var_a, var_b = a.var(axes), b.var(axes)
    cov = ((a - mu_a[..., None, None]) * (b - mu_b[..., None, None])).mean(axes)
    ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    )
    return float(ssim.mean())


def _train(
    model: Any,
    step_loss: Any,
    val_score: Any,
    n_train: int,
    epochs: int,
    settings: LearnSettings,
    checkpoint: Path | None,
    observers: list[Observer] | None,
) -> Trainer:
    """Train ``model`` with the shared settings and observers; leave it in eval mode."""
    trainer = Trainer(
        model,
        step_loss=step_loss,
        val_score=val_score,
        n_train=n_train,
        epochs=epochs,
        batch=settings.batch,
        lr=settings.lr,
        patience=settings.patience,
        seed=settings.seed,
        weight_decay=settings.weight_decay,
    )
    for observer in observers or []:
        trainer.attach(observer)
    trainer.run(checkpoint)
    model.eval()
    return trainer


def ipf_colours(images: np.ndarray, normaliser: Normaliser) -> np.ndarray:
    """The IPF channels of standardised images back in colour units (N x 3 x T x T, 0–1)."""
    mean = np.array(normaliser.channel_mean[:3])[None, :, None, None]
    std = np.array(normaliser.channel_std[:3])[None, :, None, None]
    return np.clip(images[:, :3] * std + mean, 0.0, 1.0)


def fit_autoencoder(
    arrays: Arrays,
    train: np.ndarray,
    stop: np.ndarray,
    settings: LearnSettings,
    checkpoint: Path | None = None,
    observers: list[Observer] | None = None,
) -> tuple[Any, int]:
    """Train the autoencoder on ``train`` tiles, early stopping on ``stop`` tiles; returns
    the model and the number of epochs run."""
    import torch

    from scalebridge.patterns.learn.models import build_autoencoder

    seed_everything(settings.seed)
    images = torch.from_numpy(arrays.now)
    model = build_autoencoder(images.shape[-1], images.shape[1], settings.latent)
    x_train, x_stop = images[train], images[stop]
    mse = torch.nn.functional.mse_loss
    trainer = _train(
        model,
        lambda m, idx: mse(m(x_train[idx]), x_train[idx]),
        lambda m: float(mse(m(x_stop), x_stop)),
        len(train),
        settings.autoencoder_epochs,
        settings,
        checkpoint,
        observers,
    )
    return model, len(trainer.history)


def reconstruction_scores(
    model: Any, arrays: Arrays, rows: np.ndarray, normaliser: Normaliser
) -> dict[str, Any]:
    """Reconstruction error of ``rows`` (tiles the autoencoder never saw): MSE and SSIM of the
    orientation colours (0–1), MSE of all standardised channels."""
    import torch

    with torch.no_grad():
        recon = model(torch.from_numpy(arrays.now[rows])).numpy()
    original = ipf_colours(arrays.now[rows], normaliser)
    rebuilt = ipf_colours(recon, normaliser)
    return {
        "mse": float(np.mean((rebuilt - original) ** 2)),
        "ssim": ssim_global(rebuilt, original),
        "mse_all_channels_standardised": float(np.mean((recon - arrays.now[rows]) ** 2)),
        "n_tiles": len(rows),
    }


def class_weights(labels: np.ndarray, power: float = 0.5) -> np.ndarray:
    """Class frequency to the power −``power`` (1 on average over the tiles): with the
    default 0.5 rare patterns count more without a three-tile class dominating the loss;
    0 weighs every tile alike, 1 every class alike."""
    counts = np.bincount(labels, minlength=len(PATTERNS)).astype(float)
    weights = np.where(counts > 0, np.maximum(counts, 1) ** -power, 0.0)
    return weights / (weights[labels].mean() if len(labels) else 1.0)


def mirrored(now: Any, start: Any) -> tuple[Any, Any]:
    """Augmentation: a random half of the pairs mirrored in x (x → −x at fixed sliding
    direction). A mirror normal to x leaves the IPF colour of z unchanged (the cubic Laue
    group holds the inversion) and every label descriptor too; it draws from torch's global
    generator, which checkpoints restore, so a resumed training stays exact."""
    import torch

    flip = torch.rand(len(now)) < 0.5
    now, start = now.clone(), start.clone()
    now[flip], start[flip] = now[flip].flip(-1), start[flip].flip(-1)
    return now, start


def fit_classifier(
    arrays: Arrays,
    normaliser: Normaliser,
    encoder_state: dict[str, Any],
    train: np.ndarray,
    stop: np.ndarray,
    settings: LearnSettings,
    rules: LabelRules,
    checkpoint: Path | None = None,
    observers: list[Observer] | None = None,
) -> Any:
    """An ensemble of ``settings.ensemble`` dual-branch classifiers (seeds seed, seed+1, …),
    each with its image branch initialised from the autoencoder's encoder and early stopping
    on the ``stop`` tiles (a part of the training tiles).

    The loss is the class-weighted cross entropy plus ``descriptor_weight`` times the mean
    squared error of the label descriptors (standardised on the training tiles): the
    network learns to read grain size, twin fraction, rotation and advection from the
    images, which every tile teaches, rare pattern or not.

    ``settings.decision``: ``"rules"`` (default) names the pattern by the stated ``rules``
    applied to the ensemble's descriptor reading, its probabilities from the reading's error
    on the ``stop`` tiles (:class:`~scalebridge.patterns.learn.models.RuleDecision`);
    ``"head"`` uses the members' class heads."""
    from scalebridge.patterns.learn.models import RuleDecision, build_ensemble

    members = []
    for k in range(settings.ensemble):
        member = dataclasses.replace(settings, seed=settings.seed + k)
        path = None if checkpoint is None else checkpoint.with_name(f"{checkpoint.stem}_{k}.ckpt")
        members.append(
            _fit_member(arrays, normaliser, encoder_state, train, stop, member, path, observers)
        )
    ensemble = build_ensemble(members).eval()
    if settings.decision == "head":
        return ensemble
    mean, spread = descriptor_scale(arrays.descriptors, train)
    read = ensemble_outputs(ensemble, arrays, (mean, spread), stop)[2]
    truth = arrays.descriptors[stop]
    known = np.isfinite(truth)
    squared = np.where(known, (read - np.where(known, truth, 0.0)) ** 2, 0.0)
    sigma = np.sqrt(squared.sum(axis=0) / np.maximum(known.sum(axis=0), 1))
    sigma = np.where(known.any(axis=0), sigma, spread)  # nothing to measure it on: the spread
    decision = RuleDecision(
        dataclasses.asdict(rules),
        tuple(map(float, mean)),
        tuple(map(float, spread)),
        tuple(map(float, sigma)),
        seed=settings.seed,
    )
    return build_ensemble(members, decision).eval()


def _fit_member(
    arrays: Arrays,
    normaliser: Normaliser,
    encoder_state: dict[str, Any],
    train: np.ndarray,
    stop: np.ndarray,
    settings: LearnSettings,
    checkpoint: Path | None,
    observers: list[Observer] | None,
) -> Any:
    import torch

    from scalebridge.patterns.learn.models import (
        build_autoencoder,
        build_classifier,
        fit_linear_reading,
    )

    seed_everything(settings.seed)
    now, start = torch.from_numpy(arrays.now), torch.from_numpy(arrays.start)
    meta = torch.from_numpy(arrays.metadata)
    labels = torch.from_numpy(arrays.labels).long()
    channels = now.shape[1]
    ae = build_autoencoder(now.shape[-1], channels, settings.latent)
    ae.load_state_dict(encoder_state)
    n_descriptors = arrays.descriptors.shape[1]
    model = build_classifier(
        ae.encoder, normaliser, meta.shape[1], len(PATTERNS), n_descriptors, settings.inputs
    )
    weights = class_weights(arrays.labels[train], settings.class_weight_power)
    ce = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
    plain = torch.nn.CrossEntropyLoss()  # early stopping: the unweighted loss
    tr, st = torch.from_numpy(train), torch.from_numpy(stop)
    target, known = standardised_descriptors(arrays.descriptors, train)
    fit_linear_reading(model, now[tr], start[tr], target[tr], known[tr])

    def loss(m: Any, rows: Any, classes: Any, augment: bool) -> Any:
        a, b = mirrored(now[rows], start[rows]) if augment else (now[rows], start[rows])
        logits, read = m.outputs(a, b, meta[rows])
        total = classes(logits, labels[rows])
        if settings.descriptor_weight and bool(known[rows].any()):
            error = (read - target[rows])[known[rows]]
            total = total + settings.descriptor_weight * (error**2).mean()
        return total

    _train(
        model,
        lambda m, idx: loss(m, tr[idx], ce, True),
        lambda m: float(loss(m, st, plain, False)),
        len(train),
        settings.classifier_epochs,
        settings,
        checkpoint,
        observers,
    )
    return model


def descriptor_scale(values: np.ndarray, train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of each descriptor over the ``train`` rows where known."""
    known = np.isfinite(values[train])
    counts = np.maximum(known.sum(axis=0), 1)
    mean = np.where(known, values[train], 0.0).sum(axis=0) / counts
    spread = np.sqrt((np.where(known, values[train] - mean, 0.0) ** 2).sum(axis=0) / counts)
    return mean, np.where(spread > 1e-12, spread, 1.0)


def standardised_descriptors(values: np.ndarray, train: np.ndarray) -> tuple[Any, Any]:
    """Descriptors standardised with the training tiles' statistics (torch, unknown → 0)
    and the mask of known values."""
    import torch

    known = np.isfinite(values)
    mean, spread = descriptor_scale(values, train)
    scaled = (values - mean) / spread
    return (
        torch.from_numpy(np.where(known, scaled, 0.0).astype(np.float32)),
        torch.from_numpy(known),
    )


def predict_proba(model: Any, arrays: Arrays, rows: np.ndarray | None = None) -> np.ndarray:
    """Class probabilities (len(rows) x n_classes)."""
    import torch

    rows = np.arange(len(arrays.now)) if rows is None else rows
    with torch.no_grad():
        logits = model(
            torch.from_numpy(arrays.now[rows]),
            torch.from_numpy(arrays.start[rows]),
            torch.from_numpy(arrays.metadata[rows]),
        )
        return torch.softmax(logits, dim=1).numpy()


def ensemble_outputs(
    model: Any,
    arrays: Arrays,
    scale: tuple[np.ndarray, np.ndarray],
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass of the ensemble over ``rows``: the decision's class probabilities, the class
    heads' probabilities, and the label descriptors read from the images (log grain size
    ratio) in physical units — ``scale`` is the (mean, spread) of the rows the network was
    trained on (:func:`descriptor_scale`)."""
    import torch

    rows = np.arange(len(arrays.now)) if rows is None else rows
    with torch.no_grad():
        proba, head, read = (
            x.numpy()
            for x in model.outputs(
                torch.from_numpy(arrays.now[rows]),
                torch.from_numpy(arrays.start[rows]),
                torch.from_numpy(arrays.metadata[rows]),
            )
        )
    mean, spread = scale
    return proba, head, read * np.asarray(spread) + np.asarray(mean)


def descriptor_r2(read: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Coefficient of determination of each descriptor reading, where the truth is known."""
    from scalebridge.patterns.tiles import DESCRIPTORS

    result = {}
    for j, name in enumerate(DESCRIPTORS):
        known = np.isfinite(truth[:, j])
        if known.sum() < 2 or truth[known, j].var() == 0:
            continue
        error = ((read[known, j] - truth[known, j]) ** 2).mean()
        result[name] = float(1 - error / truth[known, j].var())
    return result


def rules_on_reading(read: np.ndarray, rules: LabelRules) -> np.ndarray:
    """Class indices that the stated label rules give for descriptor readings (N x 4, log
    grain size ratio first, in the order of ``tiles.DESCRIPTORS``)."""
    return np.asarray(rules.classify(*np.asarray(read).T), dtype=int)


def classifier_means(arrays: Arrays, normaliser: Normaliser, inputs: str) -> np.ndarray:
    """The mean features the classifier of ``inputs`` sees (``models.mean_features``), for
    the channel-means baseline."""
    import torch

    from scalebridge.patterns.learn.models import mean_features

    averaged = [i for i, c in enumerate(CHANNELS) if c in INPUTS[inputs][1]]
    now, start = torch.from_numpy(arrays.now), torch.from_numpy(arrays.start)
    return mean_features(now, start, normaliser, averaged).numpy()


def latents(autoencoder: Any, images: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return autoencoder.encoder(torch.from_numpy(images)).numpy()


@dataclass
class SplitResult:
    """Scores of one split and what was fitted on it."""

    scores: dict[str, Any]
    autoencoder_metrics: dict[str, Any]
    autoencoder: Any
    classifier: Any
    normaliser: Normaliser
    val: np.ndarray
    proba: np.ndarray
    descriptor_scale: tuple[np.ndarray, np.ndarray]


def split_rows(
    dataset: TileDataset, split: str, settings: LearnSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) rows of the ``random`` or ``spatial`` split; only tiles after
    their run's first frame are samples (see :func:`sample_rows`)."""
    labels = np.array([PATTERNS.index(x) for x in dataset.table["label"]])
    samples = sample_rows(dataset.table)
    if split == "random":
        train, val = random_split(labels[samples], settings.val_fraction, settings.seed)
        train, val = samples[train], samples[val]
    elif split == "spatial":
        subset = dataset.table.iloc[samples].reset_index(drop=True)
        train, val = spatial_split(subset, settings.spatial_fraction)
        train, val = samples[train], samples[val]
    else:
        raise InputError(f"split {split!r}", field="--split", expected="random or spatial")
    present = np.unique(labels[train])
    if len(val) == 0 or len(present) < 2:
        raise InputError(
            f"the {split} split leaves {len(val)} validation tiles and {len(present)} "
            "pattern(s) in training",
            source="dataset",
            expected="tiles of at least two patterns after t = 0 in several runs",
        )
    return train, val


def prepare(
    dataset: TileDataset, train: np.ndarray, settings: LearnSettings
) -> tuple[Normaliser, Arrays, np.ndarray, np.ndarray]:
    """Normaliser of the ``train`` rows, the standardised arrays, and ``train`` divided into
    fitting rows and early-stopping rows (``stop_fraction`` of them)."""
    normaliser = Normaliser.fit(dataset, train)
    arrays = to_arrays(dataset, normaliser)
    fit_rows, stop = random_split(arrays.labels[train], settings.stop_fraction, settings.seed + 1)
    return normaliser, arrays, train[fit_rows], train[stop]


def fit_split(
    dataset: TileDataset,
    train: np.ndarray,
    settings: LearnSettings,
    checkpoints: Path | None = None,
    prefix: str = "",
    observers: list[Observer] | None = None,
) -> tuple[Any, Any, Normaliser, Arrays, np.ndarray]:
    """Normaliser, autoencoder and classifier ensemble fitted on the ``train`` rows (15 % of
    them held back for early stopping): (autoencoder, classifier, normaliser, arrays, the
    early-stopping rows)."""
    normaliser, arrays, fit_rows, stop = prepare(dataset, train, settings)

    def checkpoint(name: str) -> Path | None:
        return None if checkpoints is None else checkpoints / f"{prefix}{name}.ckpt"

    ae, _ = fit_autoencoder(arrays, fit_rows, stop, settings, checkpoint("autoencoder"), observers)
    classifier = fit_classifier(
        arrays,
        normaliser,
        ae.state_dict(),
        fit_rows,
        stop,
        settings,
        LabelRules.from_info(dataset.info),
        checkpoint("classifier"),
        observers,
    )
    return ae, classifier, normaliser, arrays, stop


def evaluate_split(
    dataset: TileDataset,
    split: str,
    settings: LearnSettings,
    checkpoints: Path | None = None,
    observers: list[Observer] | None = None,
) -> SplitResult:
    """Autoencoder + classifier on one split; scores with baselines on its validation tiles,
    which neither network nor the normalisation saw."""
    train, val = split_rows(dataset, split, settings)
    ae, classifier, normaliser, arrays, stop = fit_split(
        dataset, train, settings, checkpoints, f"{split}_", observers
    )
    ae_metrics = reconstruction_scores(ae, arrays, val, normaliser) | {
        "latent_dim": settings.latent,
    }
    scale = descriptor_scale(arrays.descriptors, np.setdiff1d(train, stop))
    proba, head, read = ensemble_outputs(classifier, arrays, scale, val)
    truth = arrays.labels[val]
    result = scores(truth, proba.argmax(axis=1))
    result["descriptor_r2"] = descriptor_r2(read, arrays.descriptors[val])
    rules = LabelRules.from_info(dataset.info)
    result["rules_on_reading"] = float(np.mean(rules_on_reading(read, rules) == truth))
    result["head_accuracy"] = float(np.mean(head.argmax(axis=1) == truth))
    z_now, z_start = latents(ae, arrays.now), latents(ae, arrays.start)
    features = {
        "metadata_only": arrays.metadata,
        "latent_only": np.c_[z_now, z_now - z_start],
        "channel_means": classifier_means(arrays, normaliser, settings.inputs),
    }
    result["baselines"], result["baselines_macro_f1"] = baselines(
        features, arrays.labels, train, val, settings.seed
    )
    result["n_train"], result["n_val"] = len(train), len(val)
    return SplitResult(result, ae_metrics, ae, classifier, normaliser, val, proba, scale)

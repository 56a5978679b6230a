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
from scalebridge.patterns.descriptors import PATTERNS
from scalebridge.patterns.learn.data import (
    Arrays,
    Normaliser,
    random_split,
    spatial_split,
    to_arrays,
)
from scalebridge.patterns.learn.metrics import baselines, scores
from scalebridge.patterns.learn.training import Trainer, seed_everything

Observer = Callable[[Trainer, dict[str, float]], None]


@dataclass(frozen=True)
class LearnSettings:
    latent: int = 32
    autoencoder_epochs: int = 60
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

    def __post_init__(self) -> None:
        for name in ("val_fraction", "stop_fraction", "spatial_fraction"):
            if not 0 < getattr(self, name) < 0.5:
                raise InputError(
                    f"{name} = {getattr(self, name)}", field=name, expected="between 0 and 0.5"
                )
        for name in ("latent", "autoencoder_epochs", "classifier_epochs", "batch", "ensemble"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} = {getattr(self, name)}", field=name, expected="≥ 1")


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
    normaliser: Normaliser,
    train: np.ndarray,
    val: np.ndarray,
    settings: LearnSettings,
    checkpoint: Path | None = None,
    observers: list[Observer] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Train the autoencoder on ``train`` tiles; reconstruction error on ``val`` (MSE and
    SSIM of the orientation colours, MSE of all standardised channels)."""
    import torch

    from scalebridge.patterns.learn.models import build_autoencoder

    seed_everything(settings.seed)
    images = torch.from_numpy(arrays.now)
    model = build_autoencoder(images.shape[-1], images.shape[1], settings.latent)
    x_train, x_val = images[train], images[val]
    mse = torch.nn.functional.mse_loss
    trainer = _train(
        model,
        lambda m, idx: mse(m(x_train[idx]), x_train[idx]),
        lambda m: float(mse(m(x_val), x_val)),
        len(train),
        settings.autoencoder_epochs,
        settings,
        checkpoint,
        observers,
    )
    with torch.no_grad():
        recon = model(x_val).numpy()
    original, rebuilt = ipf_colours(x_val.numpy(), normaliser), ipf_colours(recon, normaliser)
    return model, {
        "mse": float(np.mean((rebuilt - original) ** 2)),
        "ssim": ssim_global(rebuilt, original),
        "mse_all_channels_standardised": float(np.mean((recon - x_val.numpy()) ** 2)),
        "latent_dim": settings.latent,
        "epochs": len(trainer.history),
    }


def class_weights(labels: np.ndarray) -> np.ndarray:
    """Inverse square root of the class frequency (1 on average over the tiles): rare
    patterns count more without a three-tile class dominating the loss."""
    counts = np.bincount(labels, minlength=len(PATTERNS)).astype(float)
    weights = np.where(counts > 0, 1 / np.sqrt(np.maximum(counts, 1)), 0.0)
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
    encoder_state: dict[str, Any],
    train: np.ndarray,
    stop: np.ndarray,
    settings: LearnSettings,
    checkpoint: Path | None = None,
    observers: list[Observer] | None = None,
) -> Any:
    """An ensemble of ``settings.ensemble`` dual-branch classifiers (seeds seed, seed+1, …),
    each with its image branch initialised from the autoencoder's encoder and early stopping
    on the ``stop`` tiles (a part of the training tiles)."""
    from scalebridge.patterns.learn.models import build_ensemble

    members = []
    for k in range(settings.ensemble):
        member = dataclasses.replace(settings, seed=settings.seed + k)
        path = None if checkpoint is None else checkpoint.with_name(f"{checkpoint.stem}_{k}.ckpt")
        members.append(_fit_member(arrays, encoder_state, train, stop, member, path, observers))
    return build_ensemble(members).eval()


def _fit_member(
    arrays: Arrays,
    encoder_state: dict[str, Any],
    train: np.ndarray,
    stop: np.ndarray,
    settings: LearnSettings,
    checkpoint: Path | None,
    observers: list[Observer] | None,
) -> Any:
    import torch

    from scalebridge.patterns.learn.models import build_autoencoder, build_classifier

    seed_everything(settings.seed)
    now, start = torch.from_numpy(arrays.now), torch.from_numpy(arrays.start)
    meta = torch.from_numpy(arrays.metadata)
    labels = torch.from_numpy(arrays.labels).long()
    channels = now.shape[1]
    ae = build_autoencoder(now.shape[-1], channels, settings.latent)
    ae.load_state_dict(encoder_state)
    model = build_classifier(ae.encoder, channels, meta.shape[1], len(PATTERNS), settings.latent)
    weights = torch.tensor(class_weights(arrays.labels[train]), dtype=torch.float32)
    ce = torch.nn.CrossEntropyLoss(weight=weights)
    plain = torch.nn.CrossEntropyLoss()  # early stopping: the unweighted loss
    tr, st = torch.from_numpy(train), torch.from_numpy(stop)

    def step_loss(m: Any, idx: Any) -> Any:
        rows = tr[idx]
        a, b = mirrored(now[rows], start[rows])
        return ce(m(a, b, meta[rows]), labels[rows])

    _train(
        model,
        step_loss,
        lambda m: float(plain(m(now[st], start[st], meta[st]), labels[st])),
        len(train),
        settings.classifier_epochs,
        settings,
        checkpoint,
        observers,
    )
    return model


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


def split_rows(
    dataset: TileDataset, split: str, settings: LearnSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) rows of the ``random`` or ``spatial`` split."""
    labels = np.array([PATTERNS.index(x) for x in dataset.table["label"]])
    if split == "random":
        return random_split(labels, settings.val_fraction, settings.seed)
    if split == "spatial":
        return spatial_split(dataset.table, settings.spatial_fraction)
    raise InputError(f"split {split!r}", field="--split", expected="random or spatial")


def evaluate_split(
    dataset: TileDataset,
    split: str,
    settings: LearnSettings,
    checkpoints: Path | None = None,
    observers: list[Observer] | None = None,
) -> SplitResult:
    """Autoencoder + classifier on one split; scores with baselines on its validation tiles."""
    train, val = split_rows(dataset, split, settings)
    normaliser = Normaliser.fit(dataset, train)
    arrays = to_arrays(dataset, normaliser)
    fit_rows, stop = random_split(arrays.labels[train], settings.stop_fraction, settings.seed + 1)
    fit_rows, stop = train[fit_rows], train[stop]

    def checkpoint(name: str) -> Path | None:
        return None if checkpoints is None else checkpoints / f"{split}_{name}.ckpt"

    ae, ae_metrics = fit_autoencoder(
        arrays, normaliser, fit_rows, stop, settings, checkpoint("autoencoder"), observers
    )
    classifier = fit_classifier(
        arrays, ae.state_dict(), fit_rows, stop, settings, checkpoint("classifier"), observers
    )
    proba = predict_proba(classifier, arrays, val)
    result = scores(arrays.labels[val], proba.argmax(axis=1))
    z_now, z_start = latents(ae, arrays.now), latents(ae, arrays.start)
    latent = np.c_[z_now, z_now - z_start]
    result["baselines"] = baselines(
        arrays.metadata, latent, arrays.labels, train, val, settings.seed
    )
    result["n_train"], result["n_val"] = len(train), len(val)
    return SplitResult(result, ae_metrics, ae, classifier, normaliser, val, proba)

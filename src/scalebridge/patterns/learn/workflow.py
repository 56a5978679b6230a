"""``patterns autoencoder`` and ``patterns train``: fit, evaluate, write a model folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.patterns.dataset import TileDataset
from scalebridge.patterns.descriptors import PATTERNS
from scalebridge.patterns.learn.data import Arrays, random_split, spatial_split, to_arrays
from scalebridge.patterns.learn.metrics import baselines, scores
from scalebridge.patterns.learn.training import Trainer, seed_everything


@dataclass(frozen=True)
class LearnSettings:
    latent: int = 32
    autoencoder_epochs: int = 40
    classifier_epochs: int = 80
    batch: int = 64
    lr: float = 2e-3
    patience: int = 12
    seed: int = 0
    val_fraction: float = 0.2
    spatial_fraction: float = 0.25


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
    observers: list[Any] | None,
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
    )
    for observer in observers or []:
        trainer.attach(observer)
    trainer.run(checkpoint)
    model.eval()
    return trainer


def fit_autoencoder(
    arrays: Arrays,
    train: np.ndarray,
    val: np.ndarray,
    settings: LearnSettings,
    checkpoint: Path | None = None,
    observers: list[Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Train the autoencoder on ``train`` tiles; reconstruction error on ``val``."""
    import torch

    from scalebridge.patterns.learn.models import build_autoencoder

    seed_everything(settings.seed)
    images = torch.from_numpy(arrays.images)
    model = build_autoencoder(images.shape[-1], settings.latent)
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
    return model, {
        "mse": float(np.mean((recon - x_val.numpy()) ** 2)),
        "ssim": ssim_global(recon, x_val.numpy()),
        "latent_dim": settings.latent,
        "epochs": len(trainer.history),
    }


def fit_classifier(
    arrays: Arrays,
    encoder_state: dict[str, Any],
    train: np.ndarray,
    val: np.ndarray,
    settings: LearnSettings,
    checkpoint: Path | None = None,
    observers: list[Any] | None = None,
) -> Any:
    """Dual-branch classifier; image branch initialised from the autoencoder's encoder."""
    import torch

    from scalebridge.patterns.learn.models import build_autoencoder, build_classifier

    seed_everything(settings.seed)
    images = torch.from_numpy(arrays.images)
    meta = torch.from_numpy(arrays.metadata)
    labels = torch.from_numpy(arrays.labels).long()
    ae = build_autoencoder(images.shape[-1], settings.latent)
    ae.load_state_dict(encoder_state)
    model = build_classifier(ae.encoder, meta.shape[1], len(PATTERNS), settings.latent)
    counts = np.bincount(arrays.labels[train], minlength=len(PATTERNS)).astype(float)
    weights = np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / len(PATTERNS), 0.0)
    ce = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
    tr, va = torch.from_numpy(train), torch.from_numpy(val)
    _train(
        model,
        lambda m, idx: ce(m(images[tr[idx]], meta[tr[idx]]), labels[tr[idx]]),
        lambda m: float(ce(m(images[va], meta[va]), labels[va])),
        len(train),
        settings.classifier_epochs,
        settings,
        checkpoint,
        observers,
    )
    return model


def predict(model: Any, arrays: Arrays, rows: np.ndarray) -> np.ndarray:
    """Class probabilities (len(rows) x n_classes)."""
    import torch

    with torch.no_grad():
        logits = model(
            torch.from_numpy(arrays.images[rows]), torch.from_numpy(arrays.metadata[rows])
        )
        return torch.softmax(logits, dim=1).numpy()


def evaluate_split(
    arrays: Arrays,
    train: np.ndarray,
    val: np.ndarray,
    settings: LearnSettings,
    folder: Path,
    name: str,
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """Autoencoder + classifier on one split; scores, baselines, the fitted classifier."""
    import torch

    ae, ae_metrics = fit_autoencoder(
        arrays, train, val, settings, checkpoint=folder / f"{name}_autoencoder.ckpt"
    )
    classifier = fit_classifier(
        arrays, ae.state_dict(), train, val, settings, checkpoint=folder / f"{name}_classifier.ckpt"
    )
    proba = predict(classifier, arrays, val)
    result = scores(arrays.labels[val], proba.argmax(axis=1))
    with torch.no_grad():
        latent = ae.encoder(torch.from_numpy(arrays.images)).numpy()
    result["baselines"] = baselines(
        arrays.metadata[train],
        latent[train],
        arrays.labels[train],
        arrays.metadata[val],
        latent[val],
        arrays.labels[val],
        settings.seed,
    )
    result["n_train"], result["n_val"] = len(train), len(val)
    return result, ae_metrics, classifier


def train_patterns(dataset: TileDataset, settings: LearnSettings, folder: Path) -> dict[str, Any]:
    """Both splits (random and spatial hold-out); metrics.json keys of issue 7."""
    arrays = to_arrays(dataset)
    metrics: dict[str, Any] = {}
    train, val = random_split(arrays.labels, settings.val_fraction, settings.seed)
    metrics["random_split"], metrics["autoencoder"], _ = evaluate_split(
        arrays, train, val, settings, folder, "random"
    )
    train, val = spatial_split(dataset.table, settings.spatial_fraction)
    metrics["spatial_holdout"], _, _ = evaluate_split(
        arrays, train, val, settings, folder, "spatial"
    )
    return metrics

"""Classification scores and the reference baselines."""

from __future__ import annotations

from typing import Any

import numpy as np

from scalebridge.patterns.descriptors import PATTERNS


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class F1 (classes present in y_true or y_pred), confusion."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    labels = list(range(len(PATTERNS)))
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    present = sorted(set(y_true) | set(y_pred))
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
        ),
        "per_class_f1": {PATTERNS[i]: float(per_class[i]) for i in present},
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def baselines(
    metadata: np.ndarray,
    latent: np.ndarray,
    labels: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    seed: int,
) -> dict[str, float]:
    """Validation accuracy of three references on the same split: the majority class of the
    training tiles, gradient boosting on the metadata only, and logistic regression on the
    autoencoder latent only (now and its change since t = 0)."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y_train, y_val = labels[train], labels[val]
    majority = np.bincount(y_train).argmax()
    meta = GradientBoostingClassifier(random_state=seed).fit(metadata[train], y_train)
    latent_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    latent_model.fit(latent[train], y_train)
    return {
        "majority": float(np.mean(y_val == majority)),
        "metadata_only": float(np.mean(meta.predict(metadata[val]) == y_val)),
        "latent_only": float(np.mean(latent_model.predict(latent[val]) == y_val)),
    }

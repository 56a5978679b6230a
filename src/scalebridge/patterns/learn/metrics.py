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
    train_meta: np.ndarray,
    train_latent: np.ndarray,
    y_train: np.ndarray,
    val_meta: np.ndarray,
    val_latent: np.ndarray,
    y_val: np.ndarray,
    seed: int,
) -> dict[str, float]:
    """Accuracy of the majority class, a metadata-only and a latent-only classifier."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    majority = np.bincount(y_train).argmax()
    meta = GradientBoostingClassifier(random_state=seed).fit(train_meta, y_train)
    latent = LogisticRegression(max_iter=2000).fit(train_latent, y_train)
    return {
        "majority": float(np.mean(y_val == majority)),
        "metadata_only": float(np.mean(meta.predict(val_meta) == y_val)),
        "latent_only": float(np.mean(latent.predict(val_latent) == y_val)),
    }

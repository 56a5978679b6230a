"""Classification scores and the reference baselines."""

from __future__ import annotations

from typing import Any

import numpy as np

from scalebridge.patterns.descriptors import PATTERNS


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    """Accuracy, macro-F1 (over the classes present in y_true or y_pred), per-class F1 with
    its support (validation tiles of that class), confusion matrix (rows true)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    labels = list(range(len(PATTERNS)))
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    present = sorted(set(y_true) | set(y_pred))
    support = np.bincount(y_true, minlength=len(PATTERNS))
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
        ),
        "per_class_f1": {PATTERNS[i]: float(per_class[i]) for i in present},
        "support": {PATTERNS[i]: int(support[i]) for i in present},
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def baselines(
    features: dict[str, np.ndarray],
    labels: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    seed: int,
) -> tuple[dict[str, float], dict[str, float]]:
    """Validation accuracy and macro-F1 of references fitted on the same training tiles: the
    majority class, and per feature set a classifier — gradient boosting on the metadata and
    on the channel means (now and their change since t = 0: the tile averages a scientist
    reads off the maps the classifier sees, close to the label descriptors themselves),
    logistic regression on the autoencoder latent (now and its change)."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y_train, y_val = labels[train], labels[val]
    present = sorted(set(y_val))
    predictions = {"majority": np.full(len(val), np.bincount(y_train).argmax())}
    for name, x in features.items():
        model = (
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
            if name.startswith("latent")
            else GradientBoostingClassifier(random_state=seed)
        )
        predictions[name] = model.fit(x[train], y_train).predict(x[val])
    accuracy = {k: float(np.mean(p == y_val)) for k, p in predictions.items()}
    macro = {
        k: float(f1_score(y_val, p, labels=present, average="macro", zero_division=0))
        for k, p in predictions.items()
    }
    return accuracy, macro

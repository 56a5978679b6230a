"""The strength model: the published pipeline on a few indicators, with prediction intervals.

``StrengthModel`` is a scikit-learn estimator: settings in ``__init__``, ``fit`` returns
self, learned attributes end in ``_``. Besides point predictions it gives prediction
intervals as a :class:`PredictionInterval`:

* ``"jackknife+"`` (Barber, Candès, Ramdas, Tibshirani, Ann. Statist. 49 (2021) 486): from
  the n leave-one-out models and their residuals; coverage ≥ 1 − 2α guaranteed, ≈ 1 − α in
  practice; its leave-one-out coverage is measured by :func:`nested_loo_coverage`.
* ``"2rmse"``: the published ±2·RMSE_LOO band around the full-data prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone

from scalebridge.errors import InputError
from scalebridge.strength.indicators import PUBLISHED_PREDICTORS

INTERVAL_METHODS = ("jackknife+", "2rmse")


def published_pipeline(n_neighbors: int = 2) -> Any:
    """Standardise → KNN impute (k neighbours) → OLS, with a standardised target.

    Scaler and imputer are :class:`Standardiser` and :class:`StableKNNImputer` (fixed
    summation order, exact distances, ties by row order), so the scores are the same on every
    machine and equal those of the compiled model search.
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from scalebridge.strength.preprocessing import StableKNNImputer, Standardiser

    steps = [
        ("scale", Standardiser()),
        ("impute", StableKNNImputer(n_neighbors)),
        ("ols", LinearRegression()),
    ]
    return TransformedTargetRegressor(regressor=Pipeline(steps), transformer=StandardScaler())


@dataclass(frozen=True)
class PredictionInterval:
    """Predicted strength with an interval; each array has shape (m,), in MPa."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    method: str
    level: float

    @property
    def width(self) -> np.ndarray:
        return self.upper - self.lower


def check_level(level: float) -> None:
    """Nominal coverage must lie in [0.5, 1)."""
    if not (isinstance(level, int | float) and 0.5 <= level < 1.0):
        raise InputError(f"{level!r}", source="level", expected="0.5 <= level < 1")


def adjusted_r2(r2: float, n: int, k: int) -> float:
    """Adjusted R² of a k-predictor model on n samples."""
    return 1.0 - (1.0 - r2) * (n - 1) / (n - k - 1)


def jackknife_plus_bounds(
    loo_at_new: np.ndarray, residuals: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Jackknife+ bounds at m new points.

    loo_at_new: (n x m) predictions of the n leave-one-out models at the new points.
    residuals: (n,) absolute leave-one-out residuals |y_i − μ₋ᵢ(x_i)|.
    """
    n = residuals.shape[0]
    alpha = 1.0 - level
    # 1e-9 guards against 0.1·20 evaluating to 1.9999999999999996
    k_low = int(np.floor(alpha * (n + 1) + 1e-9))
    k_high = int(np.ceil(level * (n + 1) - 1e-9))
    if k_low < 1 or k_high > n:
        raise InputError(
            f"level {level} needs more than {n} potentials for a jackknife+ interval",
            source="level",
            expected=f"a level below {1 - 2 / (n + 1):.3f}",
        )
    low = np.sort(loo_at_new - residuals[:, None], axis=0)[k_low - 1]
    high = np.sort(loo_at_new + residuals[:, None], axis=0)[k_high - 1]
    return low, high


class StrengthModel(RegressorMixin, BaseEstimator):
    """Linear model of MD strength (MPa) on a few indicators, with prediction intervals.

    Parameters
    ----------
    predictors:
        Indicator columns (dataset names and units).
    n_neighbors:
        Neighbours of the KNN imputation.
    level:
        Nominal coverage of the prediction intervals.
    """

    def __init__(
        self,
        predictors: tuple[str, ...] = PUBLISHED_PREDICTORS,
        n_neighbors: int = 2,
        level: float = 0.95,
    ) -> None:
        self.predictors = predictors
        self.n_neighbors = n_neighbors
        self.level = level

    def _check(self, X: pd.DataFrame, where: str) -> np.ndarray:
        missing = [c for c in self.predictors if c not in X.columns]
        if missing:
            raise InputError(
                f"column(s) {', '.join(missing)} missing",
                source=where,
                expected="the model's predictors " + ", ".join(self.predictors),
            )
        return X[list(self.predictors)].to_numpy(dtype=float)

    def fit(self, X: pd.DataFrame, y: pd.Series | np.ndarray) -> StrengthModel:
        """Fit on all rows and on every leave-one-out subset (n + 1 fits)."""
        check_level(self.level)
        values = self._check(X, "training data")
        target = np.asarray(y, dtype=float)
        n = target.shape[0]
        base = published_pipeline(self.n_neighbors)
        self.pipeline_ = clone(base).fit(values, target)
        keep = ~np.eye(n, dtype=bool)
        self.loo_models_ = [clone(base).fit(values[keep[i]], target[keep[i]]) for i in range(n)]
        self.loo_predictions_ = np.array(
            [m.predict(values[i : i + 1])[0] for i, m in enumerate(self.loo_models_)]
        )
        self.residuals_ = np.abs(target - self.loo_predictions_)
        self.loo_rmse_ = float(np.sqrt(np.mean(self.residuals_**2)))
        fitted = self.pipeline_.predict(values)
        ss_tot = float(np.sum((target - target.mean()) ** 2))
        self.r2_ = 1.0 - float(np.sum((target - fitted) ** 2)) / ss_tot
        self.adj_r2_ = adjusted_r2(self.r2_, n, len(self.predictors))
        self.loo_r2_ = 1.0 - float(np.sum(self.residuals_**2)) / ss_tot
        self.loo_relative_error_ = self.loo_rmse_ / float(target.mean())
        self.n_samples_ = n
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Strength (MPa) of each row, shape (m,)."""
        return np.asarray(self.pipeline_.predict(self._check(X, "prediction input")))

    def predict_interval(self, X: pd.DataFrame, method: str = "jackknife+") -> PredictionInterval:
        """Prediction and interval at each row of X (m rows)."""
        values = self._check(X, "prediction input")
        mean = np.asarray(self.pipeline_.predict(values))
        # a strength is not negative: lower bounds are clipped at 0 MPa
        if method == "2rmse":
            half = 2.0 * self.loo_rmse_
            return PredictionInterval(mean, np.maximum(mean - half, 0), mean + half, method, 0.954)
        if method != "jackknife+":
            raise InputError(f"'{method}'", source="method", expected=" or ".join(INTERVAL_METHODS))
        loo_at_new = np.array([m.predict(values) for m in self.loo_models_])
        low, high = jackknife_plus_bounds(loo_at_new, self.residuals_, self.level)
        return PredictionInterval(mean, np.maximum(low, 0), high, method, self.level)

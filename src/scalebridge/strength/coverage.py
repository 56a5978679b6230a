"""Leave-one-out coverage of prediction intervals, measured honestly (nested).

For every IP i, the interval is built from the other n − 1 IPs only — its own leave-one-out
models and residuals come from leaving out i and each j ≠ i in turn — and we check whether
the MD strength of i falls inside. All n(n − 1)/2 two-IP-out fits run in the compiled kernel
of the model search.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalebridge.strength.model import jackknife_plus_bounds


def nested_loo_coverage(
    X: pd.DataFrame,
    y: pd.Series,
    predictors: list[str],
    *,
    level: float,
    n_neighbors: int = 2,
) -> pd.DataFrame:
    """For each IP: MD strength, the jackknife+ and ±2·RMSE intervals built without it.

    Returns one row per IP with columns strength_mpa, loo_mpa, jk_lower_mpa, jk_upper_mpa,
    rmse_lower_mpa, rmse_upper_mpa.
    """
    from scalebridge.strength._kernels import predict_folds
    from scalebridge.strength.search import standardise_folds

    values = np.ascontiguousarray(X[predictors].to_numpy(dtype=float))
    target = y.to_numpy(dtype=float)
    n = target.shape[0]
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)])
    masks = np.ones((len(pairs), n), dtype=bool)
    masks[np.arange(len(pairs)), pairs[:, 0]] = False
    masks[np.arange(len(pairs)), pairs[:, 1]] = False
    cols = np.arange(len(predictors), dtype=np.int64)
    Zs, colmeans = standardise_folds(values, masks)
    two_out = predict_folds(Zs, colmeans, target, masks, cols, n_neighbors)
    # pred[i, j]: model without {i, j} evaluated at i
    pred = np.full((n, n), np.nan)
    pred[pairs[:, 0], pairs[:, 1]] = two_out[np.arange(len(pairs)), pairs[:, 0]]
    pred[pairs[:, 1], pairs[:, 0]] = two_out[np.arange(len(pairs)), pairs[:, 1]]
    loo_masks = ~np.eye(n, dtype=bool)
    Zl, ml = standardise_folds(values, loo_masks)
    loo = predict_folds(Zl, ml, target, loo_masks, cols, n_neighbors)[np.arange(n), np.arange(n)]

    rows = []
    for i in range(n):
        others = np.flatnonzero(np.arange(n) != i)
        # residuals of the inner leave-one-out models (without i and j), at j
        inner_residuals = np.abs(target[others] - pred[others, i])
        at_i = pred[i, others]
        low, high = jackknife_plus_bounds(at_i[:, None], inner_residuals, level)
        inner_rmse = float(np.sqrt(np.mean(inner_residuals**2)))
        rows.append(
            {
                "strength_mpa": target[i],
                "loo_mpa": loo[i],
                "jk_lower_mpa": float(low[0]),
                "jk_upper_mpa": float(high[0]),
                "rmse_lower_mpa": loo[i] - 2 * inner_rmse,
                "rmse_upper_mpa": loo[i] + 2 * inner_rmse,
            }
        )
    return pd.DataFrame(rows)


def coverage_summary(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Empirical coverage and mean width (MPa) of both intervals from the nested table."""
    y = table["strength_mpa"]
    out = {}
    for key, low, high in (
        ("jackknife+", "jk_lower_mpa", "jk_upper_mpa"),
        ("2rmse", "rmse_lower_mpa", "rmse_upper_mpa"),
    ):
        inside = (table[low] <= y) & (y <= table[high])
        out[key] = {
            "loo_coverage": float(inside.mean()),
            "mean_width_mpa": float((table[high] - table[low]).mean()),
        }
    return out

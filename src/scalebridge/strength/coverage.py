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

PAIRS_PER_BATCH = 2000


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
    rmse_lower_mpa, rmse_upper_mpa. Lower bounds are clipped at 0 MPa (a strength).
    """
    from scalebridge.strength.search import heldout_predictions, loo_masks

    target = y.to_numpy(dtype=float)
    n = target.shape[0]
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)])
    # pred[i, j]: the model fitted without IPs i and j, evaluated at i
    pred = np.full((n, n), np.nan)
    for start in range(0, len(pairs), PAIRS_PER_BATCH):
        batch = pairs[start : start + PAIRS_PER_BATCH]
        rows = np.arange(len(batch))
        masks = np.ones((len(batch), n), dtype=bool)
        masks[rows, batch[:, 0]] = False
        masks[rows, batch[:, 1]] = False
        two_out = heldout_predictions(X, y, predictors, masks, n_neighbors)
        pred[batch[:, 0], batch[:, 1]] = two_out[rows, batch[:, 0]]
        pred[batch[:, 1], batch[:, 0]] = two_out[rows, batch[:, 1]]
    loo = heldout_predictions(X, y, predictors, loo_masks(n), n_neighbors)[range(n), range(n)]

    records = []
    for i in range(n):
        others = np.flatnonzero(np.arange(n) != i)
        # residuals of the inner leave-one-out models (without i and j), at j
        inner_residuals = np.abs(target[others] - pred[others, i])
        low, high = jackknife_plus_bounds(pred[i, others][:, None], inner_residuals, level)
        inner_rmse = float(np.sqrt(np.mean(inner_residuals**2)))
        records.append(
            {
                "strength_mpa": target[i],
                "loo_mpa": loo[i],
                "jk_lower_mpa": max(float(low[0]), 0.0),
                "jk_upper_mpa": float(high[0]),
                "rmse_lower_mpa": max(loo[i] - 2 * inner_rmse, 0.0),
                "rmse_upper_mpa": loo[i] + 2 * inner_rmse,
            }
        )
    return pd.DataFrame(records)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial proportion."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def coverage_summary(table: pd.DataFrame) -> dict[str, dict[str, object]]:
    """Empirical coverage (with its Wilson interval) and mean width (MPa) of both intervals."""
    y = table["strength_mpa"]
    out: dict[str, dict[str, object]] = {}
    for key, low, high in (
        ("jackknife+", "jk_lower_mpa", "jk_upper_mpa"),
        ("2rmse", "rmse_lower_mpa", "rmse_upper_mpa"),
    ):
        inside = (table[low] <= y) & (y <= table[high])
        out[key] = {
            "loo_coverage": float(inside.mean()),
            "loo_coverage_ci95": list(wilson_interval(int(inside.sum()), len(inside))),
            "mean_width_mpa": float((table[high] - table[low]).mean()),
        }
    return out

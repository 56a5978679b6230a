"""Exhaustive search over all 1-, 2- and 3-indicator linear models, scored by repeated K-fold.

The published pipeline per model: standardise X → KNN imputation (k = 2) on the chosen
columns → ordinary least squares, target standardised (equivalent for OLS with intercept).
Scoring every subset with scikit-learn takes about half an hour for 9,919 subsets × 50 folds;
here the standardisation is done once per fold (it is per column, so shared by all subsets),
and imputation plus least squares for all subsets run in a compiled kernel, one chunk of
folds per task on the Dask executor.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scalebridge.errors import InputError

if TYPE_CHECKING:
    from scalebridge.compute.executor import Executor


@dataclass(frozen=True)
class SearchSettings:
    """Cross-validation of the model search (defaults: the published protocol)."""

    max_predictors: int = 3
    n_splits: int = 10
    n_repeats: int = 5
    seed: int = 0
    n_neighbors: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.max_predictors <= 3:
            raise InputError(
                f"{self.max_predictors}", source="max_predictors", expected="1, 2 or 3"
            )
        if self.n_splits < 2 or self.n_repeats < 1 or self.n_neighbors < 1:
            raise InputError(
                f"n_splits={self.n_splits}, n_repeats={self.n_repeats}, "
                f"n_neighbors={self.n_neighbors}",
                source="search settings",
                expected="n_splits >= 2, n_repeats >= 1, n_neighbors >= 1",
            )


def fold_masks(n_rows: int, settings: SearchSettings) -> np.ndarray:
    """Training masks (F x n) of scikit-learn's RepeatedKFold with the settings' seed."""
    from sklearn.model_selection import RepeatedKFold

    cv = RepeatedKFold(
        n_splits=settings.n_splits, n_repeats=settings.n_repeats, random_state=settings.seed
    )
    folds = list(cv.split(np.zeros((n_rows, 1))))
    masks = np.zeros((len(folds), n_rows), dtype=bool)
    for f, (train, _) in enumerate(folds):
        masks[f, train] = True
    return masks


def loo_masks(n_rows: int) -> np.ndarray:
    """Leave-one-out training masks (n x n): row i leaves out IP i."""
    return ~np.eye(n_rows, dtype=bool)


def standardise_folds(X: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X scaled on each fold's training rows: Zs (F x n x p) and scaled training means (F x p).

    Uses :func:`column_stats`, the arithmetic of the pipeline's :class:`Standardiser`, so the
    values are bit-identical to those the straightforward pipeline sees for any subset.
    """
    from scalebridge.strength.preprocessing import column_stats

    n_folds = masks.shape[0]
    n, p = X.shape
    Zs = np.empty((n_folds, n, p))
    colmeans = np.empty((n_folds, p))
    for f in range(n_folds):
        train = masks[f]
        for c in range(p):
            mean, scale = column_stats(X[train, c])
            Zs[f, :, c] = (X[:, c] - mean) / scale
            scaled = Zs[f, train, c]
            present = scaled[~np.isnan(scaled)]
            colmeans[f, c] = present.sum() / present.size if present.size else 0.0
    return Zs, colmeans


def all_subsets(n_columns: int, max_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every subset of 1..max_size column indices: (m x 3) padded with -1, and sizes (m,)."""
    combos = [
        c for k in range(1, max_size + 1) for c in itertools.combinations(range(n_columns), k)
    ]
    subsets = np.full((len(combos), 3), -1, dtype=np.int64)
    sizes = np.array([len(c) for c in combos], dtype=np.int64)
    for i, combo in enumerate(combos):
        subsets[i, : len(combo)] = combo
    return subsets, sizes


def n_models(n_columns: int, max_size: int = 3) -> int:
    return sum(math.comb(n_columns, k) for k in range(1, max_size + 1))


FOLDS_PER_CHUNK = 5
"""Folds per task and per checkpoint file; fixed so that a run resumes on any cluster size."""


@dataclass(frozen=True)
class SearchResult:
    """Scores of every model, best first, and how they were obtained.

    table: one row per model — rank, n_predictors, predictors (names joined by " + "),
        cv_r2_mean, cv_r2_std, cv_rmse_mpa_mean, cv_rmse_mpa_std.
    compute_seconds: kernel time summed over chunks, resumed chunks included.
    resumed_chunks: chunks read back from checkpoints instead of computed.
    """

    table: pd.DataFrame
    compute_seconds: float
    n_chunks: int
    resumed_chunks: int


def _score_chunk(
    task: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int],
) -> tuple[np.ndarray, np.ndarray, float]:
    """Scores of all subsets on one chunk of folds, and the seconds it took (on a worker)."""
    import time

    from scalebridge.strength._kernels import score_subsets

    Zs, colmeans, y, masks, subsets, sizes, n_neighbors = task
    start = time.perf_counter()
    r2, rmse = score_subsets(Zs, colmeans, y, masks, subsets, sizes, n_neighbors)
    return r2, rmse, time.perf_counter() - start


def score_all(
    X: np.ndarray,
    y: np.ndarray,
    masks: np.ndarray,
    subsets: np.ndarray,
    sizes: np.ndarray,
    n_neighbors: int,
    *,
    executor: Executor | None = None,
    checkpoint_dir: Path | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """R² and RMSE (F x m) of every subset on every fold, and timing information.

    Folds go in chunks of :data:`FOLDS_PER_CHUNK`, one task each on the executor (in this
    process without one). With a checkpoint folder each finished chunk is saved there, named
    by its fold range, and read back instead of recomputed when the run resumes.
    """
    Zs, colmeans = standardise_folds(X, masks)
    n_folds = masks.shape[0]
    chunks = [
        slice(a, min(a + FOLDS_PER_CHUNK, n_folds)) for a in range(0, n_folds, FOLDS_PER_CHUNK)
    ]

    def saved(chunk: slice) -> Path:
        assert checkpoint_dir is not None
        return checkpoint_dir / f"search-folds-{chunk.start:04d}-{chunk.stop:04d}.npz"

    results: dict[int, tuple[np.ndarray, np.ndarray, float]] = {}
    if checkpoint_dir is not None:
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        for i, chunk in enumerate(chunks):
            if saved(chunk).exists():
                with np.load(saved(chunk)) as data:
                    results[i] = (data["r2"], data["rmse"], float(data["seconds"]))
    resumed = len(results)
    todo = [i for i in range(len(chunks)) if i not in results]
    tasks = [
        (Zs[chunks[i]], colmeans[chunks[i]], y, masks[chunks[i]], subsets, sizes, n_neighbors)
        for i in todo
    ]

    def keep(position: int, result: tuple[np.ndarray, np.ndarray, float]) -> None:
        i = todo[position]
        results[i] = result
        if checkpoint_dir is not None:
            target = saved(chunks[i])
            tmp = target.with_suffix(".tmp.npz")
            np.savez(tmp, r2=result[0], rmse=result[1], seconds=result[2])
            tmp.replace(target)

    if executor is None:
        for position, task in enumerate(tasks):
            keep(position, _score_chunk(task))
    else:
        executor.map(_score_chunk, tasks, description="model search", on_result=keep)
    r2 = np.concatenate([results[i][0] for i in range(len(chunks))])
    rmse = np.concatenate([results[i][1] for i in range(len(chunks))])
    info = {
        "compute_seconds": float(sum(results[i][2] for i in range(len(chunks)))),
        "n_chunks": len(chunks),
        "resumed_chunks": resumed,
    }
    return r2, rmse, info


def model_search(
    X: pd.DataFrame,
    y: pd.Series,
    settings: SearchSettings,
    *,
    executor: Executor | None = None,
    checkpoint_dir: Path | None = None,
) -> SearchResult:
    """Score every subset of up to ``settings.max_predictors`` columns of X (best first by
    mean CV R²)."""
    values = np.ascontiguousarray(X.to_numpy(dtype=float))
    target = y.to_numpy(dtype=float)
    masks = fold_masks(len(target), settings)
    subsets, sizes = all_subsets(values.shape[1], settings.max_predictors)
    r2, rmse, info = score_all(
        values,
        target,
        masks,
        subsets,
        sizes,
        settings.n_neighbors,
        executor=executor,
        checkpoint_dir=checkpoint_dir,
    )
    names = np.array(X.columns)
    table = pd.DataFrame(
        {
            "n_predictors": sizes,
            "predictors": [" + ".join(names[s[s >= 0]]) for s in subsets],
            "cv_r2_mean": r2.mean(axis=0),
            "cv_r2_std": r2.std(axis=0),
            "cv_rmse_mpa_mean": rmse.mean(axis=0),
            "cv_rmse_mpa_std": rmse.std(axis=0),
        }
    )
    table = table.sort_values("cv_r2_mean", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return SearchResult(
        table=table,
        compute_seconds=info["compute_seconds"],
        n_chunks=int(info["n_chunks"]),
        resumed_chunks=int(info["resumed_chunks"]),
    )


def heldout_predictions(
    X: pd.DataFrame, y: pd.Series, predictors: list[str], masks: np.ndarray, n_neighbors: int = 2
) -> np.ndarray:
    """Held-out predictions (F x n) of the model on ``predictors`` for each training mask."""
    from scalebridge.strength._kernels import predict_folds

    values = np.ascontiguousarray(X[predictors].to_numpy(dtype=float))
    Zs, colmeans = standardise_folds(values, masks)
    cols = np.arange(len(predictors), dtype=np.int64)
    return predict_folds(Zs, colmeans, y.to_numpy(dtype=float), masks, cols, n_neighbors)

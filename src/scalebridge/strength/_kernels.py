"""Compiled kernels of the model search (Numba).

They evaluate the published pipeline — standardise on the training rows, KNN-impute from the
training rows (nan-Euclidean distance, uniform weights), ordinary least squares with
intercept — for many (fold, predictor subset) pairs without Python overhead. The arithmetic
follows scikit-learn's StandardScaler, KNNImputer and LinearRegression, with one deliberate
difference: nan-Euclidean distances are summed from coordinate differences, not expanded as
x² + y² − 2xy. The expansion loses all digits for potentials whose indicators agree to eight
digits (several Ni potentials share a = 3.52 Å), so scikit-learn's choice of neighbours
among them is decided by rounding noise; ours is exact. Scores agree with a scikit-learn
pipeline that uses the exact distance to ~1e-12 (tests/strength/test_search.py).

Conventions: X is (n x p) with NaN for missing values; folds are boolean training masks
(F x n); a subset is a row of column indices padded with -1, with its size given separately.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MAX_PREDICTORS = 3


@njit(cache=True)
def nan_euclidean(a, b, k):  # pragma: no cover - compiled
    """sqrt(k / n_common · Σ (a−b)²) over coordinates present in both; NaN if none."""
    ss = 0.0
    common = 0
    for j in range(k):
        if not np.isnan(a[j]) and not np.isnan(b[j]):
            diff = a[j] - b[j]
            ss += diff * diff
            common += 1
    if common == 0:
        return np.nan
    return np.sqrt(ss * k / common)


@njit(cache=True)
def _impute(Z, train_rows, row, cols, k, j, n_neighbors, colmean, qa, qb):  # pragma: no cover
    """KNN estimate of Z[row, cols[j]] from the training rows that have that column."""
    col = cols[j]
    for jj in range(k):
        qa[jj] = Z[row, cols[jj]]
    best_d = np.full(n_neighbors, np.inf)
    best_v = np.zeros(n_neighbors)
    n_finite = 0
    for d in train_rows:
        if np.isnan(Z[d, col]):
            continue
        for jj in range(k):
            qb[jj] = Z[d, cols[jj]]
        dist = nan_euclidean(qa, qb, k)
        if np.isnan(dist):
            continue
        n_finite += 1
        if dist < best_d[n_neighbors - 1]:
            pos = n_neighbors - 1
            while pos > 0 and dist < best_d[pos - 1]:
                best_d[pos] = best_d[pos - 1]
                best_v[pos] = best_v[pos - 1]
                pos -= 1
            best_d[pos] = dist
            best_v[pos] = Z[d, col]
    if n_finite == 0:
        return colmean[col]
    used = min(n_neighbors, n_finite)
    return best_v[:used].sum() / used


@njit(cache=True)
def _fill(Z, train_rows, rows, cols, k, n_neighbors, colmean, out, qa, qb):  # pragma: no cover
    """Rows ``rows`` of the subset's design matrix, imputed, into out[:rows.size, :k]."""
    for a in range(rows.size):
        r = rows[a]
        for j in range(k):
            v = Z[r, cols[j]]
            if np.isnan(v):
                v = _impute(Z, train_rows, r, cols, k, j, n_neighbors, colmean, qa, qb)
            out[a, j] = v


@njit(cache=True)
def _ols(A, n, k, y, beta):  # pragma: no cover - compiled
    """Least squares with intercept on A[:n, :k]; slopes into beta, returns the intercept.

    Centred normal equations solved by Cholesky. A column that is (numerically) a linear
    combination of the previous ones gets slope 0.
    """
    amean = np.zeros(MAX_PREDICTORS)
    for j in range(k):
        amean[j] = A[:n, j].mean()
    ymean = y.mean()
    G = np.zeros((MAX_PREDICTORS, MAX_PREDICTORS))
    b = np.zeros(MAX_PREDICTORS)
    for i in range(n):
        yc = y[i] - ymean
        for j in range(k):
            cj = A[i, j] - amean[j]
            b[j] += cj * yc
            for m in range(j + 1):
                G[j, m] += cj * (A[i, m] - amean[m])
    L = np.zeros((MAX_PREDICTORS, MAX_PREDICTORS))
    active = np.ones(MAX_PREDICTORS, dtype=np.bool_)
    for i in range(k):
        s = G[i, i]
        for m in range(i):
            s -= L[i, m] * L[i, m]
        if s <= 1e-12 * max(G[i, i], 1e-300):
            active[i] = False
            continue
        L[i, i] = np.sqrt(s)
        for r in range(i + 1, k):
            t = G[r, i]
            for m in range(i):
                t -= L[r, m] * L[i, m]
            L[r, i] = t / L[i, i]
    z = np.zeros(MAX_PREDICTORS)
    for i in range(k):
        if active[i]:
            s = b[i]
            for m in range(i):
                s -= L[i, m] * z[m]
            z[i] = s / L[i, i]
    for i in range(k - 1, -1, -1):
        beta[i] = 0.0
        if active[i]:
            s = z[i]
            for m in range(i + 1, k):
                s -= L[m, i] * beta[m]
            beta[i] = s / L[i, i]
    intercept = ymean
    for j in range(k):
        intercept -= amean[j] * beta[j]
    return intercept


@njit(cache=True)
def _fold_predict(
    Z, y_train, train_rows, test_rows, cols, k, n_neighbors, colmean, A, B, pred
):  # pragma: no cover
    qa = np.empty(MAX_PREDICTORS)
    qb = np.empty(MAX_PREDICTORS)
    beta = np.zeros(MAX_PREDICTORS)
    _fill(Z, train_rows, train_rows, cols, k, n_neighbors, colmean, A, qa, qb)
    _fill(Z, train_rows, test_rows, cols, k, n_neighbors, colmean, B, qa, qb)
    intercept = _ols(A, train_rows.size, k, y_train, beta)
    for a in range(test_rows.size):
        s = intercept
        for j in range(k):
            s += B[a, j] * beta[j]
        pred[a] = s


@njit(cache=True)
def score_subsets(Zs, colmeans, y, train_masks, subsets, sizes, n_neighbors):  # pragma: no cover
    """R² and RMSE on the held-out rows of every fold for every subset: two (F x m) arrays.

    Zs (F x n x p) holds the data standardised on each fold's training rows, colmeans (F x p)
    the training mean of each scaled column (the imputer's fallback).
    """
    n_folds, n = train_masks.shape
    m = subsets.shape[0]
    r2 = np.empty((n_folds, m))
    rmse = np.empty((n_folds, m))
    A = np.empty((n, MAX_PREDICTORS))
    B = np.empty((n, MAX_PREDICTORS))
    pred = np.empty(n)
    for f in range(n_folds):
        train = train_masks[f]
        train_rows = np.flatnonzero(train)
        test_rows = np.flatnonzero(~train)
        Z = Zs[f]
        colmean = colmeans[f]
        y_train = y[train_rows]
        y_test = y[test_rows]
        ss_tot = ((y_test - y_test.mean()) ** 2).sum()
        for s in range(m):
            _fold_predict(
                Z,
                y_train,
                train_rows,
                test_rows,
                subsets[s],
                sizes[s],
                n_neighbors,
                colmean,
                A,
                B,
                pred,
            )
            ss_res = 0.0
            for a in range(test_rows.size):
                e = y_test[a] - pred[a]
                ss_res += e * e
            r2[f, s] = 1.0 - ss_res / ss_tot if ss_tot > 0 else np.nan
            rmse[f, s] = np.sqrt(ss_res / test_rows.size)
    return r2, rmse


@njit(cache=True)
def predict_folds(Zs, colmeans, y, train_masks, cols, n_neighbors):  # pragma: no cover
    """Held-out predictions (F x n) of one subset for every fold; NaN at training rows."""
    n_folds, n = train_masks.shape
    out = np.full((n_folds, n), np.nan)
    A = np.empty((n, MAX_PREDICTORS))
    B = np.empty((n, MAX_PREDICTORS))
    pred = np.empty(n)
    for f in range(n_folds):
        train = train_masks[f]
        train_rows = np.flatnonzero(train)
        test_rows = np.flatnonzero(~train)
        Z = Zs[f]
        colmean = colmeans[f]
        y_train = y[train_rows]
        _fold_predict(
            Z, y_train, train_rows, test_rows, cols, cols.size, n_neighbors, colmean, A, B, pred
        )
        for a in range(test_rows.size):
            out[f, test_rows[a]] = pred[a]
    return out

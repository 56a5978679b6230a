"""The compiled search gives the numbers of the straightforward scikit-learn pipeline."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score

from scalebridge.strength.dataset import load_pool
from scalebridge.strength.indicators import PUBLISHED_PREDICTORS
from scalebridge.strength.model import StrengthModel, published_pipeline
from scalebridge.strength.search import (
    SearchSettings,
    all_subsets,
    fold_masks,
    heldout_predictions,
    loo_masks,
    n_models,
    score_all,
)


@pytest.fixture(scope="module")
def pool():
    return load_pool()


def test_the_published_search_has_9919_models():
    assert n_models(39, 3) == 9919
    subsets, sizes = all_subsets(39, 3)
    assert len(subsets) == 9919
    assert np.bincount(sizes).tolist() == [0, 39, 741, 9139]


def test_scores_equal_scikit_learn_on_sampled_subsets(pool):
    X = np.ascontiguousarray(pool.X.to_numpy(float))
    y = pool.y.to_numpy(float)
    settings = SearchSettings(n_repeats=2)
    masks = fold_masks(len(y), settings)
    folds = [(np.flatnonzero(m), np.flatnonzero(~m)) for m in masks]
    combos = [c for k in (1, 2, 3) for c in itertools.combinations(range(39), k)]
    missing = np.isnan(X)
    # the subsets with most imputation work, plus a random sample
    hardest = sorted(combos, key=lambda c: -missing[:, list(c)].any(axis=1).sum())[:6]
    rng = np.random.default_rng(7)
    sample = hardest + [combos[i] for i in rng.choice(len(combos), 10, replace=False)]
    sample.append(tuple(pool.candidates.index(p) for p in PUBLISHED_PREDICTORS))
    subsets = np.full((len(sample), 3), -1, dtype=np.int64)
    sizes = np.array([len(c) for c in sample])
    for i, c in enumerate(sample):
        subsets[i, : len(c)] = c
    r2, rmse, _ = score_all(X, y, masks, subsets, sizes, 2)
    for i, combo in enumerate(sample):
        cols = np.ascontiguousarray(X[:, list(combo)])
        ref_r2 = cross_val_score(published_pipeline(), cols, y, cv=folds, scoring="r2")
        ref_rmse = -cross_val_score(
            published_pipeline(), cols, y, cv=folds, scoring="neg_root_mean_squared_error"
        )
        np.testing.assert_allclose(r2[:, i], ref_r2, rtol=1e-9, atol=1e-9, err_msg=str(combo))
        np.testing.assert_allclose(rmse[:, i], ref_rmse, rtol=1e-9, err_msg=str(combo))


def test_kernel_loo_equals_fitted_model_loo(pool):
    predictors = list(PUBLISHED_PREDICTORS)
    n = len(pool.y)
    kernel = heldout_predictions(pool.X, pool.y, predictors, loo_masks(n))[range(n), range(n)]
    model = StrengthModel().fit(pool.X, pool.y)
    np.testing.assert_allclose(kernel, model.loo_predictions_, rtol=1e-9)


def test_fold_assignment_is_that_of_repeated_kfold():
    masks = fold_masks(20, SearchSettings(n_splits=5, n_repeats=3, seed=3))
    assert masks.shape == (15, 20)
    # each repeat leaves every row out exactly once
    for r in range(3):
        assert ((~masks[5 * r : 5 * r + 5]).sum(axis=0) == 1).all()


def test_interrupted_search_resumes_from_its_checkpoints(pool, tmp_path):
    X = np.ascontiguousarray(pool.X.to_numpy(float))[:, :6]
    y = pool.y.to_numpy(float)
    masks = fold_masks(len(y), SearchSettings(n_repeats=2))
    subsets, sizes = all_subsets(6, 2)
    r2, rmse, info = score_all(X, y, masks, subsets, sizes, 2, checkpoint_dir=tmp_path)
    files = sorted(tmp_path.glob("search-folds-*.npz"))
    assert len(files) == info["n_chunks"] == 4 and info["resumed_chunks"] == 0
    files[1].unlink()  # as if the run had been stopped before that chunk finished
    again, again_rmse, info2 = score_all(X, y, masks, subsets, sizes, 2, checkpoint_dir=tmp_path)
    assert info2["resumed_chunks"] == 3
    np.testing.assert_array_equal(again, r2)
    np.testing.assert_array_equal(again_rmse, rmse)


def test_plain_knn_imputer_differs_only_by_tie_breaking(pool):
    """scikit-learn's own KNNImputer agrees on most subsets; where it does not, the gap is
    small (machine-dependent tie breaking between near-duplicate potentials)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.impute import KNNImputer
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    plain = TransformedTargetRegressor(
        make_pipeline(StandardScaler(), KNNImputer(n_neighbors=2), LinearRegression()),
        transformer=StandardScaler(),
    )
    X = np.ascontiguousarray(pool.X.to_numpy(float))
    y = pool.y.to_numpy(float)
    masks = fold_masks(len(y), SearchSettings(n_repeats=1))
    folds = [(np.flatnonzero(m), np.flatnonzero(~m)) for m in masks]
    rng = np.random.default_rng(11)
    combos = [tuple(sorted(rng.choice(39, 3, replace=False))) for _ in range(12)]
    subsets = np.array(combos, dtype=np.int64)
    ours, _, _ = score_all(X, y, masks, subsets, np.full(len(combos), 3), 2)
    gaps = np.array(
        [
            abs(
                cross_val_score(plain, X[:, list(c)], y, cv=folds, scoring="r2").mean()
                - ours[:, i].mean()
            )
            for i, c in enumerate(combos)
        ]
    )
    assert (gaps < 1e-9).mean() >= 0.75
    assert gaps.max() < 1e-2

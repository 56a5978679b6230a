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
    r2, rmse = score_all(X, y, masks, subsets, sizes, 2)
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

from __future__ import annotations

import numpy as np
from sklearn.impute import KNNImputer
from sklearn.preprocessing import StandardScaler

from scalebridge.strength.preprocessing import StableKNNImputer, Standardiser


def _data(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, 4)) * [1, 10, 0.01, 3] + [0, 5, 2, -1]
    X[rng.random(X.shape) < 0.12] = np.nan
    return X


def test_standardiser_is_standard_scaler_with_missing_values():
    X = _data()
    ours = Standardiser().fit(X[:60]).transform(X)
    theirs = StandardScaler().fit(X[:60]).transform(X)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_stable_imputer_matches_knn_imputer_without_ties():
    X = _data(1)
    for k in (1, 2, 3):
        ours = StableKNNImputer(k).fit(X[:60]).transform(X)
        theirs = KNNImputer(n_neighbors=k, keep_empty_features=True).fit(X[:60]).transform(X)
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_ties_are_broken_by_training_row_order():
    train = np.array([[0.0, 5.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    imputed = StableKNNImputer(2).fit(train).transform(np.array([[1.0, np.nan]]))
    # rows 1, 2, 3 are equidistant: the first two in training order are used
    assert imputed[0, 1] == 1.5


def test_row_without_common_coordinate_gets_training_mean():
    train = np.array([[1.0, np.nan], [np.nan, 2.0], [np.nan, 4.0]])
    imputed = StableKNNImputer(2).fit(train).transform(np.array([[5.0, np.nan]]))
    assert imputed[0, 1] == 3.0

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalebridge.errors import InputError
from scalebridge.strength.coverage import coverage_summary, nested_loo_coverage
from scalebridge.strength.dataset import load_dft, load_pool
from scalebridge.strength.indicators import PUBLISHED_PREDICTORS
from scalebridge.strength.model import StrengthModel, adjusted_r2, jackknife_plus_bounds
from scalebridge.strength.workflow import correlations


@pytest.fixture(scope="module")
def pool():
    return load_pool()


@pytest.fixture(scope="module")
def model(pool):
    return StrengthModel().fit(pool.X, pool.y)


def test_published_numbers_are_reproduced(pool, model):
    # Jasperson et al. 2025: adjusted R² 0.88, mean relative LOO error 15 %, VME strongest
    assert round(model.adj_r2_, 2) == 0.88
    assert 0.14 <= model.loo_relative_error_ <= 0.16
    assert correlations(pool).index[0] == "vacancy_migration_energy_fcc"
    assert correlations(pool).iloc[0] > 0.9


def test_adjusted_r2_known_value():
    assert adjusted_r2(0.9, n=101, k=4) == pytest.approx(1 - 0.1 * 100 / 96)


def test_fit_does_not_change_the_input(pool):
    before = pool.X.copy()
    StrengthModel().fit(pool.X, pool.y)
    pd.testing.assert_frame_equal(before, pool.X)


def test_dft_predictions_are_ordered_like_the_metals(model):
    dft = load_dft()
    pi = model.predict_interval(dft)
    strength = dict(zip(dft.index, pi.mean, strict=True))
    assert strength["Al"] < strength["Cu"] < strength["Ni"]
    assert np.all(pi.lower < pi.mean) and np.all(pi.mean < pi.upper)
    band = model.predict_interval(dft, "2rmse")
    np.testing.assert_allclose(band.width, 4 * model.loo_rmse_)


def test_jackknife_plus_bounds_on_known_numbers():
    loo = np.zeros((19, 1))
    residuals = np.arange(1.0, 20.0)
    low, high = jackknife_plus_bounds(loo, residuals, level=0.9)
    # floor(0.1·20) = 2nd smallest of −R; ceil(0.9·20) = 18th smallest of +R
    assert low[0] == -18.0 and high[0] == 18.0
    with pytest.raises(InputError):
        jackknife_plus_bounds(loo[:5], residuals[:5], level=0.95)


def test_nested_coverage_is_near_nominal_on_a_linear_toy():
    rng = np.random.default_rng(3)
    n = 120
    X = pd.DataFrame({p: rng.normal(size=n) for p in PUBLISHED_PREDICTORS})
    y = pd.Series(1000 + X.to_numpy() @ [200.0, -100.0, 50.0] + rng.normal(0, 80, n))
    table = nested_loo_coverage(X, y, list(PUBLISHED_PREDICTORS), level=0.9)
    summary = coverage_summary(table)
    assert 0.8 <= summary["jackknife+"]["loo_coverage"] <= 0.98


def test_published_model_coverage_is_measured(pool):
    table = nested_loo_coverage(pool.X, pool.y, list(PUBLISHED_PREDICTORS), level=0.95)
    summary = coverage_summary(table)
    assert 0.9 <= summary["jackknife+"]["loo_coverage"] <= 1.0
    assert len(table) == 153


def test_missing_predictor_column_is_a_clear_error(model):
    with pytest.raises(InputError, match="lattice_constant_fcc"):
        model.predict(pd.DataFrame({"vacancy_migration_energy_fcc": [1.0]}))

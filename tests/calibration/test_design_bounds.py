from __future__ import annotations

import numpy as np
import pytest

from scalebridge.calibration.bounds import PUBLISHED_SPACE, ParameterSpace
from scalebridge.calibration.design import latin_hypercube, sobol
from scalebridge.continuum.parameters import VALIDATION_PARAMETERS
from scalebridge.errors import InputError


def test_latin_hypercube_has_one_point_per_stratum_in_every_column() -> None:
    n = 37
    x = latin_hypercube(n, 4, np.random.default_rng(3))
    assert x.shape == (n, 4)
    assert ((x >= 0) & (x < 1)).all()
    for column in x.T:
        assert sorted(np.floor(column * n).astype(int)) == list(range(n))


def test_latin_hypercube_depends_on_the_seed_only() -> None:
    a = latin_hypercube(10, 3, np.random.default_rng(1))
    b = latin_hypercube(10, 3, np.random.default_rng(1))
    c = latin_hypercube(10, 3, np.random.default_rng(2))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_sobol_fills_the_cube() -> None:
    x = sobol(1000, 4, seed=0)
    assert x.shape == (1000, 4)
    assert ((x >= 0) & (x <= 1)).all()
    assert np.allclose(x.mean(axis=0), 0.5, atol=0.02)


def test_bounds_in_the_wrong_order_are_rejected_by_name() -> None:
    with pytest.raises(InputError, match=r"c0.*not below"):
        ParameterSpace(lower=(2.0, -3.395, 1.0, 0.8), upper=(15.0, -3.36, 0.05, 1.1))


def test_space_round_trip_and_fixed_parameters() -> None:
    x = np.array([[0.0, 0.5, 1.0, 0.25]])
    values = PUBLISHED_SPACE.from_unit(x)
    assert np.allclose(values[0], [2.0, -3.3775, 1.0, 0.875])
    assert np.allclose(PUBLISHED_SPACE.to_unit(values), x)
    params = PUBLISHED_SPACE.parameters(values[0])
    assert params.chi_len_angstrom == pytest.approx(25.59275383)
    goal = np.array([getattr(VALIDATION_PARAMETERS, n) for n in PUBLISHED_SPACE.names])
    assert np.allclose(PUBLISHED_SPACE.error_percent_of_range(goal, VALIDATION_PARAMETERS), 0)
    shifted = goal + 0.05 * PUBLISHED_SPACE.width
    assert np.allclose(PUBLISHED_SPACE.error_percent_of_range(shifted, VALIDATION_PARAMETERS), 5)

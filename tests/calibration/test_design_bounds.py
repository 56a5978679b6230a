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


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"lower": (0.0, -3.395, 0.05, 0.8)}, "beta_per_ev"),  # beta = 0 on the box's edge
        ({"upper": (15.0, -3.36, 1.0, -0.5), "lower": (2.0, -3.395, 0.05, -0.8)}, "s_y_gpa"),
        ({"epsilon0": -1.0}, "epsilon0"),
        ({"chi_len_angstrom": float("nan")}, "chi_len_angstrom"),
        ({"names": ("beta_per_ev", "u0_ev", "c0", "c0")}, "names"),
        ({"lower": (2.0, -3.395, 0.05), "upper": (15.0, -3.36, 1.0)}, None),
    ],
)
def test_a_box_outside_the_physical_domain_is_rejected_by_name(kwargs, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        ParameterSpace(**kwargs)
    assert caught.value.source == "parameter bounds"
    assert caught.value.field == field
    assert caught.value.expected


@pytest.mark.parametrize(
    "kwargs,field,expected",
    [
        ({"budget": 1}, "budget", ">= 2"),
        ({"seed": -1}, "seed", ">= 0"),
        ({"seeds": 0}, "seeds", ">= 1"),
        ({"batch": 0}, "batch", ">= 1"),
        ({"initial": 1}, "initial", ">= 2"),
        ({"budget": 20.5}, "budget", "an integer"),
        ({"n_candidates": 1}, "n_candidates", ">= 2"),
        ({"n_restarts": -1}, "n_restarts", ">= 0"),
        ({"acquisition_restarts": 0}, "acquisition_restarts", ">= 1"),
        ({"raw_samples": 0}, "raw_samples", ">= 1"),
        ({"stop_below": -0.1}, "stop_below", ">= 0"),
        ({"stop_below": float("nan")}, "stop_below", ">= 0"),
        ({"method": "ego"}, "method", "paper or bo"),
        ({"objective": "l2"}, "objective", "robust or paper"),
        ({"method": "bo", "budget": 20, "initial": 24}, "budget", "--budget >= 24"),
    ],
)
def test_bad_calibration_settings_name_the_field_and_what_was_expected(
    kwargs, field, expected
) -> None:  # type: ignore[no-untyped-def]
    from scalebridge.calibration.workflow import CalibrationSettings

    with pytest.raises(InputError) as caught:
        CalibrationSettings(**kwargs)
    assert caught.value.field == field
    assert expected in (caught.value.expected or "")
    assert f"field '{field}'" in str(caught.value)

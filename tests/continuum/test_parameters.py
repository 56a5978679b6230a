from __future__ import annotations

import dataclasses
import math

import pytest

from scalebridge.continuum.parameters import (
    CHI_INIT_SCALE,
    VALIDATION_PARAMETERS,
    SolverSettings,
    STZParameters,
)
from scalebridge.errors import InputError


def test_defaults_are_the_published_fixed_values():
    params = STZParameters(beta_per_ev=8.0, u0_ev=-3.3626, c0=0.3, s_y_gpa=0.95)
    assert params.chi_len_angstrom == 25.59275383
    assert params.epsilon0 == 44.52901253
    assert VALIDATION_PARAMETERS.s_y_gpa == 1.00556564
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.c0 = 1.0  # type: ignore[misc]


def test_chi_scale_is_the_drivers_constant():
    assert CHI_INIT_SCALE == pytest.approx(1.0000012676, abs=1e-10)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("beta_per_ev", 0.0),
        ("beta_per_ev", -1.0),
        ("u0_ev", math.nan),
        ("c0", 0.0),
        ("s_y_gpa", -0.9),
        ("s_y_gpa", math.inf),
        ("chi_len_angstrom", -1.0),
        ("epsilon0", 0.0),
    ],
)
def test_values_outside_the_physical_domain_name_the_field(name, value):
    values = {"beta_per_ev": 8.0, "u0_ev": -3.36, "c0": 0.3, "s_y_gpa": 0.95, name: value}
    with pytest.raises(InputError, match="physical domain") as info:
        STZParameters(**values)
    assert info.value.field == name


def test_solver_settings_are_checked():
    with pytest.raises(InputError) as info:
        SolverSettings(poisson_ratio=0.5)
    assert info.value.field == "poisson_ratio"
    with pytest.raises(InputError):
        SolverSettings(steps_per_frame=0)

"""The STZ solver against the authors' reference outputs and against physical limits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.optimize import brentq

from scalebridge.continuum import (
    VALIDATION_PARAMETERS,
    SolverSettings,
    STZParameters,
    load_md_data,
    published_objective,
    simulate,
    solve,
)
from scalebridge.continuum.reference import REFERENCE_FRAMES, load_reference
from scalebridge.errors import InputError

PUBLISHED_D = 0.940665


@pytest.fixture(scope="module")
def reference_solve():
    md = load_md_data()
    return solve(VALIDATION_PARAMETERS, md), load_reference(), md


@pytest.mark.slow
def test_mean_stress_matches_reference_at_every_frame(reference_solve):
    result, ref, _ = reference_solve
    assert result.feasible and result.reason is None
    np.testing.assert_allclose(result.gamma, ref.gamma, atol=1e-12)
    assert np.max(np.abs(result.tau_gpa - ref.tau_gpa)) < 0.02
    assert np.max(result.tau_gpa) == pytest.approx(ref.summary["peak_tau_GPa"], abs=0.02)


@pytest.mark.slow
def test_strain_fields_and_chi_match_reference(reference_solve):
    result, ref, _ = reference_solve
    np.testing.assert_allclose(result.chi[0], ref.chi_initial, atol=1e-7)
    np.testing.assert_allclose(result.chi[-1], ref.chi_final, atol=2e-3)
    for k in REFERENCE_FRAMES:
        scale = np.abs(ref.two_exy[k]).max()
        assert np.abs(result.two_exy[k] - ref.two_exy[k]).max() < 0.02 * scale, k
    # the field mean is the applied strain
    np.testing.assert_allclose(result.two_exy.mean(axis=(1, 2)), result.gamma, atol=0.01)


@pytest.mark.slow
def test_objective_matches_published_value(reference_solve):
    result, ref, md = reference_solve
    objective = published_objective(result.two_exy, result.tau_gpa, md)
    published = np.array(ref.summary["objective"]["d_G_per_snapshot"])
    # gamma >= 0.06; gamma = 0.05 is ill-posed (arbitrary singular vectors)
    assert np.max(np.abs(objective.per_snapshot[1:] - published[1:])) < 0.05
    assert objective.d_stress == pytest.approx(ref.summary["objective"]["d_tau"], abs=1e-3)
    assert abs(objective.d - PUBLISHED_D) < 0.01


def test_elastic_slope_is_20_gpa_below_yield(reference_solve):
    result, _, _ = reference_solve
    below_yield = result.gamma * 20.0 < VALIDATION_PARAMETERS.s_y_gpa
    assert below_yield.sum() == 11  # frames 0..10
    np.testing.assert_allclose(
        result.tau_gpa[below_yield], 20.0 * result.gamma[below_yield], atol=1e-9
    )
    assert result.tau_gpa[12] < 20.0 * result.gamma[12] - 1e-3  # plastic beyond yield


def test_cold_glass_never_flows():
    """exp(-1/chi) ~ 1e-44: the response stays elastic to gamma = 0.5 (any grid size)."""
    params = dataclasses.replace(VALIDATION_PARAMETERS, s_y_gpa=0.9)
    result = simulate(np.full((16, 16), 0.01), 0.01, params)
    assert result.feasible
    np.testing.assert_allclose(result.tau_gpa, 20.0 * result.gamma, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(result.tau_field_gpa[-1], 10.0, rtol=1e-10)
    np.testing.assert_allclose(
        result.two_exy, np.broadcast_to(result.gamma[:, None, None], (101, 16, 16)), atol=1e-12
    )
    np.testing.assert_allclose(result.chi, 0.01, rtol=1e-12)
    # one sub-step per cell and step (none in the first step, at zero stress): no flow
    assert result.substeps == (100 * 60 - 1) * 16 * 16


@pytest.mark.parametrize("s_y", [0.8, 1.1])
def test_steady_state_stress_is_set_by_s_y(s_y):
    """Uniform chi = chi_inf: the flow stress is s_y times the root of D_pl(s) = rate / 2."""
    chi = 0.13
    params = dataclasses.replace(VALIDATION_PARAMETERS, s_y_gpa=s_y)

    def plastic_rate_minus_half_shear_rate(s: float) -> float:
        c = -2.0 + s + np.exp(-s) * (2.0 + s)
        rate = params.epsilon0 / 1e-13 * c * (1.0 - 1.0 / s) * np.exp(-1.0 / chi)
        return float(rate - 0.5e8)

    flow = brentq(plastic_rate_minus_half_shear_rate, 1.0 + 1e-12, 3.0)
    result = simulate(np.full((16, 16), chi), chi, params)
    assert result.feasible
    late = result.gamma >= 0.4
    # steady: flat, homogeneous, and within 0.5% of s_y times the root (the rest is the
    # normal stress that the convected stress rate builds up in simple shear)
    assert np.ptp(result.tau_gpa[late]) < 2e-3 * s_y
    assert np.ptp(result.tau_field_gpa[-1]) < 1e-9
    assert result.tau_gpa[-1] / s_y == pytest.approx(flow, rel=5e-3)
    np.testing.assert_allclose(result.chi[-1], chi, rtol=1e-12)


def test_infeasible_set_is_reported_not_solved():
    md = load_md_data()
    params = dataclasses.replace(VALIDATION_PARAMETERS, u0_ev=-3.352)  # above max U(0.5)
    result = solve(params, md)
    assert not result.feasible
    assert result.reason is not None and result.reason.startswith("infeasible")
    assert result.seconds == 0.0
    assert result.tau_gpa.shape == (101,) and np.isnan(result.tau_gpa).all()
    assert result.two_exy.shape == (101, 32, 32) and np.isnan(result.two_exy).all()


def test_a_start_below_zero_effective_temperature_is_infeasible():
    md = load_md_data()
    energy = md.potential_energy_ev.copy()
    u0 = VALIDATION_PARAMETERS.u0_ev
    energy[0, 3, 4] = u0 - 0.01  # one cell of the undeformed glass below u0
    colder = dataclasses.replace(md, potential_energy_ev=energy)
    result = solve(VALIDATION_PARAMETERS, colder)
    assert not result.feasible and "1 cell(s)" in (result.reason or "")
    assert solve(VALIDATION_PARAMETERS, md).feasible


@pytest.mark.parametrize("c0", [1e-5, 1e-7])
def test_diverging_solve_is_detected(c0):
    """A tiny c0 makes the explicit chi update overshoot: the solve stops, flagged."""
    result = solve(dataclasses.replace(VALIDATION_PARAMETERS, c0=c0), load_md_data())
    assert not result.feasible
    assert result.reason is not None and "diverged" in result.reason
    reached = np.isfinite(result.tau_gpa)
    assert 0 < reached.sum() < 101
    assert np.all(np.isfinite(result.two_exy[reached]))


def test_negative_chi_ends_flagged_not_hanging():
    result = simulate(np.full((16, 16), -1e-3), 0.1, VALIDATION_PARAMETERS)
    assert not result.feasible
    assert "diverged" in (result.reason or "")


def test_bad_grids_are_input_errors():
    with pytest.raises(InputError, match="powers of two"):
        simulate(np.full((30, 32), 0.1), 0.1, VALIDATION_PARAMETERS)
    result = simulate(np.full((16, 16), np.nan), 0.1, VALIDATION_PARAMETERS)
    assert not result.feasible and "not finite" in (result.reason or "")


def test_parameters_reach_the_solver():
    """Different s_y, same dimensionless state: the elastic branch is 20 GPa x gamma anyway."""
    params = STZParameters(beta_per_ev=8.0, u0_ev=-3.368, c0=0.5, s_y_gpa=1.1)
    result = simulate(np.full((16, 16), 0.01), 0.01, params)
    np.testing.assert_allclose(result.tau_gpa[:10], 20.0 * result.gamma[:10], atol=1e-12)


def test_solves_are_deterministic_and_settings_shape_the_output():
    rng = np.random.default_rng(7)
    chi0 = 0.08 + 0.01 * rng.random((16, 16))
    original = chi0.copy()
    settings = SolverSettings(n_frames=20, steps_per_frame=30)
    first = simulate(chi0, 0.12, VALIDATION_PARAMETERS, settings)
    second = simulate(chi0.copy(), 0.12, VALIDATION_PARAMETERS, settings)
    assert first.feasible and first.two_exy.shape == (21, 16, 16)
    np.testing.assert_allclose(first.gamma, np.linspace(0.0, 0.5, 21), atol=1e-15)
    for name in ("tau_field_gpa", "two_exy", "chi"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    assert first.substeps == second.substeps
    np.testing.assert_array_equal(chi0, original)  # the input is not modified
    np.testing.assert_array_equal(first.chi[0], original)

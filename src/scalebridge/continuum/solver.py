"""Forward solve of the STZ model in quasi-static 2D simple shear.

:func:`solve` initialises chi from the MD potential energy, checks feasibility and runs the
compiled kernel (:mod:`._kernels`, imported on first use); :func:`simulate` runs the kernel
from any initial chi field. Both return an :class:`STZResult`; an infeasible parameter set or
a diverging solve gives ``feasible=False`` with the reason, never an exception or a hang.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from scalebridge.continuum.md_data import CELL_ANGSTROM, MDShearData, load_md_data
from scalebridge.continuum.parameters import (
    CHI_INIT_SCALE,
    T_Z_KELVIN,
    SolverSettings,
    STZParameters,
)
from scalebridge.errors import InputError

STATUS_MESSAGES = {
    1: "solve diverged: non-finite stress, velocity or effective temperature",
    2: "solve diverged: runaway stress, velocity or effective temperature (|value| > 1e6)",
    3: "solve diverged: plasticity needed more sub-steps than allowed (stiff or runaway chi)",
    4: "solve diverged: the reference map folded (non-positive Jacobian)",
}


@dataclass(frozen=True, eq=False)
class STZResult:
    """Outcome of one forward solve.

    Frames not reached (all of them when infeasible) hold NaN; shapes never change.

    Attributes
    ----------
    parameters:
        The parameters solved for.
    feasible:
        False when the set was rejected before solving or the solve diverged.
    reason:
        Why it is not feasible (None when feasible).
    gamma:
        (F,) applied shear strain per frame, F = n_frames + 1 (101).
    tau_gpa:
        (F,) mean shear stress s_y <tau> (GPa).
    tau_field_gpa:
        (F, ny, nx) physical shear stress at cell centres (GPa), rows y.
    two_exy:
        (F, ny, nx) 2 E_xy of the Green-Lagrange strain at cell corners, rows y.
    chi:
        (F, ny, nx) effective temperature (dimensionless; temperature = 21000 chi K).
    chi_inf:
        Steady-state effective temperature used (dimensionless).
    seconds:
        Wall time of the solve (kernel only).
    substeps:
        Plasticity sub-steps taken in total.
    """

    parameters: STZParameters
    feasible: bool
    reason: str | None
    gamma: np.ndarray
    tau_gpa: np.ndarray
    tau_field_gpa: np.ndarray
    two_exy: np.ndarray
    chi: np.ndarray
    chi_inf: float
    seconds: float
    substeps: int


def initial_chi(parameters: STZParameters, md: MDShearData) -> tuple[np.ndarray, float]:
    """chi at gamma = 0 (ny, nx) from the MD potential energy, and chi_inf from gamma = 0.5."""
    energy = md.potential_energy_ev
    chi0 = parameters.beta_per_ev * (energy[0] - parameters.u0_ev) * CHI_INIT_SCALE
    chi_inf = parameters.beta_per_ev * (float(energy[-1].max()) - parameters.u0_ev)
    return chi0, chi_inf


def infeasibility(
    parameters: STZParameters, md: MDShearData, settings: SolverSettings | None = None
) -> str | None:
    """Why this set is not solved (None when it is): the published rule (the final effective
    temperature must reach 20 K everywhere) and, beyond it, a positive initial effective
    temperature everywhere — u0 above the lowest energy of frame 0 gives chi < 0 there, and
    such solves diverge. On the published MD data the first rule implies the second."""
    settings = settings or SolverSettings()
    cold_start = int((md.potential_energy_ev[0] <= parameters.u0_ev).sum())
    if cold_start:
        return (
            f"infeasible: u0 = {parameters.u0_ev:.5g} eV is at or above U_MD(gamma=0) in "
            f"{cold_start} cell(s), where the initial chi would not be positive"
        )
    final_k = parameters.beta_per_ev * (md.potential_energy_ev[-1] - parameters.u0_ev) * T_Z_KELVIN
    coldest = float(final_k.min())
    if coldest < settings.min_final_temperature_k:
        return (
            f"infeasible: beta (U_MD(gamma=0.5) - u0) T_Z reaches {coldest:.4g} K, below "
            f"{settings.min_final_temperature_k:g} K"
        )
    return None


def _empty_result(
    parameters: STZParameters, settings: SolverSettings, shape: tuple[int, int], reason: str
) -> STZResult:
    frames = settings.n_frames + 1
    nan_fields = np.full((frames, *shape), np.nan)
    return STZResult(
        parameters=parameters,
        feasible=False,
        reason=reason,
        gamma=np.linspace(0.0, settings.gamma_max, frames),
        tau_gpa=np.full(frames, np.nan),
        tau_field_gpa=nan_fields,
        two_exy=nan_fields.copy(),
        chi=nan_fields.copy(),
        chi_inf=math.nan,
        seconds=0.0,
        substeps=0,
    )


def simulate(
    chi0: np.ndarray,
    chi_inf: float,
    parameters: STZParameters,
    settings: SolverSettings | None = None,
    *,
    cell_angstrom: float = CELL_ANGSTROM,
) -> STZResult:
    """Run the solver from the initial effective temperature ``chi0`` (ny, nx; rows y).

    ``ny`` and ``nx`` must be powers of two (the projection uses a radix-2 FFT). Only
    ``s_y``, ``c0``, ``l_chi`` and ``epsilon0`` of ``parameters`` enter here.
    """
    from scalebridge.continuum import _kernels

    settings = settings or SolverSettings()
    chi0 = np.ascontiguousarray(chi0, dtype=np.float64)
    if chi0.ndim != 2 or any(size < 4 or size & (size - 1) for size in chi0.shape):
        raise InputError(
            f"initial chi has shape {chi0.shape}",
            source="simulate",
            field="chi0",
            expected="a 2D grid whose sizes are powers of two, at least 4",
        )
    if not np.isfinite(chi0).all():
        return _empty_result(parameters, settings, chi0.shape, "infeasible: initial chi not finite")
    s_y = parameters.s_y_gpa
    mu = settings.mu_gpa / s_y
    nu = settings.poisson_ratio
    bulk = 2.0 * mu * (1.0 + nu) / (3.0 * (1.0 - 2.0 * nu))
    lame = bulk - 2.0 * mu / 3.0
    # Time unit of the driver: 1 Angstrom / shear-wave speed, with mu in GPa left unconverted.
    t_scale = 1.0e-10 / math.sqrt(settings.mu_gpa / settings.density_kg_m3)
    lamb = settings.strain_rate_per_s * t_scale
    n_steps = settings.n_frames * settings.steps_per_frame
    dt = settings.gamma_max / lamb / n_steps
    frames = settings.n_frames + 1
    two_exy = np.full((frames, *chi0.shape), np.nan)
    chi = np.full((frames, *chi0.shape), np.nan)
    tau = np.full((frames, *chi0.shape), np.nan)
    start = time.perf_counter()
    status, last_frame, substeps = _kernels.simulate(
        chi0,
        float(chi_inf),
        mu,
        lame,
        cell_angstrom,
        cell_angstrom,
        t_scale,
        lamb,
        dt,
        settings.n_frames,
        settings.steps_per_frame,
        parameters.epsilon0 / settings.tau0_s,
        parameters.c0,
        parameters.chi_len_angstrom,
        settings.adapt_fac,
        settings.max_substeps_per_cell,
        settings.max_substeps_total,
        two_exy,
        chi,
        tau,
    )
    seconds = time.perf_counter() - start
    feasible = status == _kernels.OK
    if not feasible:
        # The frame being written when the solve failed is not trustworthy.
        for array in (two_exy, chi, tau):
            array[last_frame:] = np.nan
    tau_field = s_y * tau
    return STZResult(
        parameters=parameters,
        feasible=feasible,
        reason=None if feasible else f"{STATUS_MESSAGES[status]} (frame {last_frame})",
        gamma=settings.gamma_max * np.arange(frames) / settings.n_frames,
        tau_gpa=tau_field.mean(axis=(1, 2)),
        tau_field_gpa=tau_field,
        two_exy=two_exy,
        chi=chi,
        chi_inf=float(chi_inf),
        seconds=seconds,
        substeps=int(substeps),
    )


def solve(
    parameters: STZParameters,
    md: MDShearData | None = None,
    settings: SolverSettings | None = None,
) -> STZResult:
    """Forward solve for ``parameters`` against the MD data ``md`` (default: the shipped set).

    chi(x, 0) = beta (U_MD(x, 0) - u0) (times the driver's 1.0000012676), chi_inf = beta
    (max U_MD(gamma = 0.5) - u0). Infeasible sets (see :func:`infeasibility`) are not solved.
    """
    md = md if md is not None else load_md_data()
    settings = settings or SolverSettings()
    reason = infeasibility(parameters, md, settings)
    if reason is not None:
        return _empty_result(parameters, settings, md.potential_energy_ev.shape[1:], reason)
    chi0, chi_inf = initial_chi(parameters, md)
    return simulate(chi0, chi_inf, parameters, settings)

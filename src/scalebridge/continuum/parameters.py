"""Parameters of the STZ model and fixed settings of the quasi-static shear solver."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scalebridge.errors import InputError

# Constants of the authors' driver (shear_energy.cc).
T_Z_KELVIN = 21000.0  # STZ formation energy e_Z / k_B
_K_B_J_PER_K = 1.3806503e-23
_EV_PER_J = 6.241509e18
_K_B_EV_PER_K = 8.617330350e-5
#: chi(x, 0) = beta (U - u0) * CHI_INIT_SCALE: e_Z in eV from the driver's constants, divided by
#: k_B T_Z; 1.0000012676 rather than 1 because the driver mixes two values of k_B.
CHI_INIT_SCALE = _K_B_J_PER_K * _EV_PER_J / _K_B_EV_PER_K


def _check(name: str, value: float, ok: bool, expected: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and ok):
        raise InputError(
            f"{value!r} is outside the physical domain",
            source="STZ parameters",
            field=name,
            expected=expected,
        )


@dataclass(frozen=True)
class STZParameters:
    """The six parameters of the STZ model calibrated against MD.

    Attributes
    ----------
    beta_per_ev:
        beta (1/eV), scale from potential energy to effective temperature, chi = beta (U - u0).
    u0_ev:
        u0 (eV), potential-energy offset.
    c0:
        Effective-temperature specific heat (plastic work fraction), > 0.
    s_y_gpa:
        Yield stress s_y (GPa), > 0.
    chi_len_angstrom:
        Diffusion length of chi, l_chi (Angstrom), >= 0.
    epsilon0:
        STZ strain-rate prefactor epsilon_0 (dimensionless), > 0.
    """

    beta_per_ev: float
    u0_ev: float
    c0: float
    s_y_gpa: float
    chi_len_angstrom: float = 25.59275383
    epsilon0: float = 44.52901253

    def __post_init__(self) -> None:
        _check("beta_per_ev", self.beta_per_ev, self.beta_per_ev > 0, "beta > 0 (1/eV)")
        _check("u0_ev", self.u0_ev, True, "a finite energy (eV)")
        _check("c0", self.c0, self.c0 > 0, "c0 > 0")
        _check("s_y_gpa", self.s_y_gpa, self.s_y_gpa > 0, "s_y > 0 GPa")
        _check(
            "chi_len_angstrom",
            self.chi_len_angstrom,
            self.chi_len_angstrom >= 0,
            "l_chi >= 0 Angstrom",
        )
        _check("epsilon0", self.epsilon0, self.epsilon0 > 0, "epsilon0 > 0")


#: The validation set of the published study (the parameters of ``stz_reference_B``).
VALIDATION_PARAMETERS = STZParameters(
    beta_per_ev=8.27674103,
    u0_ev=-3.36821766,
    c0=0.54989662,
    s_y_gpa=1.00556564,
    chi_len_angstrom=41.79654694,
    epsilon0=7.12963104,
)

#: Bounds of the published optimiser (l_chi and epsilon0 fixed at the defaults).
PUBLISHED_BOUNDS = {
    "beta_per_ev": (2.0, 15.0),
    "u0_ev": (-3.395, -3.360),
    "c0": (0.05, 1.0),
    "s_y_gpa": (0.8, 1.1),
}


@dataclass(frozen=True)
class SolverSettings:
    """Fixed settings of the quasi-static simple-shear solve (the values of the published driver).

    Attributes
    ----------
    mu_gpa, poisson_ratio:
        Shear modulus (GPa) and Poisson's ratio; the bulk modulus follows (3 mu for 0.35).
    density_kg_m3:
        Density used only for the time unit t_scale = 1e-10 m / sqrt(mu / rho).
    tau0_s:
        STZ vibration time scale (s).
    strain_rate_per_s, gamma_max:
        Applied shear rate and final shear strain.
    n_frames, steps_per_frame:
        Output frames (frame 0 is the initial state, so n_frames + 1 are written) and
        quasi-static steps between frames.
    adapt_fac:
        Largest change of the deviatoric stress magnitude (units of s_y) per plasticity sub-step.
    max_substeps_per_cell, max_substeps_total:
        Sub-step budgets; a solve beyond them is reported as diverging.
    min_final_temperature_k:
        Feasibility: beta (U_MD(gamma = 0.5) - u0) T_Z must reach this everywhere.
    """

    mu_gpa: float = 20.0
    poisson_ratio: float = 0.35
    density_kg_m3: float = 6125.0
    tau0_s: float = 1.0e-13
    strain_rate_per_s: float = 1.0e8
    gamma_max: float = 0.5
    n_frames: int = 100
    steps_per_frame: int = 60
    adapt_fac: float = 2.0e-3
    max_substeps_per_cell: int = 100_000
    max_substeps_total: int = 500_000_000
    min_final_temperature_k: float = 20.0

    def __post_init__(self) -> None:
        positive = (
            "mu_gpa",
            "density_kg_m3",
            "tau0_s",
            "strain_rate_per_s",
            "gamma_max",
            "n_frames",
            "steps_per_frame",
            "adapt_fac",
            "max_substeps_per_cell",
            "max_substeps_total",
        )
        for name in positive:
            value = getattr(self, name)
            _check(name, value, value > 0, "a positive number")
        _check("poisson_ratio", self.poisson_ratio, -1 < self.poisson_ratio < 0.5, "-1 < nu < 0.5")

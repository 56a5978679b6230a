"""Surface energies of fcc {100}, {110}, {111}, {121}: ideal (bulk-terminated) and relaxed.

γ = (E_slab − N·e_bulk) / (2A) in eV/Å², from a periodic slab at least 20 Å thick with 12 Å of
vacuum on each side (OpenKIM SurfaceEnergyCubicCrystalBrokenBondFit reports the same
quantities for these four planes).
"""

from __future__ import annotations

import numpy as np

from scalebridge.atomistic.calculators import CalculatorFactory
from scalebridge.atomistic.properties.common import GroupResult, energy, in_plane_area, relax

PLANES = {"100": (1, 0, 0), "110": (1, 1, 0), "111": (1, 1, 1), "121": (1, 2, 1)}
MIN_THICKNESS_A = 20.0
VACUUM_A = 12.0


def slab(element: str, a: float, miller: tuple[int, int, int]):
    """A periodic slab of the fcc crystal with the given surface, ≥ 20 Å thick."""
    from ase.build import bulk, surface

    crystal = bulk(element, "fcc", a=a, cubic=True)
    layers = 2
    while True:
        atoms = surface(crystal, miller, layers, vacuum=VACUUM_A, periodic=True)
        z = atoms.positions[:, 2]
        if z.max() - z.min() >= MIN_THICKNESS_A:
            return atoms
        layers += 2


def surface_energies(
    factory: CalculatorFactory,
    element: str,
    a: float,
    e_bulk: float,
    planes: tuple[str, ...] = tuple(PLANES),
) -> GroupResult:
    """Ideal and relaxed surface energies (eV/Å²) at lattice constant a, bulk energy e_bulk."""
    result = GroupResult()
    for name in planes:
        atoms = slab(element, a, PLANES[name])
        atoms.calc = factory()
        area = in_plane_area(atoms.get_cell().array)
        n = len(atoms)
        ideal = (energy(atoms) - n * e_bulk) / (2 * area)
        converged = relax(atoms)
        relaxed = (energy(atoms) - n * e_bulk) / (2 * area)
        if not converged:
            result.flags.append(f"surface {{{name}}}: relaxation did not converge")
        if relaxed > ideal + 1e-9:
            result.flags.append(f"surface {{{name}}}: relaxation raised the energy")
        result.values[f"ideal_surface_energy_{name}_fcc"] = ideal
        result.values[f"surface_energy_{name}_fcc"] = relaxed
        result.curves[f"surface_{name}"] = np.array([ideal, relaxed])
    return result

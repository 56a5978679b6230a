"""Generalised stacking-fault (GSF) curve along <112>{111} and the fault energies on it.

A periodic fcc cell with z along [111] (12 close-packed layers) and y along <112>; the layers
above a plane are shifted by s along y, and the cell's third vector is tilted by the same s,
so the shift makes exactly one fault per cell. Atoms relax along z only, as in OpenKIM's
StackingFaultFccCrystal. Along the first shift (0 → b_p = a/√6) the curve passes the unstable
stacking-fault energy and ends at the intrinsic fault; shifting the next plane as well
(twinning path) passes the unstable twinning energy and ends at the extrinsic fault. Slip
fractions are positions of the maxima in units of b_p (the second path counts from 1).
"""

from __future__ import annotations

import numpy as np

from scalebridge.atomistic.calculators import CalculatorFactory
from scalebridge.atomistic.properties.common import GroupResult, energy, in_plane_area, relax

N_LAYERS = 12
N_STEPS = 20


def _cell(element: str, a: float):
    from ase.build import fcc111

    atoms = fcc111(element, size=(1, 2, N_LAYERS), a=a, orthogonal=True, periodic=True)
    return atoms


def _layer_index(atoms) -> np.ndarray:
    z = atoms.positions[:, 2]
    levels = np.unique(np.round(z, 4))
    return np.searchsorted(levels, np.round(z, 4))


class _Faulted:
    """Energy per area (eV/Å²) of the cell with given shifts of the layers above two planes."""

    def __init__(self, factory: CalculatorFactory, element: str, a: float, direction: float):
        from ase.constraints import FixCartesian

        self.base = _cell(element, a)
        self.layer = _layer_index(self.base)
        self.cell0 = self.base.get_cell().array.copy()
        self.area = in_plane_area(self.cell0)
        self.direction = direction
        self.calc = factory()
        self.fix = FixCartesian(range(len(self.base)), mask=(True, True, False))
        self.e0 = self._energy(0.0, 0.0)[0]
        self.converged = True

    def _energy(self, s1: float, s2: float) -> tuple[float, bool]:
        atoms = self.base.copy()
        shift = np.zeros(len(atoms))
        shift[self.layer >= N_LAYERS // 2] += s1
        shift[self.layer >= N_LAYERS // 2 + 1] += s2
        atoms.positions[:, 1] += self.direction * shift
        cell = self.cell0.copy()
        cell[2, 1] += self.direction * (s1 + s2)
        atoms.set_cell(cell, scale_atoms=False)
        atoms.wrap()
        atoms.set_constraint(self.fix)
        atoms.calc = self.calc
        ok = relax(atoms, fmax=1e-4)
        return energy(atoms), ok

    def gamma(self, s1: float, s2: float = 0.0) -> float:
        e, ok = self._energy(s1, s2)
        self.converged &= ok
        return (e - self.e0) / self.area


def _peak(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Maximum of a sampled curve, refined by a parabola through the top three points."""
    i = int(np.argmax(y))
    if 0 < i < len(y) - 1:
        c = np.polyfit(x[i - 1 : i + 2], y[i - 1 : i + 2], 2)
        if c[0] < 0:
            xm = -c[1] / (2 * c[0])
            return float(xm), float(np.polyval(c, xm))
    return float(x[i]), float(y[i])


def stacking_faults(factory: CalculatorFactory, element: str, a: float) -> GroupResult:
    """ISF, USF, ESF, UTF energies (eV/Å²) and the two slip fractions at lattice constant a."""
    result = GroupResult()
    b_p = a / np.sqrt(6.0)
    # the sense of <112> that leads to the intrinsic fault (the other one to an AA stacking)
    trials = [_Faulted(factory, element, a, d) for d in (1.0, -1.0)]
    fault = min(trials, key=lambda f: f.gamma(b_p))
    s = np.linspace(0.0, 1.0, N_STEPS + 1)
    first = np.array([fault.gamma(x * b_p) for x in s])
    second = np.array([fault.gamma(b_p, x * b_p) for x in s])
    usf_at, usf = _peak(s, first)
    utf_at, utf = _peak(s, second)
    result.values.update(
        {
            "intr_stack_fault_energy_fcc": float(first[-1]),
            "unstable_stack_energy_fcc": usf,
            "unstable_stack_energy_slip_fraction_fcc": usf_at,
            "extr_stack_fault_energy_fcc": float(second[-1]),
            "unstable_twinning_energy_fcc": utf,
            "unstable_twinning_energy_slip_fraction_fcc": 1.0 + utf_at,
        }
    )
    result.curves["gsf"] = (np.concatenate([s, 1 + s[1:]]), np.concatenate([first, second[1:]]))
    if first[-1] < 0:
        result.flags.append("negative intrinsic stacking-fault energy: fcc is not the ground state")
    if second[-1] < 0:
        result.flags.append("negative extrinsic stacking-fault energy: fcc is not the ground state")
    if not fault.converged:
        result.flags.append("stacking fault: a relaxation did not converge")
    return result

"""Shared pieces of the property calculations: results, relaxation with caps, units."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

EV_PER_A3_TO_GPA = 160.21766208
MAX_RELAX_STEPS = 400
FMAX_EV_PER_A = 1e-3


@dataclass
class GroupResult:
    """Values (dataset column names, dataset units), warnings and curves of one group."""

    values: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    curves: dict[str, Any] = field(default_factory=dict)


def relax(atoms: Any, *, fmax: float = FMAX_EV_PER_A, steps: int = MAX_RELAX_STEPS) -> bool:
    """Relax positions (and whatever filter ``atoms`` is) with FIRE; True if converged."""
    from ase.optimize import FIRE

    optimizer = FIRE(atoms, logfile=None)
    return bool(optimizer.run(fmax=fmax, steps=steps))


def energy(atoms: Any) -> float:
    return float(atoms.get_potential_energy())


def in_plane_area(cell: np.ndarray) -> float:
    """Area (Å²) spanned by the first two cell vectors."""
    return float(np.linalg.norm(np.cross(cell[0], cell[1])))

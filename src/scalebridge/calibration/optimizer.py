"""The one contract of every optimiser: ``initial_design``, ``ask`` and ``tell``.

Points live in the unit cube of the :class:`~scalebridge.calibration.bounds.ParameterSpace`.
``ask`` must be a deterministic function of the data told so far, the seed and the iteration
number, so that a resumed run asks exactly what the interrupted one would have asked.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Optimizer(Protocol):
    """Sequential (or batch) minimiser of an expensive objective on the unit cube."""

    name: str

    def initial_design(self) -> np.ndarray:
        """(n0, d) points of iteration 0."""
        ...

    def ask(self, n: int, iteration: int) -> np.ndarray:
        """(n, d) points to evaluate next (iteration >= 1)."""
        ...

    def tell(self, x_unit: np.ndarray, d: np.ndarray, feasible: np.ndarray) -> None:
        """Add (n, d) evaluated points, their (n,) objective (NaN where infeasible) and flags."""
        ...


class History:
    """Points told to an optimiser, in the order told (a small helper both optimisers use)."""

    def __init__(self, dim: int) -> None:
        self.x = np.zeros((0, dim))
        self.d = np.zeros(0)
        self.feasible = np.zeros(0, dtype=bool)
        self.batch_sizes: list[int] = []

    def add(self, x_unit: np.ndarray, d: np.ndarray, feasible: np.ndarray) -> None:
        self.x = np.vstack([self.x, np.atleast_2d(np.asarray(x_unit, dtype=float))])
        self.d = np.concatenate([self.d, np.asarray(d, dtype=float).ravel()])
        self.feasible = np.concatenate([self.feasible, np.asarray(feasible, dtype=bool).ravel()])
        self.batch_sizes.append(int(np.asarray(d).size))

    @property
    def usable(self) -> np.ndarray:
        """(n,) whether each told point is feasible with a finite objective (modelled)."""
        return self.feasible & np.isfinite(self.d)

    @property
    def best(self) -> float:
        ok = self.usable
        return float(self.d[ok].min()) if ok.any() else float("inf")

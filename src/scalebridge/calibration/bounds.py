"""The calibrated parameters: names, bounds and the parameters held fixed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from scalebridge.continuum.parameters import PUBLISHED_BOUNDS, STZParameters
from scalebridge.errors import InputError

#: Calibrated parameters in the order of the columns of every design matrix.
NAMES = ("beta_per_ev", "u0_ev", "c0", "s_y_gpa")


@dataclass(frozen=True)
class ParameterSpace:
    """Box of the calibrated parameters and the values of the fixed ones.

    Attributes
    ----------
    lower, upper:
        (4,) bounds of beta (1/eV), u0 (eV), c0 and s_y (GPa), in the order of :data:`NAMES`.
    chi_len_angstrom, epsilon0:
        The fixed parameters (the published optimiser's values by default).
    """

    lower: tuple[float, ...] = tuple(PUBLISHED_BOUNDS[n][0] for n in NAMES)
    upper: tuple[float, ...] = tuple(PUBLISHED_BOUNDS[n][1] for n in NAMES)
    chi_len_angstrom: float = 25.59275383
    epsilon0: float = 44.52901253
    names: tuple[str, ...] = field(default=NAMES)

    def __post_init__(self) -> None:
        if sorted(self.names) != sorted(NAMES):
            raise InputError(
                f"{', '.join(self.names)}",
                source="parameter bounds",
                field="names",
                expected=f"each of {', '.join(NAMES)} once",
            )
        if not (len(self.lower) == len(self.upper) == len(self.names) == len(NAMES)):
            raise InputError(
                f"{len(self.lower)} lower and {len(self.upper)} upper bounds",
                source="parameter bounds",
                expected=f"{len(NAMES)} of each ({', '.join(NAMES)})",
            )
        for name, lo, hi in zip(self.names, self.lower, self.upper, strict=True):
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise InputError(
                    f"lower bound {lo!r} is not below upper bound {hi!r}",
                    source="parameter bounds",
                    field=name,
                    expected="finite bounds in the order (lower, upper)",
                )
        for corner in (self.lower, self.upper):  # the whole box must be solvable
            try:
                self.parameters(np.asarray(corner, dtype=float))
            except InputError as error:
                name = error.field or ""
                where = (
                    f"a bound {corner[self.names.index(name)]!r}"
                    if name in self.names
                    else f"the fixed value {getattr(self, name, None)!r}"
                )
                raise InputError(
                    f"{where} is outside the physical domain",
                    source="parameter bounds",
                    field=error.field,
                    expected=error.expected,
                ) from None

    @property
    def dim(self) -> int:
        return len(self.names)

    @property
    def width(self) -> np.ndarray:
        """(d,) upper - lower."""
        return np.asarray(self.upper) - np.asarray(self.lower)

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """(n, d) points of the unit cube -> (n, d) physical values."""
        return np.asarray(self.lower) + np.asarray(unit, dtype=float) * self.width

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """(n, d) physical values -> (n, d) unit-cube coordinates."""
        return (np.asarray(values, dtype=float) - np.asarray(self.lower)) / self.width

    def parameters(self, values: np.ndarray) -> STZParameters:
        """STZParameters of one (d,) physical point, with the fixed parameters."""
        kwargs = {name: float(v) for name, v in zip(self.names, values, strict=True)}
        return STZParameters(
            **kwargs, chi_len_angstrom=self.chi_len_angstrom, epsilon0=self.epsilon0
        )

    def error_percent_of_range(self, values: np.ndarray, target: STZParameters) -> np.ndarray:
        """(d,) |value - target| in % of each parameter's range."""
        goal = np.array([getattr(target, n) for n in self.names])
        return 100.0 * np.abs(np.asarray(values, dtype=float) - goal) / self.width


#: The published box with the published fixed l_chi and epsilon0.
PUBLISHED_SPACE = ParameterSpace()

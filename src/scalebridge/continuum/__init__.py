"""Continuum plasticity: the STZ model of a sheared metallic glass, calibrated against MD.

- :func:`load_md_data` reads coarse-grained MD (shipped: CuZr, Kontolati et al. 2021);
- :class:`STZParameters` and :func:`solve` run the quasi-static simple-shear solver;
- :func:`published_objective` scores a solve against the MD data as the published study did.

The solver kernel (Numba) is compiled on first use and cached, so importing is cheap.
"""

from __future__ import annotations

from scalebridge.continuum.md_data import MDShearData, load_md_data, read_grid_field
from scalebridge.continuum.objective import ObjectiveResult, published_objective
from scalebridge.continuum.parameters import (
    VALIDATION_PARAMETERS,
    SolverSettings,
    STZParameters,
)
from scalebridge.continuum.solver import STZResult, simulate, solve

__all__ = [
    "VALIDATION_PARAMETERS",
    "MDShearData",
    "ObjectiveResult",
    "STZParameters",
    "STZResult",
    "SolverSettings",
    "load_md_data",
    "published_objective",
    "read_grid_field",
    "simulate",
    "solve",
]

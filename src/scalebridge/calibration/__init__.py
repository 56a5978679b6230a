"""Calibration of the STZ model against MD: the published Grassmannian EGO and batch BoTorch.

- :class:`ParameterSpace` holds the calibrated parameters, their bounds and the fixed ones;
- :mod:`.paper` (scikit-learn GP + expected improvement) and :mod:`.bo` (BoTorch, batch
  qLogNEI with a feasibility model) implement one :class:`Optimizer` contract (ask / tell);
- :func:`robust_objective` is the published objective with ranks from a singular-value
  tolerance; :func:`run_calibration` writes a resumable run folder.

Heavy libraries (torch, botorch, scikit-learn, matplotlib, dask) are imported on use.
"""

from __future__ import annotations

from scalebridge.calibration.bounds import PUBLISHED_SPACE, ParameterSpace
from scalebridge.calibration.objective_robust import robust_grassmann_distance, robust_objective
from scalebridge.calibration.optimizer import Optimizer

__all__ = [
    "PUBLISHED_SPACE",
    "Optimizer",
    "ParameterSpace",
    "robust_grassmann_distance",
    "robust_objective",
]

"""Batch Bayesian optimisation with BoTorch: qLogEI with a learned feasibility constraint.

- objective model: a GP (Matern-5/2 ARD, BoTorch defaults, standardised outcome) on the
  feasible points, fitted to -log(d) so that the small objectives near the optimum are
  resolved (the validation reference has d = 0);
- feasibility model: a second GP on *all* points, fitted to an indicator (1 infeasible, 0
  feasible); the acquisition weights improvement by the probability that this GP is below 1/2,
  so infeasible points shape the search instead of being dropped;
- acquisition: batch log expected improvement (qLogEI; the solves are deterministic, so the
  incumbent is the best observed value), ``batch`` points at a time (their solves run
  in parallel on the executor), optimised with L-BFGS-B from ``raw_samples`` random starts
  inside a trust region (TuRBO, Eriksson et al. 2019): a box around the best point, its
  sides scaled by the GP length scales, that doubles after ``success_tolerance`` improving
  batches in a row and halves after ``failure_tolerance`` batches without improvement.
  The objective is rough at small scales (the subspace distances jump where singular values
  cross), so a global acquisition keeps exploring the box edges; the trust region makes the
  search converge. Its size is replayed from the told batches, so it needs no saved state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scalebridge.calibration.design import latin_hypercube
from scalebridge.calibration.optimizer import History

#: Objective floor of the log transform (d = 0 for a perfect fit of the validation reference).
LOG_FLOOR = 1e-6


def _first_output(samples: Any, X: Any = None) -> Any:
    """MC objective: the objective model's output (-log d) of (..., q, 2) samples."""
    return samples[..., 0]


def _best_target(opt: BatchBO) -> float:
    """Best observed -log d (the incumbent of the improvement)."""
    return float(-np.log(max(opt.history.best, LOG_FLOOR)))


def _infeasibility_margin(samples: Any) -> Any:
    """Constraint (feasible where <= 0): the feasibility GP's indicator minus 1/2."""
    return samples[..., 1] - 0.5


@dataclass(frozen=True)
class BOSettings:
    """Settings of the BoTorch optimiser."""

    n_initial: int = 24
    num_restarts: int = 8
    raw_samples: int = 256
    mc_samples: int = 128
    length_init: float = 0.8
    length_min: float = 0.01
    length_max: float = 1.6
    success_tolerance: int = 3
    failure_tolerance: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_initial < 2 or self.num_restarts < 1 or self.raw_samples < 1:
            raise ValueError("n_initial >= 2, num_restarts >= 1 and raw_samples >= 1 required")


class BatchBO:
    """Batch BoTorch optimiser behind the :class:`~.optimizer.Optimizer` contract."""

    name = "bo"

    def __init__(self, dim: int, settings: BOSettings | None = None) -> None:
        self.dim = dim
        self.settings = settings or BOSettings()
        self.history = History(dim)

    def initial_design(self) -> np.ndarray:
        rng = np.random.default_rng([self.settings.seed, 0])
        return latin_hypercube(self.settings.n_initial, self.dim, rng)

    def tell(self, x_unit: np.ndarray, d: np.ndarray, feasible: np.ndarray) -> None:
        self.history.add(x_unit, d, feasible)

    def trust_length(self) -> float:
        """Side of the trust region (unit cube) after replaying the told batches."""
        s = self.settings
        length, successes, failures = s.length_init, 0, 0
        d = np.where(self.history.feasible, self.history.d, np.inf)
        sizes = self.history.batch_sizes
        best = float(np.min(d[: sizes[0]], initial=np.inf)) if sizes else np.inf
        start = sizes[0] if sizes else 0
        for size in sizes[1:]:
            batch_best = float(np.min(d[start : start + size], initial=np.inf))
            start += size
            if batch_best < best - 1e-3 * abs(best):
                successes, failures = successes + 1, 0
            else:
                successes, failures = 0, failures + 1
            if successes >= s.success_tolerance:
                length, successes = min(2.0 * length, s.length_max), 0
            if failures >= s.failure_tolerance:
                length, failures = max(0.5 * length, s.length_min), 0
            best = min(best, batch_best)
        return length

    def _trust_region(self, objective: Any) -> np.ndarray:
        """(2, d) bounds of the trust region around the best feasible point."""
        h = self.history
        d = np.where(h.feasible, h.d, np.inf)
        centre = h.x[int(np.argmin(d))]
        try:
            scales = objective.covar_module.lengthscale.detach().numpy().ravel()
        except AttributeError:  # a kernel without ARD length scales
            scales = np.ones(self.dim)
        if scales.size != self.dim or not np.isfinite(scales).all():
            scales = np.ones(self.dim)
        weights = scales / np.exp(np.mean(np.log(scales)))
        half = 0.5 * self.trust_length() * np.clip(weights, 0.25, 4.0)
        return np.stack([np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)])

    def _models(self) -> tuple[Any, Any, Any, Any]:
        import torch
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import ModelListGP, SingleTaskGP
        from botorch.models.transforms import Standardize
        from gpytorch.mlls import ExactMarginalLogLikelihood

        h = self.history
        ok = h.feasible & np.isfinite(h.d)
        x_ok = torch.tensor(h.x[ok], dtype=torch.double)
        y_ok = torch.tensor(-np.log(np.maximum(h.d[ok], LOG_FLOOR)), dtype=torch.double)
        objective = SingleTaskGP(x_ok, y_ok[:, None], outcome_transform=Standardize(m=1))
        fit_gpytorch_mll(ExactMarginalLogLikelihood(objective.likelihood, objective))
        if ok.all():
            return objective, x_ok, None, objective
        x_all = torch.tensor(h.x, dtype=torch.double)
        bad = torch.tensor((~ok).astype(float), dtype=torch.double)[:, None]
        feasibility = SingleTaskGP(x_all, bad)
        fit_gpytorch_mll(ExactMarginalLogLikelihood(feasibility.likelihood, feasibility))
        return ModelListGP(objective, feasibility), x_ok, feasibility, objective

    def ask(self, n: int, iteration: int) -> np.ndarray:
        import warnings

        import torch
        from botorch.acquisition import qLogExpectedImprovement
        from botorch.acquisition.objective import GenericMCObjective
        from botorch.optim import optimize_acqf
        from botorch.sampling import SobolQMCNormalSampler

        ok = self.history.feasible & np.isfinite(self.history.d)
        if ok.sum() < 2:  # nothing to model yet: more space filling
            rng = np.random.default_rng([self.settings.seed, iteration])
            return latin_hypercube(n, self.dim, rng)
        torch.manual_seed(1000 * self.settings.seed + iteration)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optimiser and input-scaling chatter
            model, _, feasibility, objective_gp = self._models()
            sampler = SobolQMCNormalSampler(torch.Size([self.settings.mc_samples]))
            # The solves are deterministic, so the incumbent is the best observed -log d:
            # qLogEI needs posteriors at the q candidates only (qLogNEI's joint posterior with
            # every evaluated point made one acquisition step ~5x slower at 100 points).
            best_f = _best_target(self)
            if feasibility is None:
                acquisition = qLogExpectedImprovement(model, best_f=best_f, sampler=sampler)
            else:
                acquisition = qLogExpectedImprovement(
                    model,
                    best_f=best_f,
                    sampler=sampler,
                    objective=GenericMCObjective(_first_output),
                    constraints=[_infeasibility_margin],
                )
            bounds = torch.tensor(self._trust_region(objective_gp), dtype=torch.double)
            candidates, _ = optimize_acqf(
                acquisition,
                bounds=bounds,
                q=n,
                num_restarts=self.settings.num_restarts,
                raw_samples=self.settings.raw_samples,
            )
        return candidates.detach().numpy().astype(float).clip(0.0, 1.0)

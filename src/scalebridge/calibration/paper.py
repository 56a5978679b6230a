"""The published optimiser ("Grassmannian EGO", Kontolati et al. 2021), with scikit-learn.

Latin-hypercube start; a GP with an ARD RBF kernel times a constant on standardised inputs
(10 optimiser restarts); expected improvement maximised over fresh scrambled Sobol candidates
(the study used 100,000; the default here is 16,384, which the GP predicts in ~0.1 s and whose
best EI differs little); after the first iteration, the GP is fitted only to the 200 evaluated
points nearest to the newest one (a local surrogate); infeasible points are dropped from the
fit and EI is zeroed within ``exclusion_radius`` (unit-cube distance) of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scalebridge.calibration.design import latin_hypercube, sobol
from scalebridge.calibration.optimizer import History
from scalebridge.errors import InputError
from scalebridge.runs.settings import require_at_least


@dataclass(frozen=True)
class PaperSettings:
    """Settings of the published optimiser (defaults as published, except ``n_candidates``)."""

    n_initial: int = 350
    n_candidates: int = 16384
    n_neighbours: int = 200
    n_restarts: int = 10
    exclusion_radius: float = 0.05
    seed: int = 0

    def __post_init__(self) -> None:
        limits = {"n_initial": 2, "n_candidates": 2, "n_neighbours": 2, "n_restarts": 0}
        require_at_least(self, limits, source="paper settings")
        if not self.exclusion_radius >= 0:
            raise InputError(
                f"{self.exclusion_radius!r}",
                source="paper settings",
                field="exclusion_radius",
                expected="a unit-cube distance >= 0",
            )


def expected_improvement(mu: np.ndarray, sd: np.ndarray, best: float) -> np.ndarray:
    """(n,) EI for minimisation from the (n,) posterior mean and standard deviation."""
    from scipy.stats import norm

    sd = np.maximum(np.asarray(sd, dtype=float), 1e-12)
    z = (best - mu) / sd
    return (best - mu) * norm.cdf(z) + sd * norm.pdf(z)


def fit_gp(x: np.ndarray, y: np.ndarray, *, n_restarts: int, seed: int) -> tuple[Any, Any]:
    """Constant x ARD-RBF GP on standardised (n, d) inputs; returns (gp, scaler)."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.ones(x.shape[1]), (1e-2, 1e2))
    gp = GaussianProcessRegressor(
        kernel, alpha=1e-6, normalize_y=True, n_restarts_optimizer=n_restarts, random_state=seed
    )
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(scaler.transform(x), y)
    return gp, scaler


class PaperEGO:
    """The published optimiser behind the :class:`~.optimizer.Optimizer` contract."""

    name = "paper"

    def __init__(self, dim: int, settings: PaperSettings | None = None) -> None:
        self.dim = dim
        self.settings = settings or PaperSettings()
        self.history = History(dim)

    def initial_design(self) -> np.ndarray:
        rng = np.random.default_rng([self.settings.seed, 0])
        return latin_hypercube(self.settings.n_initial, self.dim, rng)

    def tell(self, x_unit: np.ndarray, d: np.ndarray, feasible: np.ndarray) -> None:
        self.history.add(x_unit, d, feasible)

    def training_set(self, iteration: int) -> tuple[np.ndarray, np.ndarray]:
        """Feasible points the GP of ``iteration`` is fitted to (local after the first)."""
        h = self.history
        ok = h.usable
        x, y = h.x[ok], h.d[ok]
        if iteration > 1 and x.shape[0] > self.settings.n_neighbours:
            newest = h.x[-1]
            nearest = np.argsort(np.linalg.norm(x - newest, axis=1), kind="stable")
            keep = np.sort(nearest[: self.settings.n_neighbours])
            x, y = x[keep], y[keep]
        return x, y

    def acquisition(self, candidates: np.ndarray, iteration: int) -> np.ndarray:
        """(n,) EI of (n, d) unit-cube candidates, zero near infeasible points."""
        x, y = self.training_set(iteration)
        if x.shape[0] < 2:
            return np.ones(candidates.shape[0])
        gp, scaler = fit_gp(
            x, y, n_restarts=self.settings.n_restarts, seed=1000 * self.settings.seed + iteration
        )
        mu, sd = gp.predict(scaler.transform(candidates), return_std=True)
        ei = expected_improvement(mu, sd, self.history.best)
        bad = self.history.x[~self.history.feasible]
        if bad.shape[0]:
            from scipy.spatial import cKDTree

            near = cKDTree(bad).query(candidates, k=1)[0] < self.settings.exclusion_radius
            ei[near] = 0.0
        return ei

    def ask(self, n: int, iteration: int) -> np.ndarray:
        rng = np.random.default_rng([self.settings.seed, iteration])
        candidates = sobol(self.settings.n_candidates, self.dim, seed=rng)
        ei = self.acquisition(candidates, iteration)
        order = np.argsort(-ei, kind="stable")
        return candidates[order[:n]]

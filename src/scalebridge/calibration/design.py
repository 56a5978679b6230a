"""Space-filling designs on the unit cube: Latin hypercube and scrambled Sobol."""

from __future__ import annotations

import numpy as np


def latin_hypercube(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """(n, dim) Latin-hypercube sample: each column has one point in each of n equal strata."""
    if n < 1 or dim < 1:
        raise ValueError(f"need n >= 1 and dim >= 1, got {n}, {dim}")
    strata = np.stack([rng.permutation(n) for _ in range(dim)], axis=1)
    return (strata + rng.random((n, dim))) / n


def sobol(n: int, dim: int, seed: int | np.random.Generator) -> np.ndarray:
    """(n, dim) scrambled Sobol points (n rounded up to a power of two, then truncated)."""
    from scipy.stats import qmc

    m = max(0, int(np.ceil(np.log2(max(n, 1)))))
    points = qmc.Sobol(d=dim, scramble=True, seed=seed).random_base2(m)
    return points[:n]

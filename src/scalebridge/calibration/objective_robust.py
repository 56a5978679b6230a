"""The robust variant of the published objective: ranks from a singular-value tolerance.

The published objective keeps the first p_k left singular vectors of each field. Where a field
has numerical rank r < p_k (the continuum 2 E_xy at gamma = 0.05 is uniform, rank 1), the
vectors beyond r span an arbitrary subspace picked by LAPACK, so the distance is not a function
of the field. Here each subspace keeps only its well-defined part, k = min(p_k, r_A) and
m = min(p_k, r_B) vectors, r = the number of singular values above ``rtol`` times the largest,
and the distance is the one between subspaces of different dimensions (Ye & Lim, SIAM J.
Matrix Anal. Appl. 37 (2016) 1176): the min(k, m) principal angles, and pi/2 for each
dimension one subspace has and the other lacks:

    d_k = sqrt(sum_i theta_i^2 + |k - m| (pi/2)^2).

Against MD (rank >= p_k) a uniform continuum field (m = 1) thus pays (p_k - 1) (pi/2)^2 plus
its one well-defined angle, whatever LAPACK returns; two uniform fields are at distance 0.

Where both ranks reach p_k this is the published distance (without its 6-decimal rounding of
the cosines, so it is smooth near theta = 0). The stress term and the weights are unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from scalebridge.continuum.md_data import MDShearData
from scalebridge.continuum.objective import (
    SNAPSHOT_RANKS,
    STRESS_WEIGHT,
    ObjectiveResult,
    published_objective,
    snapshot_frames,
)

#: Relative singular-value tolerance of the numerical rank.
DEFAULT_RTOL = 1e-6


def numerical_rank(singular_values: np.ndarray, rtol: float = DEFAULT_RTOL) -> int:
    """Number of singular values above ``rtol`` times the largest (0 for a zero matrix)."""
    s = np.asarray(singular_values, dtype=float)
    if s.size == 0 or s[0] <= 0.0:
        return 0
    return int(np.count_nonzero(s > rtol * s[0]))


def robust_grassmann_distance(
    a: np.ndarray, b: np.ndarray, rank: int, rtol: float = DEFAULT_RTOL
) -> float:
    """Geodesic distance between the well-defined parts of the rank-``rank`` subspaces.

    ``a`` and ``b`` are (m, n) fields; see the module docstring for the formula.
    """
    u_a, s_a, _ = np.linalg.svd(np.asarray(a, dtype=float))
    u_b, s_b, _ = np.linalg.svd(np.asarray(b, dtype=float))
    k = min(rank, numerical_rank(s_a, rtol))
    m = min(rank, numerical_rank(s_b, rtol))
    if min(k, m) == 0:  # a zero field: nothing to compare but the dimensions
        return math.sqrt(abs(k - m)) * math.pi / 2
    cosines = np.linalg.svd(u_a[:, :k].T @ u_b[:, :m], compute_uv=False)
    theta = np.arccos(np.clip(cosines, -1.0, 1.0))[: min(k, m)]
    missing = abs(k - m)
    return float(math.sqrt(float(np.sum(theta**2)) + missing * (math.pi / 2) ** 2))


def robust_objective(
    two_exy: np.ndarray, tau_gpa: np.ndarray, md: MDShearData, rtol: float = DEFAULT_RTOL
) -> ObjectiveResult:
    """The published objective with :func:`robust_grassmann_distance` per snapshot.

    Shapes as in :func:`scalebridge.continuum.objective.published_objective`.
    """
    published = published_objective(two_exy, tau_gpa, md)  # checks shapes, gives d_stress
    frames = snapshot_frames(md.gamma)
    per_snapshot = np.array(
        [
            robust_grassmann_distance(md.shear_strain[k], np.asarray(two_exy)[k], p, rtol)
            for k, p in zip(frames, SNAPSHOT_RANKS, strict=True)
        ]
    )
    d_grassmann = float(per_snapshot.mean())
    return ObjectiveResult(
        d=(d_grassmann + STRESS_WEIGHT * published.d_stress) / (1.0 + STRESS_WEIGHT),
        d_grassmann=d_grassmann,
        d_stress=published.d_stress,
        per_snapshot=per_snapshot,
        frames=frames,
        ranks=published.ranks,
    )


def objective_function(name: str) -> Callable[..., ObjectiveResult]:
    """The objective called ``name`` ("robust" or "paper")."""
    if name == "robust":
        return robust_objective
    if name == "paper":
        return published_objective
    raise ValueError(f"unknown objective {name!r}")

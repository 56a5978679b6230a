"""The published calibration objective (Kontolati et al., Acta Mater. 2021, their final code).

d = (d_G + 3 d_tau) / 4 with

- d_G: mean over nine snapshots (gamma = 0.05 ... 0.5) of the geodesic distance on the
  Grassmann manifold between the spans of the first p_k left singular vectors of the MD shear
  strain field and of the continuum 2 E_xy field; the cosines of the principal angles (singular
  values of U_A^T U_B) are rounded to 6 decimals and clipped at 1 before arccos, as published;
- d_tau: sum over the 101 frames of |tau_MD - tau_STZ|, frames 15-27 (around the peak) weighted
  x5, divided by the number of non-zero terms (101 for the MD data: tau_MD(0) != 0).

The snapshot at gamma = 0.05 is ill-posed: the continuum field is uniform there, so singular
vectors beyond the first are arbitrary and its distance depends on the LAPACK build.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalebridge.continuum.md_data import MDShearData
from scalebridge.errors import InputError

SNAPSHOT_STRAINS = (0.05, 0.06, 0.08, 0.09, 0.10, 0.11, 0.12, 0.35, 0.50)
SNAPSHOT_RANKS = (2, 4, 5, 5, 10, 10, 14, 15, 16)
PEAK_FRAMES = slice(15, 28)
PEAK_WEIGHT = 5.0
STRESS_WEIGHT = 3.0


@dataclass(frozen=True, eq=False)
class ObjectiveResult:
    """Value of the published objective and its parts.

    Attributes
    ----------
    d:
        (d_grassmann + 3 d_stress) / 4.
    d_grassmann:
        Mean geodesic distance over the snapshots (radians).
    d_stress:
        Weighted mean absolute stress difference (GPa).
    per_snapshot:
        (9,) geodesic distance per snapshot.
    frames:
        (9,) frame index of each snapshot.
    ranks:
        (9,) subspace dimension p_k of each snapshot.
    """

    d: float
    d_grassmann: float
    d_stress: float
    per_snapshot: np.ndarray
    frames: np.ndarray
    ranks: np.ndarray

    def to_dict(self) -> dict[str, object]:
        return {
            "d": self.d,
            "d_grassmann": self.d_grassmann,
            "d_stress": self.d_stress,
            "per_snapshot": [float(v) for v in self.per_snapshot],
            "frames": [int(v) for v in self.frames],
            "ranks": [int(v) for v in self.ranks],
        }


def grassmann_distance(a: np.ndarray, b: np.ndarray, rank: int) -> float:
    """Geodesic distance sqrt(sum theta_i^2) between the rank-``rank`` left singular subspaces.

    ``a`` and ``b`` are matrices with the same number of rows; the cosines of the principal
    angles are rounded to 6 decimals and clipped at 1 (the published convention).
    """
    u_a = np.linalg.svd(np.asarray(a, dtype=float))[0][:, :rank]
    u_b = np.linalg.svd(np.asarray(b, dtype=float))[0][:, :rank]
    cosines = np.linalg.svd(u_a.T @ u_b, compute_uv=False)
    cosines = np.minimum(np.round(cosines, 6), 1.0)
    return float(np.sqrt(np.sum(np.arccos(cosines) ** 2)))


def snapshot_frames(gamma: np.ndarray) -> np.ndarray:
    """(9,) frame index nearest to each snapshot strain."""
    return np.array([int(np.abs(gamma - g).argmin()) for g in SNAPSHOT_STRAINS])


def published_objective(
    two_exy: np.ndarray, tau_gpa: np.ndarray, md: MDShearData
) -> ObjectiveResult:
    """Objective of continuum fields against the MD data.

    Parameters
    ----------
    two_exy:
        (101, ny, nx) continuum 2 E_xy per frame, rows y.
    tau_gpa:
        (101,) continuum mean shear stress per frame (GPa).
    md:
        The MD reference (:func:`scalebridge.continuum.load_md_data`).
    """
    two_exy = np.asarray(two_exy, dtype=float)
    tau_gpa = np.asarray(tau_gpa, dtype=float)
    n_frames = md.gamma.shape[0]
    if two_exy.shape != md.shear_strain.shape or tau_gpa.shape != (n_frames,):
        raise InputError(
            f"fields {two_exy.shape} and stress {tau_gpa.shape}",
            source="published_objective",
            expected=f"{md.shear_strain.shape} and ({n_frames},)",
        )
    if not (np.isfinite(two_exy).all() and np.isfinite(tau_gpa).all()):
        raise InputError(
            "non-finite continuum output",
            source="published_objective",
            expected="a feasible, finished solve",
        )
    frames = snapshot_frames(md.gamma)
    per_snapshot = np.array(
        [
            grassmann_distance(md.shear_strain[k], two_exy[k], rank)
            for k, rank in zip(frames, SNAPSHOT_RANKS, strict=True)
        ]
    )
    terms = np.abs(md.stress_at_frames() - tau_gpa)
    terms[PEAK_FRAMES] *= PEAK_WEIGHT
    d_stress = float(terms.sum() / max(np.count_nonzero(terms), 1))
    d_grassmann = float(per_snapshot.mean())
    return ObjectiveResult(
        d=(d_grassmann + STRESS_WEIGHT * d_stress) / (1.0 + STRESS_WEIGHT),
        d_grassmann=d_grassmann,
        d_stress=d_stress,
        per_snapshot=per_snapshot,
        frames=frames,
        ranks=np.array(SNAPSHOT_RANKS),
    )

"""Columnar fcc polycrystals for quasi-2D MD (numpy only).

Grains are Voronoi cells of random seeds in the x–z plane, columnar along y. Every grain
shares the column axis y ∥ <110> and is rotated about it by its own angle, so the box stays
periodic along y with a thickness of n·a/√2 and every grain shows {111} planes edge-on in the
x–z plane (twins and stacking faults are visible in a tomograph). A random substitutional
alloy is made by drawing each atom's species with the given Ni fraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalebridge.errors import InputError


@dataclass(frozen=True)
class Polycrystal:
    """Atoms of a columnar polycrystal.

    positions_angstrom: (n x 3); types: (n,) 1 = Cu, 2 = Ni; grain: (n,) grain index;
    box_angstrom: (3,) orthogonal box lengths; rotations: (g x 3 x 3) crystal → sample
    matrices of the grains (columns are the crystal axes [100], [010], [001] in sample axes).
    """

    positions_angstrom: np.ndarray
    types: np.ndarray
    grain: np.ndarray
    box_angstrom: np.ndarray
    rotations: np.ndarray


def column_rotation(angle_rad: float) -> np.ndarray:
    """Crystal → sample rotation with crystal [1-10]/√2 along sample y, turned by ``angle``
    about y. At angle 0: crystal [00-1] ∥ sample z, [110]/√2 ∥ sample x."""
    # base: sample x = [110]/√2, sample y = [1-10]/√2, sample z = [001] (right-handed)
    base = np.array([[1, 1, 0], [1, -1, 0], [0, 0, -1]], dtype=float) / np.array(
        [[np.sqrt(2)], [np.sqrt(2)], [1.0]]
    )  # rows: sample axes in crystal coords
    base[2] = np.cross(base[0], base[1])
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    about_y = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return about_y @ base  # maps crystal vectors to sample vectors


def build(
    box_angstrom: tuple[float, float, float],
    n_grains: int,
    *,
    a_angstrom: float,
    ni_fraction: float,
    seed: int = 0,
    angles_rad: np.ndarray | None = None,
    seeds_xz_angstrom: np.ndarray | None = None,
    min_distance_angstrom: float = 1.8,
) -> Polycrystal:
    """A columnar polycrystal filling ``box`` (Lx, Ly, Lz); Ly is rounded to whole periods."""
    if not 0.0 <= ni_fraction <= 1.0:
        raise InputError(f"{ni_fraction}", source="ni_fraction", expected="0 to 1")
    if n_grains < 1:
        raise InputError(f"{n_grains}", source="n_grains", expected=">= 1")
    rng = np.random.default_rng(seed)
    period_y = a_angstrom / np.sqrt(2)
    lx, ly, lz = box_angstrom
    ly = max(1, round(ly / period_y)) * period_y
    box = np.array([lx, ly, lz])
    seeds = (
        np.asarray(seeds_xz_angstrom, dtype=float)
        if seeds_xz_angstrom is not None
        else rng.uniform([0, 0], [lx, lz], size=(n_grains, 2))
    )
    angles = (
        np.asarray(angles_rad, dtype=float)
        if angles_rad is not None
        else rng.uniform(0, np.pi, size=len(seeds))
    )
    basis = a_angstrom * np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    # only the lattice planes that fall into the thin y range: sample y depends on i − j alone
    n = int(np.ceil(np.hypot(lx, lz) / a_angstrom)) + 2
    planes = round(ly / period_y) + 2
    i, k, d = np.meshgrid(
        np.arange(-n, n + 1), np.arange(-n, n + 1), np.arange(-planes, planes + 1), indexing="ij"
    )
    cells = np.stack([i.ravel(), (i - d).ravel(), k.ravel()], axis=1)
    lattice = (cells[:, None, :] * a_angstrom + basis[None]).reshape(-1, 3)
    positions, grains = [], []
    rotations = np.array([column_rotation(t) for t in angles])
    for g, (seed_xz, rot) in enumerate(zip(seeds, rotations, strict=True)):
        pts = lattice @ rot.T + np.array([seed_xz[0], 0.0, seed_xz[1]])
        frac_y = pts[:, 1] / ly
        inside = (frac_y >= -1e-9) & (frac_y < 1 - 1e-9)  # rounding must not drop a plane
        dx_seed = pts[:, 0] - seed_xz[0]
        inside &= (dx_seed >= -lx / 2) & (dx_seed < lx / 2)  # one period around the seed
        inside &= (pts[:, 2] >= 0) & (pts[:, 2] < lz)
        pts = pts[inside]
        # nearest seed in x–z with periodic x (z is not periodic: a slab)
        dx = pts[:, None, 0] - seeds[None, :, 0]
        dx -= lx * np.round(dx / lx)
        dz = pts[:, None, 2] - seeds[None, :, 1]
        owner = np.argmin(dx**2 + dz**2, axis=1)
        pts = pts[owner == g]
        pts[:, 0] %= lx
        pts[:, 1] = np.clip(pts[:, 1], 0.0, None) % ly
        positions.append(pts)
        grains.append(np.full(len(pts), g))
    pos = np.concatenate(positions)
    grain = np.concatenate(grains)
    pos, grain = _remove_close_pairs(pos, grain, box, min_distance_angstrom)
    types = np.where(rng.random(len(pos)) < ni_fraction, 2, 1)
    return Polycrystal(pos, types, grain, box, rotations)


def _remove_close_pairs(
    pos: np.ndarray, grain: np.ndarray, box: np.ndarray, min_distance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Drop one atom of every pair closer than ``min_distance`` (grain-boundary overlaps)."""
    from scipy.spatial import cKDTree

    wrapped = pos.copy()
    wrapped[:, :2] %= box[:2]
    periodic_box = np.array([box[0], box[1], box[2] * 4])  # z not periodic: a tall box
    tree = cKDTree(wrapped + np.array([0.0, 0.0, box[2]]), boxsize=periodic_box)
    pairs = tree.query_pairs(min_distance, output_type="ndarray")
    drop = np.zeros(len(pos), dtype=bool)
    for i, j in pairs:
        if not drop[i] and not drop[j]:
            drop[j] = True
    return wrapped[~drop], grain[~drop]

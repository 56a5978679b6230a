"""What a series of published tomograph images says beyond its colours, read as a scientist
reads it: how far the material flowed (the advection images integrated over the series),
how large the grains look (regions of one orientation colour) and how far the lattice turned
(the angle between the crystal directions the orientation colours name now and named where
the material was at t = 0).

They are the image-only counterparts of the analysis maps' displacement, grain size and
rotation, for the classifier's ``"tomograph"`` inputs: nothing here uses an atom's identity
or orientation, only the pixels of the orientation, structure and advection images.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scalebridge.patterns.colour import fcc_coloured, ipf_direction

#: Neighbouring FCC-coloured pixels belong to one grain when their orientation colours
#: differ by less than this (RGB distance, colours 0–1). Least squares of the log grain size
#: ratio on the colour means and these regions, fitted on a random 80 % of the shipped
#: dataset: R² on the rest 0.68 at 0.05, 0.79 at 0.1, 0.86 at 0.2 and at 0.3.
GRAIN_COLOUR_STEP = 0.3
#: A pixel's turn counts up to this angle (°) in the clipped mean, and the share of turned
#: atoms counts turns inside this band (°): a colour that changed by far more in a few ps
#: is mostly another grain that flowed into the pixel, not the same lattice turning.
TURN_CLIP_DEG = 15.0
TURN_BAND_DEG = (5.0, 25.0)


def integrated_advection(table: pd.DataFrame, advection: np.ndarray) -> np.ndarray:
    """Advection since t = 0 (Å, N x T x T): for every tile, the advection images (Å/ps) of
    its region (run, x, depth) summed over the run's frames up to it, each times the interval
    before its frame — the interval its velocity is the mean over, so with every frame kept
    the sum is exact for the atoms that stay in a pixel; where frames are missing, a frame's
    velocity stands for the whole interval since the previous one kept. 0 in a run's first
    frame."""
    table = table.reset_index(drop=True)
    time = table["time_ps"].to_numpy(dtype=np.float64)
    out = np.zeros(advection.shape, dtype=np.float32)
    regions = table.groupby(["run", "x_angstrom", "depth_angstrom"], sort=False).indices
    for rows in regions.values():
        rows = rows[np.argsort(time[rows], kind="stable")]
        steps = advection[rows[1:]] * np.diff(time[rows])[:, None, None]
        out[rows[1:]] = np.cumsum(steps, axis=0)
    return out


def colour_grains(ipf: np.ndarray, structure: np.ndarray) -> np.ndarray:
    """Per pixel, the pixels of its orientation-colour region inside its tile (N x T x T;
    ``ipf``, ``structure`` N x 3 x T x T, 0–1); 0 where the pixel is not FCC-coloured.
    A region joins 4-neighbour FCC-coloured pixels whose orientation colours differ by less
    than :data:`GRAIN_COLOUR_STEP` — grains reconstructed from the image as from an EBSD
    map with a misorientation threshold. Its mean over the region's pixels is Σa²/Σa, the
    form of the labels' grain size."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, _, h, w = ipf.shape
    crystal = fcc_coloured(*structure.transpose(1, 0, 2, 3))
    node = np.arange(n * h * w).reshape(n, h, w)
    colour = ipf.transpose(0, 2, 3, 1).reshape(-1, 3)
    flat = crystal.ravel()
    pairs = []
    for a, b in ((node[:, :-1, :], node[:, 1:, :]), (node[:, :, :-1], node[:, :, 1:])):
        a, b = a.ravel(), b.ravel()
        same = np.linalg.norm(colour[a] - colour[b], axis=1) < GRAIN_COLOUR_STEP
        keep = same & flat[a] & flat[b]
        pairs.append((a[keep], b[keep]))
    a = np.concatenate([p[0] for p in pairs])
    b = np.concatenate([p[1] for p in pairs])
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n * h * w, n * h * w))
    _, region = connected_components(graph, directed=False)
    size = np.bincount(region, weights=flat.astype(np.float64))
    return np.where(flat, size[region], 0.0).reshape(n, h, w).astype(np.float32)


def colour_turn(
    ipf: np.ndarray,
    structure: np.ndarray,
    flowed: np.ndarray,
    start: np.ndarray,
    pixel_angstrom: float,
) -> np.ndarray:
    """Per pixel, how far the lattice turned since t = 0 as the orientation colours tell it
    (°, N x T x T): the angle between the crystal direction along the surface normal that
    the pixel's colour names now and the one named at t = 0 where its material was then —
    the same row of the tile's t = 0 image (``start``: row of it for every tile), upstream
    by the advection since t = 0 (``flowed``, Å, rounded to pixels). Both directions lie in
    the standard triangle, where their angle is the smallest over the cubic symmetry; it is
    a lower bound of the rotation (a turn about the surface normal keeps the colour) and
    cannot tell a twin from a turn. −1 where that place lies outside the tile or a pixel
    is not FCC-coloured."""
    n, _, h, w = ipf.shape
    crystal = fcc_coloured(*structure.transpose(1, 0, 2, 3))
    direction = np.stack(ipf_direction(*ipf.transpose(1, 0, 2, 3)), axis=-1)  # N x T x T x 3
    column = np.arange(w)[None, None, :] - np.rint(flowed / pixel_angstrom).astype(int)
    inside = (column >= 0) & (column < w)
    tile, row = np.arange(n)[:, None, None], np.arange(h)[None, :, None]
    then = start[tile], row, column.clip(0, w - 1)
    cosine = (direction * direction[then]).sum(axis=-1).clip(-1.0, 1.0)
    known = crystal & crystal[then] & inside
    return np.where(known, np.degrees(np.arccos(cosine)), -1.0).astype(np.float32)


def turn_features(turn: Any, atoms: Any) -> Any:
    """Clipped mean turn (°) and share of turned atoms (torch, N x 2) over the atoms of the
    pixels whose :func:`colour_turn` is known (``turn``, ``atoms``: N x T x T)."""
    import torch

    weight = atoms * (turn >= 0)
    total = weight.sum(dim=(1, 2)).clamp_min(1e-6)
    low, high = TURN_BAND_DEG
    clipped = (turn.clamp(0.0, TURN_CLIP_DEG) * weight).sum(dim=(1, 2)) / total
    share = (((turn > low) & (turn < high)) * weight).sum(dim=(1, 2)) / total
    return torch.stack([clipped, share], dim=1)

"""Grain segmentation for the thin, periodic quasi-2D samples of the sliding runs.

OVITO's GrainSegmentationModifier splits or drops whole grains of these samples (four
<110> periods thick; tests/patterns/test_tomograph.py builds such a case), so grains are
found here from OVITO's PTM orientations: FCC atoms within the nearest-neighbour distance and
misoriented by less than ``max_misorientation_deg`` are connected; clusters that lie within
``bridge_angstrom`` of each other are merged when they have the same orientation (the two
sides of a stacking fault). Twins are not merged: in these <110>-columnar samples a rotation
of 70.5° about the column axis is itself a Σ3 relation, so a misorientation test would fuse
ordinary neighbouring grains; the label rules look at twinning (HCP fraction) first.
"""

from __future__ import annotations

import numpy as np

from scalebridge.patterns.colour import FCC
from scalebridge.patterns.orientation import misorientation_deg

TWIN_DEG = 60.0
TWIN_TOLERANCE_DEG = 5.0


def segment_grains(
    positions: np.ndarray,
    structure: np.ndarray,
    orientation: np.ndarray,
    box: np.ndarray,
    *,
    neighbour_angstrom: float = 3.0,
    bridge_angstrom: float = 7.0,
    max_misorientation_deg: float = 5.0,
    min_atoms: int = 20,
) -> np.ndarray:
    """Grain id (n,) of every atom: 1, 2, … by decreasing size; 0 for non-FCC atoms and for
    clusters smaller than ``min_atoms``. Periodic in x and y, open in z."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    grain = np.zeros(len(positions), dtype=np.int64)
    fcc = np.flatnonzero(structure == FCC)
    if fcc.size == 0:
        return grain
    pos = positions[fcc].copy()
    pos[:, :2] %= box[:2]
    pos[:, :2] = np.where(pos[:, :2] >= box[:2], 0.0, pos[:, :2])  # x % L can round to L
    z0 = pos[:, 2].min()
    tall = np.array([box[0], box[1], (pos[:, 2].max() - z0) * 3 + 10])
    tree = cKDTree(pos - [0.0, 0.0, z0 - 1.0], boxsize=tall)
    quats = orientation[fcc]

    def components(pairs: np.ndarray, n: int) -> np.ndarray:
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        return connected_components(graph, directed=False)[1]

    pairs = tree.query_pairs(neighbour_angstrom, output_type="ndarray")
    if len(pairs):
        close = misorientation_deg(quats[pairs[:, 0]], quats[pairs[:, 1]]) < max_misorientation_deg
        pairs = pairs[close]
    label = components(pairs.reshape(-1, 2), len(fcc))
    # merge clusters of one orientation across thin faults
    far = tree.query_pairs(bridge_angstrom, output_type="ndarray")
    if len(far):
        ends = np.sort(label[far].astype(np.int64), axis=1)  # int32 labels: no overflow
        ends = ends[ends[:, 0] != ends[:, 1]]
        width = label.max() + 1  # one integer per cluster pair: a 1-D unique is fast
        key = np.unique(ends[:, 0] * width + ends[:, 1])
        cluster_pairs = np.stack([key // width, key % width], axis=1)
        first = np.zeros(label.max() + 1, dtype=np.int64)
        first[label[::-1]] = np.arange(len(label))[::-1]  # one atom per cluster
        angle = misorientation_deg(
            quats[first[cluster_pairs[:, 0]]], quats[first[cluster_pairs[:, 1]]]
        )
        same = angle < max_misorientation_deg
        merged = components(cluster_pairs[same], label.max() + 1)
        label = merged[label]
    ids, counts = np.unique(label, return_counts=True)
    keep = ids[counts >= min_atoms][np.argsort(-counts[counts >= min_atoms])]
    rank = np.zeros(label.max() + 1, dtype=np.int64)
    rank[keep] = np.arange(1, len(keep) + 1)
    grain[fcc] = rank[label]
    return grain

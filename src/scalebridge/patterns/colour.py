"""Colour keys of the tomographs: inverse pole figure (IPF) and structure types."""

from __future__ import annotations

from typing import Any

import numpy as np

# OVITO's PTM structure type codes
OTHER, FCC, HCP, BCC, ICO = 0, 1, 2, 3, 4
STRUCTURE_RGB = {
    OTHER: (1.0, 1.0, 1.0),  # grain boundaries, disorder
    FCC: (0.55, 0.55, 0.55),
    HCP: (0.85, 0.1, 0.1),  # stacking faults, twin boundaries
    BCC: (0.1, 0.6, 0.1),
    ICO: (0.9, 0.8, 0.1),
}


def ipf_rgb(directions_crystal: np.ndarray) -> np.ndarray:
    """IPF colour (n x 3, 0–1) of crystal directions for cubic symmetry: [001] red,
    [101] green, [111] blue (standard EBSD key)."""
    d = np.abs(np.asarray(directions_crystal, dtype=float))
    d = np.sort(d / np.linalg.norm(d, axis=1, keepdims=True), axis=1)  # u <= v <= w
    u, v, w = d.T
    rgb = np.stack([w - v, v - u, u], axis=1)
    return rgb / rgb.max(axis=1, keepdims=True)


def ipf_direction(r: Any, g: Any, b: Any) -> tuple[Any, Any, Any]:
    """The inverse of :func:`ipf_rgb`: the unit crystal direction (u ≤ v ≤ w, the standard
    triangle) whose colour is (r, g, b). Elementwise over numpy arrays or torch tensors;
    black (no colour) gives zeros."""
    u, v, w = b, g + b, r + g + b
    norm = (u * u + v * v + w * w) ** 0.5
    norm = norm + (norm == 0)
    return u / norm, v / norm, w / norm


def fcc_coloured(r: Any, g: Any, b: Any, tolerance: float = 0.15) -> Any:
    """Pixels whose structure colour is FCC's within ``tolerance`` (RGB distance; a pixel's
    colour is the mean over its atoms), elementwise over numpy arrays or torch tensors."""
    f = STRUCTURE_RGB[FCC]
    return (r - f[0]) ** 2 + (g - f[1]) ** 2 + (b - f[2]) ** 2 < tolerance**2

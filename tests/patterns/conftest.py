"""Shared fixtures of the patterns tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalebridge.patterns.dataset import TileDataset
from scalebridge.patterns.descriptors import PATTERNS

COLOURS = np.array([[200, 200, 200], [0, 0, 0], [0, 0, 0], [0, 255, 0], [255, 0, 0]])


def make_synthetic(tile: int = 8, seed: int = 0, frames: int = 6) -> TileDataset:
    """Two runs of 8 × 3 tiles per frame; at t = 0 every tile is 'no change'; later tiles
    are 'no change', 'twinning' (HCP-red structure map) or 'shear layer' (rotated and
    displaced), with noise. The orientation colour follows the class too (grey, green,
    red), for the autoencoder's latent; the classifier does not see it."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for run in ("a", "b"):
        for t in range(frames):
            for x in range(8):
                for depth in range(3):
                    label = 0 if t == 0 else int(rng.choice([0, 3, 4]))
                    labels.append(label)
                    rows.append(
                        {
                            "run": run,
                            "ni_fraction": 0.25 if run == "a" else 1.0,
                            "pressure_gpa": 1.0,
                            "temperature_k": 300.0,
                            "time_ps": 2.0 * t,
                            "x_angstrom": 16.0 + 32 * x,
                            "depth_angstrom": 16.0 + 32 * depth,
                            "grain_size_ratio": 1.0,
                            "hcp_fraction_change": 0.3 if label == 3 else 0.0,
                            "rotation_deg": 15.0 if label == 4 else 0.0,
                            "advection_angstrom": 10.0 if label == 4 else 0.0,
                            "label": PATTERNS[label],
                        }
                    )
    n = len(rows)
    colours = COLOURS[np.array(labels)][:, None, None, :]
    ipf = np.clip(colours + rng.normal(0, 25, (n, tile, tile, 3)), 0, 255).astype(np.uint8)
    zeros = np.zeros((n, tile, tile), np.float16)
    table = pd.DataFrame(rows)
    twins = (table["label"] == "twinning").to_numpy()[:, None, None, None]
    structure = np.where(twins, [[[[190, 60, 60]]]], [[[[140, 140, 140]]]])
    structure = np.clip(structure + rng.normal(0, 15, (n, tile, tile, 3)), 0, 255)

    def scalar(column: str) -> np.ndarray:
        level = table[column].to_numpy()[:, None, None]
        return (level * (1 + rng.normal(0, 0.2, (n, tile, tile)))).astype(np.float16)

    return TileDataset(
        ipf=ipf,
        structure=structure.astype(np.uint8),
        advection=zeros,
        displacement=scalar("advection_angstrom"),
        rotation=scalar("rotation_deg"),
        density=np.full((n, tile, tile), 3.0, np.float16),
        crystal=np.ones((n, tile, tile), np.float16),
        grain_size=np.full((n, tile, tile), 500.0, np.float16),
        grain_atoms=np.full((n, tile, tile), 3.0, np.float16),
        table=table,
        info={"tile_px": tile, "pixel_angstrom": 2.0},
    )


@pytest.fixture
def synthetic():
    """Factory of the synthetic dataset: ``synthetic(tile=8, seed=0, frames=6)``."""
    return make_synthetic

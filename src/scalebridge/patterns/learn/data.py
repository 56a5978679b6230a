"""Tensors, metadata features and splits of a tile dataset."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalebridge.errors import InputError
from scalebridge.patterns.dataset import TileDataset
from scalebridge.patterns.descriptors import PATTERNS

METADATA = (
    "ni_fraction",
    "pressure_gpa",
    "temperature_k",
    "time_ps",
    "x_angstrom",
    "depth_angstrom",
)


@dataclass(frozen=True)
class Arrays:
    """images (N x 3 x T x T, float32 in [0, 1]), metadata (N x M, standardised),
    labels (N,) class indices into PATTERNS."""

    images: np.ndarray
    metadata: np.ndarray
    labels: np.ndarray


def to_arrays(dataset: TileDataset) -> Arrays:
    table = dataset.table
    missing = [c for c in (*METADATA, "label") if c not in table.columns]
    if missing:
        raise InputError(
            f"columns {', '.join(missing)} missing",
            source="dataset",
            expected="a dataset built by `patterns dataset build`",
        )
    images = dataset.ipf.astype(np.float32).transpose(0, 3, 1, 2) / 255.0
    meta = table[list(METADATA)].to_numpy(dtype=np.float64)
    meta = np.nan_to_num(meta)
    std = meta.std(axis=0)
    meta = (meta - meta.mean(axis=0)) / np.where(std > 0, std, 1.0)
    labels = np.array([PATTERNS.index(label) for label in table["label"]])
    return Arrays(images, meta.astype(np.float32), labels)


def random_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified random split: (train indices, validation indices)."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    counts = np.bincount(labels)
    stratify = labels if (counts[counts > 0] >= 2).all() else None
    train, val = train_test_split(idx, test_size=fraction, random_state=seed, stratify=stratify)
    return np.sort(train), np.sort(val)


def spatial_split(table: pd.DataFrame, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Hold out the right-most ``fraction`` of the lateral extent of every run: a whole region
    with its own grains, never a spatial neighbour of a training tile in x."""
    x = table["x_angstrom"].to_numpy()
    held = np.zeros(len(table), dtype=bool)
    for _, rows in table.groupby("run").groups.items():
        rows = np.asarray(rows)
        xs = x[rows]
        cut = xs.min() + (1 - fraction) * (xs.max() - xs.min())
        held[rows[xs > cut]] = True
    return np.flatnonzero(~held), np.flatnonzero(held)

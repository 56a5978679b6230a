"""Tensors, metadata features and splits of a tile dataset.

A tile's pattern is a change since t = 0 (see ``patterns.descriptors``), so a sample is the
tile *now* and the same region at t = 0, each with nine channels: orientation (IPF RGB),
structure (RGB), advection velocity, displacement since t = 0 and lattice rotation since
t = 0. Channels and metadata are standardised with statistics of the training tiles only
(:class:`Normaliser`, saved with the model and reused for new tiles).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

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
CHANNELS = (
    "ipf_r",
    "ipf_g",
    "ipf_b",
    "structure_r",
    "structure_g",
    "structure_b",
    "advection",
    "displacement",
    "rotation",
)


@dataclass(frozen=True)
class Arrays:
    """now, start (N x C x T x T float32, standardised), metadata (N x M, standardised),
    labels (N,) class indices into PATTERNS (-1 where unknown)."""

    now: np.ndarray
    start: np.ndarray
    metadata: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class Normaliser:
    """Per-channel and per-metadata mean and standard deviation (training tiles only)."""

    channel_mean: tuple[float, ...]
    channel_std: tuple[float, ...]
    metadata_mean: tuple[float, ...]
    metadata_std: tuple[float, ...]

    @classmethod
    def fit(cls, dataset: TileDataset, rows: np.ndarray) -> Normaliser:
        images = raw_channels(dataset)[rows]
        meta = raw_metadata(dataset)[rows]

        def spread(values: np.ndarray, axis: Any) -> tuple[float, ...]:
            std = values.std(axis=axis)
            return tuple(float(s) if s > 1e-12 else 1.0 for s in std)

        return cls(
            tuple(float(m) for m in images.mean(axis=(0, 2, 3))),
            spread(images, (0, 2, 3)),
            tuple(float(m) for m in meta.mean(axis=0)),
            spread(meta, 0),
        )

    def to_dict(self) -> dict[str, list[float]]:
        return {k: list(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict[str, list[float]]) -> Normaliser:
        return cls(**{k: tuple(v) for k, v in values.items()})


def raw_channels(dataset: TileDataset) -> np.ndarray:
    """N x 9 x T x T float32 in physical units (colours 0–1, Å/ps, Å, degrees)."""
    colour = [dataset.ipf, dataset.structure]
    scalar = [dataset.advection, dataset.displacement, dataset.rotation]
    parts = [c.astype(np.float32).transpose(0, 3, 1, 2) / 255.0 for c in colour]
    parts += [s.astype(np.float32)[:, None] for s in scalar]
    return np.concatenate(parts, axis=1)


def raw_metadata(dataset: TileDataset) -> np.ndarray:
    table = dataset.table
    missing = [c for c in (*METADATA, "run") if c not in table.columns]
    if missing:
        raise InputError(
            f"columns {', '.join(missing)} missing",
            source="dataset",
            field="table",
            expected="a dataset built by `patterns dataset build`",
        )
    meta = table[list(METADATA)].to_numpy(dtype=np.float64)
    unknown = ~np.isfinite(meta).all(axis=0)
    if unknown.any():
        names = [m for m, bad in zip(METADATA, unknown, strict=True) if bad]
        raise InputError(
            f"metadata {', '.join(names)} unknown (NaN) for some tiles",
            source="dataset",
            field=", ".join(names),
            expected="dumps inside an `md tribology` run folder, whose config.json gives them",
        )
    return meta


def start_rows(table: pd.DataFrame) -> np.ndarray:
    """Row of the same region (run, x, depth) at the run's first time, for every tile."""
    first = table.groupby("run")["time_ps"].transform("min")
    key = list(zip(table["run"], table["x_angstrom"], table["depth_angstrom"], strict=True))
    at_start = {k: i for i, k in enumerate(key) if table["time_ps"].iat[i] == first.iat[i]}
    rows = np.array([at_start.get(k, -1) for k in key])
    if (rows < 0).any():
        i = int(np.flatnonzero(rows < 0)[0])
        raise InputError(
            f"tile {i} (run {key[i][0]}, x {key[i][1]} Å, depth {key[i][2]} Å) has no tile at "
            "the same place in the run's first frame",
            source="dataset",
            field="x_angstrom, depth_angstrom",
            expected="the frame at t = 0 of every run among the tiles",
        )
    return rows


def to_arrays(dataset: TileDataset, normaliser: Normaliser) -> Arrays:
    images = raw_channels(dataset)
    mean = np.array(normaliser.channel_mean, np.float32)[None, :, None, None]
    std = np.array(normaliser.channel_std, np.float32)[None, :, None, None]
    images = (images - mean) / std
    meta = (raw_metadata(dataset) - np.array(normaliser.metadata_mean)) / np.array(
        normaliser.metadata_std
    )
    labels = np.array([PATTERNS.index(x) if x in PATTERNS else -1 for x in dataset.table["label"]])
    rows = start_rows(dataset.table)
    return Arrays(images, images[rows], meta.astype(np.float32), labels)


def random_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified random split: (train indices, validation indices); classes with one tile
    stay in training."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    counts = np.bincount(labels, minlength=len(PATTERNS))
    single = counts[labels] < 2
    train, val = train_test_split(
        idx[~single], test_size=fraction, random_state=seed, stratify=labels[~single]
    )
    return np.sort(np.r_[train, idx[single]]), np.sort(val)


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

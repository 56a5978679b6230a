"""Tensors, metadata features and splits of a tile dataset.

A tile's pattern is a change since t = 0 (see ``patterns.descriptors``), so a sample is the
tile *now* and the same region at t = 0, each with sixteen channels: orientation (IPF
RGB), structure (RGB), advection velocity, displacement since t = 0, lattice rotation since
t = 0, atoms per pixel, crystal share, grain size inside the tile, grain atoms per pixel,
and three read from the images alone (``images``): the advection images integrated since
t = 0, the size of orientation-colour regions and the turn of the orientation colours.
Channels and metadata are standardised with statistics of the training tiles only
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
from scalebridge.patterns.tiles import DESCRIPTORS, SCALAR_ARRAYS

#: Metadata the classifier sees. Position is the depth below the surface: the lateral x of a
#: periodic box along the sliding direction carries no physics, and with it the network
#: memorises columns (on the spatial hold-out it then extrapolates: accuracy 0.30, measured).
METADATA = (
    "ni_fraction",
    "pressure_gpa",
    "temperature_k",
    "time_ps",
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
    "density",
    "crystal",
    "grain_size",
    "grain_atoms",
    "advection_integrated",
    "colour_grain_size",
    "colour_turn",
)
#: The orientation colours.
ORIENTATION = ("ipf_r", "ipf_g", "ipf_b")
#: The channels of the published tomographs' images.
PUBLISHED = (*ORIENTATION, "structure_r", "structure_g", "structure_b", "advection")
#: Read from the published images alone (``images``): the advection images integrated over
#: the run's frames, per pixel the size of its orientation-colour region and how far its
#: colour turned since t = 0 (the turn enters the mean features through
#: ``images.turn_features``, not as a mean).
FROM_IMAGES = ("advection_integrated", "colour_grain_size", "colour_turn")
#: What the classifier's convolutional branch sees and which channels it averages over the
#: atoms (see ``models.build_classifier``), by ``LearnSettings.inputs``. "maps": the analysis
#: maps without the orientation colours (they name grains), the atom counts and crystal
#: share as weights only. "tomograph": the images of the published tomographs only —
#: orientation, structure, advection — and what they give read as a series
#: (``FROM_IMAGES``).
_WEIGHTS = ("density", "crystal", "grain_atoms")
INPUTS = {
    "maps": (
        tuple(c for c in CHANNELS if c not in (*ORIENTATION, *_WEIGHTS, *FROM_IMAGES)),
        tuple(c for c in CHANNELS if c not in (*ORIENTATION, *FROM_IMAGES)),
    ),
    "tomograph": (
        (*PUBLISHED, *FROM_IMAGES),
        (*PUBLISHED, "advection_integrated", "colour_grain_size"),
    ),
}


@dataclass(frozen=True)
class Arrays:
    """now, start (N x C x T x T float32, standardised), metadata (N x M, standardised),
    labels (N,) class indices into PATTERNS (-1 where unknown), descriptors (N x D, the
    label descriptors with the grain size ratio as its logarithm; NaN where the table has
    none)."""

    now: np.ndarray
    start: np.ndarray
    metadata: np.ndarray
    labels: np.ndarray
    descriptors: np.ndarray


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
    """N x 16 x T x T float32 in physical units (colours 0–1, Å/ps, Å, degrees, atoms per
    pixel, fraction, atoms, atoms per pixel, Å, pixels, degrees)."""
    from scalebridge.patterns.learn.images import colour_grains, colour_turn, integrated_advection

    ipf, structure = (
        c.astype(np.float32).transpose(0, 3, 1, 2) / 255.0 for c in (dataset.ipf, dataset.structure)
    )
    scalar = [getattr(dataset, name).astype(np.float32)[:, None] for name in SCALAR_ARRAYS]
    flowed = integrated_advection(dataset.table, dataset.advection.astype(np.float32))
    grains = colour_grains(ipf, structure)
    start, pixel = start_rows(dataset.table), float(dataset.info["pixel_angstrom"])
    turn = colour_turn(ipf, structure, flowed, start, pixel)
    return np.concatenate(
        [ipf, structure, *scalar, *(x[:, None] for x in (flowed, grains, turn))], axis=1
    )


def raw_metadata(dataset: TileDataset) -> np.ndarray:
    table = dataset.table
    missing = [c for c in (*METADATA, "run", "x_angstrom") if c not in table.columns]
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
    return Arrays(images, images[rows], meta.astype(np.float32), labels, descriptors(dataset))


def descriptors(dataset: TileDataset) -> np.ndarray:
    """The label descriptors of every tile (N x 4; log of the grain size ratio, whose
    refinement and coarsening thresholds are symmetric there); NaN where absent."""
    table = dataset.table
    values = np.full((len(table), len(DESCRIPTORS)), np.nan, np.float32)
    for j, name in enumerate(DESCRIPTORS):
        if name in table.columns:
            column = table[name].to_numpy(dtype=np.float64)
            if name == "grain_size_ratio":
                column = np.log(np.where(column > 0, column, np.nan))
            values[:, j] = column
    return values


def random_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random split, stratified by class where every class has two tiles or more (a class
    with one tile stays in training): (train indices, validation indices) into ``labels``."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    counts = np.bincount(labels, minlength=len(PATTERNS))
    single = counts[labels] < 2
    rest = idx[~single]
    n_val = int(np.ceil(fraction * len(rest)))
    stratify = labels[rest] if n_val >= len(np.unique(labels[rest])) else None
    if len(rest) < 2:
        raise InputError(
            f"{len(labels)} tiles", source="dataset", expected="enough tiles for a validation set"
        )
    train, val = train_test_split(rest, test_size=fraction, random_state=seed, stratify=stratify)
    return np.sort(np.r_[train, idx[single]]), np.sort(val)


def spatial_split(table: pd.DataFrame, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Hold out the right-most ``fraction`` of the lateral extent of every run (a whole region
    with its own grains) and drop the tiles within one tile pitch of it, on both sides and
    across the periodic boundary, from training: no training tile touches a held-out one.
    Returns (train rows, held-out rows); the buffer rows are in neither."""
    x = table["x_angstrom"].to_numpy()
    train = np.zeros(len(table), dtype=bool)
    held = np.zeros(len(table), dtype=bool)
    for _, rows in table.reset_index(drop=True).groupby("run").indices.items():
        xs = x[rows]
        columns = np.unique(xs)
        if len(columns) < 4:
            raise InputError(
                f"run with {len(columns)} tile columns",
                source="dataset",
                field="x_angstrom",
                expected="at least 4 columns per run for a spatial hold-out with a buffer",
            )
        pitch = float(np.min(np.diff(columns)))
        period = float(columns[-1] - columns[0]) + pitch
        cut = xs.min() + (1 - fraction) * (xs.max() - xs.min())
        out = xs > cut
        if not out.any():
            out = xs == columns[-1]
        gap = np.abs(xs[:, None] - xs[out][None, :])
        gap = np.minimum(gap, period - gap).min(axis=1)
        held[rows[out]] = True
        train[rows[~out & (gap > pitch * 1.01)]] = True
    return np.flatnonzero(train), np.flatnonzero(held)


def sample_rows(table: pd.DataFrame) -> np.ndarray:
    """Rows that are samples: every tile after its run's first frame (a tile at t = 0 is its
    own reference, 'no significant change' by construction; it only serves as a start)."""
    first = table.groupby("run")["time_ps"].transform("min").to_numpy()
    return np.flatnonzero(table["time_ps"].to_numpy() > first)

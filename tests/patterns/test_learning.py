"""The learning core on a small synthetic dataset whose classes are learnable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalebridge.patterns.dataset import TileDataset
from scalebridge.patterns.descriptors import PATTERNS
from scalebridge.patterns.learn.data import random_split, spatial_split, to_arrays
from scalebridge.patterns.learn.workflow import LearnSettings, fit_autoencoder, ssim_global


def synthetic(n: int = 200, tile: int = 8, seed: int = 0) -> TileDataset:
    """Class k = a tile of colour k (with noise); metadata random."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    colours = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]])
    ipf = np.clip(colours[labels][:, None, None, :] + rng.normal(0, 20, (n, tile, tile, 3)), 0, 255)
    table = pd.DataFrame(
        {
            "run": rng.choice(["a", "b"], n),
            "ni_fraction": rng.choice([0.0, 0.25, 1.0], n),
            "pressure_gpa": rng.choice([0.5, 3.0], n),
            "temperature_k": 300.0,
            "time_ps": rng.uniform(0, 10, n),
            "x_angstrom": rng.uniform(0, 160, n),
            "depth_angstrom": rng.uniform(0, 80, n),
            "label": [PATTERNS[k] for k in labels],
        }
    )
    return TileDataset(
        ipf=ipf.astype(np.uint8),
        structure=np.zeros((n, tile, tile, 3), np.uint8),
        advection=np.zeros((n, tile, tile), np.float16),
        table=table,
        info={"tile_px": tile, "pixel_angstrom": 2.0},
    )


def test_splits():
    data = synthetic()
    arrays = to_arrays(data)
    train, val = random_split(arrays.labels, 0.25, seed=1)
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == 200
    train, held = spatial_split(data.table, 0.25)
    x = data.table["x_angstrom"].to_numpy()
    for run in ("a", "b"):
        mine = data.table["run"].to_numpy() == run
        assert (
            x[np.intersect1d(held, np.flatnonzero(mine))].min()
            > x[np.intersect1d(train, np.flatnonzero(mine))].max()
        )


def test_ssim_of_identical_images_is_one():
    rng = np.random.default_rng(0)
    a = rng.random((4, 3, 8, 8))
    assert ssim_global(a, a) == pytest.approx(1.0)
    assert ssim_global(a, rng.random((4, 3, 8, 8))) < 0.5


@pytest.mark.slow
def test_autoencoder_learns_and_is_deterministic(tmp_path):
    arrays = to_arrays(synthetic())
    train, val = random_split(arrays.labels, 0.25, seed=0)
    settings = LearnSettings(autoencoder_epochs=25, seed=3, lr=5e-3)
    _, first = fit_autoencoder(arrays, train, val, settings)
    _, again = fit_autoencoder(arrays, train, val, settings)
    assert first == again  # same seed, same numbers
    baseline = float(np.mean((arrays.images[val] - arrays.images[train].mean(0)) ** 2))
    assert first["mse"] < 0.5 * baseline  # better than predicting the mean tile


@pytest.mark.slow
def test_interrupted_training_resumes_to_the_same_result(tmp_path):
    arrays = to_arrays(synthetic())
    train, val = random_split(arrays.labels, 0.25, seed=0)
    full = LearnSettings(autoencoder_epochs=6, seed=5, patience=100)
    _, uninterrupted = fit_autoencoder(arrays, train, val, full)
    checkpoint = tmp_path / "ae.ckpt"
    fit_autoencoder(
        arrays, train, val, LearnSettings(autoencoder_epochs=3, seed=5, patience=100), checkpoint
    )
    _, resumed = fit_autoencoder(arrays, train, val, full, checkpoint)
    assert resumed["mse"] == pytest.approx(uninterrupted["mse"], rel=1e-6)

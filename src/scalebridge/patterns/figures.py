"""Figures of a tile dataset."""

from __future__ import annotations

from typing import Any

import numpy as np

from scalebridge.patterns.dataset import TileDataset
from scalebridge.patterns.descriptors import PATTERNS


def tile_gallery(dataset: TileDataset, per_label: int = 6, seed: int = 0) -> Any:
    """A row of example tiles (orientation above structure) for each pattern."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(
        len(PATTERNS), 2 * per_label, figsize=(1.1 * 2 * per_label, 1.25 * len(PATTERNS))
    )
    labels = dataset.table["label"].to_numpy()
    for row, pattern in enumerate(PATTERNS):
        rows = np.flatnonzero(labels == pattern)
        chosen = rng.choice(rows, min(per_label, len(rows)), replace=False) if len(rows) else rows
        for k in range(per_label):
            for j, images in enumerate((dataset.ipf, dataset.structure)):
                ax = axes[row, 2 * k + j]
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                if k < len(chosen):
                    ax.imshow(images[chosen[k]], interpolation="nearest")
        axes[row, 0].set_ylabel(
            f"{pattern}\n({len(rows)})", rotation=0, ha="right", va="center", fontsize=8
        )
    fig.suptitle("tiles per pattern: orientation (IPF of z) | structure (grey FCC, red HCP)")
    return fig


def grain_pairs(dataset: TileDataset, per_label: int = 3) -> Any:
    """Refined and coarsened tiles beside their region at t = 0: orientation, then the
    grain-size map of the tile's own field of view (atoms of each grain inside the tile;
    pixels without grain atoms blank), with the grain size ratio of the label — what the
    classifier reads grain changes from."""
    from scalebridge.patterns.learn.data import start_rows
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    table = dataset.table
    start = start_rows(table)
    chosen = []
    for pattern in ("grain refinement", "grain coarsening"):
        rows = np.flatnonzero(table["label"].to_numpy() == pattern)
        ratio = table["grain_size_ratio"].to_numpy()[rows]
        order = np.argsort(ratio if pattern == "grain refinement" else -ratio)
        chosen += [(pattern, int(r)) for r in rows[order][:per_label]]
    if not chosen:
        fig, ax = plt.subplots(figsize=(5, 1.2))
        ax.text(0.5, 0.5, "no refined or coarsened tile in this dataset", ha="center")
        ax.set_axis_off()
        return fig
    fig, axes = plt.subplots(len(chosen), 4, figsize=(7.6, 1.9 * len(chosen)), squeeze=False)
    for (pattern, row), ax in zip(chosen, axes, strict=True):
        size = [
            np.where(dataset.grain_atoms[i] > 0, dataset.grain_size[i].astype(float), np.nan)
            for i in (start[row], row)
        ]
        top = float(np.nanmax(np.r_[size[0].ravel(), size[1].ravel(), 1.0]))
        panels = (
            ("t = 0", dataset.ipf[start[row]]),
            (f"t = {table['time_ps'].iat[row]:g} ps", dataset.ipf[row]),
            ("grain size (atoms), t = 0", size[0]),
            ("grain size now", size[1]),
        )
        for j, (title, image) in enumerate(panels):
            shown = ax[j].imshow(image, cmap="viridis", vmin=0.0, vmax=top, interpolation="nearest")
            ax[j].set_title(title, fontsize=7)
            ax[j].set_xticks([])
            ax[j].set_yticks([])
            ax[j].grid(False)
        ax[0].set_ylabel(
            f"{pattern}\nratio {table['grain_size_ratio'].iat[row]:.2f}",
            rotation=0,
            ha="right",
            va="center",
            fontsize=7,
        )
        fig.colorbar(shown, ax=ax[3], shrink=0.8).ax.tick_params(labelsize=6)
    fig.suptitle("grains counted inside each 32 Å tile, at t = 0 and now", fontsize=9)
    fig.tight_layout()
    return fig

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

"""Tomograph tiles with metadata, descriptors and labels, and the depth–time heat maps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalebridge.patterns.descriptors import LabelRules, region_descriptors, region_mask
from scalebridge.patterns.tomograph import (
    AtomFrame,
    Raster,
    Tomograph,
    fill_gaps,
    grain_sizes,
    since_start,
    to_uint8,
)

DESCRIPTORS = ("grain_size_ratio", "hcp_fraction_change", "rotation_deg", "advection_angstrom")
#: Per-tile images: colour (N x T x T x 3, uint8) and scalar maps (N x T x T, float16).
COLOUR_ARRAYS = ("ipf", "structure")
#: Maps cut from the frame's tomograph; the grain maps are measured inside each tile.
FRAME_ARRAYS = ("advection", "displacement", "rotation", "density", "crystal")
GRAIN_ARRAYS = ("grain_size", "grain_atoms")
SCALAR_ARRAYS = FRAME_ARRAYS + GRAIN_ARRAYS
IMAGE_ARRAYS = COLOUR_ARRAYS + SCALAR_ARRAYS


@dataclass
class TileSet:
    """Tiles of one run: images (N x T x T x 3 uint8 ipf and structure; N x T x T float16
    advection velocity in Å/ps, displacement since t = 0 in Å, lattice rotation since t = 0
    in degrees, atoms per pixel, crystal fraction — see
    :class:`~scalebridge.patterns.tomograph.Tomograph` — and the grain maps of the tile's
    own field of view, see :func:`tile_grain_maps`) and one table row each (metadata,
    descriptors, label)."""

    ipf: np.ndarray
    structure: np.ndarray
    advection: np.ndarray
    displacement: np.ndarray
    rotation: np.ndarray
    density: np.ndarray
    crystal: np.ndarray
    grain_size: np.ndarray
    grain_atoms: np.ndarray
    table: pd.DataFrame


def cut_tiles(
    frames: list[AtomFrame],
    tomographs: list[Tomograph],
    raster: Raster,
    *,
    tile_px: int,
    metadata: dict[str, Any],
    rules: LabelRules,
    min_material: float = 0.9,
) -> TileSet:
    """Tiles of every frame on a fixed grid (columns × depth rows from the surface)."""
    images: dict[str, list[np.ndarray]] = {name: [] for name in IMAGE_ARRAYS}
    rows = []
    start = frames[0]
    for frame, image in zip(frames, tomographs, strict=True):
        change = since_start(frame, start)
        for r0 in range(0, raster.height - tile_px + 1, tile_px):
            for c0 in range(0, raster.width - tile_px + 1, tile_px):
                window = (slice(r0, r0 + tile_px), slice(c0, c0 + tile_px))
                if image.material[window].mean() < min_material:
                    continue
                x_range = (c0 * raster.pixel, (c0 + tile_px) * raster.pixel)
                z_hi = raster.z_top - r0 * raster.pixel
                z_range = (z_hi - tile_px * raster.pixel, z_hi)
                d = region_descriptors(frame, start, x_range, z_range, rules, change)
                for name in COLOUR_ARRAYS:
                    images[name].append(to_uint8(getattr(image, name)[window]))
                maps = {name: getattr(image, name)[window] for name in FRAME_ARRAYS}
                grain = tile_grain_maps(frame, raster, window, x_range, z_range)
                for name, values in (maps | dict(zip(GRAIN_ARRAYS, grain, strict=True))).items():
                    images[name].append(float16(values))
                rows.append(
                    {
                        **metadata,
                        "time_ps": frame.time_ps,
                        "x_angstrom": (x_range[0] + x_range[1]) / 2,
                        "depth_angstrom": (r0 + tile_px / 2) * raster.pixel,
                        **d,
                        "label": rules.label(d),
                    }
                )
    empty: dict[str, np.ndarray] = {
        **{name: np.zeros((0, tile_px, tile_px, 3), np.uint8) for name in COLOUR_ARRAYS},
        **{name: np.zeros((0, tile_px, tile_px), np.float16) for name in SCALAR_ARRAYS},
    }
    stacked: dict[str, np.ndarray] = {
        name: np.stack(v) if v else empty[name] for name, v in images.items()
    }
    return TileSet(**stacked, table=pd.DataFrame(rows))


def tile_grain_maps(
    frame: AtomFrame,
    raster: Raster,
    window: tuple[slice, slice],
    x_range: tuple[float, float],
    z_range: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """The grain maps of one tile, grains counted inside it as in a grain-size analysis of
    that field of view: grain size (mean over a pixel's grain atoms of the atoms of their
    grain inside the tile; pixels without grain atoms take the nearest value) and grain
    atoms per pixel. Weighted by the grain atoms, the tile's mean grain size is the label's
    Σn²/Σn (``patterns.descriptors``), so the same maps of the region at t = 0 give the
    grain-size ratio exactly."""
    inside = region_mask(frame, x_range, z_range)
    grain = frame.grain[inside]
    held = grain > 0
    height, width = (w.stop - w.start for w in window)
    if not held.any():
        return np.zeros((height, width)), np.zeros((height, width))
    # pixels of the tile from the region's own coordinates (x wrapped into the box, as the
    # region is), so every atom of the region lands in the window
    x, z = frame.positions[inside][held, 0] % frame.box[0], frame.positions[inside][held, 2]
    col = np.clip((x - x_range[0]) // raster.pixel, 0, width - 1).astype(int)
    row = np.clip((z_range[1] - z) // raster.pixel, 0, height - 1).astype(int)
    flat = row * width + col
    counts = np.bincount(flat, minlength=height * width)
    sums = np.bincount(flat, grain_sizes(grain)[held], minlength=height * width)
    sizes = (sums / np.maximum(counts, 1)).reshape(height, width, 1)
    counts = counts.reshape(height, width)
    return fill_gaps(sizes, counts, vacuum=False)[..., 0], counts.astype(float)


def float16(values: np.ndarray) -> np.ndarray:
    """Stored scalar maps: float16, clipped to its range (±65,504) rather than turned into
    infinities — a grain of more atoms than that is stored as 65,504 atoms."""
    limit = float(np.finfo(np.float16).max)
    return np.clip(values, -limit, limit).astype(np.float16)


def heatmaps(table: pd.DataFrame) -> Any:
    """Depth–time maps of the lateral mean of each descriptor (the figures the group shows)."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, len(DESCRIPTORS), figsize=(4 * len(DESCRIPTORS), 3.6))
    for ax, name in zip(axes, DESCRIPTORS, strict=True):
        grid = table.pivot_table(index="depth_angstrom", columns="time_ps", values=name)
        t, d = grid.columns.to_numpy(float), grid.index.to_numpy(float)
        dt = (t[1] - t[0]) / 2 if len(t) > 1 else 0.5
        dd = (d[1] - d[0]) / 2 if len(d) > 1 else 0.5
        image = ax.imshow(
            grid.to_numpy(),
            aspect="auto",
            cmap="magma",
            extent=(t[0] - dt, t[-1] + dt, d[-1] + dd, d[0] - dd),
        )
        ax.set_xlabel("time (ps)")
        ax.set_ylabel("depth below surface (Å)")
        ax.set_title(name.replace("_", " "))
        ax.grid(False)
        fig.colorbar(image, ax=ax)
    fig.tight_layout()
    return fig


def frame_figure(image: Tomograph, title: str) -> Any:
    """The tomographs of one frame: orientation, structure and the grain-size map, then the
    scalar maps; the atoms per pixel and crystal share, the weights of tile averages,
    last."""
    from matplotlib.colors import LogNorm, TwoSlopeNorm

    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(2, 4, figsize=(17, 5.6))
    axes[0, 0].imshow(image.ipf, interpolation="nearest")
    axes[0, 0].set_title("orientation (IPF of z: [001] red, [101] green, [111] blue)", fontsize=8)
    axes[0, 1].imshow(image.structure, interpolation="nearest")
    axes[0, 1].set_title("structure (grey FCC, red HCP, white other)", fontsize=8)
    scalar = (
        (axes[0, 2], "grain_size", "grain size (atoms in the grain)", "cividis", "log"),
        (axes[0, 3], "density", "atoms per pixel column", "viridis", None),
        (axes[1, 0], "advection", "advection velocity vx (Å/ps)", "coolwarm", "signed"),
        (axes[1, 1], "displacement", "x displacement since t = 0 (Å)", "coolwarm", "signed"),
        (axes[1, 2], "rotation", "lattice rotation since t = 0 (°)", "magma", None),
        (axes[1, 3], "crystal", "share of atoms FCC now and at t = 0", "Greys_r", None),
    )
    for ax, name, label, cmap, scale in scalar:
        values = np.where(image.material, getattr(image, name), np.nan)
        limit = max(float(np.nanmax(np.abs(values))), 1e-6)
        norm: Any = None
        if scale == "signed":
            norm = TwoSlopeNorm(0.0, -limit, limit)
        elif scale == "log":
            values = np.where(values >= 1, values, np.nan)
            norm = LogNorm(1.0, max(limit, 10.0))
        shown = ax.imshow(values, cmap=cmap, norm=norm, interpolation="nearest")
        ax.set_title(label, fontsize=8)
        fig.colorbar(shown, ax=ax, shrink=0.8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig

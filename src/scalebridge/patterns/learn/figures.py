"""Figures of pattern learning: reconstructions, confusion matrices, training curves, the
mechanism map."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scalebridge.patterns.descriptors import PATTERNS

#: One colour per pattern, in PATTERNS order (maps and predicted-label figures).
PATTERN_RGB = ("#d9d9d9", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")


def reconstructions(original: np.ndarray, rebuilt: np.ndarray, n: int = 10) -> Any:
    """Originals (top) beside reconstructions (bottom): orientation colours, N x 3 x T x T."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    n = min(n, len(original))
    fig, axes = plt.subplots(2, n, figsize=(1.2 * n, 2.8), squeeze=False)
    for k in range(n):
        for row, images in enumerate((original, rebuilt)):
            ax = axes[row, k]
            ax.imshow(images[k].transpose(1, 2, 0), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
    axes[0, 0].set_ylabel("tile", fontsize=8)
    axes[1, 0].set_ylabel("decoded", fontsize=8)
    fig.suptitle("held-out tiles (orientation, IPF of z) and their reconstructions", fontsize=9)
    fig.tight_layout()
    return fig


def confusion(matrix: list[list[int]], title: str) -> Any:
    """Confusion matrix (rows true, columns predicted) with counts."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    counts = np.asarray(matrix)
    present = np.flatnonzero(counts.sum(axis=0) + counts.sum(axis=1))
    counts = counts[np.ix_(present, present)]
    names = [PATTERNS[i].replace("no significant change", "no change") for i in present]
    fig, ax = plt.subplots(figsize=(1.1 * len(present) + 2.5, 1.0 * len(present) + 1.8))
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (i, j), value in np.ndenumerate(counts):
        colour = "white" if shares[i, j] > 0.6 else "black"
        ax.text(j, i, str(value), ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("label (conventional analysis)")
    ax.set_title(title, fontsize=9)
    ax.grid(False)
    fig.tight_layout()
    return fig


def training_curves(histories: dict[str, dict[str, list[dict[str, float]]]]) -> Any:
    """Losses per epoch: one row per split, one panel per trained network."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    n_cols = max(len(h) for h in histories.values())
    fig, axes = plt.subplots(
        len(histories), n_cols, figsize=(3.2 * n_cols, 2.7 * len(histories)), squeeze=False
    )
    for row, (split, networks) in enumerate(histories.items()):
        for ax in axes[row, len(networks) :]:
            ax.axis("off")
        for ax, (name, history) in zip(axes[row], networks.items(), strict=False):
            epochs = [h["epoch"] for h in history]
            ax.plot(epochs, [h["train_loss"] for h in history], label="training")
            ax.plot(epochs, [h["val_loss"] for h in history], label="early-stopping tiles")
            best = min(history, key=lambda h: h["val_loss"])
            ax.axvline(best["epoch"], color="grey", lw=0.8, ls="--")
            ax.set_xlabel("epoch")
            ax.set_yscale("log")
            ax.set_title(f"{split} split: {name}", fontsize=9)
        axes[row, 0].set_ylabel("loss")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def mechanism_map(grids: dict[tuple[float, float], pd.DataFrame], fitted: Any) -> Any:
    """One panel per (composition, temperature): dominant pattern over pressure × depth,
    faded where uncertain, uncertainty contours, simulated pressures marked."""
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    keys = sorted(grids)
    compositions = sorted({k[0] for k in keys})
    temperatures = sorted({k[1] for k in keys})
    fig, axes = plt.subplots(
        len(temperatures),
        len(compositions),
        figsize=(3.3 * len(compositions), 2.9 * len(temperatures) + 0.8),
        squeeze=False,
        sharex=True,
        sharey=True,
    )
    colours = np.array([to_rgb(c) for c in PATTERN_RGB])
    for (ni, temperature), grid in grids.items():
        ax = axes[temperatures.index(temperature), compositions.index(ni)]
        pressures = np.sort(grid["pressure_gpa"].unique())
        depths = np.sort(grid["depth_angstrom"].unique())
        shape = (len(depths), len(pressures))
        index = grid["dominant"].map(PATTERNS.index).to_numpy().reshape(shape)
        fade = 0.7 * grid["uncertainty"].to_numpy().reshape(shape)[..., None]
        rgb = colours[index] * (1 - fade) + fade
        ax.pcolormesh(pressures, depths, rgb, shading="nearest")
        lines = ax.contour(
            pressures,
            depths,
            grid["uncertainty"].to_numpy().reshape(shape),
            levels=[0.5, 0.75],
            colors="k",
            linewidths=0.7,
        )
        ax.clabel(lines, fontsize=6)
        simulated = fitted.simulated
        here = simulated[
            np.isclose(simulated["ni_fraction"], ni)
            & np.isclose(simulated["temperature_k"], temperature)
        ]
        for pressure in here["pressure_gpa"]:
            ax.axvline(pressure, color="k", ls=":", lw=1)
        ax.set_xscale("log")
        ticks = [p for p in (0.25, 0.5, 1, 2, 3, 5) if pressures[0] <= p <= pressures[-1]]
        ax.set_xticks(ticks, [f"{p:g}" for p in ticks])
        ax.minorticks_off()
        ax.set_title(f"Ni {100 * ni:.0f} at.%, {temperature:.0f} K", fontsize=9)
        ax.grid(False)
    for ax in axes[-1]:
        ax.set_xlabel("normal pressure (GPa)")
    for ax in axes[:, 0]:
        ax.set_ylabel("depth below surface (Å)")
    axes[0, 0].invert_yaxis()
    handles = [Patch(color=c, label=p) for c, p in zip(PATTERN_RGB, PATTERNS, strict=True)]
    fig.legend(handles=handles, loc="lower center", ncol=len(PATTERNS), fontsize=8)
    fig.suptitle(
        f"deformation-mechanism map at t = {fitted.time_ps:g} ps — paler where uncertain, "
        "contours of the normalised entropy; dotted: simulated pressures",
        fontsize=9,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def predicted_tiles(tiles: pd.DataFrame, title: str) -> Any:
    """Predicted pattern of each tile of one run over x and depth, one panel per time."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    times = np.sort(tiles["time_ps"].unique())
    fig, axes = plt.subplots(
        1, len(times), figsize=(2.2 * len(times), 2.6), squeeze=False, sharey=True
    )
    for ax, time in zip(axes[0], times, strict=True):
        at = tiles[np.isclose(tiles["time_ps"], time)]
        colours = [PATTERN_RGB[PATTERNS.index(p)] for p in at["predicted"]]
        ax.scatter(
            at["x_angstrom"], at["depth_angstrom"], c=colours, s=260 * at["probability"], marker="s"
        )
        ax.set_title(f"{time:g} ps", fontsize=8)
        ax.set_xlabel("x (Å)", fontsize=8)
        ax.grid(False)
    axes[0, 0].set_ylabel("depth (Å)")
    axes[0, 0].invert_yaxis()
    fig.suptitle(title + " — marker size: class probability", fontsize=9)
    fig.tight_layout()
    return fig

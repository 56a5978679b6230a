"""Figures of an STZ solve beside the MD reference (matplotlib, imported on use)."""

from __future__ import annotations

from typing import Any

import numpy as np

from scalebridge.continuum.md_data import MDShearData
from scalebridge.continuum.parameters import T_Z_KELVIN
from scalebridge.continuum.solver import STZResult

DEFAULT_SNAPSHOT_FRAMES = (16, 24, 70, 100)


def stress_strain_figure(result: STZResult, md: MDShearData) -> Any:
    """Mean shear stress against applied strain: MD curve and the continuum frames."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    ax.plot(md.stress_gamma, md.stress_tau_gpa, color="0.35", lw=1.2, label="MD (CuZr)")
    ax.plot(result.gamma, result.tau_gpa, color="tab:red", lw=2.0, label="STZ continuum")
    ax.set_xlabel("applied shear strain γ")
    ax.set_ylabel("shear stress τ (GPa)")
    ax.set_xlim(0.0, float(result.gamma[-1]))
    ax.set_ylim(bottom=0.0)
    ax.legend(loc="lower right")
    return fig


def strain_snapshots_figure(
    result: STZResult, md: MDShearData, frames: tuple[int, ...] = DEFAULT_SNAPSHOT_FRAMES
) -> Any:
    """2 E_xy of the continuum (bottom) under the MD shear strain (top) at a few frames."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    extent = (0.0, 400.0, 0.0, 400.0)
    fig, axes = plt.subplots(
        2, len(frames), figsize=(3.4 * len(frames), 6.2), squeeze=False, layout="constrained"
    )
    for col, k in enumerate(frames):
        pair = (md.shear_strain[k], result.two_exy[k])
        for row, (field, label) in enumerate(zip(pair, ("MD", "STZ"), strict=True)):
            ax = axes[row, col]
            image = ax.imshow(field, origin="lower", extent=extent, cmap="viridis")
            ax.set_title(f"{label}, γ = {md.gamma[k]:.2f}")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            fig.colorbar(image, ax=ax, shrink=0.85)
    fig.suptitle("shear strain: MD (top), STZ 2E_xy (bottom); x, y over 400 Å")
    return fig


def chi_figure(result: STZResult) -> Any:
    """Effective temperature 21000 chi (K) at the first and the last frame reached."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    reached = np.flatnonzero(np.isfinite(result.chi).all(axis=(1, 2)))
    first, last = (int(reached[0]), int(reached[-1])) if reached.size else (0, -1)
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.2), squeeze=False, layout="constrained")
    for ax, k in zip(axes[0], (first, last), strict=True):
        image = ax.imshow(
            T_Z_KELVIN * result.chi[k], origin="lower", extent=(0, 400, 0, 400), cmap="inferno"
        )
        ax.set_title(f"effective temperature, γ = {result.gamma[k]:.2f}")
        ax.set_xlabel("x (Å)")
        ax.set_ylabel("y (Å)")
        ax.grid(False)
        fig.colorbar(image, ax=ax, label="21000 χ (K)")
    return fig

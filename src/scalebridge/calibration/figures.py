"""Figures of a calibration run (matplotlib, imported on use)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scalebridge.calibration.bounds import ParameterSpace
from scalebridge.calibration.evaluations import Evaluation

LABELS = {"beta_per_ev": "β (1/eV)", "u0_ev": "u0 (eV)", "c0": "c0", "s_y_gpa": "s_y (GPa)"}


def best_so_far(rows: Sequence[Evaluation]) -> np.ndarray:
    """(n,) running minimum of d over rows in evaluation order (inf until a feasible one)."""
    d = np.array([e.d if e.feasible else np.inf for e in rows], dtype=float)
    return np.minimum.accumulate(d) if d.size else d


def convergence_figure(runs: Mapping[str, Sequence[Evaluation]]) -> Any:
    """Best objective against the number of forward solves, one line per run label."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    for label, rows in runs.items():
        best = best_so_far(rows)
        ax.step(np.arange(1, best.size + 1), best, where="post", label=label)
    ax.set_xlabel("forward solves")
    ax.set_ylabel("best objective d so far")
    ax.set_yscale("log")
    ax.legend()
    return fig


def pairs_figure(rows: Sequence[Evaluation], space: ParameterSpace) -> Any:
    """Scatter of every parameter pair, coloured by log10 d; infeasible points as grey x."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    names = space.names
    x = np.array([e.values for e in rows], dtype=float)
    d = np.array([e.d for e in rows], dtype=float)
    ok = np.array([e.feasible for e in rows], dtype=bool)
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    fig, axes = plt.subplots(2, 3, figsize=(12.0, 7.0), layout="constrained")
    image = None
    for ax, (i, j) in zip(axes.ravel(), pairs, strict=True):
        ax.scatter(x[~ok, i], x[~ok, j], marker="x", s=10, color="0.6", label="infeasible")
        image = ax.scatter(x[ok, i], x[ok, j], c=np.log10(d[ok]), s=10, cmap="viridis_r", vmax=None)
        if ok.any():
            b = int(np.flatnonzero(ok)[np.argmin(d[ok])])
            ax.scatter(x[b, i], x[b, j], marker="*", s=180, color="tab:red", label="best")
        ax.set_xlabel(LABELS.get(names[i], names[i]))
        ax.set_ylabel(LABELS.get(names[j], names[j]))
        ax.set_xlim(space.lower[i], space.upper[i])
        ax.set_ylim(space.lower[j], space.upper[j])
    axes[0, 0].legend(loc="best", fontsize=8)
    if image is not None:
        fig.colorbar(image, ax=axes, label="log10 d", shrink=0.8)
    return fig


def marginals_figure(
    near_optimal: np.ndarray,
    space: ParameterSpace,
    best: np.ndarray,
    reference: np.ndarray | None = None,
) -> Any:
    """Histograms of the (n, d) near-optimal parameter set over each parameter's full range."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, space.dim, figsize=(3.2 * space.dim, 3.2), layout="constrained")
    for k, ax in enumerate(axes):
        bins = np.linspace(space.lower[k], space.upper[k], 41)
        if near_optimal.shape[0]:
            ax.hist(near_optimal[:, k], bins=bins, color="tab:blue", alpha=0.7)
        ax.axvline(best[k], color="tab:red", lw=2, label="best")
        if reference is not None:
            ax.axvline(reference[k], color="k", ls="--", lw=1.5, label="reference")
        ax.set_xlim(space.lower[k], space.upper[k])
        ax.set_xlabel(LABELS.get(space.names[k], space.names[k]))
        ax.set_yticks([])
    axes[0].legend(fontsize=8)
    fig.suptitle(
        f"parameters the surrogate predicts within noise of the best ({near_optimal.shape[0]} pts)"
    )
    return fig


def objective_comparison_figure(paper: Any, robust: Any, gamma: np.ndarray) -> Any:
    """Per-snapshot geodesic distance of one solve: published objective against robust."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 3.8), layout="constrained")
    pos = np.arange(len(paper.per_snapshot))
    ax.bar(pos - 0.2, paper.per_snapshot, 0.4, label=f"published (d = {paper.d:.4f})")
    ax.bar(pos + 0.2, robust.per_snapshot, 0.4, label=f"robust (d = {robust.d:.4f})")
    ax.set_xticks(
        pos, [f"{gamma[k]:.2f}\np={p}" for k, p in zip(paper.frames, paper.ranks, strict=True)]
    )
    ax.set_xlabel("snapshot γ and rank p")
    ax.set_ylabel("geodesic distance (rad)")
    ax.legend()
    return fig

"""Figures of the strength workflow (PNG): correlations, search, parity, DFT predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scalebridge.runs.figures import pyplot
from scalebridge.strength.indicators import SPECIES, short_name

_COLORS = dict(zip(SPECIES, [f"C{i}" for i in range(len(SPECIES))], strict=True))


def correlation_bars(correlations: pd.Series, *, n_ips: int) -> Any:
    """Pearson r of every candidate with strength, sorted by |r|."""
    plt = pyplot()
    order = correlations.reindex(correlations.abs().sort_values().index)
    fig, ax = plt.subplots(figsize=(7, 9))
    colors = ["#b2182b" if v > 0 else "#2166ac" for v in order]
    ax.barh([short_name(c) for c in order.index], order.to_numpy(), color=colors)
    ax.set_xlabel("Pearson r with MD strength")
    ax.set_xlim(-1, 1)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_title(f"Indicator–strength correlation ({n_ips} IPs)")
    ax.tick_params(axis="y", labelsize=8)
    return fig


def correlation_heatmap(X: pd.DataFrame, y: pd.Series, columns: list[str]) -> Any:
    """Correlation matrix of strength and the most correlated indicators."""
    plt = pyplot()
    frame = pd.concat([y.rename("strength"), X[columns]], axis=1)
    corr = frame.corr().to_numpy()
    labels = ["strength", *[short_name(c) for c in columns]]
    fig, ax = plt.subplots(figsize=(8, 7))
    image = ax.imshow(corr, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.grid(False)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{corr[i, j]:.2f}", ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=ax, label="Pearson r", shrink=0.8)
    ax.set_title("Correlations of strength and its strongest indicators")
    return fig


def search_overview(search: pd.DataFrame, highlight: str, *, published: bool) -> Any:
    """CV R² of all models by number of predictors, the highlighted model marked."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    rng = np.random.default_rng(0)
    for k, group in search.groupby("n_predictors"):
        x = k + rng.uniform(-0.25, 0.25, len(group))
        ax.scatter(x, group["cv_r2_mean"], s=3, alpha=0.35, color=f"C{k - 1}")
    mark = search[search["predictors"] == highlight]
    if not mark.empty:
        row = mark.iloc[0]
        ax.scatter(
            [row["n_predictors"]],
            [row["cv_r2_mean"]],
            s=120,
            marker="*",
            color="k",
            zorder=5,
            label=f"{'published' if published else 'final'} model (rank {int(row['rank'])})",
        )
        ax.legend(loc="lower right")
    ax.set_xticks([1, 2, 3])
    ax.set_xlabel("number of indicators")
    ax.set_ylabel("mean CV R² (10-fold × 5)")
    ax.set_ylim(max(-0.5, search["cv_r2_mean"].min() - 0.05), 1)
    ax.set_title(f"All {len(search):,} linear models")
    return fig


def parity(
    table: pd.DataFrame, *, predictors: list[str], adj_r2: float, loo_rmse: float, level: float
) -> Any:
    """LOO prediction vs MD strength with the nested jackknife+ intervals as error bars."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 6))
    lo = min(table["strength_mpa"].min(), table["jk_lower_mpa"].min())
    hi = max(table["strength_mpa"].max(), table["jk_upper_mpa"].max())
    ax.plot([lo, hi], [lo, hi], color="k", lw=0.8)
    for species, group in table.groupby("species"):
        err = np.vstack(
            [group["loo_mpa"] - group["jk_lower_mpa"], group["jk_upper_mpa"] - group["loo_mpa"]]
        )
        ax.errorbar(
            group["strength_mpa"],
            group["loo_mpa"],
            yerr=np.clip(err, 0, None),
            fmt="o",
            ms=4,
            elinewidth=0.6,
            alpha=0.8,
            color=_COLORS.get(str(species)),
            label=str(species),
        )
    ax.set_xlabel("MD strength (MPa)")
    ax.set_ylabel("leave-one-out prediction (MPa)")
    ax.set_aspect("equal")
    ax.legend(ncol=3, fontsize=8, loc="upper left")
    ax.text(
        0.98,
        0.02,
        f"adjusted R² = {adj_r2:.3f}\nLOO RMSE = {loo_rmse:.0f} MPa\n"
        f"bars: {level:.0%} jackknife+ (built without the IP)",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
    )
    names = ", ".join(short_name(p) for p in predictors)
    ax.set_title(f"Strength from {names}: leave-one-out parity")
    return fig


def dft_predictions(dft: pd.DataFrame, pool: pd.DataFrame) -> Any:
    """DFT-informed strength per metal with both intervals, beside the pool's MD strengths."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    species = list(dft["species"])
    for i, s in enumerate(species):
        md = pool.loc[pool["species"] == s, "strength_mpa"]
        ax.scatter(np.full(len(md), i - 0.25), md, s=8, color="0.6", zorder=1)
    x = np.arange(len(species))
    ax.errorbar(
        x,
        dft["strength_mpa"],
        yerr=[
            dft["strength_mpa"] - dft["rmse_lower_mpa"],
            dft["rmse_upper_mpa"] - dft["strength_mpa"],
        ],
        fmt="s",
        color="C0",
        capsize=4,
        label="±2·RMSE_LOO (published)",
    )
    ax.errorbar(
        x + 0.15,
        dft["strength_mpa"],
        yerr=[dft["strength_mpa"] - dft["jk_lower_mpa"], dft["jk_upper_mpa"] - dft["strength_mpa"]],
        fmt="D",
        color="C3",
        capsize=4,
        label="jackknife+ interval",
    )
    ax.scatter([], [], s=8, color="0.6", label="MD strength of the pool's IPs")
    ax.set_xticks(x, species)
    ax.set_ylabel("strength (MPa)")
    ax.set_title("DFT-informed strength predictions")
    ax.legend(fontsize=8)
    return fig


def prediction_chart(predictions: pd.DataFrame, pool_strength: np.ndarray) -> Any:
    """Predicted strength of user rows with intervals, over the pool's distribution."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.5 * len(predictions) + 1.5)))
    ax.axvspan(
        np.percentile(pool_strength, 5),
        np.percentile(pool_strength, 95),
        color="0.92",
        label="5–95 % of the pool's MD strengths",
    )
    y = np.arange(len(predictions))
    ax.errorbar(
        predictions["strength_mpa"],
        y,
        xerr=[
            predictions["strength_mpa"] - predictions["lower_mpa"],
            predictions["upper_mpa"] - predictions["strength_mpa"],
        ],
        fmt="o",
        color="C3",
        capsize=4,
        label="prediction, jackknife+ interval",
    )
    ax.set_yticks(y, predictions["label"].astype(str))
    ax.set_xlabel("predicted MD strength (MPa)")
    ax.legend(fontsize=8, loc="best")
    return fig

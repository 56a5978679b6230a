"""The ``strength`` workflow: reproduce the published analysis, predict for new indicators.

Both functions write into a folder that the caller owns (a :class:`RunFolder` from the
command line, or a sub-folder of the demo) and return the metrics they wrote.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scalebridge.errors import InputError
from scalebridge.runs.report import Report
from scalebridge.strength import figures
from scalebridge.strength.coverage import coverage_summary, nested_loo_coverage
from scalebridge.strength.dataset import Pool, load_dft, numeric_column, read_csv_checked
from scalebridge.strength.indicators import (
    EV_PER_A2_PER_J_PER_M2,
    INDICATOR_UNITS,
    PUBLISHED_PREDICTORS,
    short_name,
)
from scalebridge.strength.model import StrengthModel, check_level
from scalebridge.strength.search import SearchSettings, model_search

if TYPE_CHECKING:
    from scalebridge.compute.executor import Executor

PUBLISHED = {
    "n_ips": 153,
    "n_candidates": 39,
    "n_models": 9919,
    "adj_r2": 0.88,
    "loo_relative_error": 0.15,
    "strongest_indicator": "vacancy_migration_energy_fcc",
}


@dataclass(frozen=True)
class FitSettings:
    """Settings of ``scalebridge strength fit`` (defaults: the published analysis)."""

    data: str | None = None
    predictors: tuple[str, ...] = PUBLISHED_PREDICTORS
    max_predictors: int = 3
    n_splits: int = 10
    n_repeats: int = 5
    seed: int = 0
    n_neighbors: int = 2
    level: float = 0.95

    def search(self) -> SearchSettings:
        return SearchSettings(
            max_predictors=self.max_predictors,
            n_splits=self.n_splits,
            n_repeats=self.n_repeats,
            seed=self.seed,
            n_neighbors=self.n_neighbors,
        )

    def __post_init__(self) -> None:
        self.search()
        check_level(self.level)
        if not self.predictors:
            raise InputError("no predictors given", source="predictors", expected="1 to 3 names")
        if len(set(self.predictors)) != len(self.predictors):
            raise InputError(
                f"{', '.join(self.predictors)} names one indicator twice", source="predictors"
            )

    def check(self, pool: Pool) -> None:
        """Settings that depend on the data: predictors present, enough IPs for the CV and for
        a nested jackknife+ interval at this level."""
        n = len(pool.y)
        if n < self.n_splits:
            raise InputError(
                f"{n} potentials are too few for {self.n_splits}-fold cross-validation",
                source=pool.source,
                expected=f"at least {self.n_splits} usable rows",
            )
        needed = int(np.ceil(1 / (1 - self.level))) + 1
        if n < needed:
            raise InputError(
                f"{n} potentials are too few for a nested {self.level:.0%} jackknife+ interval",
                source=pool.source,
                expected=f"at least {needed} usable rows, or a lower --level",
            )
        unknown = [p for p in self.predictors if p not in pool.candidates]
        if unknown:
            raise InputError(
                f"predictor(s) {', '.join(unknown)} are not usable indicators of this data",
                source="--predictors",
                expected="names among: " + ", ".join(pool.candidates),
            )


def correlations(pool: Pool) -> pd.Series:
    """Pearson r of each candidate with strength (pairwise complete rows), by |r|."""
    r = pool.X.corrwith(pool.y)
    return r.reindex(r.abs().sort_values(ascending=False).index)


def fit_strength(
    pool: Pool,
    settings: FitSettings,
    folder: Path,
    *,
    executor: Executor | None = None,
    checkpoint_dir: Path | None = None,
) -> dict[str, Any]:
    """Run the published analysis on ``pool``; write tables, figures, metrics and report."""
    settings.check(pool)
    folder.mkdir(parents=True, exist_ok=True)
    r = correlations(pool)

    start = time.perf_counter()
    found_search = model_search(
        pool.X, pool.y, settings.search(), executor=executor, checkpoint_dir=checkpoint_dir
    )
    search_seconds = time.perf_counter() - start
    search = found_search.table

    predictors = list(settings.predictors)
    model = StrengthModel(tuple(predictors), settings.n_neighbors, settings.level).fit(
        pool.X, pool.y
    )
    nested = nested_loo_coverage(
        pool.X, pool.y, predictors, level=settings.level, n_neighbors=settings.n_neighbors
    )
    coverage = coverage_summary(nested)
    nested.insert(0, "model", pool.info["model"])
    nested.insert(0, "species", pool.info["species"])

    dft = load_dft()
    usable = dft.dropna(subset=predictors)
    jk = model.predict_interval(usable, "jackknife+")
    band = model.predict_interval(usable, "2rmse")
    dft_table = pd.DataFrame(
        {
            "species": usable.index,
            "strength_mpa": jk.mean,
            "rmse_lower_mpa": band.lower,
            "rmse_upper_mpa": band.upper,
            "jk_lower_mpa": jk.lower,
            "jk_upper_mpa": jk.upper,
        }
    )

    key = " + ".join(sorted(predictors, key=list(pool.X.columns).index))
    found = search.index[search["predictors"] == key]
    rank = int(search.loc[found[0], "rank"]) if len(found) else None

    metrics: dict[str, Any] = {
        "n_ips": len(pool.y),
        "n_candidates": len(pool.candidates),
        "n_models": len(search),
        "correlations": {c: round(float(v), 6) for c, v in r.items()},
        "top_models": [
            {
                "predictors": row.predictors.split(" + "),
                "cv_r2": float(row.cv_r2_mean),
                "cv_rmse_mpa": float(row.cv_rmse_mpa_mean),
            }
            for row in search.head(10).itertuples()
        ],
        "final_model": {
            "predictors": predictors,
            "search_rank": rank,
            "r2": model.r2_,
            "adj_r2": model.adj_r2_,
            "loo_r2": model.loo_r2_,
            "loo_rmse_mpa": model.loo_rmse_,
            "loo_relative_error": model.loo_relative_error_,
            "interval": {
                "method": "jackknife+",
                "level": settings.level,
                **coverage["jackknife+"],
            },
            "two_rmse_band": {"method": "±2·RMSE_LOO", **coverage["2rmse"]},
        },
        "dft_predictions": {
            row.species: {
                "strength_mpa": float(row.strength_mpa),
                "lower_mpa": float(row.jk_lower_mpa),
                "upper_mpa": float(row.jk_upper_mpa),
                "two_rmse_lower_mpa": float(row.rmse_lower_mpa),
                "two_rmse_upper_mpa": float(row.rmse_upper_mpa),
            }
            for row in dft_table.itertuples()
        },
        "search_seconds": search_seconds,
        "search_compute_seconds": found_search.compute_seconds,
        "search_resumed_chunks": found_search.resumed_chunks,
        "executor": executor.describe() if executor is not None else {"kind": "in-process"},
        "dropped_ips": len(pool.dropped),
        "capped_values": len(pool.capped),
    }

    pooled = pd.concat([pool.info, pool.y.rename("strength_MPa"), pool.X], axis=1)
    tables = {
        "pool.csv": pooled,
        "dropped_ips.csv": pool.dropped,
        "capped_values.csv": pool.capped,
        "dropped_columns.csv": pool.dropped_columns,
        "correlations.csv": pd.DataFrame({"indicator": r.index, "pearson_r": r.to_numpy()}),
        "model_search.csv": search,
        "loo_intervals.csv": nested,
        "dft_predictions.csv": dft_table,
    }
    for name, frame in tables.items():
        frame.to_csv(folder / name, index=False)

    published = set(predictors) == set(PUBLISHED_PREDICTORS)
    pngs = {
        "correlations.png": figures.correlation_bars(r, n_ips=len(pool.y)),
        "correlation_heatmap.png": figures.correlation_heatmap(pool.X, pool.y, list(r.index[:12])),
        "model_search.png": figures.search_overview(search, key, published=published),
        "parity.png": figures.parity(
            nested,
            predictors=predictors,
            adj_r2=model.adj_r2_,
            loo_rmse=model.loo_rmse_,
            level=settings.level,
        ),
        "dft_predictions.png": figures.dft_predictions(dft_table, nested),
    }
    from scalebridge.runs.figures import save_png

    for name, fig in pngs.items():
        save_png(fig, folder / name)

    from scalebridge.runs.folder import write_json_atomic

    write_json_atomic(folder / "metrics.json", metrics)
    _fit_report(pool, metrics, search, dft_table, folder).write(folder / "report.html")
    return metrics


def comparison_table(metrics: dict[str, Any]) -> pd.DataFrame:
    """Every reproduced number beside the published one, with how ours was obtained."""
    final = metrics["final_model"]
    strongest = next(iter(metrics["correlations"]))
    rows = [
        (
            "IPs in the pool",
            PUBLISHED["n_ips"],
            metrics["n_ips"],
            "178 IPs − disqualified − failed MD − SF-jammed",
        ),
        (
            "candidate indicators",
            PUBLISHED["n_candidates"],
            metrics["n_candidates"],
            "non-empty OpenKIM columns after caps",
        ),
        (
            "models searched",
            PUBLISHED["n_models"],
            metrics["n_models"],
            "all 1-, 2-, 3-indicator subsets, 10-fold CV × 5 repeats",
        ),
        ("strongest single indicator", "VME", short_name(strongest), "largest |Pearson r|"),
        (
            "adjusted R² of the final model",
            PUBLISHED["adj_r2"],
            round(final["adj_r2"], 3),
            "OLS on all 153 IPs, k = 3",
        ),
        (
            "relative LOO error",
            "15 %",
            f"{100 * final['loo_relative_error']:.1f} %",
            "LOO RMSE / mean MD strength over 153 LOO models",
        ),
    ]
    return pd.DataFrame(rows, columns=["quantity", "published", "scalebridge", "how obtained"])


def _fit_report(
    pool: Pool, metrics: dict[str, Any], search: pd.DataFrame, dft: pd.DataFrame, folder: Path
) -> Report:
    final = metrics["final_model"]
    report = Report("scalebridge · strength: cross-scale covariance")
    report.paragraph(
        "Reproduction of Jasperson et al., Cross-scale covariance for material property "
        "prediction, npj Comput. Mater. (2025), arXiv:2406.05146, on the published data "
        f"({pool.source}; MIT licence)."
    )
    report.heading("Reproduced numbers")
    report.table(comparison_table(metrics))
    interval = final["interval"]
    band = final["two_rmse_band"]
    low, high = interval["loo_coverage_ci95"]
    report.paragraph(
        f"Prediction intervals, leave-one-out coverage measured with intervals built without "
        f"the held-out IP: jackknife+ at {interval['level']:.0%}: "
        f"{interval['loo_coverage']:.1%} (95 % Wilson interval {low:.1%}–{high:.1%}; mean "
        f"width {interval['mean_width_mpa']:.0f} MPa); ±2·RMSE_LOO: {band['loo_coverage']:.1%}"
        f" (width {band['mean_width_mpa']:.0f} MPa). The predictors themselves were chosen "
        "with all IPs, the held-out one included, so this coverage is conditional on that "
        "choice."
    )
    report.figure(folder / "parity.png", caption="Leave-one-out parity with nested intervals")
    report.figure(folder / "dft_predictions.png", caption="DFT-informed strength per metal")
    report.table(dft, caption="DFT-informed predictions (MPa)", float_format="{:.0f}")
    report.heading("Indicators")
    report.figure(folder / "correlations.png", caption="Pearson r of each candidate")
    report.figure(folder / "correlation_heatmap.png", caption="Strongest indicators")
    report.heading("Model search")
    rank = final["search_rank"]
    where = f"ranks {rank} by mean CV R²" if rank else "is not among the searched subsets"
    timing = f"{metrics['n_models']:,} models scored in {metrics['search_seconds']:.1f} s"
    if metrics["search_resumed_chunks"]:
        timing += (
            f" ({metrics['search_resumed_chunks']} chunks of folds read back from the "
            f"interrupted run; {metrics['search_compute_seconds']:.1f} s of computing in all)"
        )
    report.paragraph(
        f"{timing}. The final model ({' + '.join(final['predictors'])}) {where}; first is "
        f"{search.iloc[0]['predictors']} (CV R² {search.iloc[0]['cv_r2_mean']:.4f})."
    )
    report.figure(folder / "model_search.png", caption="CV R² of every model")
    report.table(search.head(15), caption="Best 15 models (model_search.csv has all)")
    report.heading("What was removed and why")
    report.table(pool.dropped, caption=f"{len(pool.dropped)} IPs not in the pool")
    report.table(pool.capped, caption="Values set to missing by the outlier caps")
    if len(pool.dropped_columns):
        report.table(pool.dropped_columns, caption="Columns not used as candidates")
    return report


# -- prediction for new indicator values ---------------------------------------------------
PLAUSIBLE_RANGES = {
    "Å": (1.5, 8.0),
    "eV/Å²": (-0.05, 0.4),
    "eV": (-1.0, 12.0),
    "GPa": (-1000.0, 3000.0),
    "Å³": (-30.0, 60.0),
    "1/K": (0.0, 2e-4),
    "1": (0.0, 3.0),
}
"""Physically possible values per unit: outside them a number is in other units or wrong."""


def read_indicator_rows(path: Path, predictors: list[str]) -> pd.DataFrame:
    """Rows of indicator values for prediction, checked for columns, numbers and units."""
    frame = read_csv_checked(path)
    missing = [c for c in predictors if c not in frame.columns]
    if missing:
        raise InputError(
            f"column(s) {', '.join(missing)} missing",
            source=path,
            expected="columns " + ", ".join(f"{c} [{INDICATOR_UNITS[c]}]" for c in predictors),
        )
    values = pd.DataFrame({c: numeric_column(frame, c, source=path) for c in predictors})
    for column in predictors:
        gaps = values[column].isna()
        if gaps.any():
            line = int(np.flatnonzero(gaps.to_numpy())[0]) + 2
            raise InputError(
                f"line {line} has no value; a prediction needs every predictor",
                source=path,
                field=column,
                expected=f"a number in {INDICATOR_UNITS[column]}",
            )
        check_units(values[column], column, path)
    label_column = next((c for c in ("label", "name", "model", "species") if c in frame), None)
    labels = (
        frame[label_column].astype(str)
        if label_column
        else pd.Series([f"row {i + 1}" for i in range(len(frame))])
    )
    values.insert(0, "label", labels.to_numpy())
    return values


def check_units(values: pd.Series, column: str, path: Path | str) -> None:
    """Values outside the physical range of the column's unit are an error, with a hint when
    they look like J/m² (for eV/Å²) or nm (for Å)."""
    unit = INDICATOR_UNITS[column]
    low, high = PLAUSIBLE_RANGES[unit]
    bad = (values < low) | (values > high)
    if not bad.any():
        return
    row = int(np.flatnonzero(bad.to_numpy())[0])
    value = float(values.iloc[row])
    hint = ""
    if unit == "eV/Å²" and low <= value * EV_PER_A2_PER_J_PER_M2 <= high:
        hint = f"; it looks like J/m²: multiply by {EV_PER_A2_PER_J_PER_M2}"
    elif unit == "Å" and low <= value * 10 <= high:
        hint = "; it looks like nm: multiply by 10"
    raise InputError(
        f"line {row + 2}: {value:g} is not a possible value in {unit}{hint}",
        source=path,
        field=column,
        expected=f"{low:g} to {high:g} {unit}",
    )


def nearest_in_pool(pool: Pool, rows: pd.DataFrame, predictors: list[str], k: int = 3) -> list[str]:
    """The k pool IPs closest to each row in standardised predictor space, as text."""
    values = pool.X[predictors]
    mean, std = values.mean(), values.std()
    scaled = ((values - mean) / std).fillna(0.0).to_numpy()
    out = []
    for _, row in rows[predictors].iterrows():
        target = ((row - mean) / std).fillna(0.0).to_numpy()
        order = np.argsort(np.linalg.norm(scaled - target, axis=1))[:k]
        out.append(
            "; ".join(
                f"{pool.info['model'].iloc[i]} ({pool.info['species'].iloc[i]}, "
                f"{pool.y.iloc[i]:.0f} MPa)"
                for i in order
            )
        )
    return out


def predict_strength(
    pool: Pool,
    settings: FitSettings,
    rows: pd.DataFrame,
    folder: Path,
    *,
    flags: list[str] | None = None,
) -> dict[str, Any]:
    """Fit the final model on ``pool`` and predict each row of ``rows`` with intervals.

    ``flags`` are warnings from computing the indicators (shown in the outputs).
    """
    settings.check(pool)
    predictors = list(settings.predictors)
    model = StrengthModel(tuple(predictors), settings.n_neighbors, settings.level).fit(
        pool.X, pool.y
    )
    jk = model.predict_interval(rows, "jackknife+")
    band = model.predict_interval(rows, "2rmse")
    outside = np.zeros(len(rows), dtype=bool)
    for column in predictors:
        ref = pool.X[column]
        outside |= ((rows[column] < ref.min()) | (rows[column] > ref.max())).to_numpy()
    percentile = [float((pool.y < value).mean() * 100) for value in jk.mean]
    table = rows.copy()
    table["strength_mpa"] = jk.mean
    table["lower_mpa"] = jk.lower
    table["upper_mpa"] = jk.upper
    table["two_rmse_lower_mpa"] = band.lower
    table["two_rmse_upper_mpa"] = band.upper
    table["pool_percentile"] = percentile
    table["extrapolation"] = outside
    table["nearest_pool_ips"] = nearest_in_pool(pool, rows, predictors)
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "predictions.csv", index=False)
    from scalebridge.runs.figures import save_png
    from scalebridge.runs.folder import write_json_atomic

    save_png(figures.prediction_chart(table, pool.y.to_numpy()), folder / "predictions.png")
    metrics = {
        "predictors": predictors,
        "flags": list(flags or []),
        "interval": {"method": "jackknife+", "level": settings.level},
        "loo_rmse_mpa": model.loo_rmse_,
        "predictions": [
            {
                "label": str(row.label),
                "strength_mpa": float(row.strength_mpa),
                "lower_mpa": float(row.lower_mpa),
                "upper_mpa": float(row.upper_mpa),
                "extrapolation": bool(row.extrapolation),
                "pool_percentile": float(row.pool_percentile),
                "nearest_pool_ips": str(row.nearest_pool_ips),
            }
            for row in table.itertuples()
        ],
    }
    write_json_atomic(folder / "metrics.json", metrics)
    report = Report("scalebridge · strength prediction")
    report.paragraph(
        f"Model: strength ~ {' + '.join(predictors)}, fitted on {len(pool.y)} IPs "
        f"({pool.source}). Interval: {settings.level:.0%} jackknife+; ±2·RMSE_LOO given too. "
        "'extrapolation' marks rows with an indicator outside the pool's range."
    )
    if flags:
        report.paragraph(
            "Flags from the indicator calculation: " + "; ".join(flags), css_class="off"
        )
    report.figure(folder / "predictions.png", caption="Predicted strength with interval")
    report.table(table, caption="Predictions (MPa)")
    report.write(folder / "report.html")
    return metrics

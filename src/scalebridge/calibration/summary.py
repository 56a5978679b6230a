"""Metrics, parameter uncertainty, figures and report of a finished calibration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from scalebridge.calibration.bounds import ParameterSpace
from scalebridge.calibration.evaluations import Evaluation
from scalebridge.continuum.parameters import VALIDATION_PARAMETERS

if TYPE_CHECKING:
    from scalebridge.calibration.workflow import CalibrationSettings
    from scalebridge.runs.folder import RunFolder


def _best(rows: list[Evaluation]) -> tuple[int, Evaluation] | None:
    feasible = [(i, e) for i, e in enumerate(rows) if e.feasible]
    return min(feasible, key=lambda t: t[1].d) if feasible else None


def _params(space: ParameterSpace, values: tuple[float, ...]) -> dict[str, float]:
    out = dict(zip(space.names, (float(v) for v in values), strict=True))
    out.update(chi_len_angstrom=space.chi_len_angstrom, epsilon0=space.epsilon0)
    return out


def summarise(
    settings: CalibrationSettings,
    per_seed: dict[int, list[Evaluation]],
    *,
    seconds: float,
    resumed_rows: int,
) -> dict[str, Any]:
    """metrics.json: best overall, per seed, spread over seeds, validation errors."""
    space = settings.space
    seeds: list[dict[str, Any]] = []
    for seed, rows in per_seed.items():
        found = _best(rows)
        seeds.append(
            {
                "seed": seed,
                "n_evaluations": len(rows),
                "n_infeasible": sum(not e.feasible for e in rows),
                "best": None
                if found is None
                else {
                    "params": _params(space, found[1].values),
                    "objective": {
                        "d": found[1].d,
                        "d_grassmann": found[1].d_grassmann,
                        "d_stress": found[1].d_stress,
                    },
                    "n_evaluations": found[0] + 1,
                },
            }
        )
    found_any = [s for s in seeds if s["best"] is not None]
    best = min(found_any, key=lambda s: s["best"]["objective"]["d"])["best"] if found_any else None
    metrics: dict[str, Any] = {
        "method": settings.method,
        "objective": settings.objective,
        "n_evaluations": sum(len(r) for r in per_seed.values()),
        "best": best,
        "seeds": seeds,
        "wall_seconds": seconds,
        "resumed_from_rows": resumed_rows,
        "bounds": {
            n: [lo, hi] for n, lo, hi in zip(space.names, space.lower, space.upper, strict=True)
        },
    }
    if len(found_any) > 1:
        values = np.array([[s["best"]["params"][n] for n in space.names] for s in found_any])
        metrics["seed_spread"] = {
            n: {
                "mean": float(values[:, k].mean()),
                "std": float(values[:, k].std(ddof=1)),
                "range_percent_of_bounds": float(np.ptp(values[:, k]) / space.width[k] * 100),
            }
            for k, n in enumerate(space.names)
        }
    if settings.validate and best is not None:
        values = np.array([best["params"][n] for n in space.names])
        errors = space.error_percent_of_range(values, VALIDATION_PARAMETERS)
        metrics["validation"] = {
            "target": {n: getattr(VALIDATION_PARAMETERS, n) for n in space.names},
            "error_percent_of_range": dict(zip(space.names, errors.tolist(), strict=True)),
            "max_error_percent_of_range": float(errors.max()),
            "within_5_percent": bool(errors.max() <= 5.0),
        }
    return metrics


def near_optimal_set(
    rows: list[Evaluation], space: ParameterSpace, *, n_candidates: int = 16384, seed: int = 0
) -> tuple[np.ndarray, float]:
    """(m, d) physical points the final surrogate predicts to lie within noise of the best.

    A GP (constant x ARD RBF + white noise, standardised inputs) is fitted to the feasible
    evaluations; its white-noise level sigma_n (d units) is the objective's roughness at
    scales the data cannot resolve. Scrambled Sobol candidates fill the box spanned by the
    best 10 % of the evaluations (widened by 10 % of the unit cube on each side) and are kept
    where the GP mean is below best d + 2 sigma_n. Returns the points and sigma_n.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from sklearn.preprocessing import StandardScaler

    from scalebridge.calibration.design import sobol

    ok = [e for e in rows if e.feasible]
    if len(ok) < 5:
        return np.zeros((0, space.dim)), float("nan")
    x = space.to_unit(np.array([e.values for e in ok]))
    y = np.array([e.d for e in ok])
    scaler = StandardScaler().fit(x)
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.ones(space.dim), (1e-2, 1e2))
    kernel += WhiteKernel(1e-2, (1e-8, 1e1))
    gp = GaussianProcessRegressor(
        kernel, normalize_y=True, n_restarts_optimizer=2, random_state=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(scaler.transform(x), y)
    noise = float(np.sqrt(gp.kernel_.k2.noise_level) * gp._y_train_std)
    good = x[y <= np.quantile(y, 0.1)] if len(y) >= 50 else x[np.argsort(y)[:5]]
    low = np.clip(good.min(axis=0) - 0.1, 0.0, 1.0)
    high = np.clip(good.max(axis=0) + 0.1, 0.0, 1.0)
    candidates = low + sobol(n_candidates, space.dim, seed=seed) * (high - low)
    mu = gp.predict(scaler.transform(candidates))
    keep = mu <= y.min() + 2.0 * noise
    return space.from_unit(candidates[keep]), noise


def write_outputs(
    run: RunFolder,
    settings: CalibrationSettings,
    per_seed: dict[int, list[Evaluation]],
    metrics: dict[str, Any],
) -> dict[str, Any]:
    """Re-solve the best point, add uncertainty to ``metrics``, write figures and report."""
    from scalebridge.calibration import figures
    from scalebridge.calibration.evaluations import target_data
    from scalebridge.calibration.objective_robust import robust_objective
    from scalebridge.continuum import figures as stz_figures
    from scalebridge.continuum.objective import published_objective
    from scalebridge.continuum.solver import solve

    space = settings.space
    paths = {}
    label = f"{settings.method}, seed {{}}"
    paths["convergence.png"] = run.save_figure(
        "convergence.png",
        figures.convergence_figure({label.format(s): r for s, r in per_seed.items()}),
    )
    all_rows = [e for rows in per_seed.values() for e in rows]
    paths["parameter_pairs.png"] = run.save_figure(
        "parameter_pairs.png", figures.pairs_figure(all_rows, space)
    )
    best = metrics["best"]
    if best is not None:
        best_values = np.array([best["params"][n] for n in space.names])
        first = per_seed[min(per_seed)]
        near, noise = near_optimal_set(first, space, seed=settings.seed)
        metrics["uncertainty"] = {
            "definition": "GP mean <= best d + 2 noise sd, over the box of the best 10 % "
            "of the evaluations of the first seed",
            "noise_sd": noise,
            "n_points": int(near.shape[0]),
            "percentiles_5_50_95": {
                n: np.percentile(near[:, k], [5, 50, 95]).tolist() if near.shape[0] else None
                for k, n in enumerate(space.names)
            },
        }
        reference = (
            np.array([getattr(VALIDATION_PARAMETERS, n) for n in space.names])
            if settings.validate
            else None
        )
        paths["uncertainty.png"] = run.save_figure(
            "uncertainty.png", figures.marginals_figure(near, space, best_values, reference)
        )
        md = settings.md_data
        target = target_data(
            None if md is None else str(md), VALIDATION_PARAMETERS if settings.validate else None
        )
        result = solve(space.parameters(best_values), target)
        if result.feasible:
            paper = published_objective(result.two_exy, result.tau_gpa, target)
            robust = robust_objective(result.two_exy, result.tau_gpa, target)
            metrics["best_objectives"] = {"paper": paper.to_dict(), "robust": robust.to_dict()}
            paths["best_stress_strain.png"] = run.save_figure(
                "best_stress_strain.png", stz_figures.stress_strain_figure(result, target)
            )
            paths["best_strain_fields.png"] = run.save_figure(
                "best_strain_fields.png", stz_figures.strain_snapshots_figure(result, target)
            )
            paths["objectives.png"] = run.save_figure(
                "objectives.png",
                figures.objective_comparison_figure(paper, robust, result.gamma),
            )
    _report(metrics, paths).write(run.file("report.html"))
    return metrics


CAPTIONS = {
    "convergence.png": "Best objective against the number of forward solves.",
    "parameter_pairs.png": "Every evaluation, parameter pairs, coloured by log10 d.",
    "uncertainty.png": "Marginals of the parameters the final GP puts within noise of the best.",
    "best_stress_strain.png": "Stress–strain of the best parameters against the target.",
    "best_strain_fields.png": "Strain fields: target (top) and best fit (bottom).",
    "objectives.png": "Per-snapshot distances of the best fit: published against robust.",
}


def _report(metrics: dict[str, Any], paths: dict[str, Any]) -> Any:
    import pandas as pd

    from scalebridge.runs.report import Report

    report = Report(f"STZ calibration ({metrics['method']}, {metrics['objective']} objective)")
    report.heading("Outcome")
    best = metrics["best"]
    if best is None:
        report.paragraph("No feasible evaluation.", css_class="off")
    else:
        report.paragraph(
            f"{metrics['n_evaluations']} forward solves in {metrics['wall_seconds']:.0f} s; "
            f"best d = {best['objective']['d']:.5f} after {best['n_evaluations']} solves."
        )
        bounds = metrics["bounds"]
        report.table(
            pd.DataFrame(
                {
                    "parameter": list(best["params"]),
                    "value": list(best["params"].values()),
                    "searched from": [bounds.get(n, ["fixed"])[0] for n in best["params"]],
                    "to": [bounds.get(n, ["", ""])[1] for n in best["params"]],
                }
            ),
            float_format="{:.6g}",
        )
    if "validation" in metrics:
        v = metrics["validation"]
        report.paragraph(
            f"Validation: largest error {v['max_error_percent_of_range']:.2f} % of the range "
            f"({'within' if v['within_5_percent'] else 'NOT within'} 5 %).",
            css_class="ok" if v["within_5_percent"] else "off",
        )
    report.heading("Figures")
    for name, path in paths.items():
        report.figure(path, caption=CAPTIONS[name])
    return report

"""Calibration benchmarks: validation recovery, bo against paper on MD, wall time.

    python benchmarks/bench_calibration.py                  # ~15-20 min on 2 shared cores
    python benchmarks/bench_calibration.py --seeds 3        # the full comparison (~35 min more)
    python benchmarks/bench_calibration.py --skip-validation --seeds 2

By default the MD comparison uses one seed per method (300 solves each), so that the whole
benchmark fits in 25 minutes on this 2-core machine while others use it; the validation
stops at the published rule (d < 0.01) or after 300 solves.

Every calibration runs its forward solves on a local executor with 2 worker processes.
The published optimiser runs here with 2 GP optimiser restarts instead of 10 (10 restarts
make each of its 200 sequential GP fits take ~10-20 s on this machine) and 16,384 Sobol
candidates per EI step instead of 100,000; its initial design at a 300-solve budget is
budget/3 Latin-hypercube points (350 do not fit in the budget).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(".cache/numba").resolve()))
os.environ.setdefault("MPLCONFIGDIR", str(Path(".cache/matplotlib").resolve()))


def _calibrate(settings, out: Path):  # type: ignore[no-untyped-def]
    from scalebridge.calibration.evaluations import EvaluationLog
    from scalebridge.calibration.workflow import run_calibration
    from scalebridge.compute.executor import ExecutorSettings

    start = time.perf_counter()
    metrics = run_calibration(
        settings, out, executor=ExecutorSettings(n_workers=2), progress=False, finish=False
    )
    rows = sorted(EvaluationLog(out / "evaluations.csv").rows, key=lambda e: (e.iteration, e.slot))
    return metrics, rows, time.perf_counter() - start


def _running_best(rows) -> np.ndarray:  # type: ignore[no-untyped-def]
    d = np.array([e.d if e.feasible else np.inf for e in rows])
    return np.minimum.accumulate(d)


def _context() -> None:
    from scalebridge.calibration.objective_robust import robust_objective
    from scalebridge.continuum import VALIDATION_PARAMETERS, load_md_data, solve
    from scalebridge.continuum.objective import published_objective

    md = load_md_data()
    result = solve(VALIDATION_PARAMETERS, md)
    paper = published_objective(result.two_exy, result.tau_gpa, md).d
    robust = robust_objective(result.two_exy, result.tau_gpa, md).d
    print("\n## Context: objective of the reference parameters against MD")
    print("| parameters | d (published) | d (robust) |")
    print("|---|---|---|")
    print(
        f"| validation set (stz_reference_B; l_chi 41.8 A, eps0 7.13) "
        f"| {paper:.4f} | {robust:.4f} |"
    )


def main() -> None:
    from scalebridge.calibration.workflow import CalibrationSettings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="seeds per method on MD")
    parser.add_argument("--budget", type=int, default=300, help="forward solves per MD run")
    parser.add_argument(
        "--validation-budget", type=int, default=300, help="forward solves of the validation"
    )
    parser.add_argument("--skip-validation", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-calibration-"))
    print(f"# Calibration benchmarks (budget {args.budget}, {args.seeds} seed(s), 2 workers)")

    if not args.skip_validation:
        from scalebridge.calibration.bounds import ParameterSpace
        from scalebridge.continuum import VALIDATION_PARAMETERS

        settings = CalibrationSettings(method="bo", budget=args.validation_budget, validate=True)
        metrics, rows, seconds = _calibrate(settings, work / "validate")
        errors = metrics["validation"]["error_percent_of_range"]
        best = metrics["best"]
        print("\n## Validation: recover the published validation parameters (bo, robust objective)")
        print("| | β | u0 | c0 | s_y | max | solves to best | solves run | wall (s) |")
        print("|---|---|---|---|---|---|---|---|---|")
        e = [errors[n] for n in ParameterSpace().names]
        print(
            "| error, % of range | "
            + " | ".join(f"{v:.2f}" for v in e)
            + f" | {max(e):.2f} | {best['n_evaluations']} | {len(rows)} | {seconds:.0f} |"
        )
        print(
            f"best d = {best['objective']['d']:.2e}; target: every error <= 5 % within "
            f"300 solves -> {'met' if max(e) <= 5 and len(rows) <= 300 else 'NOT met'}"
        )
        running = _running_best(rows)
        first_within = None
        for i, row in enumerate(rows):
            if row.feasible and row.d == running[i]:
                err = settings.space.error_percent_of_range(
                    np.array(row.values), VALIDATION_PARAMETERS
                )
                if err.max() <= 5.0:
                    first_within = i + 1
                    break
        print(f"first best-so-far point with every error <= 5 %: solve {first_within}")

    _context()
    results: dict[str, list] = {"paper": [], "bo": []}
    print("\n## Against MD (robust objective), equal budgets")
    print("| method | seed | best d | solves to best | start: best of initial design | wall (s) |")
    print("|---|---|---|---|---|---|")
    for method in ("bo", "paper"):
        for seed in range(args.seeds):
            settings = CalibrationSettings(
                method=method, budget=args.budget, seed=seed, stop_below=0.0, n_restarts=2
            )
            metrics, rows, seconds = _calibrate(settings, work / f"{method}-{seed}")
            best = _running_best(rows)
            start = min((e.d for e in rows if e.iteration == 0 and e.feasible), default=np.inf)
            results[method].append((best, seconds, metrics))
            print(
                f"| {method} | {seed} | {best[-1]:.4f} | {metrics['best']['n_evaluations']} | "
                f"{start:.4f} | {seconds:.0f} |"
            )
    print("\n## Solves bo needs to reach paper's final objective (same seed)")
    print("| seed | paper final d | bo solves to reach it | paper solves used | ratio |")
    print("|---|---|---|---|---|")
    for seed, (paper, bo) in enumerate(zip(results["paper"], results["bo"], strict=True)):
        target = paper[0][-1]
        reached = np.flatnonzero(bo[0] <= target)
        n_bo = int(reached[0]) + 1 if reached.size else None
        n_paper = int(np.flatnonzero(paper[0] <= target)[0]) + 1
        ratio = "-" if n_bo is None else f"{n_bo / n_paper:.2f}"
        print(
            f"| {seed} | {target:.4f} | {n_bo if n_bo else 'not reached'} | {n_paper} | {ratio} |"
        )
    walls = [w for runs in results.values() for _, w, _ in runs]
    print("\n## Wall time of a calibration (2 worker processes, this machine)")
    print("| method | budget | wall (s), mean over seeds |")
    print("|---|---|---|")
    for method, runs in results.items():
        print(f"| {method} | {args.budget} | {np.mean([w for _, w, _ in runs]):.0f} |")
    print(f"(total of the MD runs: {sum(walls):.0f} s; run folders in {work})")


if __name__ == "__main__":
    main()

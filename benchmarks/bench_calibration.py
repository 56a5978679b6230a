"""Calibration benchmarks: validation recovery, bo against paper on MD, wall time.

    python benchmarks/bench_calibration.py                       # validation + 3 seeds each
    python benchmarks/bench_calibration.py --skip-validation --budget 150
    python benchmarks/bench_calibration.py --skip-validation --methods paper --out runs/bench
    python benchmarks/bench_calibration.py --skip-validation --methods bo --out runs/bench
    python benchmarks/bench_calibration.py --skip-validation --out runs/bench   # tables only

Every calibration runs its forward solves on a local executor with 2 worker processes and
keeps its run folder in ``--out`` (``{method}-b{budget}-s{seed}``). A run folder whose
settings match is read back instead of run again, and an interrupted one resumes, so the
methods can run in separate processes and a last call prints the tables of all of them.
Both methods get the same budget (every solve counts, the initial design included), the
same objective (``--objective``, robust by default) and ``stop_below = 0`` (no early stop).
"Solves to reach" a value count whole iterations: a point of a batch (or of the initial
design) counts once its whole batch is solved.

The published optimiser runs here with 2 GP optimiser restarts instead of 10 (10 restarts
make each of its sequential GP fits take ~10-20 s on this shared 2-core machine) and 16,384
Sobol candidates per EI step instead of 100,000; its initial design at a budget below 400 is
budget/3 Latin-hypercube points (350 do not fit). ``--published-start`` also solves the
published 350-point design of each seed and reports its best point.

The main process (where both optimisers fit their GPs) runs with single-threaded BLAS: the two
cores belong to the two solver workers, and on a shared machine two BLAS threads competing
with them made one GP fit of the published optimiser take 40-60 s instead of 5 s (``bo``
limits its own torch threads).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(".cache/numba").resolve()))
os.environ.setdefault("MPLCONFIGDIR", str(Path(".cache/matplotlib").resolve()))
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # read when numpy, scipy and torch load their BLAS

import numpy as np  # noqa: E402  (after the thread settings)

WORKERS = 2

#: Settings that only one method reads: a run folder is reused when the others match.
ONLY_FOR = {
    "paper": ("n_candidates", "n_restarts"),
    "bo": ("acquisition_restarts", "raw_samples"),
}


def _same_run(previous: dict[str, Any], current: dict[str, Any]) -> bool:
    """Whether a finished run folder's settings give the run ``current`` asks for."""
    ignore = {k for method, keys in ONLY_FOR.items() if method != current["method"] for k in keys}
    keys = (set(previous) | set(current)) - ignore
    return all(previous.get(k) == current.get(k) for k in keys)


class _TimedOptimizer:
    """Forwards to an optimiser and adds up the seconds spent in ``ask`` and ``tell``."""

    def __init__(self, inner: Any, clock: dict[str, float]) -> None:
        self.inner = inner
        self.name = inner.name
        self.clock = clock

    def initial_design(self) -> np.ndarray:
        return self.inner.initial_design()

    def ask(self, n: int, iteration: int) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self.inner.ask(n, iteration)
        finally:
            self.clock["ask"] += time.perf_counter() - start

    def tell(self, x_unit: np.ndarray, d: np.ndarray, feasible: np.ndarray) -> None:
        self.inner.tell(x_unit, d, feasible)


def _calibrate(settings: Any, out: Path) -> dict[str, Any]:
    """Run (or read back) one calibration; returns its running best and timings."""
    from scalebridge.calibration import workflow
    from scalebridge.calibration.evaluations import EvaluationLog
    from scalebridge.compute.executor import ExecutorSettings
    from scalebridge.runs.settings import settings_to_dict

    timing_file = out / "bench_timing.json"
    if (out / "metrics.json").exists():
        config = json.loads((out / "config.json").read_text())
        if _same_run(config["settings"], settings_to_dict(settings)) and timing_file.exists():
            return _summary(EvaluationLog(out / "evaluations.csv"), timing_file)
    clock = {"ask": 0.0}
    make = workflow.make_optimizer

    def timed(settings: Any, seed: int) -> Any:
        return _TimedOptimizer(make(settings, seed), clock)

    workflow.make_optimizer = timed
    start = time.perf_counter()
    try:
        metrics = workflow.run_calibration(
            settings,
            out,
            executor=ExecutorSettings(n_workers=WORKERS),
            progress=False,
            finish=False,
            overwrite=(out / "metrics.json").exists(),
        )
    finally:
        workflow.make_optimizer = make
    timing = {
        "wall_seconds": time.perf_counter() - start,
        "ask_seconds": clock["ask"],
        "resumed_from_rows": metrics["resumed_from_rows"],
        "load_average": os.getloadavg()[0],
    }
    timing_file.write_text(json.dumps(timing, indent=1))
    return _summary(EvaluationLog(out / "evaluations.csv"), timing_file)


def _summary(log: Any, timing_file: Path) -> dict[str, Any]:
    rows = sorted(log.rows, key=lambda e: (e.iteration, e.slot))
    # a result counts from the end of its iteration: a batch (and the initial design) is
    # solved together, so the order of its slots says nothing
    iterations = np.array([e.iteration for e in rows])
    ends = np.searchsorted(iterations, iterations, side="right") - 1
    values = np.full(len(rows), np.inf)
    np.minimum.at(values, ends, np.array([e.d if e.feasible else np.inf for e in rows]))
    running = np.minimum.accumulate(values)
    start = min((e.d for e in rows if e.iteration == 0 and e.feasible), default=np.inf)
    return {
        "running": running,
        "start": start,
        "n_initial": sum(e.iteration == 0 for e in rows),
        "solve_seconds": float(sum(e.seconds for e in rows)),
        "rows": rows,
        **json.loads(timing_file.read_text()),
    }


def _first_reaching(running: np.ndarray, target: float) -> int | None:
    """Solves until the running best is <= target (None if never)."""
    hits = np.flatnonzero(running <= target)
    return int(hits[0]) + 1 if hits.size else None


def _context(objective: str) -> None:
    from scalebridge.calibration.objective_robust import robust_objective
    from scalebridge.continuum import VALIDATION_PARAMETERS, load_md_data, solve
    from scalebridge.continuum.objective import published_objective

    md = load_md_data()
    result = solve(VALIDATION_PARAMETERS, md)
    paper = published_objective(result.two_exy, result.tau_gpa, md).d
    robust = robust_objective(result.two_exy, result.tau_gpa, md).d
    print("\n## Context: objective of the reference parameters against MD")
    print("| parameters | d (published) | d (robust) |")
    print("|---|---:|---:|")
    print(
        f"| validation set (stz_reference_B; l_chi 41.8 A, eps0 7.13) "
        f"| {paper:.4f} | {robust:.4f} |"
    )


def _published_start(seeds: range, objective: str, out: Path) -> dict[int, float]:
    """Best d of the published optimiser's 350-point Latin hypercube, per seed."""
    from scalebridge.calibration.bounds import PUBLISHED_SPACE
    from scalebridge.calibration.evaluations import EvaluationTask, evaluate_task
    from scalebridge.calibration.paper import PaperEGO, PaperSettings
    from scalebridge.compute.executor import Executor, ExecutorSettings

    best: dict[int, float] = {}
    for seed in seeds:
        cache = out / f"published-start-s{seed}.json"
        if cache.exists():
            best[seed] = json.loads(cache.read_text())["best_d"]
            continue
        design = PaperEGO(4, PaperSettings(n_initial=350, seed=seed)).initial_design()
        values = PUBLISHED_SPACE.from_unit(design)
        tasks = [
            EvaluationTask(
                seed=seed,
                iteration=0,
                slot=i,
                values=tuple(float(v) for v in row),
                parameters=PUBLISHED_SPACE.parameters(row),
                objective=objective,
                md_data=None,
                reference=None,
                method="paper",
            )
            for i, row in enumerate(values)
        ]
        with Executor(ExecutorSettings(n_workers=WORKERS), progress=False) as executor:
            results = executor.map(evaluate_task, tasks, description=f"350 LHS, seed {seed}")
        d = [e.d for e in results if e.feasible]
        best[seed] = float(min(d)) if d else float("inf")
        cache.write_text(json.dumps({"best_d": best[seed], "n_feasible": len(d)}))
    return best


def _validation(budget: int, seeds: int, out: Path) -> None:
    """The published validation experiment with ``bo``, one row per seed."""
    print("\n## Validation: recover the published validation parameters (bo, robust objective)")
    print("| seed | β | u0 | c0 | s_y | max | best d | solves to best | within 5 % | wall (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    met = 0
    for seed in range(seeds):
        row, ok = _validation_row(budget, seed, out)
        print(row)
        met += ok
    print(f"target (every error <= 5 % within {budget} solves): met for {met} of {seeds} seeds")


def _validation_row(budget: int, seed: int, out: Path) -> tuple[str, bool]:
    from scalebridge.calibration.workflow import CalibrationSettings
    from scalebridge.continuum import VALIDATION_PARAMETERS

    settings = CalibrationSettings(method="bo", budget=budget, seed=seed, validate=True)
    run = _calibrate(settings, out / f"validate-b{budget}-s{seed}")
    rows = run["rows"]
    space = settings.space
    at, best = min(((i, e) for i, e in enumerate(rows) if e.feasible), key=lambda t: t[1].d)
    e = list(space.error_percent_of_range(np.array(best.values), VALIDATION_PARAMETERS))
    # after which solves (whole iterations) the best point so far had every error <= 5 %
    iterations = np.array([r.iteration for r in rows])
    ends = np.searchsorted(iterations, iterations, side="right")
    best_so_far, ok, within = np.inf, False, []
    for i, row in enumerate(rows):
        if row.feasible and row.d < best_so_far:
            best_so_far = row.d
            err = space.error_percent_of_range(np.array(row.values), VALIDATION_PARAMETERS)
            ok = bool(err.max() <= 5.0)
        if i + 1 == ends[i]:
            within.append((i + 1, ok))
    spans = [n for n, ok in within if ok]
    when = "never" if not spans else f"{len(spans)} iterations, solves {spans[0]}-{spans[-1]}"
    line = (
        f"| {seed} | "
        + " | ".join(f"{v:.2f}" for v in e)
        + f" | {max(e):.2f} | {best.d:.4f} | {ends[at]} | {when} | {run['wall_seconds']:.0f} |"
    )
    return line, max(e) <= 5 and len(rows) <= budget


def _comparison(
    runs: dict[str, list[dict[str, Any]]], budget: int, start350: dict[int, float]
) -> None:
    seeds = range(min(len(v) for v in runs.values()))
    print("\n## Against MD, equal budgets (every solve counts, the initial design included)")
    print(
        "| method | seed | best d | solves to best | start: best of initial design "
        "| wall (s) | optimiser (s) | solves (s, summed) | load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for method, method_runs in runs.items():
        for seed, r in enumerate(method_runs):
            running = r["running"]
            to_best = _first_reaching(running, running[-1])
            resumed = " (resumed)" if r["resumed_from_rows"] else ""
            print(
                f"| {method} | {seed} | {running[-1]:.4f} | {to_best} | "
                f"{r['start']:.4f} ({r['n_initial']} LHS) | {r['wall_seconds']:.0f}{resumed} | "
                f"{r['ask_seconds']:.0f} | {r['solve_seconds']:.0f} | {r['load_average']:.1f} |"
            )
    if start350:
        print("\nPublished starting point (best of the published 350-point Latin hypercube):")
        print(", ".join(f"seed {s}: {d:.4f}" for s, d in sorted(start350.items())))
    if "bo" not in runs or "paper" not in runs:
        return
    print("\n## Solves bo needs to reach paper's final objective")
    print(
        "| seed | paper final d | bo final d | bo / paper final | bo solves to reach it "
        "| paper solves to reach it | bo / budget | bo / paper solves |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    curves: dict[str, list[np.ndarray]] = {"bo": [], "paper": []}
    for seed in seeds:
        bo, paper = runs["bo"][seed]["running"], runs["paper"][seed]["running"]
        curves["bo"].append(bo)
        curves["paper"].append(paper)
        _reach_row(str(seed), bo, paper, budget)
    n = min(min(len(c) for c in v) for v in curves.values())
    median = {k: np.median(np.array([c[:n] for c in v]), axis=0) for k, v in curves.items()}
    _reach_row("median curve", median["bo"], median["paper"], budget)
    worst_bo = max(c[-1] for c in curves["bo"])
    best_paper = min(c[-1] for c in curves["paper"])
    lower = worst_bo < best_paper
    print(
        f"\nTarget 1, bo lower than paper at equal budget: worst bo seed {worst_bo:.4f}, "
        f"best paper seed {best_paper:.4f} -> "
        + ("met (bo lower for every pairing of seeds)" if lower else "NOT met for every pairing")
    )
    n_median = _first_reaching(median["bo"], float(median["paper"][-1]))
    third = n_median is not None and n_median <= budget / 3
    print(
        f"Target 2, paper's final objective in a third of the solves: the median bo curve "
        f"reaches the median paper final after {n_median} of {budget} solves -> "
        + ("met" if third else "NOT met")
    )
    print("\n## Wall time of one calibration (2 worker processes, this machine)")
    print("| method | budget | wall (s), min-max over seeds | of it in the optimiser (s) |")
    print("|---|---:|---:|---:|")
    for method, method_runs in runs.items():
        walls = [r["wall_seconds"] for r in method_runs]
        asks = [r["ask_seconds"] for r in method_runs]
        print(
            f"| {method} | {budget} | {min(walls):.0f}-{max(walls):.0f} "
            f"| {min(asks):.0f}-{max(asks):.0f} |"
        )


def _reach_row(label: str, bo: np.ndarray, paper: np.ndarray, budget: int) -> None:
    target = float(paper[-1])
    n_bo = _first_reaching(bo, target)
    n_paper = _first_reaching(paper, target)
    bo_reach = "not reached" if n_bo is None else str(n_bo)
    per_budget = "-" if n_bo is None else f"{n_bo / budget:.2f}"
    per_paper = "-" if n_bo is None or n_paper is None else f"{n_bo / n_paper:.2f}"
    print(
        f"| {label} | {target:.4f} | {bo[-1]:.4f} | {bo[-1] / target:.3f} | {bo_reach} | "
        f"{n_paper} | {per_budget} | {per_paper} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per method on MD")
    parser.add_argument("--budget", type=int, default=300, help="forward solves per MD run")
    parser.add_argument("--methods", nargs="+", default=["bo", "paper"], choices=("bo", "paper"))
    parser.add_argument("--objective", default="robust", choices=("robust", "paper"))
    parser.add_argument(
        "--validation-budget", type=int, default=300, help="forward solves of the validation"
    )
    parser.add_argument("--validation-seeds", type=int, default=3, help="seeds of the validation")
    parser.add_argument("--skip-validation", action="store_true")
    parser.add_argument(
        "--published-start", action="store_true", help="also solve the 350-point LHS per seed"
    )
    parser.add_argument("--out", type=Path, default=None, help="folder of the run folders")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        _benchmarks(args)


def _benchmarks(args: argparse.Namespace) -> None:
    from scalebridge.calibration.workflow import CalibrationSettings

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-calibration-"))
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"# Calibration benchmarks (budget {args.budget}, {args.seeds} seed(s), "
        f"{WORKERS} workers, {os.cpu_count()} cores; run folders in {out})"
    )
    if not args.skip_validation:
        _validation(args.validation_budget, args.validation_seeds, out)
    _context(args.objective)
    runs: dict[str, list[dict[str, Any]]] = {}
    for method in args.methods:
        runs[method] = []
        for seed in range(args.seeds):
            settings = CalibrationSettings(
                method=method,
                budget=args.budget,
                seed=seed,
                objective=args.objective,
                stop_below=0.0,
                n_restarts=2,
            )
            runs[method].append(_calibrate(settings, out / f"{method}-b{args.budget}-s{seed}"))
    start350 = (
        _published_start(range(args.seeds), args.objective, out) if args.published_start else {}
    )
    _comparison(runs, args.budget, start350)


if __name__ == "__main__":
    main()

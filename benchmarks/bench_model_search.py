"""Benchmark: the 9,919-model search of the strength workflow (target: < 15 s on 2 cores).

Prints a table: our search (cold: JIT compile + cluster start included; warm) against the
straightforward scikit-learn pipeline timed in the same run on a random sample of subsets and
extrapolated to all 9,919 (running it in full takes ~half an hour). Also checks that both give
the same scores on that sample, and how many of them plain ``KNNImputer`` reproduces.

    .venv/bin/python benchmarks/bench_model_search.py [--sample 40]
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.impute import KNNImputer
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scalebridge.compute import Executor, ExecutorSettings
from scalebridge.strength.dataset import load_pool
from scalebridge.strength.model import published_pipeline
from scalebridge.strength.search import SearchSettings, fold_masks, model_search


def plain_sklearn_pipeline() -> TransformedTargetRegressor:
    steps = make_pipeline(
        StandardScaler(), KNNImputer(n_neighbors=2, keep_empty_features=True), LinearRegression()
    )
    return TransformedTargetRegressor(regressor=steps, transformer=StandardScaler())


COLD_RUN = """
import time
start = time.perf_counter()
from scalebridge.compute import Executor, ExecutorSettings
from scalebridge.strength.dataset import load_pool
from scalebridge.strength.search import SearchSettings, model_search
pool = load_pool()
with Executor(ExecutorSettings(), progress=False) as executor:
    model_search(pool.X, pool.y, SearchSettings(), executor=executor)
print(time.perf_counter() - start)
"""


def cold_run_seconds() -> float:
    """The whole search in a fresh process whose Numba cache is empty (JIT included)."""
    import os
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run(
            [sys.executable, "-c", COLD_RUN], env=env, capture_output=True, text=True, check=True
        )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=40)
    args = parser.parse_args()
    pool = load_pool()
    settings = SearchSettings()

    runs = {"first run after install (empty Numba cache)": cold_run_seconds()}
    start = time.perf_counter()
    with Executor(ExecutorSettings(), progress=False) as executor:
        workers = executor.n_workers()
        table = model_search(pool.X, pool.y, settings, executor=executor).table
    runs["new local cluster, compiled code cached"] = time.perf_counter() - start
    start = time.perf_counter()
    model_search(pool.X, pool.y, settings)
    runs["one process, no executor"] = time.perf_counter() - start

    X = np.ascontiguousarray(pool.X.to_numpy(float))
    y = pool.y.to_numpy(float)
    folds = [(np.flatnonzero(m), np.flatnonzero(~m)) for m in fold_masks(len(y), settings)]
    combos = [c for k in (1, 2, 3) for c in itertools.combinations(range(X.shape[1]), k)]
    rng = np.random.default_rng(0)
    sample = [combos[i] for i in rng.choice(len(combos), args.sample, replace=False)]
    by_name = table.set_index("predictors")["cv_r2_mean"]
    names = np.array(pool.X.columns)
    deviations: dict[str, list[float]] = {"stable pipeline": [], "plain KNNImputer": []}
    start = time.perf_counter()
    for combo in sample:
        ours = by_name[" + ".join(names[list(combo)])]
        cols = np.ascontiguousarray(X[:, list(combo)])
        ref = cross_val_score(published_pipeline(), cols, y, cv=folds, scoring="r2").mean()
        deviations["stable pipeline"].append(abs(ref - ours))
    reference_seconds = (time.perf_counter() - start) / len(sample) * len(combos)
    for combo in sample:
        ours = by_name[" + ".join(names[list(combo)])]
        cols = np.ascontiguousarray(X[:, list(combo)])
        ref = cross_val_score(plain_sklearn_pipeline(), cols, y, cv=folds, scoring="r2").mean()
        deviations["plain KNNImputer"].append(abs(ref - ours))

    print(f"model search: {len(table)} models x {len(folds)} folds, {workers} local workers\n")
    print(f"| {'run':<58} | {'seconds':>8} | {'speed-up vs reference':>22} |")
    print(f"|{'-' * 60}|{'-' * 10}|{'-' * 24}|")
    ref_label = f"scikit-learn pipeline (extrapolated from {len(sample)})"
    print(f"| {ref_label:<58} | {reference_seconds:8.1f} | {1.0:22.1f} |")
    for label, seconds in runs.items():
        name = f"scalebridge, {label}"
        print(f"| {name:<58} | {seconds:8.1f} | {reference_seconds / seconds:22.0f} |")
    print("\nagreement of mean CV R² on the sample:")
    for label, values in deviations.items():
        arr = np.array(values)
        print(
            f"  {label:<18} max |diff| {arr.max():.1e}, identical (<1e-9) "
            f"{int((arr < 1e-9).sum())}/{len(arr)}"
        )
    worst = max(runs.values())
    print(
        f"\ntarget < 15 s for the whole search: {'met' if worst < 15 else 'NOT met'}"
        f" (slowest case {worst:.1f} s)"
    )


if __name__ == "__main__":
    main()

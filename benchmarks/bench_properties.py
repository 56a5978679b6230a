"""Benchmark: the indicator-property engine (issue 4 targets).

1. Time per property group and in total for one EAM potential (target: all indicators,
   NEB included, in under 60 s on 2 cores).
2. Agreement with the OpenKIM values of the same potentials (every shipped file that matches
   a dataset row, see scalebridge.strength.openkim): per property, how many pairs are within
   the target tolerance, median and largest deviation.

    .venv/bin/python benchmarks/bench_properties.py [--skip-snap]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from scalebridge.compute import Executor, ExecutorSettings
from scalebridge.strength.openkim import MATCHES, comparison
from scalebridge.strength.potential_properties import compute_for_potential, pair_task


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-snap", action="store_true", help="leave out the slow SNAP pairs")
    args = parser.parse_args()

    print("1. all indicators of Cu_mishin1.eam.alloy / Cu, one process")
    start = time.perf_counter()
    report = compute_for_potential("Cu_mishin1.eam.alloy", "Cu")
    total = time.perf_counter() - start
    print(f"| {'group':<10} | {'seconds':>8} |\n|{'-' * 12}|{'-' * 10}|")
    for group, seconds in report.seconds.items():
        print(f"| {group:<10} | {seconds:8.2f} |")
    print(f"| {'total':<10} | {total:8.2f} |  target < 60 s: {'met' if total < 60 else 'NOT met'}")

    pairs = [p for p in MATCHES if not (args.skip_snap and p[0].endswith(".snap"))]
    print(f"\n2. {len(pairs)} shipped potentials matched to OpenKIM rows, on the executor")
    start = time.perf_counter()
    with Executor(ExecutorSettings(), progress=False) as executor:
        results = executor.map(pair_task, pairs, description="potentials")
    wall = time.perf_counter() - start
    checks = [
        comparison(r["potential"], r["element"], r["values"]) for r in results if "values" in r
    ]
    failed = [r for r in results if "error" in r]
    table = pd.concat(checks, ignore_index=True)
    summary = table.groupby("property").agg(
        pairs=("within_target", "size"),
        within=("within_target", "sum"),
        median_dev_pct=("deviation_pct", lambda d: d.abs().median()),
        max_dev_pct=("deviation_pct", lambda d: d.abs().max()),
        tolerance_pct=("tolerance_pct", "first"),
    )
    print(f"wall time {wall:.0f} s for {len(pairs)} pairs; failed: {len(failed)}")
    print(summary.to_string(float_format=lambda v: f"{v:.3g}"))
    outside = table[~table["within_target"]]
    if len(outside):
        print("\noutside the target:")
        print(
            outside[
                ["potential", "element", "property", "scalebridge", "openkim", "deviation_pct"]
            ].to_string(index=False)
        )


if __name__ == "__main__":
    main()

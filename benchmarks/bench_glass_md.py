"""Benchmark: the cost of the glass MD's checkpoints (``make-glass``), against plain LAMMPS.

Plain: the same commands (``glass.lammps_setup`` and each segment's)
with one ``run`` per segment and no restart files. Driver: ``run_glass`` with a
checkpoint folder — a ``run`` per chunk, each with its own set-up, and a restart file after
every chunk that ends on a whole stress-log window. Both in this process, one after the
other, fastest of ``--repeats``; MD wall seconds only (the same outputs are written by both).

    .venv/bin/python benchmarks/bench_glass_md.py [--preset ci] [--repeats 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def plain_seconds(settings: object, folder: Path) -> float:
    from scalebridge.atomistic.glass import lammps_setup, open_lammps, segments

    folder.mkdir(parents=True)
    (folder / "dumps").mkdir()
    lmp = open_lammps(folder / "lammps.log")
    try:
        for command in lammps_setup(settings):  # type: ignore[arg-type]
            lmp.command(command)
        start = time.perf_counter()
        for segment in segments(settings, folder):  # type: ignore[arg-type]
            for command in segment.enter:
                lmp.command(command)
            end = segment.first_step + segment.steps
            span = f" start {segment.first_step} stop {end}" if segment.ramp else ""
            lmp.command(f"run {segment.steps}{span}")
        return time.perf_counter() - start
    finally:
        lmp.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="ci")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    from scalebridge.atomistic.glass import PRESETS, chunk_steps, run_glass

    settings = PRESETS[args.preset]
    plain, driver, restarts = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeats):
            plain.append(plain_seconds(settings, Path(tmp) / f"plain{k}"))
            folder = Path(tmp) / f"driver{k}"
            saved: set[str] = set()

            def count(
                phase: str, done: int, total: int, folder: Path = folder, saved: set[str] = saved
            ) -> None:
                saved.update(p.name for p in (folder / "checkpoints").glob("*.restart"))

            start = time.perf_counter()
            run_glass(settings, folder, checkpoints=folder / "checkpoints", on_progress=count)
            driver.append(time.perf_counter() - start)
            restarts = len(saved)
    steps = sum(settings.phase_steps().values())
    print(
        f"preset {args.preset}: {settings.n_atoms} atoms, {steps} steps, chunks of "
        f"{chunk_steps(settings)}, {restarts} restart files; fastest of {args.repeats}\n"
    )
    print("| MD | wall (s) | ratio to plain LAMMPS |")
    print("|---|---:|---:|")
    print(f"| plain LAMMPS, one run per segment | {min(plain):.1f} | 1.00 |")
    print(f"| run_glass with restart files | {min(driver):.1f} | {min(driver) / min(plain):.3f} |")


if __name__ == "__main__":
    main()

"""Benchmark: sliding MD throughput and the tomograph pipeline (issue 6 targets).

1. MD throughput of a sliding run (atom-steps per second) through our driver (chunked runs,
   progress callbacks, a restart file after every chunk) against plain LAMMPS on the same
   input (one `run`), same process.
2. Tomographs of that run, and of any `md tribology` run folders given with ``--runs``:
   OVITO's analysis time per frame against our own grains, rasterising, tiling and labelling
   (target: our overhead < 50 % of OVITO's). Both after their imports (OVITO, SciPy), the
   fastest of ``--repeats`` passes each, so that a one-off cost or a busy moment of the
   machine counts for neither.

    .venv/bin/python benchmarks/bench_tomograph.py [--size small|medium] [--duration-ps 10]
        [--runs RUN_FOLDER ...] [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
import time
from pathlib import Path

from scalebridge.patterns.descriptors import LabelRules
from scalebridge.patterns.tomograph import analyse
from scalebridge.patterns.workflow import TomographRun, labelled_tiles, ordered_dumps, run_metadata
from scalebridge.tribology.sliding import (
    TIMESTEP_PS,
    SlidingSettings,
    open_lammps,
    run_sliding,
    sliding_commands,
    write_data_file,
)


def plain_lammps(settings: SlidingSettings, folder: Path) -> float:
    """Atom-steps per second of the same input run by LAMMPS in one `run` command."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dumps").mkdir(exist_ok=True)
    geometry = write_data_file(settings, folder / "data.lmp")
    lmp = open_lammps(settings, folder / "lammps.log")
    for command in sliding_commands(settings, folder, geometry):
        lmp.command(command)
    steps = round(settings.duration_ps / TIMESTEP_PS)
    start = time.perf_counter()
    lmp.command(f"run {steps}")
    seconds = time.perf_counter() - start
    atoms = lmp.get_natoms()
    lmp.close()
    return atoms * steps / seconds


def tomograph_seconds(
    dumps: list[Path], settings: TomographRun, repeats: int
) -> tuple[int, float, float, float]:
    """Frames, mean atoms, and the fastest OVITO and own seconds per frame of ``repeats``
    passes over the dumps of one run."""
    for module in ("ovito.io", "scipy.ndimage", "scipy.sparse.csgraph", "scipy.spatial"):
        importlib.import_module(module)  # paid once per process, outside the timing

    ovito, own = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        frames = list(analyse(dumps, settings.analysis))
        ovito.append((time.perf_counter() - start) / len(frames))
        start = time.perf_counter()
        labelled_tiles(frames, settings, run_metadata(dumps), LabelRules())
        own.append((time.perf_counter() - start) / len(frames))
    atoms = sum(len(f.ids) for f in frames) / len(frames)
    return len(frames), atoms, min(ovito), min(own)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="small", choices=("small", "medium"))
    parser.add_argument("--duration-ps", type=float, default=10.0)
    parser.add_argument("--runs", type=Path, nargs="*", default=[], help="md tribology folders")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    settings = SlidingSettings(
        ni_fraction=0.25,
        pressure_gpa=2.0,
        temperature_k=300,
        velocity_m_s=100,
        duration_ps=args.duration_ps,
        size=args.size,
    )
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        reference = plain_lammps(settings, root / "plain")
        ours = run_sliding(settings, root / "ours", checkpoints=root / "checkpoints")
        print(
            f"1. sliding MD, size {args.size}, {ours['n_atoms']:.0f} atoms, "
            f"{args.duration_ps} ps, 1 thread"
        )
        print(f"| {'run':<36} | {'atom-steps/s':>12} | {'ratio':>6} |")
        print(f"|{'-' * 38}|{'-' * 14}|{'-' * 8}|")
        print(f"| {'plain LAMMPS, one run command':<36} | {reference:12.3g} | {1.0:6.3f} |")
        ratio = ours["atom_steps_per_second"] / reference
        print(
            f"| {'scalebridge driver, restart files':<36} | "
            f"{ours['atom_steps_per_second']:12.3g} | {ratio:6.3f} |"
        )
        # the small slab is one 16 px tile high: 8 px tiles there, the CLI's default else
        runs = {"this run": (ordered_dumps([root / "ours" / "dumps"]), TomographRun(tile_px=8))}
        runs |= {f.name: (ordered_dumps([f / "dumps"]), TomographRun()) for f in args.runs}
        rows = {name: tomograph_seconds(*run, args.repeats) for name, run in runs.items()}
    print(f"\n2. tomographs, fastest of {args.repeats} passes, s / frame")
    print(
        f"| {'run':<26} | {'frames':>6} | {'atoms':>6} | {'OVITO':>6} | {'ours':>6} | "
        f"{'overhead':>8} |"
    )
    print(f"|{'-' * 28}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 10}|")
    for name, (frames, atoms, ovito, own) in rows.items():
        print(
            f"| {name:<26} | {frames:6d} | {atoms:6.0f} | {ovito:6.3f} | {own:6.3f} | "
            f"{100 * own / ovito:7.0f} % |"
        )
    worst = max(own / ovito for _, _, ovito, own in rows.values())
    print(
        f"largest overhead {100 * worst:.0f} % of OVITO (target < 50 %: "
        f"{'met' if worst < 0.5 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()

"""Benchmark: sliding MD throughput and the tomograph pipeline (issue 6 targets).

1. MD throughput of a sliding run (atom-steps per second) through our driver (chunked runs,
   progress callbacks) against plain LAMMPS on the same input (one `run`), same process.
2. Tomographs of that run: OVITO's analysis time per frame against our own rasterising,
   tiling and labelling (target: our overhead < 50 % of OVITO's), and atoms per second.

    .venv/bin/python benchmarks/bench_tomograph.py [--size small|medium] [--duration-ps 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from scalebridge.patterns.descriptors import LabelRules
from scalebridge.patterns.workflow import TomographRun, make_tomographs, ordered_dumps
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="small", choices=("small", "medium"))
    parser.add_argument("--duration-ps", type=float, default=10.0)
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
        ours = run_sliding(settings, root / "ours")
        print(
            f"1. sliding MD, size {args.size}, {ours['n_atoms']:.0f} atoms, "
            f"{args.duration_ps} ps, 1 thread"
        )
        print(f"| {'run':<34} | {'atom-steps/s':>12} | {'ratio':>6} |")
        print(f"|{'-' * 36}|{'-' * 14}|{'-' * 8}|")
        print(f"| {'plain LAMMPS, one run command':<34} | {reference:12.3g} | {1.0:6.3f} |")
        ratio = ours["atom_steps_per_second"] / reference
        print(
            f"| {'scalebridge driver (20 chunks)':<34} | "
            f"{ours['atom_steps_per_second']:12.3g} | {ratio:6.3f} |"
        )
        dumps = ordered_dumps([root / "ours" / "dumps"])
        out = root / "tomo"
        out.mkdir()
        metrics = make_tomographs(dumps, TomographRun(tile_px=8), out, LabelRules())
    print(f"\n2. tomographs of {metrics['frames']} frames")
    print(f"| {'step':<34} | {'s / frame':>12} |")
    print(f"|{'-' * 36}|{'-' * 14}|")
    print(
        f"| {'OVITO analysis (PTM, orientations)':<34} | "
        f"{metrics['ovito_seconds_per_frame']:12.3f} |"
    )
    print(
        f"| {'ours: grains, raster, tiles, labels':<34} | "
        f"{metrics['own_seconds_per_frame']:12.3f} |"
    )
    overhead = metrics["overhead_ratio"]
    print(
        f"overhead {100 * overhead:.0f} % of OVITO (target < 50 %: "
        f"{'met' if overhead < 0.5 else 'NOT met'}); {metrics['atoms_per_second']:.3g} atoms/s"
    )


if __name__ == "__main__":
    main()

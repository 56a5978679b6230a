"""``scalebridge make-glass`` and ``scalebridge coarse-grain``: calibrate against your own glass.

``make-glass`` makes a small Cu50Zr50 glass with LAMMPS and shears it to gamma = 0.5 (101
dumps and a stress log); ``coarse-grain`` turns such dumps into the ``cuzr_shear_md`` format
that ``stz run --md-data`` and ``calibrate --md-data`` read.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from scalebridge.cli.common import add_run_options


def _make_glass(args: argparse.Namespace) -> int:
    from scalebridge.atomistic.glass import PRESETS
    from scalebridge.calibration.own_glass import make_glass_run

    overrides = {
        name: value
        for name, value in (
            ("atoms", args.atoms),
            ("temperature_k", args.temperature_k),
            ("shear_rate_per_s", args.shear_rate),
            ("seed", args.seed),
        )
        if value is not None
    }
    settings = dataclasses.replace(PRESETS[args.preset], **overrides)
    print(
        f"{settings.n_atoms} atoms, {sum(settings.phase_steps().values())} MD steps "
        f"(shear at {settings.actual_shear_rate_per_s:.3g} /s), one thread"
    )
    metrics = make_glass_run(
        settings, args.out, overwrite=args.overwrite, progress=not args.no_progress
    )
    print(
        f"G = {metrics['shear_modulus_gpa']:.1f} GPa, peak τ = {metrics['peak_tau_gpa']:.2f} GPa "
        f"at γ = {metrics['peak_gamma']:.3f}, τ(0.5) = {metrics['final_tau_gpa']:.2f} GPa, "
        f"{metrics['pe_ev_per_atom']:.3f} eV/atom; MD {metrics['md_seconds']:.0f} s\n"
        f"next: scalebridge coarse-grain {args.out / 'dumps'}/shear.*.dump "
        f"--stress {args.out / 'stress.csv'} --out DIR"
    )
    return 0


def _coarse_grain(args: argparse.Namespace) -> int:
    from scalebridge.calibration.coarse_grain import CoarseGrainSettings
    from scalebridge.calibration.own_glass import coarse_grain_run
    from scalebridge.continuum.md_data import GRID_SHAPE

    settings = CoarseGrainSettings(
        grid=args.grid,
        cutoff_angstrom=args.cutoff,
        smooth_cells=args.smooth,
        species_correction=args.species_correction,
        energy_offset=args.energy_offset,
        pe_column=args.pe_column,
    )
    metrics = coarse_grain_run(
        args.dumps,
        args.stress,
        settings,
        args.out,
        overwrite=args.overwrite,
        progress=not args.no_progress,
    )
    spacing = metrics["grid_spacing_angstrom"]
    print(
        f"{metrics['n_atoms']} atoms, {spacing[0]:.2f} Å per grid cell "
        f"({metrics['atoms_per_cell']:.1f} atoms per cell; the STZ solver assumes "
        f"{metrics['solver_grid_spacing_angstrom']} Å); energies shifted by "
        f"{metrics['energy_offset_ev']:+.4f} eV; |mean 2E_xy − γ| ≤ "
        f"{metrics['strain_field_mean_minus_gamma_max_abs']:.2g}; {metrics['seconds']:.0f} s"
    )
    if metrics["empty_cells_total"]:
        print(
            f"warning: {metrics['empty_cells_total']} empty grid cells over all frames (at most "
            f"{metrics['empty_cells_per_frame_max']} of {args.grid**2} in a frame) were filled "
            "from their neighbours; a coarser --grid or a larger glass avoids them"
        )
    if (args.grid, args.grid) != GRID_SHAPE:
        print(f"note: stz run and calibrate read {GRID_SHAPE[1]} × {GRID_SHAPE[0]} grids only")
    print(f"wrote {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    glass = subparsers.add_parser(
        "make-glass",
        help="make a small CuZr glass with LAMMPS and shear it (dumps for coarse-grain)",
        description="Random Cu50Zr50 alloy, melt at 2000 K, quench and hold at T, then simple "
        "shear in xy to γ = 0.5 (Mendelev CuZr_mm.eam.fs, one thread): 101 dumps with "
        "per-atom potential energy and a stress log. Preset ci: 800 atoms, ~1 min; docs: "
        "4704 atoms, ~10 min.",
    )
    glass.add_argument("--preset", choices=("ci", "docs"), default="ci", help="size and rates")
    glass.add_argument("--atoms", type=int, default=None, help="target atoms (preset's)")
    glass.add_argument("--temperature-k", type=float, default=None, help="shear T (300 K)")
    glass.add_argument("--shear-rate", type=float, default=None, help="shear rate (1/s)")
    glass.add_argument("--seed", type=int, default=None, help="random seed (1)")
    glass.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_run_options(glass)
    glass.set_defaults(handler=_make_glass)

    coarse = subparsers.add_parser(
        "coarse-grain",
        help="LAMMPS shear dumps → the cuzr_shear_md format (for stz run / calibrate)",
        description="Bin per-atom atomic strain (OVITO, relative to frame 0) and potential "
        "energy of 101 shear dumps (γ = 0, 0.005 … 0.5) onto a grid of the sheared cell, and "
        "resample the stress log: pe.MD.k, Exy.MD.k, stress_rand2_matlab.txt.",
    )
    coarse.add_argument("dumps", nargs="+", type=Path, metavar="DUMPS", help="101 LAMMPS dumps")
    coarse.add_argument(
        "--stress",
        type=Path,
        required=True,
        metavar="CSV",
        help="stress log with columns gamma, tau_gpa (make-glass writes stress.csv)",
    )
    coarse.add_argument("--grid", type=int, default=32, help="cells along x and y (32)")
    coarse.add_argument(
        "--cutoff", type=float, default=3.8, help="atomic-strain neighbour cutoff (Å, 3.8)"
    )
    coarse.add_argument(
        "--smooth", type=float, default=0.0, help="periodic Gaussian smoothing (grid cells, 0)"
    )
    coarse.add_argument(
        "--species-correction",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="energies relative to each species' frame-0 mean (default on)",
    )
    coarse.add_argument(
        "--energy-offset",
        default="shipped",
        metavar="shipped|EV",
        help="'shipped' (default): shift energies to the shipped data's frame-0 mean, "
        "where the published u0 bounds apply; or eV to add (0: raw)",
    )
    coarse.add_argument("--pe-column", default="c_pe", help="per-atom energy column (c_pe)")
    coarse.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_run_options(coarse)
    coarse.set_defaults(handler=_coarse_grain)

"""``scalebridge stz``: the STZ continuum model of a sheared metallic glass."""

from __future__ import annotations

import argparse
from pathlib import Path

from scalebridge.cli.common import add_run_options


def _run(args: argparse.Namespace) -> int:
    from scalebridge.continuum.parameters import STZParameters
    from scalebridge.continuum.workflow import REFERENCE_SECONDS, STZRunSettings, run_stz

    parameters = STZParameters(
        beta_per_ev=args.beta,
        u0_ev=args.u0,
        c0=args.c0,
        s_y_gpa=args.s_y,
        chi_len_angstrom=args.chi_len,
        epsilon0=args.epsilon0,
    )
    metrics = run_stz(
        STZRunSettings(parameters=parameters, md_data=args.md_data),
        args.out,
        overwrite=args.overwrite,
    )
    if metrics["feasible"]:
        objective = metrics["objective"]
        print(
            f"solved in {metrics['seconds']:.3f} s (reference C++: ~{REFERENCE_SECONDS} s); "
            f"objective d = {objective['d']:.6f} (d_G = {objective['d_grassmann']:.6f}, "
            f"d_tau = {objective['d_stress']:.6f} GPa)"
        )
    else:
        print(f"feasible: false ({metrics['reason']})")
    print(f"wrote {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stz",
        help="STZ continuum model of a sheared metallic glass",
        description="Shear-transformation-zone plasticity in quasi-static simple shear.",
    )
    commands = parser.add_subparsers(dest="stz_command", metavar="SUBCOMMAND", required=True)
    run = commands.add_parser(
        "run",
        help="one forward solve against the MD reference",
        description="Solve the STZ model once and compare it with coarse-grained MD "
        "(stress.csv, fields.npz, metrics.json with the published objective, figures, "
        "report.html).",
    )
    run.add_argument("--beta", type=float, required=True, help="beta (1/eV)")
    run.add_argument("--u0", type=float, required=True, help="u0 (eV)")
    run.add_argument("--c0", type=float, required=True, help="effective-temperature c0")
    run.add_argument("--s-y", dest="s_y", type=float, required=True, help="yield stress (GPa)")
    run.add_argument(
        "--chi-len", type=float, default=25.59275383, help="chi diffusion length (Angstrom)"
    )
    run.add_argument("--epsilon0", type=float, default=44.52901253, help="STZ rate prefactor")
    run.add_argument(
        "--md-data",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of coarse-grained MD in the cuzr_shear_md format (default: shipped data)",
    )
    add_run_options(run)
    run.set_defaults(handler=_run)

"""``scalebridge md tribology``: a sliding MD run of a CuNi polycrystal."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scalebridge.cli.common import add_executor_options, add_run_options, executor_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("md", help="molecular dynamics runs (LAMMPS)")
    commands = parser.add_subparsers(dest="md_command", metavar="COMMAND", required=True)
    tribo = commands.add_parser(
        "tribology", help="sliding of a rigid rough counterbody on a CuNi polycrystal"
    )
    tribo.add_argument("--ni-fraction", type=float, required=True, help="0 = Cu, 1 = Ni")
    tribo.add_argument("--pressure-gpa", type=float, required=True)
    tribo.add_argument("--temperature-k", type=float, required=True)
    tribo.add_argument("--velocity-m-s", type=float, required=True)
    tribo.add_argument("--duration-ps", type=float, required=True)
    tribo.add_argument("--size", choices=("small", "medium"), default="small")
    tribo.add_argument("--seed", type=int, default=1)
    tribo.add_argument("--dump-every-ps", type=float, default=1.0)
    tribo.add_argument("--threads", type=int, default=1, help="OpenMP threads of LAMMPS")
    tribo.add_argument("--no-progress", action="store_true")
    add_run_options(tribo)
    tribo.set_defaults(handler=run)
    register_campaign(commands)


def run(args: argparse.Namespace) -> int:
    from scalebridge.runs.folder import RunFolder
    from scalebridge.runs.settings import settings_to_dict
    from scalebridge.tribology.sliding import SlidingSettings
    from scalebridge.tribology.workflow import friction_text, run_tribology

    settings = SlidingSettings(
        ni_fraction=args.ni_fraction,
        pressure_gpa=args.pressure_gpa,
        temperature_k=args.temperature_k,
        velocity_m_s=args.velocity_m_s,
        duration_ps=args.duration_ps,
        size=args.size,
        seed=args.seed,
        dump_every_ps=args.dump_every_ps,
        threads=args.threads,
    )
    with RunFolder(
        args.out,
        command="md tribology",
        settings=settings_to_dict(settings),
        overwrite=args.overwrite,
    ) as folder:
        metrics = run_tribology(
            settings, folder.path, progress=not args.no_progress, checkpoints=folder.checkpoint_dir
        )
    if metrics["resumed_from_ps"] > 0:
        resumed = metrics["resumed_from_ps"]
        print(f"continued an interrupted run from its restart file at {resumed:g} ps")
    print(
        f"{metrics['n_atoms']:.0f} atoms, {metrics['dumps']} dumps, {friction_text(metrics)}, "
        f"T = {metrics['mean_temperature_k']:.0f} K\n"
        f"report: {args.out / 'report.html'}"
    )
    return 0


def register_campaign(commands: Any) -> None:
    campaign = commands.add_parser("campaign", help="a matrix of sliding runs on the executor")
    campaign.add_argument("--matrix", type=Path, required=True, help="campaign TOML file")
    campaign.add_argument("--out", type=Path, required=True, help="campaign folder (resumable)")
    add_executor_options(campaign)
    campaign.set_defaults(handler=run_campaign_command)


def run_campaign_command(args: argparse.Namespace) -> int:
    from scalebridge.compute.executor import Executor
    from scalebridge.tribology.campaign import read_campaign, run_campaign

    runs = read_campaign(args.matrix)
    with Executor(executor_settings(args), progress=not args.no_progress) as executor:
        table = run_campaign(runs, args.out, executor)
    finished = int((table["state"] == "finished").sum())
    print(f"{finished}/{len(table)} runs finished; status: {args.out / 'status.csv'}")
    return 0

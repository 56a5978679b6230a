"""Entry point of the ``scalebridge`` command.

Each workflow contributes one module with ``register(subparsers)``; the module list below is
the only place a new command is wired in. Errors a user can fix are printed as one message
(exit status 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from scalebridge import __version__
from scalebridge.errors import ScalebridgeError

COMMAND_MODULES = (
    "scalebridge.cli.strength",
    "scalebridge.cli.potentials",
    "scalebridge.cli.md",
    "scalebridge.cli.tomograph",
    "scalebridge.cli.patterns",
    "scalebridge.cli.demo",
    "scalebridge.cli.stz",
    "scalebridge.cli.calibrate",
    "scalebridge.cli.coarse_grain",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scalebridge",
        description="Molecular-dynamics data to upper-scale predictions with honest uncertainty.",
    )
    parser.add_argument("--version", action="version", version=f"scalebridge {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ScalebridgeError as exc:
        print(f"scalebridge: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scalebridge: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

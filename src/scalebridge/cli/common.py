"""Options shared by several commands (run folder, executor)."""

from __future__ import annotations

import argparse
from pathlib import Path

from scalebridge.compute.executor import ExecutorSettings


def add_run_options(parser: argparse.ArgumentParser, *, default_out: str | None = None) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        required=default_out is None,
        default=None if default_out is None else Path(default_out),
        help="run folder to write (config.json, metrics.json, tables, figures, report.html)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing run folder; an interrupted run with the same settings "
        "resumes without it",
    )


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="address of an existing dask scheduler (default: a local cluster)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: all cores)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def executor_settings(args: argparse.Namespace) -> ExecutorSettings:
    return ExecutorSettings(scheduler=args.scheduler, n_workers=args.workers)

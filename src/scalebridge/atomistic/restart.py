"""LAMMPS restart files as the checkpoints of a long MD run.

After a chunk of the run, ``<prefix>.<step>.restart`` is written through a temporary name
and synced to disk; then ``state.json`` names it, with whatever else the run needs to
continue; older restart files go only after that. A run killed at any moment therefore
leaves a complete pair, or none.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from scalebridge.errors import RunFolderError

STATE = "state.json"
T = TypeVar("T")


def save_restart(lmp: Any, folder: Path, prefix: str, step: int, record: dict[str, Any]) -> None:
    """Write the restart file of LAMMPS instance ``lmp`` into ``folder`` and a ``state.json``
    of ``record`` with its name under ``"restart"``."""
    from scalebridge.runs.folder import write_json_atomic

    folder.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}.{step}.restart"
    partial = folder / f".{name}.tmp"
    lmp.command(f"write_restart {partial}")
    with partial.open("rb") as handle:  # on disk before state.json names it
        os.fsync(handle.fileno())
    os.replace(partial, folder / name)
    write_json_atomic(folder / STATE, {"restart": name, **record})
    for old in [*folder.glob(f"{prefix}.*.restart"), *folder.glob(f".{prefix}.*.tmp")]:
        if old.name != name:
            old.unlink()


def load_state(folder: Path, what: str, parse: Callable[[dict[str, Any], Path], T]) -> T | None:
    """``parse(record, restart file)`` of the ``state.json`` in ``folder``, or ``None`` when
    there is none; a clear error naming the file when it cannot be read, ``parse`` fails or
    the restart file it names is missing (``what``: "an interrupted sliding run")."""
    state = folder / STATE
    if not state.exists():
        return None
    try:
        record = json.loads(state.read_text())
        restart = folder / record["restart"]
        parsed = parse(record, restart)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RunFolderError(
            f"{state}: unreadable checkpoint of {what} ({exc}); "
            "it cannot be continued; start the run again"
        ) from None
    if not restart.exists():
        raise RunFolderError(
            f"{state}: names {restart.name}, which is missing; "
            "it cannot be continued; start the run again"
        )
    return parsed


def trim_dumps(folder: Path, pattern: str, step: int) -> None:
    """Remove the dumps ``<name>.<step>.dump`` matching ``pattern`` in ``folder`` written
    after ``step`` (the continued run writes them again)."""
    for dump in folder.glob(pattern):
        if int(dump.name.split(".")[1]) > step:
            dump.unlink()


def trim_log(path: Path, step: int, fields: int) -> None:
    """Keep the comments of a ``fix ave/time`` file and its whole rows (``fields`` columns,
    the step first) up to ``step``: an interrupted run's later and cut rows go."""
    if not path.exists():
        return

    def keeps(line: str) -> bool:
        if line.startswith("#"):
            return True
        row = line.split()
        return len(row) == fields and row[0].isdigit() and int(row[0]) <= step

    path.write_text("".join(f"{line}\n" for line in path.read_text().splitlines() if keeps(line)))

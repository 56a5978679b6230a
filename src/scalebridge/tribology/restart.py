"""Checkpoints of a sliding run: a LAMMPS restart file and the state needed to continue.

After every chunk of the sliding run, ``sliding.<step>.restart`` is written (through a
temporary name, synced to disk) and then ``state.json`` names it, with the step, the
geometry of the data file and the MD seconds so far; older restart files are removed only
after that. A run killed at any moment therefore leaves a complete pair, or none.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scalebridge.errors import RunFolderError

STATE = "state.json"
LOG_FIELDS = 6  # step, time, temperature, friction, normal force, counterbody z


@dataclass(frozen=True)
class SlidingCheckpoint:
    """Where an interrupted sliding run stopped: ``step`` (sliding steps done) and its
    restart file."""

    restart: Path
    step: int
    geometry: dict[str, float]
    md_seconds: float

    @classmethod
    def load(cls, folder: Path) -> SlidingCheckpoint | None:
        """The checkpoint in ``folder``, or ``None`` when there is none."""
        state = folder / STATE
        if not state.exists():
            return None
        try:
            record = json.loads(state.read_text())
            restart = folder / record["restart"]
            checkpoint = cls(
                restart=restart,
                step=int(record["step"]),
                geometry={k: float(v) for k, v in record["geometry"].items()},
                md_seconds=float(record["md_seconds"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RunFolderError(
                f"{state}: unreadable checkpoint of an interrupted sliding run ({exc}); "
                "it cannot be continued; start the run again"
            ) from None
        if not restart.exists():
            raise RunFolderError(
                f"{state}: names {restart.name}, which is missing; "
                "it cannot be continued; start the run again"
            )
        return checkpoint

    @staticmethod
    def save(
        lmp: Any, folder: Path, step: int, geometry: dict[str, float], md_seconds: float
    ) -> None:
        """Write the restart file of LAMMPS instance ``lmp`` at sliding step ``step``."""
        from scalebridge.runs.folder import write_json_atomic

        folder.mkdir(parents=True, exist_ok=True)
        name = f"sliding.{step}.restart"
        partial = folder / f".{name}.tmp"
        lmp.command(f"write_restart {partial}")
        with partial.open("rb") as handle:  # on disk before state.json names it
            os.fsync(handle.fileno())
        os.replace(partial, folder / name)
        record = {"restart": name, "step": step, "geometry": geometry, "md_seconds": md_seconds}
        write_json_atomic(folder / STATE, record)
        for old in [*folder.glob("sliding.*.restart"), *folder.glob(".sliding.*.tmp")]:
            if old.name != name:
                old.unlink()

    def trim_outputs(self, folder: Path) -> None:
        """Drop what the interrupted run wrote after this checkpoint: dumps of later steps
        and log rows of later steps (the resumed run writes them again)."""
        for dump in (folder / "dumps").glob("frame.*.dump"):
            if int(dump.name.split(".")[1]) > self.step:
                dump.unlink()
        log = folder / "log.txt"
        if log.exists():
            kept = [line for line in log.read_text().splitlines() if self._keeps(line)]
            log.write_text("\n".join(kept) + "\n")

    def _keeps(self, line: str) -> bool:
        """A comment, or a whole row (step and five values) up to this checkpoint."""
        if line.startswith("#"):
            return True
        fields = line.split()
        return len(fields) == LOG_FIELDS and fields[0].isdigit() and int(fields[0]) <= self.step

"""Checkpoints of a sliding run: a LAMMPS restart file after every chunk of the sliding run
(``sliding.<step>.restart``, see :mod:`scalebridge.atomistic.restart`) and the state needed
to continue: the step, the geometry of the data file and the MD seconds so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
        from scalebridge.atomistic.restart import load_state

        def parse(record: dict[str, Any], restart: Path) -> SlidingCheckpoint:
            return cls(
                restart=restart,
                step=int(record["step"]),
                geometry={k: float(v) for k, v in record["geometry"].items()},
                md_seconds=float(record["md_seconds"]),
            )

        return load_state(folder, "an interrupted sliding run", parse)

    @staticmethod
    def save(
        lmp: Any, folder: Path, step: int, geometry: dict[str, float], md_seconds: float
    ) -> None:
        """Write the restart file of LAMMPS instance ``lmp`` at sliding step ``step``."""
        from scalebridge.atomistic.restart import save_restart

        record = {"step": step, "geometry": geometry, "md_seconds": md_seconds}
        save_restart(lmp, folder, "sliding", step, record)

    def trim_outputs(self, folder: Path) -> None:
        """Drop what the interrupted run wrote after this checkpoint: dumps of later steps
        and log rows of later steps (the resumed run writes them again)."""
        from scalebridge.atomistic.restart import trim_dumps, trim_log

        trim_dumps(folder / "dumps", "frame.*.dump", self.step)
        trim_log(folder / "log.txt", self.step, LOG_FIELDS)

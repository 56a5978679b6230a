"""A matrix of sliding runs on the Dask executor: finished runs skipped, interrupted ones continued.

Campaign file (TOML)::

    [base]            # settings shared by every run (fields of SlidingSettings)
    size = "small"
    duration_ps = 20
    temperature_k = 300
    velocity_m_s = 100

    [matrix]          # every combination of these lists is one run
    ni_fraction = [0.0, 0.25, 1.0]
    pressure_gpa = [0.5, 2.0]

Each run is a run folder ``<campaign>/runs/<name>`` written through a staging folder, so a
killed campaign never leaves a half-written run; the staging folder keeps a LAMMPS restart file
of the run's last chunk, and the next call of the campaign continues the run from there
(``done_ps`` in the status table). A run counts as finished only when its
recorded settings equal the requested ones (an edited campaign file reruns what changed); a
failing run is recorded as failed and the others go on. ``status.csv`` lists every run.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from scalebridge.errors import InputError
from scalebridge.runs.settings import read_settings_file, settings_from_mapping, settings_to_dict
from scalebridge.tribology.sliding import SlidingSettings

if TYPE_CHECKING:
    from scalebridge.compute.executor import Executor


def read_campaign(path: Path) -> list[SlidingSettings]:
    """All runs of a campaign file, in a stable order."""
    spec = read_settings_file(Path(path))
    unknown = set(spec) - {"base", "matrix"}
    if unknown:
        raise InputError(
            f"unknown table(s) {', '.join(sorted(unknown))}",
            source=path,
            expected="[base] and [matrix]",
        )
    base, matrix = dict(spec.get("base", {})), dict(spec.get("matrix", {}))
    for key, values in matrix.items():
        if not isinstance(values, list) or not values:
            raise InputError(
                f"{values!r}", source=path, field=f"matrix.{key}", expected="a non-empty list"
            )
    keys = sorted(matrix)
    runs = []
    for combo in itertools.product(*(matrix[k] for k in keys)):
        values = base | dict(zip(keys, combo, strict=True))
        runs.append(settings_from_mapping(SlidingSettings, values, source=str(path)))
    if not runs:
        raise InputError("the campaign has no run", source=path)
    return runs


def run_name(settings: SlidingSettings) -> str:
    return (
        f"ni{settings.ni_fraction:g}_p{settings.pressure_gpa:g}_T{settings.temperature_k:g}"
        f"_v{settings.velocity_m_s:g}_s{settings.seed}"
    )


def _run_task(task: tuple[dict[str, Any], str]) -> dict[str, Any]:
    """One run on a worker, written through its own run folder; a failure is returned (and
    the run left unfinished), so that the other runs go on."""
    from scalebridge.runs.folder import RunFolder
    from scalebridge.tribology.workflow import run_tribology

    values, out = task
    settings = SlidingSettings(**values)
    start = time.perf_counter()
    try:
        with RunFolder(
            Path(out),
            command="md tribology",
            settings=settings_to_dict(settings),
            overwrite=True,
            keep_interrupted=True,
        ) as run:
            metrics = run_tribology(
                settings, run.path, progress=False, checkpoints=run.checkpoint_dir
            )
    except Exception as exc:  # lost atoms, a killed LAMMPS: record and carry on
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"seconds": time.perf_counter() - start, **metrics}


def is_finished(folder: Path, settings: SlidingSettings) -> bool:
    """A published run folder whose recorded settings are exactly these."""
    import json

    try:
        record = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return (folder / "metrics.json").exists() and record.get("settings") == settings_to_dict(
        settings
    )


def checkpoint_ps(folder: Path, settings: SlidingSettings) -> float:
    """Sliding time that an interrupted run of these settings at ``folder`` has done and
    will continue from (0 when there is none)."""
    from scalebridge.errors import RunFolderError
    from scalebridge.runs.folder import RunFolder
    from scalebridge.tribology.restart import SlidingCheckpoint
    from scalebridge.tribology.sliding import TIMESTEP_PS

    run = RunFolder(folder, command="md tribology", settings=settings_to_dict(settings))
    if not run.holds_same_interrupted_run():
        return 0.0
    try:
        saved = SlidingCheckpoint.load(run.checkpoint_dir)
    except RunFolderError:
        return 0.0
    return 0.0 if saved is None else saved.step * TIMESTEP_PS


def run_campaign(runs: list[SlidingSettings], folder: Path, executor: Executor) -> pd.DataFrame:
    """Run what is not finished; return (and write) the status table."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [run_name(r) for r in runs]
    if len(set(names)) != len(names):
        raise InputError("two runs of the matrix have the same settings", source="campaign")
    out = {n: folder / "runs" / n for n in names}
    todo = [i for i, n in enumerate(names) if not is_finished(out[n], runs[i])]
    results: dict[str, dict[str, Any]] = {}

    def status() -> pd.DataFrame:
        rows = []
        for settings, name in zip(runs, names, strict=True):
            result = results.get(name, {})
            finished = is_finished(out[name], settings)
            done = settings.duration_ps if finished else checkpoint_ps(out[name], settings)
            state = "finished" if finished else "partial" if done > 0 else "pending"
            if "error" in result:
                state = "failed"
            row: dict[str, Any] = {"run": name, "state": state, "done_ps": done}
            row |= dataclasses.asdict(settings)
            row |= {k: result.get(k) for k in ("seconds", "friction_coefficient", "error")}
            rows.append(row)
        table = pd.DataFrame(rows)
        table.to_csv(folder / "status.csv", index=False)
        return table

    status()
    tasks = [(dataclasses.asdict(runs[i]), str(out[names[i]])) for i in todo]

    def finished(k: int, result: dict[str, Any]) -> None:
        results[names[todo[k]]] = result
        status()

    executor.map(_run_task, tasks, description="sliding runs", on_result=finished)
    return status()

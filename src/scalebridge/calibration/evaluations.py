"""One forward solve scored against the target, and the append-only ``evaluations.csv``.

:func:`evaluate_task` is the function sent to the executor's workers (module level, so a
worker imports it by name). :class:`EvaluationLog` appends one row per finished solve and
flushes it to disk at once; reading it back drops a torn last line and duplicate
(seed, iteration, slot) keys, so an interrupted run neither loses nor repeats a row.
"""

from __future__ import annotations

import csv
import functools
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from scalebridge.calibration.bounds import NAMES
from scalebridge.continuum.md_data import MDShearData, load_md_data
from scalebridge.continuum.parameters import STZParameters

COLUMNS = (
    "seed",
    "iteration",
    "slot",
    *NAMES,
    "d",
    "d_grassmann",
    "d_stress",
    "feasible",
    "reason",
    "seconds",
    "method",
)


@dataclass(frozen=True)
class EvaluationTask:
    """One forward solve to run: where it sits in the run and what it is scored against.

    ``reference`` set: the target is the solver's own output at those parameters (the
    validation experiment); otherwise the MD data in ``md_data`` (None: shipped data).
    """

    seed: int
    iteration: int
    slot: int
    values: tuple[float, ...]
    parameters: STZParameters
    objective: str = "robust"
    md_data: str | None = None
    reference: STZParameters | None = None
    method: str = ""


@dataclass(frozen=True)
class Evaluation:
    """One row of ``evaluations.csv`` (objective terms NaN when infeasible)."""

    seed: int
    iteration: int
    slot: int
    values: tuple[float, ...]
    d: float
    d_grassmann: float
    d_stress: float
    feasible: bool
    reason: str
    seconds: float
    method: str

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.seed, self.iteration, self.slot)

    def row(self) -> dict[str, object]:
        row: dict[str, object] = {k: v for k, v in asdict(self).items() if k != "values"}
        row.update(dict(zip(NAMES, self.values, strict=True)))
        return {c: row[c] for c in COLUMNS}


@functools.lru_cache(maxsize=4)
def target_data(md_data: str | None, reference: STZParameters | None) -> MDShearData:
    """The data a solve is scored against (cached per worker process).

    With ``reference``, the MD strain and stress are replaced by the solver's own output at
    those parameters (the MD potential energy still sets the initial chi).
    """
    import dataclasses

    from scalebridge.continuum.solver import solve

    md = load_md_data(md_data)
    if reference is None:
        return md
    result = solve(reference, md)
    if not result.feasible:
        raise ValueError(f"reference parameters are not feasible: {result.reason}")
    return dataclasses.replace(
        md,
        shear_strain=result.two_exy,
        stress_gamma=result.gamma,
        stress_tau_gpa=result.tau_gpa,
        source=f"STZ solve at {reference}",
    )


def evaluate_task(task: EvaluationTask) -> Evaluation:
    """Solve once and score the result (never raises for a parameter set in the box)."""
    from scalebridge.calibration.objective_robust import objective_function
    from scalebridge.continuum.solver import solve

    target = target_data(task.md_data, task.reference)
    start = time.perf_counter()
    result = solve(task.parameters, target)
    nan = math.nan
    d = d_g = d_s = nan
    reason = result.reason or ""
    feasible = result.feasible
    if feasible:
        score = objective_function(task.objective)(result.two_exy, result.tau_gpa, target)
        d, d_g, d_s = score.d, score.d_grassmann, score.d_stress
        if not math.isfinite(d):
            feasible, reason = False, "non-finite objective"
    return Evaluation(
        seed=task.seed,
        iteration=task.iteration,
        slot=task.slot,
        values=task.values,
        d=d,
        d_grassmann=d_g,
        d_stress=d_s,
        feasible=feasible,
        reason=reason,
        seconds=time.perf_counter() - start,
        method=task.method,
    )


class EvaluationLog:
    """Append-only CSV of evaluations, one fsync-ed row per finished solve."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.rows: list[Evaluation] = self._read() if self.path.exists() else []
        self._keys = {e.key for e in self.rows}
        self._rewrite()  # drop a torn last line and duplicates left by a kill

    def _read(self) -> list[Evaluation]:
        rows: list[Evaluation] = []
        seen: set[tuple[int, int, int]] = set()
        with self.path.open(newline="") as handle:
            for raw in csv.DictReader(handle):
                try:
                    e = Evaluation(
                        seed=int(raw["seed"]),
                        iteration=int(raw["iteration"]),
                        slot=int(raw["slot"]),
                        values=tuple(float(raw[n]) for n in NAMES),
                        d=float(raw["d"]),
                        d_grassmann=float(raw["d_grassmann"]),
                        d_stress=float(raw["d_stress"]),
                        feasible=raw["feasible"] == "True",
                        reason=raw["reason"] or "",
                        seconds=float(raw["seconds"]),
                        method=raw["method"] or "",
                    )
                except (KeyError, TypeError, ValueError):
                    continue  # a line torn by a kill mid-write
                if e.key not in seen:
                    seen.add(e.key)
                    rows.append(e)
        return rows

    def _rewrite(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".csv.tmp")
        with tmp.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for e in self.rows:
                writer.writerow(e.row())
        os.replace(tmp, self.path)

    def __contains__(self, key: tuple[int, int, int]) -> bool:
        return key in self._keys

    def append(self, evaluation: Evaluation) -> None:
        """Add one row to memory and to disk (ignored if its key is already there)."""
        if evaluation.key in self._keys:
            return
        self.rows.append(evaluation)
        self._keys.add(evaluation.key)
        with self.path.open("a", newline="") as handle:
            csv.DictWriter(handle, fieldnames=COLUMNS).writerow(evaluation.row())
            handle.flush()
            os.fsync(handle.fileno())

    def for_seed(self, seed: int) -> list[Evaluation]:
        return [e for e in self.rows if e.seed == seed]


def as_arrays(rows: list[Evaluation]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, d) physical values, (n,) objective d (NaN if infeasible), (n,) feasible flags."""
    if not rows:
        return np.zeros((0, len(NAMES))), np.zeros(0), np.zeros(0, dtype=bool)
    x = np.array([e.values for e in rows], dtype=float)
    y = np.array([e.d for e in rows], dtype=float)
    ok = np.array([e.feasible for e in rows], dtype=bool)
    return x, y, ok

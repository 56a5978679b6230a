"""Shared helpers: a cheap analytic stand-in for the forward solve."""

from __future__ import annotations

import numpy as np
import pytest

from scalebridge.calibration.bounds import PUBLISHED_SPACE
from scalebridge.calibration.evaluations import Evaluation, EvaluationTask

#: Minimum of the stand-in objective, in unit-cube coordinates.
CENTRE = np.array([0.4, 0.6, 0.3, 0.7])


def analytic_d(unit: np.ndarray) -> float:
    """0.05 + squared distance to CENTRE; the stand-in objective (unit-cube input)."""
    return float(0.05 + np.sum((np.asarray(unit) - CENTRE) ** 2))


def analytic_feasible(unit: np.ndarray) -> bool:
    """Infeasible corner: u0 in the top 15 % of its range (as the 20 K rule makes it)."""
    return bool(unit[1] < 0.85)


class StubSolver:
    """Evaluates tasks with the analytic objective and counts the calls."""

    def __init__(
        self, fail_after: int | None = None, error: type[BaseException] = KeyboardInterrupt
    ) -> None:
        self.calls = 0
        self.fail_after = fail_after
        self.error = error

    def __call__(self, task: EvaluationTask) -> Evaluation:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise self.error("stub failure")
        self.calls += 1
        unit = PUBLISHED_SPACE.to_unit(np.array(task.values))
        ok = analytic_feasible(unit)
        d = analytic_d(unit) if ok else float("nan")
        return Evaluation(
            seed=task.seed,
            iteration=task.iteration,
            slot=task.slot,
            values=task.values,
            d=d,
            d_grassmann=d,
            d_stress=0.0 if ok else float("nan"),
            feasible=ok,
            reason="" if ok else "infeasible corner",
            seconds=0.0,
            method=task.method,
        )


@pytest.fixture
def stub() -> StubSolver:
    return StubSolver()

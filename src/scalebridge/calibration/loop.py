"""The optimisation loop: ask a batch, solve it on a mapper, tell the results; observers watch.

Iteration 0 is the optimiser's initial design; iteration k >= 1 asks
``min(batch, budget - done)`` points. Every finished solve goes to the
:class:`~.evaluations.EvaluationLog` (the checkpoint) and to the attached observers (progress
bar, ...) at once. On a rerun, iterations complete in the log are told to the optimiser without
asking or solving; in an iteration cut short, the optimiser asks again (deterministically) and
only the missing slots are solved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from scalebridge.calibration.bounds import ParameterSpace
from scalebridge.calibration.evaluations import Evaluation, EvaluationLog, EvaluationTask
from scalebridge.calibration.optimizer import Optimizer
from scalebridge.errors import InputError

Observer = Callable[[Evaluation], None]
TaskFactory = Callable[[int, int, int, np.ndarray], EvaluationTask]


class Mapper(Protocol):
    """What the loop needs from an executor (``scalebridge.compute.Executor`` fits)."""

    def map(
        self, function: Any, items: Any, *, description: str, on_result: Any = None
    ) -> list[Any]: ...


class InProcessMapper:
    """Runs tasks one after the other in this process (tests, debugging, ``--workers 0``)."""

    def map(
        self, function: Any, items: Any, *, description: str, on_result: Any = None
    ) -> list[Any]:
        results = []
        for i, item in enumerate(items):
            result = function(item)
            results.append(result)
            if on_result is not None:
                on_result(i, result)
        return results


class CalibrationLoop:
    """Minimise the objective for one seed within ``budget`` forward solves.

    Parameters
    ----------
    optimizer:
        Any :class:`~.optimizer.Optimizer`.
    space:
        Maps the unit cube to physical parameters.
    log:
        Where evaluations are appended (read back on resume).
    make_task:
        ``(seed, iteration, slot, values (d,)) -> EvaluationTask``.
    evaluate:
        Module-level function run on the mapper's workers.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        space: ParameterSpace,
        log: EvaluationLog,
        make_task: TaskFactory,
        evaluate: Callable[[EvaluationTask], Evaluation],
        *,
        seed: int,
        budget: int,
        batch: int,
        stop_below: float,
    ) -> None:
        for field, value in (("budget", budget), ("batch", batch)):
            if value < 1:
                raise InputError(
                    f"{value!r}", source="calibration loop", field=field, expected=">= 1"
                )
        self.optimizer = optimizer
        self.space = space
        self.log = log
        self.make_task = make_task
        self.evaluate = evaluate
        self.seed = seed
        self.budget = budget
        self.batch = batch
        self.stop_below = stop_below
        self.observers: list[Observer] = []
        self.n_solved = 0  # solves run by this process (not read back from the log)

    def attach(self, observer: Observer) -> None:
        """Call ``observer(evaluation)`` after every finished solve."""
        self.observers.append(observer)

    def _notify(self, evaluation: Evaluation) -> None:
        self.log.append(evaluation)
        for observer in self.observers:
            observer(evaluation)

    def best(self) -> float:
        values = [e.d for e in self.log.for_seed(self.seed) if e.feasible]
        return min(values) if values else float("inf")

    def run(self, mapper: Mapper) -> list[Evaluation]:
        """Run to the budget or the stopping threshold; returns this seed's evaluations."""
        iteration = 0
        while True:
            done = len(self.log.for_seed(self.seed))
            if iteration > 0 and (done >= self.budget or self.best() < self.stop_below):
                break
            if iteration == 0:
                x = self.optimizer.initial_design()
                if x.shape[0] > self.budget:
                    raise InputError(
                        f"budget {self.budget} is smaller than the initial design "
                        f"({x.shape[0]} points)",
                        source="calibration loop",
                        field="budget",
                        expected=f">= {x.shape[0]} forward solves",
                    )
            else:
                n = min(self.batch, self.budget - done)
                recorded = self._recorded(iteration)
                if len(recorded) == n:  # finished before an interruption: replay only
                    self._tell(recorded)
                    iteration += 1
                    continue
                x = self.optimizer.ask(n, iteration)
            self._solve(iteration, x, mapper)
            iteration += 1
        return sorted(self.log.for_seed(self.seed), key=lambda e: (e.iteration, e.slot))

    def _recorded(self, iteration: int) -> list[Evaluation]:
        rows = [e for e in self.log.for_seed(self.seed) if e.iteration == iteration]
        return sorted(rows, key=lambda e: e.slot)

    def _tell(self, rows: Sequence[Evaluation]) -> None:
        x = self.space.to_unit(np.array([e.values for e in rows], dtype=float))
        d = np.array([e.d for e in rows], dtype=float)
        ok = np.array([e.feasible for e in rows], dtype=bool)
        self.optimizer.tell(x, d, ok)

    def _solve(self, iteration: int, x_unit: np.ndarray, mapper: Mapper) -> None:
        values = self.space.from_unit(x_unit)
        tasks = [
            self.make_task(self.seed, iteration, slot, values[slot])
            for slot in range(values.shape[0])
            if (self.seed, iteration, slot) not in self.log
        ]

        def finished(_: int, evaluation: Evaluation) -> None:
            self.n_solved += 1
            self._notify(evaluation)

        if tasks:
            mapper.map(
                self.evaluate, tasks, description=f"iteration {iteration}", on_result=finished
            )
        self._tell(self._recorded(iteration))

"""``scalebridge calibrate``: calibrate the STZ model against MD (or the validation reference).

The run folder holds ``config.json``, ``evaluations.csv`` (one row per forward solve: seed,
iteration, slot, the four parameters, d, d_grassmann, d_stress, feasible, reason, seconds,
method), ``metrics.json`` (``best`` {params, objective, n_evaluations}, ``n_evaluations``,
``seeds``, ``uncertainty``, ``validation`` when validating), figures and ``report.html``.
While it runs, ``evaluations.csv`` lives in the staging folder's ``checkpoints/``; rerunning
the same command after an interruption resumes from it without repeating a solve.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.calibration.bounds import NAMES, PUBLISHED_SPACE, ParameterSpace
from scalebridge.calibration.evaluations import (
    Evaluation,
    EvaluationLog,
    EvaluationTask,
    evaluate_task,
)
from scalebridge.calibration.loop import CalibrationLoop, InProcessMapper, Mapper
from scalebridge.calibration.optimizer import Optimizer
from scalebridge.compute.executor import ExecutorSettings
from scalebridge.continuum.parameters import VALIDATION_PARAMETERS
from scalebridge.errors import InputError

METHODS = ("paper", "bo")
OBJECTIVES = ("robust", "paper")

#: Smallest accepted value of every integer setting of :class:`CalibrationSettings`.
_INTEGER_LIMITS = {
    "budget": 2,
    "seed": 0,
    "seeds": 1,
    "batch": 1,
    "initial": 2,
    "n_candidates": 2,
    "n_restarts": 0,
    "acquisition_restarts": 1,
    "raw_samples": 1,
}
#: Integer settings that may be None (a default chosen from the method and the budget).
_OPTIONAL = ("batch", "initial")


def _checked_bounds(bounds: Any) -> tuple[tuple[str, float, float], ...]:
    """``CalibrationSettings.bounds`` as (name, lower, upper) triples of known names, each
    at most once, with float limits, in the order of :data:`NAMES` (so the same box given in
    another order resumes the same run)."""
    expected = f"(name, lower, upper) with each of {', '.join(NAMES)} at most once"
    out = {}
    for entry in bounds:
        ok = isinstance(entry, tuple | list) and len(entry) == 3
        name = entry[0] if ok else None
        limits: Any = entry[1:] if ok else ()
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in limits)
        if not (ok and numbers and name in NAMES and name not in out):
            raise InputError(f"{entry!r}", source="calibrate", field="bounds", expected=expected)
        out[name] = (name, float(limits[0]), float(limits[1]))
    return tuple(out[n] for n in NAMES if n in out)


@dataclass(frozen=True)
class CalibrationSettings:
    """Settings of one calibration run (echoed into config.json; a resume must match them).

    Attributes
    ----------
    method:
        "paper" (published EGO) or "bo" (batch BoTorch).
    budget:
        Forward solves per seed, initial design included.
    seed, seeds:
        First seed and number of seeds (seeds seed, seed + 1, ...), each a full calibration.
    batch:
        Points per iteration (None: 1 for paper, 4 for bo).
    initial:
        Initial-design size (None: paper 350 when the budget is at least 400, else budget // 3;
        bo 24, at most half the budget).
    objective:
        "robust" (default) or "paper" (published, exactly).
    md_data:
        Folder of coarse-grained MD (None: the shipped CuZr data).
    validate:
        Calibrate against the solver's own output at the published validation parameters
        (with their l_chi and epsilon0 held fixed) instead of the MD.
    stop_below:
        Stop a seed once the best d is below this (None: 0.01, the published rule).
    bounds:
        Bounds that replace the published box for some parameters, as (name, lower, upper)
        with the names of :data:`~scalebridge.calibration.bounds.NAMES` (e.g. a u0 range
        around the energy of your own glass); the others keep the published bounds.
    n_candidates, n_restarts:
        Sobol candidates per EI maximisation and GP optimiser restarts (paper method).
    acquisition_restarts, raw_samples:
        L-BFGS-B starts and random samples that seed them per acquisition (bo method).
    """

    method: str = "bo"
    budget: int = 300
    seed: int = 0
    seeds: int = 1
    batch: int | None = None
    initial: int | None = None
    objective: str = "robust"
    md_data: str | None = None
    validate: bool = False
    stop_below: float | None = None
    bounds: tuple[tuple[str, float, float], ...] = ()
    n_candidates: int = 16384
    n_restarts: int = 10
    acquisition_restarts: int = 4
    raw_samples: int = 128

    def __post_init__(self) -> None:
        def bad(field: str, value: object, expected: str) -> InputError:
            return InputError(f"{value!r}", source="calibrate", field=field, expected=expected)

        if self.method not in METHODS:
            raise bad("method", self.method, " or ".join(METHODS))
        if self.objective not in OBJECTIVES:
            raise bad("objective", self.objective, " or ".join(OBJECTIVES))
        for field, low in _INTEGER_LIMITS.items():
            value = getattr(self, field)
            if value is None and field in _OPTIONAL:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise bad(field, value, f"an integer >= {low}")
        if self.stop_below is not None and not (
            isinstance(self.stop_below, int | float)
            and math.isfinite(self.stop_below)
            and self.stop_below >= 0
        ):
            raise bad("stop_below", self.stop_below, "a finite objective >= 0 (or None: 0.01)")
        object.__setattr__(self, "bounds", _checked_bounds(self.bounds))
        space = self.space  # a box outside the physical domain is refused here, not in a worker
        if self.validate:
            for name, lo, hi in zip(space.names, space.lower, space.upper, strict=True):
                value = getattr(VALIDATION_PARAMETERS, name)
                if not lo <= value <= hi:
                    raise bad(
                        "bounds",
                        f"{name} {lo:g} … {hi:g}",
                        f"a range holding the validation value {value:g} (calibrate validate)",
                    )
        if self.initial_size > self.budget:
            raise InputError(
                f"budget {self.budget} is smaller than the initial design "
                f"({self.initial_size} points)",
                source="calibrate",
                field="budget",
                expected=f"--budget >= {self.initial_size}, or a smaller --initial",
            )

    @property
    def batch_size(self) -> int:
        return self.batch if self.batch is not None else (1 if self.method == "paper" else 4)

    @property
    def initial_size(self) -> int:
        if self.initial is not None:
            return self.initial
        if self.method == "paper":
            return 350 if self.budget >= 400 else max(2, self.budget // 3)
        return max(2, min(24, self.budget // 2))

    @property
    def stop_threshold(self) -> float:
        if self.stop_below is not None:
            return self.stop_below
        return 0.01

    @property
    def space(self) -> ParameterSpace:
        space = PUBLISHED_SPACE
        if self.validate:
            space = ParameterSpace(
                chi_len_angstrom=VALIDATION_PARAMETERS.chi_len_angstrom,
                epsilon0=VALIDATION_PARAMETERS.epsilon0,
            )
        if not self.bounds:
            return space
        lower, upper = list(space.lower), list(space.upper)
        for name, low, high in self.bounds:
            k = space.names.index(name)
            lower[k], upper[k] = low, high
        return replace(space, lower=tuple(lower), upper=tuple(upper))


def make_optimizer(settings: CalibrationSettings, seed: int) -> Optimizer:
    """The optimiser of ``settings.method`` for one seed."""
    dim = settings.space.dim
    if settings.method == "paper":
        from scalebridge.calibration.paper import PaperEGO, PaperSettings

        return PaperEGO(
            dim,
            PaperSettings(
                n_initial=settings.initial_size,
                n_candidates=settings.n_candidates,
                n_restarts=settings.n_restarts,
                seed=seed,
            ),
        )
    from scalebridge.calibration.bo import BatchBO, BOSettings

    return BatchBO(
        dim,
        BOSettings(
            n_initial=settings.initial_size,
            num_restarts=settings.acquisition_restarts,
            raw_samples=settings.raw_samples,
            seed=seed,
        ),
    )


def _task_factory(settings: CalibrationSettings) -> Callable[..., EvaluationTask]:
    space = settings.space
    md = None if settings.md_data is None else str(Path(settings.md_data).resolve())
    reference = VALIDATION_PARAMETERS if settings.validate else None

    def make(seed: int, iteration: int, slot: int, values: np.ndarray) -> EvaluationTask:
        return EvaluationTask(
            seed=seed,
            iteration=iteration,
            slot=slot,
            values=tuple(float(v) for v in values),
            parameters=space.parameters(values),
            objective=settings.objective,
            md_data=md,
            reference=reference,
            method=settings.method,
        )

    return make


class ProgressObserver:
    """Rich progress bar over all solves, showing the best objective so far."""

    def __init__(self, total: int, done: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.best = float("inf")
        self.bar = Progress(
            "{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        )
        self.task = self.bar.add_task("calibrating", total=total, completed=done)

    def __call__(self, evaluation: Evaluation) -> None:
        if evaluation.feasible:
            self.best = min(self.best, evaluation.d)
        self.bar.update(
            self.task, advance=1, description=f"seed {evaluation.seed}, best d = {self.best:.4f}"
        )


def run_optimisation(
    settings: CalibrationSettings,
    log: EvaluationLog,
    mapper: Mapper,
    *,
    evaluate: Callable[[EvaluationTask], Evaluation] = evaluate_task,
    observers: tuple[Callable[[Evaluation], None], ...] = (),
) -> dict[int, list[Evaluation]]:
    """Run (or resume) every seed; returns each seed's evaluations in iteration order."""
    make = _task_factory(settings)
    out = {}
    for seed in range(settings.seed, settings.seed + settings.seeds):
        loop = CalibrationLoop(
            make_optimizer(settings, seed),
            settings.space,
            log,
            make,
            evaluate,
            seed=seed,
            budget=settings.budget,
            batch=settings.batch_size,
            stop_below=settings.stop_threshold,
        )
        for observer in observers:
            loop.attach(observer)
        out[seed] = loop.run(mapper)
    return out


def run_calibration(
    settings: CalibrationSettings,
    out: str | Path,
    *,
    executor: ExecutorSettings | None = None,
    overwrite: bool = False,
    progress: bool = True,
    evaluate: Callable[[EvaluationTask], Evaluation] = evaluate_task,
    finish: bool = True,
) -> dict[str, Any]:
    """Calibrate and write the run folder ``out``; returns the metrics written.

    ``executor`` None runs the solves in this process; ``evaluate`` replaces the forward
    solve (tests use an analytic stand-in); ``finish=False`` skips the re-solve of the best
    point and the figures (benchmarks, tests).
    """
    from contextlib import ExitStack

    from scalebridge.calibration.summary import summarise, write_outputs
    from scalebridge.continuum.md_data import load_md_data
    from scalebridge.runs.folder import RunFolder
    from scalebridge.runs.settings import settings_to_dict

    if evaluate is evaluate_task:
        load_md_data(settings.md_data)  # bad MD input stops here, before any worker starts
    start = time.perf_counter()
    with RunFolder(
        out, command="calibrate", settings=settings_to_dict(settings), overwrite=overwrite
    ) as run:
        log = EvaluationLog(run.checkpoint_dir / "evaluations.csv")
        resumed_rows = len(log.rows)
        observers: list[Callable[[Evaluation], None]] = []
        with ExitStack() as stack:
            if progress:
                bar = ProgressObserver(settings.budget * settings.seeds, resumed_rows)
                stack.enter_context(bar.bar)
                observers.append(bar)
            mapper: Mapper
            if executor is None:
                mapper = InProcessMapper()
            else:
                from scalebridge.compute.executor import Executor

                mapper = stack.enter_context(Executor(executor, progress=False))
            per_seed = run_optimisation(
                settings, log, mapper, evaluate=evaluate, observers=tuple(observers)
            )
        seconds = time.perf_counter() - start
        shutil.copyfile(log.path, run.file("evaluations.csv"))
        metrics = summarise(settings, per_seed, seconds=seconds, resumed_rows=resumed_rows)
        if finish:
            metrics = write_outputs(run, settings, per_seed, metrics)
        run.write_json("metrics.json", metrics)
    return metrics

"""One executor over ``dask.distributed`` for every fan-out in scalebridge.

By default it starts a local cluster sized to the machine (one single-threaded worker
process per available core, scratch in a private temporary folder). Given the address of an
existing scheduler (``tcp://HOST:PORT``) it submits there instead, so the same command scales
from a laptop to a cluster (see ``docs/executor.md`` for dask-jobqueue on SLURM).

    with Executor(ExecutorSettings()) as ex:
        results = ex.map(solve, parameter_sets, description="forward solves")
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from scalebridge.errors import ComputeError, InputError

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """Cores this process may use (respects CPU affinity, e.g. in containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ExecutorSettings:
    """Where fan-out work runs.

    scheduler:
        Address of a running dask scheduler (``tcp://HOST:PORT``); ``None`` starts a local
        cluster for the duration of the command.
    n_workers:
        Worker processes of the local cluster (default: available cores).
    threads_per_worker:
        Threads per local worker; numerical kernels here are single-threaded per task.
    """

    scheduler: str | None = None
    n_workers: int | None = None
    threads_per_worker: int = 1

    def __post_init__(self) -> None:
        if self.scheduler is not None and "://" not in self.scheduler:
            raise InputError(
                f"'{self.scheduler}' is not a scheduler address",
                source="--scheduler",
                expected="an address such as tcp://127.0.0.1:8786",
            )
        if self.n_workers is not None and self.n_workers < 1:
            raise InputError(f"{self.n_workers} workers", source="--workers", expected=">= 1")
        if self.threads_per_worker < 1:
            raise InputError(
                f"{self.threads_per_worker} threads", source="threads_per_worker", expected=">= 1"
            )


class Executor:
    """Context manager owning a dask ``Client`` (and, when local, its ``LocalCluster``)."""

    def __init__(self, settings: ExecutorSettings | None = None, *, progress: bool = True):
        self.settings = settings or ExecutorSettings()
        self.progress = progress
        self._client: Any = None
        self._cluster: Any = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    # -- life cycle -------------------------------------------------------------------------
    def __enter__(self) -> Executor:
        from dask.distributed import Client, LocalCluster

        if self.settings.scheduler is not None:
            try:
                self._client = Client(self.settings.scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise ComputeError(
                    f"cannot reach the dask scheduler at {self.settings.scheduler}: {exc}"
                ) from None
            return self
        self._scratch = tempfile.TemporaryDirectory(prefix="scalebridge-dask-")
        self._cluster = LocalCluster(
            n_workers=self.settings.n_workers or available_cores(),
            threads_per_worker=self.settings.threads_per_worker,
            processes=True,
            dashboard_address=":0",  # a free port: never clashes with a running cluster
            local_directory=self._scratch.name,
            silence_logs=logging.ERROR,
        )
        self._client = Client(self._cluster)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Workers that are shutting down may still send a heartbeat; those connection errors
        # are part of a normal close and not worth a traceback on the user's terminal.
        quiet = logging.getLogger("distributed")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)
        try:
            if self._client is not None:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
        finally:
            quiet.setLevel(level)
        if self._scratch is not None:
            self._scratch.cleanup()
        self._client = self._cluster = self._scratch = None

    # -- work -------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            raise RuntimeError("Executor is not started; use it as a context manager")
        return self._client

    def describe(self) -> dict[str, Any]:
        """Kind, address and size of the cluster in use (for config.json and reports)."""
        info = self.client.scheduler_info()
        workers = info.get("workers", {})
        return {
            "kind": "remote" if self.settings.scheduler else "local",
            "address": self.client.scheduler.address,
            "n_workers": len(workers),
            "threads": sum(w.get("nthreads", 0) for w in workers.values()),
        }

    def n_workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(
        self,
        function: Callable[[T], R],
        items: Sequence[T],
        *,
        description: str,
        on_result: Callable[[int, R], None] | None = None,
    ) -> list[R]:
        """Apply ``function`` to every item on the cluster; results in input order.

        ``on_result(index, result)`` runs in this process as each task finishes (in
        completion order): the place for checkpoints. A failing task cancels the rest and
        raises :class:`ComputeError` naming the item.
        """
        from dask.distributed import as_completed
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        if not items:
            return []
        futures = self.client.map(function, list(items), pure=False)
        index_of = {future.key: i for i, future in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, disable=not self.progress, transient=False) as bar:
            task = bar.add_task(description, total=len(futures))
            for future in as_completed(futures):
                i = index_of[future.key]
                try:
                    results[i] = future.result()
                except Exception as exc:
                    self.client.cancel(futures)
                    raise ComputeError(f"{description}: task {i} failed: {exc!r}") from exc
                if on_result is not None:
                    on_result(i, results[i])
                bar.advance(task)
        return results

"""The one executor for every fan-out: dask.distributed, local by default."""

from scalebridge.compute.executor import Executor, ExecutorSettings

__all__ = ["Executor", "ExecutorSettings"]

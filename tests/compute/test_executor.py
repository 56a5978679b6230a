from __future__ import annotations

import math
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from scalebridge.compute import Executor, ExecutorSettings
from scalebridge.errors import ComputeError, InputError


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def test_local_map_keeps_order_and_reports_each_result():
    seen = []
    with Executor(ExecutorSettings(n_workers=2), progress=False) as ex:
        assert ex.describe()["kind"] == "local"
        out = ex.map(
            _square, list(range(10)), description="t", on_result=lambda i, r: seen.append(i)
        )
    assert out == [x * x for x in range(10)]
    assert sorted(seen) == list(range(10))


def test_failing_task_names_the_item():
    with (
        Executor(ExecutorSettings(n_workers=1), progress=False) as ex,
        pytest.raises(ComputeError, match="task 3"),
    ):
        ex.map(_fail_on_three, [0, 1, 2, 3, 4], description="t")


def test_bad_scheduler_address_is_rejected():
    with pytest.raises(InputError, match="scheduler"):
        ExecutorSettings(scheduler="localhost")


def _search_on(executor: Executor | None) -> np.ndarray:
    from scalebridge.strength.dataset import load_pool
    from scalebridge.strength.search import SearchSettings, all_subsets, fold_masks, score_all

    pool = load_pool()
    X = np.ascontiguousarray(pool.X.to_numpy(float))[:, :4]
    y = pool.y.to_numpy(float)
    masks = fold_masks(len(y), SearchSettings(n_repeats=1))
    subsets, sizes = all_subsets(4, 2)
    r2, _, _ = score_all(X, y, masks, subsets, sizes, 2, executor=executor)
    return r2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_existing_scheduler_with_two_workers(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    cli = [sys.executable, "-m", "distributed.cli"]
    procs = [
        subprocess.Popen(
            [
                *cli[:2],
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--dashboard-address",
                ":0",
                "--no-show",
            ],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        time.sleep(1.0)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        *cli[:2],
                        "distributed.cli.dask_worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--local-directory",
                        str(tmp_path),
                    ],
                    cwd=tmp_path,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        with Executor(ExecutorSettings(scheduler=address), progress=False) as ex:
            ex.client.wait_for_workers(2, timeout=60)
            info = ex.describe()
            assert info == {"kind": "remote", "address": address, "n_workers": 2, "threads": 2}
            # workers import functions by name: use one they can import (not this test module)
            assert ex.map(math.factorial, [1, 2, 3, 4], description="remote") == [1, 2, 6, 24]
            # a real chunk of the model search runs there and gives the local numbers
            remote = _search_on(ex)
        local = _search_on(None)
        np.testing.assert_array_equal(remote, local)
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=30)


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(ComputeError, match="cannot reach"):
        Executor(ExecutorSettings(scheduler=f"tcp://127.0.0.1:{_free_port()}")).__enter__()

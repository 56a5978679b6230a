"""A sliding run interrupted and continued from its restart file is the run that was not."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from scalebridge.errors import InputError, RunFolderError
from scalebridge.runs.folder import RunFolder
from scalebridge.runs.settings import settings_to_dict
from scalebridge.tribology.campaign import checkpoint_ps, run_campaign, run_name
from scalebridge.tribology.restart import SlidingCheckpoint
from scalebridge.tribology.sliding import SlidingSettings, chunk_steps, run_sliding
from scalebridge.tribology.workflow import friction_text

SETTINGS = SlidingSettings(
    ni_fraction=0.25,
    pressure_gpa=1.0,
    temperature_k=300,
    velocity_m_s=100,
    duration_ps=1.0,
    dump_every_ps=0.2,
    equilibration_ps=0.5,
)
LOG_ROW = "{} 0.8 300 -1 1 55\n"
#: run_sliding with a SIGINT sent 0.2 s after 0.4 ps are done (inside the third chunk)
CTRL_C_RUN = """
import json, os, signal, sys, threading
from pathlib import Path
from scalebridge.tribology.sliding import SlidingSettings, run_sliding

def press_ctrl_c(done_ps, total_ps):
    if abs(done_ps - 0.4) < 1e-9:
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()

run = Path(sys.argv[1])
try:
    run_sliding(SlidingSettings(**json.loads(sys.argv[2])), run,
                checkpoints=run / "checkpoints", on_progress=press_ctrl_c)
except KeyboardInterrupt:
    print("KeyboardInterrupt")
"""


def _atoms(dump):
    lines = dump.read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("ITEM: ATOMS")) + 1
    return np.loadtxt(lines[first:])


def _log(folder):
    return np.loadtxt(folder / "log.csv", delimiter=",", skiprows=1)


def test_chunks_are_whole_dump_and_log_intervals():
    assert chunk_steps(SETTINGS) == 100  # 500 steps: 5 chunks of the 100-step dump interval
    long = SlidingSettings(
        ni_fraction=0, pressure_gpa=1, temperature_k=300, velocity_m_s=100, duration_ps=20
    )
    assert chunk_steps(long) == 500  # 10,000 steps: a dump (1 ps) every chunk, 20 chunks
    with pytest.raises(InputError, match=r"dump_every_ps.*log interval"):
        SlidingSettings(
            ni_fraction=0,
            pressure_gpa=1,
            temperature_k=300,
            velocity_m_s=100,
            duration_ps=20,
            dump_every_ps=0.998,  # 499 steps: a restart file only every 49,900 steps
        )


@pytest.mark.slow
def test_ctrl_c_keeps_the_chunk_and_the_continued_run_is_exact(tmp_path):
    reference, run = tmp_path / "reference", tmp_path / "run"
    run_sliding(SETTINGS, reference, checkpoints=reference / "checkpoints")

    # a real SIGINT, in a process of its own: the test process holds the threads of Dask,
    # PyTorch and OpenMP from earlier tests, and in a full test run a signal landing there
    # during LAMMPS's run once ended in a segmentation fault
    child = subprocess.run(
        [sys.executable, "-c", CTRL_C_RUN, str(run), json.dumps(settings_to_dict(SETTINGS))],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == 0 and "KeyboardInterrupt" in child.stdout, child.stderr
    saved = SlidingCheckpoint.load(run / "checkpoints")
    assert saved is not None and saved.step == 300  # the chunk Ctrl-C waited for is kept
    # a job killed later than its last restart file left a frame and log rows beyond it
    (run / "dumps" / "frame.400.dump").write_text("half-written")
    with (run / "log.txt").open("a") as log:
        log.write(LOG_ROW.format(400) + "4")

    metrics = run_sliding(SETTINGS, run, checkpoints=run / "checkpoints")
    assert metrics["resumed_from_ps"] == pytest.approx(0.6)
    # the whole state at the last restart (positions, velocities, images) to the bit
    last = "sliding.400.restart"
    assert (run / "checkpoints" / last).read_bytes() == (
        reference / "checkpoints" / last
    ).read_bytes()
    for dump in sorted((reference / "dumps").glob("*.dump")):
        np.testing.assert_array_equal(_atoms(run / "dumps" / dump.name), _atoms(dump))
    np.testing.assert_array_equal(_log(run), _log(reference))


@pytest.mark.slow
def test_campaign_continues_its_interrupted_run(tmp_path):
    from scalebridge.compute import Executor, ExecutorSettings

    campaign = tmp_path / "campaign"
    out = campaign / "runs" / run_name(SETTINGS)

    def stop(done_ps, total_ps):
        if done_ps >= 0.6 - 1e-9:
            raise KeyboardInterrupt

    settings = settings_to_dict(SETTINGS)
    with (
        pytest.raises(KeyboardInterrupt),
        RunFolder(out, command="md tribology", settings=settings, overwrite=True) as run,
    ):
        run_sliding(SETTINGS, run.path, checkpoints=run.checkpoint_dir, on_progress=stop)
    assert checkpoint_ps(out, SETTINGS) == pytest.approx(0.6)
    assert checkpoint_ps(out, SlidingSettings(**(settings | {"seed": 2}))) == 0.0

    with Executor(ExecutorSettings(n_workers=1), progress=False) as executor:
        table = run_campaign([SETTINGS], campaign, executor)
    assert table["state"].tolist() == ["finished"] and table["done_ps"].tolist() == [1.0]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["resumed_from_ps"] == pytest.approx(0.6) and metrics["dumps"] == 6
    assert not (out / "checkpoints").exists()  # restart files go when the run is published
    steps = _log(out)[:, 0]
    assert (np.diff(steps) == 100).all() and steps[-1] == 500  # no row lost or repeated


class _FakeLammps:
    """Writes what ``write_restart`` would, as a stand-in for LAMMPS."""

    def command(self, text):
        verb, path = text.split()
        assert verb == "write_restart"
        with open(path, "wb") as handle:
            handle.write(b"restart")


def test_restart_files_are_replaced_only_once_named(tmp_path):
    SlidingCheckpoint.save(_FakeLammps(), tmp_path, 100, {"lx": 80.0}, 1.0)
    # killed after renaming the next restart file but before state.json named it, and
    # killed while writing another
    (tmp_path / "sliding.200.restart").write_bytes(b"restart")
    (tmp_path / ".sliding.300.restart.tmp").write_bytes(b"rest")
    saved = SlidingCheckpoint.load(tmp_path)
    assert saved is not None and saved.step == 100 and saved.geometry == {"lx": 80.0}
    SlidingCheckpoint.save(_FakeLammps(), tmp_path, 400, {"lx": 80.0}, 2.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sliding.400.restart", "state.json"]


def test_checkpoint_state_is_checked(tmp_path):
    assert SlidingCheckpoint.load(tmp_path) is None
    (tmp_path / "state.json").write_text('{"restart": "sliding.300.restart", "step": 300}')
    with pytest.raises(RunFolderError, match=r"state\.json.*geometry"):
        SlidingCheckpoint.load(tmp_path)
    record = {"restart": "sliding.300.restart", "step": 300, "geometry": {}, "md_seconds": 1.0}
    (tmp_path / "state.json").write_text(json.dumps(record))
    with pytest.raises(RunFolderError, match=r"sliding\.300\.restart, which is missing"):
        SlidingCheckpoint.load(tmp_path)


def test_trim_drops_what_came_after_the_checkpoint(tmp_path):
    (tmp_path / "dumps").mkdir()
    for step in (0, 100, 300, 400, 1000):
        (tmp_path / "dumps" / f"frame.{step}.dump").write_text("")
    rows = "".join(LOG_ROW.format(step) for step in (100, 300, 400))
    (tmp_path / "log.txt").write_text("# header\n# TimeStep v_time\n" + rows + "4")
    saved = SlidingCheckpoint(tmp_path / "r", step=300, geometry={}, md_seconds=0.0)
    saved.trim_outputs(tmp_path)
    assert sorted(p.name for p in (tmp_path / "dumps").iterdir()) == [
        "frame.0.dump",
        "frame.100.dump",
        "frame.300.dump",
    ]
    kept = (tmp_path / "log.txt").read_text().splitlines()
    assert kept[-1] == LOG_ROW.format(300).strip() and len(kept) == 4  # a cut row goes too


def test_friction_coefficient_needs_a_pressing_counterbody():
    assert friction_text({"friction_coefficient": 0.4213}) == "μ = 0.42"
    assert "undefined" in friction_text({"friction_coefficient": None})

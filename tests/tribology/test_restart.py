"""A sliding run interrupted and continued from its restart file is the run that was not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalebridge.errors import RunFolderError
from scalebridge.runs.folder import RunFolder
from scalebridge.runs.settings import settings_to_dict
from scalebridge.tribology.campaign import checkpoint_ps, run_campaign, run_name
from scalebridge.tribology.restart import SlidingCheckpoint
from scalebridge.tribology.sliding import SlidingSettings, chunk_steps, run_sliding

SETTINGS = SlidingSettings(
    ni_fraction=0.25,
    pressure_gpa=1.0,
    temperature_k=300,
    velocity_m_s=100,
    duration_ps=1.0,
    dump_every_ps=0.2,
    equilibration_ps=0.5,
)


def _atoms(dump):
    lines = dump.read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("ITEM: ATOMS")) + 1
    return np.loadtxt(lines[first:])


def test_chunks_are_whole_dump_and_log_intervals():
    assert chunk_steps(SETTINGS) == 100  # 500 steps: 5 chunks of the 100-step dump interval
    long = SlidingSettings(
        ni_fraction=0, pressure_gpa=1, temperature_k=300, velocity_m_s=100, duration_ps=20
    )
    assert chunk_steps(long) == 500  # 10,000 steps: a dump (1 ps) every chunk, 20 chunks


@pytest.mark.slow
def test_campaign_continues_an_interrupted_run_exactly(tmp_path):
    from scalebridge.compute import Executor, ExecutorSettings

    reference = tmp_path / "reference"
    run_sliding(SETTINGS, reference)

    campaign = tmp_path / "campaign"
    out = campaign / "runs" / run_name(SETTINGS)

    def stop(done_ps, total_ps):
        if done_ps >= 0.6 - 1e-9:
            raise KeyboardInterrupt  # as Ctrl-C lands between two chunks

    settings = settings_to_dict(SETTINGS)
    with (
        pytest.raises(KeyboardInterrupt),
        RunFolder(out, command="md tribology", settings=settings, overwrite=True) as run,
    ):
        run_sliding(SETTINGS, run.path, checkpoints=run.checkpoint_dir, on_progress=stop)
    assert checkpoint_ps(out, SETTINGS) == pytest.approx(0.6)
    assert checkpoint_ps(out, SETTINGS.__class__(**(settings | {"seed": 2}))) == 0.0
    # a run killed later than its last checkpoint left a frame and log rows beyond it
    staging = run.path
    (staging / "dumps" / "frame.400.dump").write_text("half-written")
    with (staging / "log.txt").open("a") as log:
        log.write("400 0.8 1e9 1e9 1e9 1e9\n")

    with Executor(ExecutorSettings(n_workers=1), progress=False) as executor:
        table = run_campaign([SETTINGS], campaign, executor)
    assert table["state"].tolist() == ["finished"] and table["done_ps"].tolist() == [1.0]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["resumed_from_ps"] == pytest.approx(0.6) and metrics["dumps"] == 6
    assert not (out / "checkpoints").exists()  # restart files go when the run is published

    for dump in sorted((reference / "dumps").glob("*.dump")):
        np.testing.assert_array_equal(_atoms(out / "dumps" / dump.name), _atoms(dump))
    ours = np.loadtxt(out / "log.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(
        ours, np.loadtxt(reference / "log.csv", delimiter=",", skiprows=1)
    )


def test_checkpoint_state_is_checked(tmp_path):
    assert SlidingCheckpoint.load(tmp_path) is None
    (tmp_path / "state.json").write_text('{"restart": "sliding.300.restart", "step": 300}')
    with pytest.raises(RunFolderError, match=r"state\.json.*geometry"):
        SlidingCheckpoint.load(tmp_path)
    record = {"restart": "sliding.300.restart", "step": 300, "geometry": {}, "md_seconds": 1.0}
    (tmp_path / "state.json").write_text(json.dumps(record))
    with pytest.raises(RunFolderError, match=r"sliding\.300\.restart, which is missing"):
        SlidingCheckpoint.load(tmp_path)
    (tmp_path / "sliding.300.restart").write_bytes(b"")
    saved = SlidingCheckpoint.load(tmp_path)
    assert saved is not None and saved.step == 300


def test_trim_drops_what_came_after_the_checkpoint(tmp_path):
    (tmp_path / "dumps").mkdir()
    for step in (0, 100, 300, 400, 1000):
        (tmp_path / "dumps" / f"frame.{step}.dump").write_text("")
    (tmp_path / "log.txt").write_text("# header\n# TimeStep v_time\n100 0.2\n300 0.6\n400 0.8\n")
    saved = SlidingCheckpoint(tmp_path / "r", step=300, geometry={}, md_seconds=0.0)
    saved.trim_outputs(tmp_path)
    assert sorted(p.name for p in (tmp_path / "dumps").iterdir()) == [
        "frame.0.dump",
        "frame.100.dump",
        "frame.300.dump",
    ]
    assert (tmp_path / "log.txt").read_text().splitlines()[-1] == "300 0.6"

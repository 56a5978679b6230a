"""A glass run interrupted and continued from its restart file agrees with the run that was
not, whichever phase it stopped in. (The real Ctrl-C path — LAMMPS's run returns, its chunk
is saved, then KeyboardInterrupt — is the sliding driver's and tested there.)"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from scalebridge.atomistic.glass import GlassCheckpoint, GlassSettings, chunk_steps, run_glass
from scalebridge.errors import RunFolderError

#: 256 atoms; melt 200, quench 850, hold 200 and shear 2,500 steps (a few seconds)
SMALL = GlassSettings(
    atoms=256,
    thickness_cells=2,
    melt_ps=0.4,
    quench_rate_k_per_ps=1000.0,
    hold_ps=0.4,
    shear_rate_per_s=1e11,
)


def _stress(folder):
    return np.loadtxt(folder / "stress.csv", delimiter=",", skiprows=1)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("glass") / "reference"
    run_glass(SMALL, folder, checkpoints=folder / "checkpoints")
    return folder


def _agrees(run, reference):
    """The same stress log to the rounding of LAMMPS's 6-digit output (a continued run
    wraps atoms into the box through read_restart, which moves the last bits of a few
    coordinates), and the same 101 frames."""
    np.testing.assert_allclose(_stress(run), _stress(reference), rtol=1e-4, atol=1e-4)
    frames = sorted(p.name for p in (reference / "dumps").glob("*.dump"))
    assert sorted(p.name for p in (run / "dumps").glob("*.dump")) == frames
    assert len(frames) == 101


def test_checkpoints_fall_on_whole_stress_windows():
    assert SMALL.steps_per_stress_row == 5 and chunk_steps(SMALL) == 75
    assert chunk_steps(GlassSettings()) % GlassSettings().steps_per_stress_row == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop_at", "segment"),
    # inside the quench; at the ends of the melt and of the quench, where the next phase's
    # thermostat must start afresh; inside the shear
    [(500, 1), (200, 0), (1050, 1), (1325, 4)],
)
def test_a_run_continued_in_any_phase_agrees(tmp_path, reference, stop_at, segment):
    run = tmp_path / "run"

    def stop(phase, done, total):
        if done >= stop_at:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_glass(SMALL, run, checkpoints=run / "checkpoints", on_progress=stop)
    saved = GlassCheckpoint.load(run / "checkpoints")
    assert saved is not None and saved.done == stop_at and saved.segment == segment
    # a job killed later than its last restart file left outputs beyond it
    if segment == 4:
        (run / "dumps" / "shear.00002000.dump").write_text("half-written")
        with (run / "shear.txt").open("a") as log:
            log.write("80 0.04 300 -2 -1200 4600\n9")
    with pytest.raises(RunFolderError, match=r"other settings \(seed\)"):
        run_glass(replace(SMALL, seed=7), run, checkpoints=run / "checkpoints")
    metrics = run_glass(SMALL, run, checkpoints=run / "checkpoints")
    assert metrics["resumed_from_step"] == stop_at
    assert not (run / "checkpoints").exists()  # nothing to continue once the MD is done
    _agrees(run, reference)


@pytest.mark.slow
def test_an_interrupted_command_continues(tmp_path, reference, monkeypatch):
    from scalebridge.calibration.own_glass import make_glass_run

    out = tmp_path / "glass"
    staging = tmp_path / ".glass.partial"

    def stop(phase, done, total):
        if done >= 1325:
            raise KeyboardInterrupt

    import scalebridge.atomistic.glass as glass

    original = glass.run_glass

    def interrupted(settings, folder, *, checkpoints=None, on_progress=None):
        return original(settings, folder, checkpoints=checkpoints, on_progress=stop)

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(glass, "run_glass", interrupted)
        make_glass_run(SMALL, out, progress=False)
    saved = GlassCheckpoint.load(staging / "checkpoints")
    assert not out.exists() and saved is not None and saved.done == 1325
    metrics = make_glass_run(SMALL, out, progress=False)
    assert metrics["resumed_from_step"] == 1325
    assert not (out / "checkpoints").exists()  # restart files go when the run is published
    assert "continued from its checkpoint at step 1325" in (out / "report.html").read_text()
    _agrees(out, reference)
    assert json.loads((out / "metrics.json").read_text())["dumps"] == 101


def test_an_unreadable_or_orphaned_checkpoint_is_refused(tmp_path):
    (tmp_path / "state.json").write_text('{"restart": "glass.75.restart", "segment": 0}')
    with pytest.raises(RunFolderError, match=r"state\.json: unreadable checkpoint"):
        GlassCheckpoint.load(tmp_path)
    record = {"restart": "glass.75.restart", "segment": 0, "step": 75, "done": 75, "xy0": 0.0}
    record |= {"seconds": {"melt": 1.0}, "settings": {}}
    (tmp_path / "state.json").write_text(json.dumps(record))
    with pytest.raises(RunFolderError, match=r"glass\.75\.restart, which is missing"):
        GlassCheckpoint.load(tmp_path)

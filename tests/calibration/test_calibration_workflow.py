"""Run folder, resume without repeated solves, and bad input (analytic stand-in)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import StubSolver
from scalebridge.calibration.evaluations import EvaluationLog
from scalebridge.calibration.workflow import CalibrationSettings, run_calibration
from scalebridge.cli.main import main
from scalebridge.errors import ComputeError, InputError

FAST = {"n_candidates": 1024, "n_restarts": 0, "acquisition_restarts": 2, "raw_samples": 32}


def _run(settings: CalibrationSettings, out, stub: StubSolver, **kw):  # type: ignore[no-untyped-def]
    return run_calibration(settings, out, evaluate=stub, progress=False, finish=False, **kw)


@pytest.mark.parametrize("method,batch", [("paper", 1), ("bo", 3)])
def test_resume_reproduces_the_run_without_repeating_a_solve(tmp_path, method, batch) -> None:  # type: ignore[no-untyped-def]
    settings = CalibrationSettings(
        method=method, budget=22, initial=10, batch=batch, seed=4, stop_below=0.0, **FAST
    )
    full = StubSolver()
    _run(settings, tmp_path / "full", full)
    assert full.calls == 22
    expected = pd.read_csv(tmp_path / "full" / "evaluations.csv")

    out = tmp_path / "cut"
    first = StubSolver(fail_after=14)  # interrupted inside an iteration
    with pytest.raises(KeyboardInterrupt):
        _run(settings, out, first)
    staged = tmp_path / ".cut.partial" / "checkpoints" / "evaluations.csv"
    assert len(pd.read_csv(staged)) == 14
    second = StubSolver()
    metrics = _run(settings, out, second)
    assert first.calls + second.calls == 22  # nothing solved twice
    got = pd.read_csv(out / "evaluations.csv")
    assert len(got) == 22 and not got.duplicated(["seed", "iteration", "slot"]).any()
    key = ["seed", "iteration", "slot"]
    a, b = expected.sort_values(key).reset_index(drop=True), got.sort_values(key)
    cols = ["beta_per_ev", "u0_ev", "c0", "s_y_gpa", "d"]
    assert np.allclose(
        a[cols].to_numpy(), b.reset_index(drop=True)[cols].to_numpy(), equal_nan=True
    )
    assert metrics["n_evaluations"] == 22
    assert metrics["resumed_from_rows"] == 14


def test_a_failed_batch_keeps_the_finished_solves_for_the_rerun(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # what the executor raises when a task fails for good (e.g. its workers keep dying)
    settings = CalibrationSettings(method="paper", budget=16, initial=12, stop_below=0.0, **FAST)
    failing = StubSolver(fail_after=7, error=ComputeError)
    with pytest.raises(ComputeError):
        _run(settings, tmp_path / "run", failing)
    rerun = StubSolver()
    _run(settings, tmp_path / "run", rerun)
    assert failing.calls + rerun.calls == 16
    rows = pd.read_csv(tmp_path / "run" / "evaluations.csv")
    assert len(rows) == 16 and not rows.duplicated(["seed", "iteration", "slot"]).any()


def test_metrics_and_seed_spread(tmp_path, stub) -> None:  # type: ignore[no-untyped-def]
    settings = CalibrationSettings(
        method="paper", budget=14, initial=10, seeds=2, stop_below=0.0, **FAST
    )
    metrics = _run(settings, tmp_path / "run", stub)
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["n_evaluations"] == 28 == stub.calls
    best = saved["best"]
    assert set(best) == {"params", "objective", "n_evaluations"}
    rows = pd.read_csv(tmp_path / "run" / "evaluations.csv")
    assert best["objective"]["d"] == pytest.approx(rows["d"].min())
    assert set(rows["seed"]) == {0, 1}
    assert set(metrics["seed_spread"]) == {"beta_per_ev", "u0_ev", "c0", "s_y_gpa"}


def test_stops_when_the_threshold_is_reached(tmp_path, stub) -> None:  # type: ignore[no-untyped-def]
    settings = CalibrationSettings(method="paper", budget=40, initial=10, stop_below=10.0, **FAST)
    metrics = run_calibration(settings, tmp_path / "run", evaluate=stub, finish=False)
    assert metrics["n_evaluations"] == 10  # the initial design already beats 10 (with a bar)


def test_log_drops_a_torn_line_and_duplicates(tmp_path, stub) -> None:  # type: ignore[no-untyped-def]
    settings = CalibrationSettings(method="paper", budget=12, initial=10, **FAST)
    _run(settings, tmp_path / "run", stub)
    path = tmp_path / "copy.csv"
    lines = (tmp_path / "run" / "evaluations.csv").read_text().splitlines()
    path.write_text("\n".join([*lines, lines[3], lines[5][:20]]) + "\n")
    log = EvaluationLog(path)
    assert len(log.rows) == len(lines) - 1
    assert len(pd.read_csv(path)) == len(lines) - 1


def test_bounds_replace_the_published_box_for_the_named_parameters(tmp_path, stub) -> None:  # type: ignore[no-untyped-def]
    box = (("u0_ev", -3.43, -3.41), ("s_y_gpa", 0.5, 0.6))
    settings = CalibrationSettings(method="bo", budget=12, initial=8, bounds=box, **FAST)
    space = settings.space
    assert space.lower[1:] == (-3.43, 0.05, 0.5) and space.upper[3] == 0.6
    assert (space.lower[0], space.upper[0]) == (2.0, 15.0)  # beta keeps the published bounds
    _run(settings, tmp_path / "run", stub)
    rows = pd.read_csv(tmp_path / "run" / "evaluations.csv")
    assert rows["u0_ev"].between(-3.43, -3.41).all() and rows["s_y_gpa"].between(0.5, 0.6).all()
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["settings"]["bounds"] == [list(b) for b in box]
    # the same box in another order (and with integer limits) is the same run: it resumes
    again = CalibrationSettings(
        method="bo", budget=12, initial=8, bounds=(("s_y_gpa", 0.5, 0.6), box[0]), **FAST
    )
    assert again.bounds == box
    assert CalibrationSettings(bounds=(("beta_per_ev", 3, 9),)).bounds == (
        ("beta_per_ev", 3.0, 9.0),
    )
    # the validation experiment keeps its own fixed parameters under new bounds ...
    validate = CalibrationSettings(validate=True, bounds=(("u0_ev", -3.40, -3.36),)).space
    assert validate.epsilon0 != settings.space.epsilon0 and validate.lower[1] == -3.40
    # ... and refuses a box without the parameters it must find back
    with pytest.raises(InputError, match=r"validation value -3\.368"):
        CalibrationSettings(validate=True, bounds=box[:1])


@pytest.mark.parametrize(
    "bounds,match",
    [
        ((("gamma", 1.0, 2.0),), "gamma"),
        ((("c0", 0.1, 0.5), ("c0", 0.2, 0.4)), "at most once"),
        ((("beta_per_ev", 9.0, 3.0),), "not below"),
        ((("s_y_gpa", -1.0, 1.0),), "physical domain"),
        ((("u0_ev", -3.4),), "bounds"),
        ((("c0", "0.1", 0.5),), "bounds"),
        ((("c0", True, 0.5),), "bounds"),
    ],
)
def test_bad_bounds_are_refused_before_a_solve(bounds, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=match):
        CalibrationSettings(bounds=bounds)


def test_budget_smaller_than_initial_design_is_rejected() -> None:
    with pytest.raises(InputError, match="smaller than the initial design"):
        CalibrationSettings(method="paper", budget=100, initial=350)
    assert CalibrationSettings(method="paper", budget=300).initial_size == 100
    assert CalibrationSettings(method="paper", budget=1000).initial_size == 350


def test_cli_reports_bad_input_in_one_line(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["calibrate", "--budget", "10", "--initial", "20", "--out", str(tmp_path / "a")])
    assert code == 2
    assert "smaller than the initial design" in capsys.readouterr().err
    missing = tmp_path / "nowhere"
    code = main(["calibrate", "--md-data", str(missing), "--out", str(tmp_path / "b")])
    assert code == 2
    assert "nowhere" in capsys.readouterr().err
    assert not (tmp_path / "b").exists() and not (tmp_path / ".b.partial").exists()
    code = main(["calibrate", "--bounds", "u0=-3.4", "--out", str(tmp_path / "c")])
    assert code == 2
    assert "--bounds" in capsys.readouterr().err
    code = main(["calibrate", "--bounds", "s_y=1.2:0.9", "--out", str(tmp_path / "d")])
    assert code == 2
    assert "s_y_gpa" in capsys.readouterr().err


def test_options_before_and_after_validate_both_count() -> None:
    from scalebridge.cli.main import build_parser

    parse = build_parser().parse_args
    before = parse(["calibrate", "--budget", "40", "--bounds", "c0=0.1:0.9", "validate"])
    assert before.budget == 40 and before.bounds == ["c0=0.1:0.9"]
    after = parse(["calibrate", "validate", "--budget", "40", "--out", "x"])
    assert after.budget == 40 and after.method == "bo" and after.bounds is None
    assert parse(["calibrate", "--out", "x", "validate"]).out == Path("x")
    assert parse(["calibrate", "validate"]).budget == 300


def test_building_the_parser_imports_no_heavy_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from scalebridge.cli.main import build_parser; build_parser(); "
        "heavy = [m for m in ('torch', 'botorch', 'sklearn', 'scipy', 'matplotlib', 'dask') "
        "if m in sys.modules]; print(heavy); sys.exit(bool(heavy))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

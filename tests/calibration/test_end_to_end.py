"""Real forward solves, few and small (marked slow)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scalebridge.cli.main import main


@pytest.mark.slow
def test_short_validation_run_on_the_executor_improves_on_its_initial_design(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "val"
    argv = ["calibrate", "validate", "--method", "bo", "--budget", "36", "--initial", "16"]
    argv += ["--batch", "4", "--workers", "2", "--no-progress", "--out", str(out)]
    assert main(argv) == 0
    rows = pd.read_csv(out / "evaluations.csv")
    assert len(rows) == 36 and not rows.duplicated(["seed", "iteration", "slot"]).any()
    initial = rows[rows.iteration == 0]["d"].min()
    later = rows[rows.iteration > 0]["d"].min()
    assert later < initial
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["best"]["objective"]["d"] == pytest.approx(rows["d"].min())
    assert set(metrics["validation"]["error_percent_of_range"]) == {
        "beta_per_ev",
        "u0_ev",
        "c0",
        "s_y_gpa",
    }
    for name in ("convergence.png", "parameter_pairs.png", "uncertainty.png", "report.html"):
        assert (out / name).stat().st_size > 1000
    # the re-solved best point scores as recorded (same solver, same objective)
    assert metrics["best_objectives"]["robust"]["d"] == pytest.approx(
        metrics["best"]["objective"]["d"], rel=1e-9
    )

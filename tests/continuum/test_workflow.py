"""``scalebridge stz run`` end to end: the run folder and what is in it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalebridge.cli.main import main

VALIDATION_ARGS = [
    "stz",
    "run",
    "--beta",
    "8.27674103",
    "--u0",
    "-3.36821766",
    "--c0",
    "0.54989662",
    "--s-y",
    "1.00556564",
    "--chi-len",
    "41.79654694",
    "--epsilon0",
    "7.12963104",
]


@pytest.mark.slow
def test_run_folder_has_every_output(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*VALIDATION_ARGS, "--out", str(out)]) == 0
    assert "objective d = 0.94" in capsys.readouterr().out

    stress = pd.read_csv(out / "stress.csv")
    assert list(stress.columns) == ["frame", "gamma", "tau_gpa"]
    assert len(stress) == 101 and stress["frame"].tolist() == list(range(101))

    with np.load(out / "fields.npz") as fields:
        assert fields["gamma"].shape == (101,)
        for name in ("two_exy", "chi", "tau"):
            assert fields[name].shape == (101, 32, 32)
        # round trip: the table is the mean of the stress field
        np.testing.assert_allclose(fields["tau"].mean(axis=(1, 2)), stress["tau_gpa"], rtol=1e-12)
        np.testing.assert_allclose(fields["gamma"], stress["gamma"])

    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["feasible"] is True and metrics["seconds"] > 0
    objective = metrics["objective"]
    assert abs(objective["d"] - 0.940665) < 0.01
    assert len(objective["per_snapshot"]) == 9
    assert {"d", "d_grassmann", "d_stress"} <= set(objective)

    config = json.loads((out / "config.json").read_text())
    assert config["command"] == "stz run"
    assert config["settings"]["parameters"]["beta_per_ev"] == 8.27674103
    for png in ("stress_strain.png", "strain_snapshots.png", "chi.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 3 and "0.94" in report


def test_infeasible_run_is_recorded(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["stz", "run", "--beta", "2", "--u0", "-3.35", "--c0", "0.5", "--s-y", "1.0"]
    assert main([*args, "--out", str(out)]) == 0
    assert "feasible: false (infeasible" in capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["feasible"] is False and metrics["objective"] is None
    assert metrics["reason"].startswith("infeasible")
    assert pd.read_csv(out / "stress.csv")["tau_gpa"].isna().all()


def test_bad_input_is_one_message(tmp_path, capsys):
    args = ["stz", "run", "--beta", "-1", "--u0", "-3.36", "--c0", "0.5", "--s-y", "1.0"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 2
    assert "beta_per_ev" in capsys.readouterr().err
    missing = tmp_path / "no_md"
    args = ["stz", "run", "--beta", "8", "--u0", "-3.36", "--c0", "0.5", "--s-y", "1.0"]
    assert main([*args, "--md-data", str(missing), "--out", str(tmp_path / "b")]) == 2
    assert "folder not found" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()

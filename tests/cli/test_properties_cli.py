"""`strength properties`, `strength predict --potential`, `potentials list`, as users run them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scalebridge.cli.main import main


@pytest.mark.slow
def test_properties_of_one_potential(tmp_path, capsys):
    out = tmp_path / "props"
    assert (
        main(
            [
                "strength",
                "properties",
                "--potential",
                "Ni_u3.eam",
                "--element",
                "Ni",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    row = pd.read_csv(out / "properties.csv").iloc[0]
    assert row["potential"] == "Ni_u3.eam" and row["element"] == "Ni"
    assert row["lattice_constant_fcc"] == pytest.approx(3.52, rel=1e-4)
    check = pd.read_csv(out / "openkim_comparison.csv")
    assert check["within_target"].all()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["flags"] == [] and set(metrics["seconds"]) == {
        "bulk",
        "surfaces",
        "stacking",
        "vacancy",
        "migration",
    }
    assert (out / "properties.png").stat().st_size > 10_000
    assert "data:image/png" in (out / "report.html").read_text()


@pytest.mark.slow
def test_predict_for_a_potential(tmp_path, capsys):
    out = tmp_path / "pred"
    assert (
        main(
            [
                "strength",
                "predict",
                "--potential",
                "Cu_mishin1.eam.alloy",
                "--element",
                "Cu",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    prediction = json.loads((out / "metrics.json").read_text())["predictions"][0]
    # the MD strength of this potential in the dataset is 1145 MPa
    assert prediction["lower_mpa"] < 1145 < prediction["upper_mpa"]
    assert not prediction["extrapolation"]
    assert "Cu" in prediction["nearest_pool_ips"]
    assert 0 < prediction["pool_percentile"] < 100


def test_wrong_element_or_style_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "x"
    assert (
        main(
            [
                "strength",
                "properties",
                "--potential",
                "Cu_u3.eam",
                "--element",
                "Ni",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "no parameters for Ni" in capsys.readouterr().err
    assert (
        main(
            [
                "strength",
                "predict",
                "--potential",
                "Cu_u3.eam",
                "--element",
                "Cu",
                "--pair-style",
                "eam/alloy",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "does not match" in capsys.readouterr().err
    assert not out.exists()


def test_potentials_list(capsys):
    assert main(["potentials", "list", "--csv"]) == 0
    text = capsys.readouterr().out
    assert "Cu_mishin1.eam.alloy,eam/alloy,Cu," in text
    assert "CuNi.eam.alloy,eam/alloy,Ni Cu," in text

"""`md tribology` then `tomograph`, as a user runs them (small size)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalebridge.cli.main import main
from scalebridge.errors import InputError
from scalebridge.tribology.sliding import SlidingSettings


@pytest.mark.slow
def test_small_sliding_run_and_its_tomographs(tmp_path):
    md = tmp_path / "md"
    assert (
        main(
            [
                "md",
                "tribology",
                "--ni-fraction",
                "0.25",
                "--pressure-gpa",
                "1",
                "--temperature-k",
                "300",
                "--velocity-m-s",
                "100",
                "--duration-ps",
                "6",  # the counterbody's load oscillates in 1.5 ps windows: average 3 ps
                "--out",
                str(md),
                "--no-progress",
            ]
        )
        == 0
    )
    metrics = json.loads((md / "metrics.json").read_text())
    applied = 1.0 / 160.21766208 * metrics["lx"] * metrics["ly"]  # eV/Å
    assert metrics["mean_normal_force_ev_per_a"] == pytest.approx(applied, rel=0.5)
    assert metrics["mean_friction_force_ev_per_a"] > 0  # opposes the sliding
    assert 200 < metrics["mean_temperature_k"] < 700
    assert metrics["dumps"] == 7
    log = pd.read_csv(md / "log.csv")
    assert {"time_ps", "friction_force_ev_per_a", "normal_force_ev_per_a"} <= set(log.columns)
    tomo = tmp_path / "tomo"
    assert main(["tomograph", str(md / "dumps"), "--tile-px", "8", "--out", str(tomo)]) == 0
    tiles = pd.read_csv(tomo / "tiles.csv")
    assert set(tiles["time_ps"]) == {float(t) for t in range(7)}
    assert tiles["pressure_gpa"].eq(1.0).all() and tiles["ni_fraction"].eq(0.25).all()
    with np.load(tomo / "tiles.npz") as data:
        assert data["ipf"].shape == (len(tiles), 8, 8, 3) and data["ipf"].dtype == np.uint8
    first = tiles[tiles["time_ps"] == 0]
    assert (first["label"] == "no significant change").all()  # nothing changed yet at t = 0


def test_settings_out_of_range_are_clear_errors():
    with pytest.raises(InputError, match="ni_fraction"):
        SlidingSettings(
            ni_fraction=1.5, pressure_gpa=1, temperature_k=300, velocity_m_s=10, duration_ps=1
        )
    with pytest.raises(InputError, match="size"):
        SlidingSettings(
            ni_fraction=0.5,
            pressure_gpa=1,
            temperature_k=300,
            velocity_m_s=10,
            duration_ps=1,
            size="huge",
        )


def test_tomograph_of_missing_dumps_is_a_clear_error(tmp_path, capsys):
    assert main(["tomograph", str(tmp_path / "nothing"), "--out", str(tmp_path / "t")]) == 2
    assert "no such file" in capsys.readouterr().err

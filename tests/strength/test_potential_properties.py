from __future__ import annotations

import json

import pandas as pd
import pytest

from scalebridge.compute import Executor, ExecutorSettings
from scalebridge.strength.openkim import MATCHES, comparison, openkim_row
from scalebridge.strength.potential_properties import all_shipped, pair_task, shipped_pairs


def test_every_match_points_at_a_dataset_row_and_a_shipped_pair():
    pairs = set(shipped_pairs())
    for (name, element), model in MATCHES.items():
        row = openkim_row(name, element)
        assert row is not None and row["model"] == model
        assert (name, element) in pairs


def test_comparison_applies_the_targets():
    row = openkim_row("Ni_u3.eam", "Ni")
    values = {c: float(row[c]) for c in ("lattice_constant_fcc", "c44_fcc")}
    values["c44_fcc"] *= 1.06  # 6 % off: outside the 5 % target
    check = comparison("Ni_u3.eam", "Ni", values).set_index("property")
    assert bool(check.loc["lattice_constant_fcc", "within_target"])
    assert not bool(check.loc["c44_fcc", "within_target"])
    assert comparison("Cu_mishin1.eam.alloy", "Ni", values).empty  # no such pair


def test_a_failing_potential_is_reported_not_raised():
    result = pair_task(("Cu_nonexistent.eam.alloy", "Cu"))
    assert "no file" in result["error"]


@pytest.mark.slow
def test_campaign_resumes_without_recomputing(tmp_path):
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    finished = {
        "potential": "Cu_u3.eam",
        "element": "Cu",
        "values": {"lattice_constant_fcc": 3.615},
        "seconds": {"bulk": 1.0},
        "flags": [],
    }
    (checkpoints / "Cu_u3.eam__Cu.json").write_text(json.dumps(finished))
    out = tmp_path / "out"
    out.mkdir()
    pairs = [("Cu_u3.eam", "Cu"), ("Ni_u3.eam", "Ni")]
    with Executor(ExecutorSettings(n_workers=1), progress=False) as executor:
        metrics = all_shipped(out, executor, checkpoints, pairs)
    table = pd.read_csv(out / "properties.csv").set_index("potential")
    assert metrics["computed"] == 2 and metrics["failed"] == 0
    assert table.loc["Cu_u3.eam", "seconds"] == 1.0  # read back, not recomputed
    assert pd.isna(table.loc["Cu_u3.eam", "c11_fcc"])
    assert table.loc["Ni_u3.eam", "lattice_constant_fcc"] == pytest.approx(3.52, rel=1e-4)
    assert (checkpoints / "Ni_u3.eam__Ni.json").exists()

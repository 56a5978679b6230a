from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalebridge.compute import Executor, ExecutorSettings
from scalebridge.errors import InputError
from scalebridge.patterns.dataset import TileDataset, load_dataset
from scalebridge.runs.settings import settings_to_dict
from scalebridge.tribology.campaign import is_finished, read_campaign, run_campaign, run_name

CAMPAIGN = """
[base]
size = "small"
duration_ps = 2
temperature_k = 300
velocity_m_s = 50

[matrix]
ni_fraction = [0.0, 0.25, 1.0]
pressure_gpa = [0.5, 2.0]
"""


def test_campaign_matrix_is_the_cartesian_product(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CAMPAIGN)
    runs = read_campaign(path)
    assert len(runs) == 6
    assert {(r.ni_fraction, r.pressure_gpa) for r in runs} == {
        (n, p) for n in (0.0, 0.25, 1.0) for p in (0.5, 2.0)
    }
    assert all(r.duration_ps == 2.0 and r.size == "small" for r in runs)
    assert len({run_name(r) for r in runs}) == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[base]\nsize='small'\n[matrix]\nni_fraction = 0.5\n", "a non-empty list"),
        ("[runs]\nx=1\n", "unknown table"),
        (CAMPAIGN.replace("velocity_m_s = 50", "velocity_m_s = 'fast'"), "velocity_m_s"),
        (CAMPAIGN.replace("temperature_k = 300", ""), "temperature_k"),
    ],
)
def test_bad_campaign_files(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises((InputError, TypeError), match=message):
        read_campaign(path)


def test_finished_runs_are_not_run_again(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CAMPAIGN)
    runs = read_campaign(path)
    for r in runs:
        done = tmp_path / "camp" / "runs" / run_name(r)
        done.mkdir(parents=True)
        (done / "metrics.json").write_text("{}")
        (done / "config.json").write_text(json.dumps({"settings": settings_to_dict(r)}))
    with Executor(ExecutorSettings(n_workers=1), progress=False) as executor:
        table = run_campaign(runs, tmp_path / "camp", executor)
    assert (table["state"] == "finished").all() and len(table) == 6
    assert (tmp_path / "camp" / "status.csv").exists()
    # a run whose recorded settings differ (edited campaign) is not finished
    stale = runs[0]
    record = tmp_path / "camp" / "runs" / run_name(stale) / "config.json"
    record.write_text(json.dumps({"settings": settings_to_dict(stale) | {"duration_ps": 9.0}}))
    assert not is_finished(record.parent, stale)


def _dataset(n: int = 5, tile: int = 8) -> TileDataset:
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "run": ["a"] * n,
            "time_ps": np.arange(n, dtype=float),
            "label": [
                "twinning",
                "shear layer",
                "no significant change",
                "grain refinement",
                "grain coarsening",
            ][:n],
        }
    )
    return TileDataset(
        ipf=rng.integers(0, 255, (n, tile, tile, 3), dtype=np.uint8),
        structure=rng.integers(0, 255, (n, tile, tile, 3), dtype=np.uint8),
        advection=rng.normal(size=(n, tile, tile)).astype(np.float16),
        displacement=rng.normal(size=(n, tile, tile)).astype(np.float16),
        rotation=rng.uniform(0, 40, size=(n, tile, tile)).astype(np.float16),
        density=rng.integers(0, 7, size=(n, tile, tile)).astype(np.float16),
        crystal=rng.uniform(0, 1, size=(n, tile, tile)).astype(np.float16),
        grain_size=rng.integers(0, 3000, size=(n, tile, tile)).astype(np.float16),
        grain_atoms=rng.integers(0, 7, size=(n, tile, tile)).astype(np.float16),
        table=table,
        info={"tile_px": tile, "pixel_angstrom": 2.0},
    )


def test_dataset_round_trip_and_checks(tmp_path):
    original = _dataset()
    path = tmp_path / "d.npz"
    original.save(path)
    back = load_dataset(path)
    np.testing.assert_array_equal(back.ipf, original.ipf)
    np.testing.assert_array_equal(back.rotation, original.rotation)
    np.testing.assert_array_equal(back.density, original.density)
    pd.testing.assert_frame_equal(back.table, original.table, check_dtype=False)
    bad = _dataset()
    bad.table.loc[0, "label"] = "melting"
    bad.save(tmp_path / "bad.npz")
    with pytest.raises(InputError, match="unknown labels"):
        load_dataset(tmp_path / "bad.npz")
    wrong = _dataset()
    wrong.info["tile_px"] = 16
    wrong.save(tmp_path / "wrong.npz")
    with pytest.raises(InputError, match="shape"):
        load_dataset(tmp_path / "wrong.npz")
    np.savez(tmp_path / "other.npz", info=np.array('{"format": "something/2"}'))
    with pytest.raises(InputError, match="format"):
        load_dataset(tmp_path / "other.npz")
    for old in (1, 2):
        version = f'{{"format": "scalebridge-patterns-tiles/{old}"}}'
        np.savez(tmp_path / "old.npz", info=np.array(version))
        with pytest.raises(InputError, match="rebuild it with"):
            load_dataset(tmp_path / "old.npz")

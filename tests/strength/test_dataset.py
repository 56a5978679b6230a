from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalebridge.errors import InputError
from scalebridge.strength.dataset import load_dft, load_pool, shipped_path
from scalebridge.strength.indicators import EV_PER_A2_PER_J_PER_M2, INDICATOR_UNITS


@pytest.fixture(scope="module")
def pool():
    return load_pool()


def test_published_pool_has_153_ips_and_39_candidates(pool):
    assert len(pool.y) == 153
    assert pool.X.shape == (153, 39)
    assert pool.candidates == list(INDICATOR_UNITS)


def test_every_dropped_ip_has_its_reason(pool):
    counts = pool.dropped["reason"].str.split(" ").str[0].value_counts()
    assert counts["disqualified"] == 14
    assert counts["stacking-fault"] == 10
    assert counts["no"] == 1  # the SNAP Ni potential whose MD failed
    assert 153 + len(pool.dropped) == len(pd.read_csv(shipped_path("ip_list.csv")))


def test_outlier_caps_remove_absurd_values(pool):
    assert pool.X["c44_fcc"].max() < 6e4
    assert pool.X.filter(like="bulk_modulus").max().max() < 1e5
    assert set(pool.capped["column"]) >= {"c44_fcc", "cohesive_energy_fcc"}


def test_dirty_jamming_values_are_accepted(pool):
    raw = pd.read_csv(shipped_path("models_w_props.csv"))
    assert (raw["SF_jamming"] == "no ").any()  # the dirty value is really there
    kept = raw["SF_jamming"].str.strip() != "yes"
    assert kept.sum() == len(pool.y)


def test_dft_surface_energies_are_converted_to_ev_per_a2():
    dft = load_dft()
    assert dft.loc["Cu", "surface_energy_111_fcc"] == pytest.approx(
        1.61155 * EV_PER_A2_PER_J_PER_M2
    )
    assert dft.loc["Cu", "lattice_constant_fcc"] == pytest.approx(3.56275)


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


def _small() -> pd.DataFrame:
    return pd.read_csv(shipped_path("models_w_props.csv")).head(30)


def test_text_in_a_numeric_column_names_file_column_and_line(tmp_path):
    frame = _small().astype({"c44_fcc": object})
    frame.loc[4, "c44_fcc"] = "abc"
    path = _write(tmp_path, frame)
    with pytest.raises(InputError, match=r"c44_fcc.*line 6.*'abc'") as info:
        load_pool(path)
    assert str(path) in str(info.value)


def test_unknown_species_and_jamming_values_are_rejected(tmp_path):
    frame = _small()
    frame.loc[2, "species"] = "Fe"
    with pytest.raises(InputError, match="unknown species 'Fe'"):
        load_pool(_write(tmp_path, frame))
    frame = _small()
    frame.loc[3, "SF_jamming"] = "maybe"
    with pytest.raises(InputError, match="SF_jamming"):
        load_pool(_write(tmp_path, frame))


def test_missing_strength_and_empty_column_are_reported_not_fatal(tmp_path):
    frame = _small()
    frame.loc[0, "strength_MPa"] = np.nan
    frame["relaxation_volume_fcc"] = np.nan
    pool = load_pool(_write(tmp_path, frame))
    assert pool.dropped["reason"].str.contains("no MD strength").sum() == 1
    assert "relaxation_volume_fcc" not in pool.candidates
    assert "relaxation_volume_fcc" in set(pool.dropped_columns["column"])


def test_malformed_csv_and_missing_target_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('species,strength_MPa\n"Cu,1\n')
    with pytest.raises(InputError, match=r"bad\.csv"):
        load_pool(bad)
    with pytest.raises(InputError, match="strength_MPa"):
        load_pool(_write(tmp_path, _small().drop(columns="strength_MPa")))


def test_constant_column_is_dropped_with_its_reason(tmp_path):
    frame = _small()
    frame["c44_bcc"] = 42.0
    pool = load_pool(_write(tmp_path, frame))
    assert "c44_bcc" not in pool.candidates
    reason = pool.dropped_columns.set_index("column").loc["c44_bcc", "reason"]
    assert "single value" in reason


def test_unknown_disqualified_value_is_rejected(tmp_path):
    frame = _small().astype({"disqualified": object})
    frame.loc[1, "disqualified"] = "maybe"
    with pytest.raises(InputError, match="disqualified"):
        load_pool(_write(tmp_path, frame))


def test_summary_line_names_the_reasons():
    assert load_pool().summary() == (
        "153 IPs in the pool; dropped 25: 14 disqualified in MD, 10 stacking-fault jammed, "
        "1 no MD strength"
    )

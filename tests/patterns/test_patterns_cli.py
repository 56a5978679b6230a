"""`patterns autoencoder / train / evaluate / predict / map` as a user runs them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalebridge.cli.main import main
from scalebridge.errors import InputError
from scalebridge.patterns.dataset import load_dataset
from scalebridge.patterns.descriptors import PATTERNS
from scalebridge.patterns.learn.mechanism import DesignSpace, entropy, fit_map, next_simulations
from scalebridge.patterns.learn.model import load_model

QUICK = ["--epochs", "6", "--autoencoder-epochs", "3", "--no-progress"]


pytestmark = pytest.mark.slow  # trains networks (about a minute in all)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A briefly trained model on the embedded dataset (both splits)."""
    out = tmp_path_factory.mktemp("patterns") / "train"
    assert main(["patterns", "train", "--dataset", "embedded", "--out", str(out), *QUICK]) == 0
    return out


def test_train_writes_the_metrics_figures_and_model(trained):
    metrics = json.loads((trained / "metrics.json").read_text())
    for key in ("random_split", "spatial_holdout"):
        split = metrics[key]
        assert {"accuracy", "macro_f1", "per_class_f1", "baselines"} <= set(split)
        assert {"majority", "metadata_only", "latent_only"} <= set(split["baselines"])
        assert (
            0 <= split["rules_on_reading"] <= 1 and "hcp_fraction_change" in split["descriptor_r2"]
        )
        assert 0 <= split["accuracy"] <= 1 and set(split["per_class_f1"]) <= set(PATTERNS)
        assert np.sum(split["confusion"]) == split["n_val"]
    assert metrics["autoencoder"]["latent_dim"] == 32
    assert 0 < metrics["autoencoder"]["ssim"] <= 1
    for name in ("confusion_random.png", "confusion_spatial.png", "training.png", "report.html"):
        assert (trained / name).stat().st_size > 1000
    predictions = pd.read_csv(trained / "random_validation_predictions.csv")
    p = predictions[[c for c in predictions if c.startswith("p_")]].to_numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_evaluate_reproduces_the_training_scores(trained, capsys):
    metrics = json.loads((trained / "metrics.json").read_text())
    assert main(["patterns", "evaluate", "--model", str(trained)]) == 0
    assert f"accuracy {metrics['random_split']['accuracy']:.3f}" in capsys.readouterr().out


def test_predict_tiles_and_refuse_other_sizes(trained, tmp_path, synthetic):
    out = tmp_path / "pred"
    args = ["patterns", "predict", "embedded", "--model", str(trained), "--out", str(out)]
    assert main(args) == 0
    table = pd.read_csv(out / "predictions.csv")
    assert len(table) == len(load_dataset("embedded").table)
    assert set(table["predicted"]) <= set(PATTERNS)
    assert ((table["probability"] > 0.2) & (table["probability"] <= 1)).all()
    # the descriptors read from the images, and the rules applied to them
    read_columns = [c for c in table if c.startswith("read_")]
    assert len(read_columns) == 4 and np.isfinite(table[read_columns].to_numpy()).all()
    read, truth = table["read_hcp_fraction_change"], table["hcp_fraction_change"]
    assert np.corrcoef(read, truth)[0, 1] > 0.7  # even a briefly trained network reads twins
    # the decision is the rules on that reading, up to the reading error near thresholds
    assert (table["rules_on_reading"] == table["predicted"]).mean() > 0.8
    # the reloaded model gives the probabilities the trained one gave its validation tiles
    during = pd.read_csv(trained / "random_validation_predictions.csv")
    keys = ["run", "time_ps", "x_angstrom", "depth_angstrom"]
    both = during.merge(table, on=keys, suffixes=("_training", "_reloaded"))
    assert len(both) == len(during)
    for name in [c for c in during if c.startswith("p_")]:
        np.testing.assert_allclose(both[f"{name}_training"], both[f"{name}_reloaded"], atol=1e-6)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["agreement_with_conventional_labels"] > 0.5
    assert metrics["includes_training_tiles"] is True
    eight = tmp_path / "eight.npz"
    synthetic(tile=8).save(eight)
    with pytest.raises(InputError, match="tile_px"):
        load_model(trained).check_tiles(load_dataset(eight), eight)
    assert main(["patterns", "evaluate", "--model", str(trained), "--dataset", str(eight)]) == 2


def test_map_and_next_simulations(trained, tmp_path):
    out = tmp_path / "map"
    assert main(["patterns", "map", "--model", str(trained), "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["time_ps"] == 16.0
    simulated = {
        (c["ni_fraction"], c["pressure_gpa"], c["temperature_k"])
        for c in metrics["simulated_conditions"]
    }
    assert len(simulated) == 12  # 3 compositions × 2 pressures × 2 temperatures
    ranked = pd.read_csv(out / "next_simulations.csv")
    assert (
        not {tuple(r) for r in ranked[["ni_fraction", "pressure_gpa", "temperature_k"]].to_numpy()}
        & simulated
    )
    assert ranked["mean_uncertainty"].is_monotonic_decreasing
    assert (out / "mechanism_map.png").stat().st_size > 1000
    assert (
        main(
            ["patterns", "map", "--model", str(trained), "--out", str(out / "x"), "--time-ps", "3"]
        )
        == 2
    )


def test_map_uncertainty_grows_away_from_the_simulations():
    rng = np.random.default_rng(0)
    rows = []
    for ni in (0.0, 1.0):
        for pressure in (0.5, 3.0):
            for depth in (16.0, 48.0, 80.0):
                label = (
                    "shear layer"
                    if depth < 40
                    else ("twinning" if ni == 0 else "no significant change")
                )
                rows += [
                    {
                        "ni_fraction": ni,
                        "pressure_gpa": pressure,
                        "temperature_k": 300.0,
                        "depth_angstrom": depth,
                        "time_ps": 10.0,
                        "predicted": label,
                    }
                ] * int(rng.integers(3, 6))
    fitted = fit_map(pd.DataFrame(rows), 10.0, DesignSpace())
    near = pd.DataFrame(
        {
            "ni_fraction": [0.0],
            "pressure_gpa": [0.5],
            "temperature_k": [300.0],
            "depth_angstrom": [16.0],
        }
    )
    far = near.assign(temperature_k=900.0, ni_fraction=0.6)
    assert entropy(fitted.proba(near))[0] < entropy(fitted.proba(far))[0]
    assert PATTERNS[fitted.proba(near).argmax()] == "shear layer"
    ranked = next_simulations(fitted)
    assert ranked.iloc[0]["temperature_k"] != 300.0 or ranked.iloc[0]["ni_fraction"] not in (0, 1)


def test_a_model_folder_without_a_model_is_refused(tmp_path, capsys):
    assert main(["patterns", "evaluate", "--model", str(tmp_path)]) == 2
    assert "model.json" in capsys.readouterr().err


def test_autoencoder_command(tmp_path):
    out = tmp_path / "ae"
    args = ["patterns", "autoencoder", "--latent", "8", "--out", str(out), *QUICK]
    assert main(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())["autoencoder"]
    assert metrics["latent_dim"] == 8 and metrics["epochs"] == 3
    with np.load(out / "latents.npz") as data:
        assert data["now"].shape == (len(load_dataset("embedded").table), 8)
    assert (out / "reconstructions.png").stat().st_size > 1000


def test_train_with_the_class_heads_deciding_on_tomograph_inputs(tmp_path, synthetic, capsys):
    data = tmp_path / "synthetic.npz"
    synthetic().save(data)
    out = tmp_path / "heads"
    args = ["patterns", "train", "--dataset", str(data), "--split", "random", "--out", str(out)]
    assert main([*args, "--decision", "head", "--inputs", "tomograph", *QUICK]) == 0
    scores = json.loads((out / "metrics.json").read_text())["random_split"]
    assert scores["accuracy"] == scores["head_accuracy"]
    model = json.loads((out / "model" / "model.json").read_text())
    assert model["decision"] is None and model["settings"]["decision"] == "head"
    assert model["settings"]["inputs"] == "tomograph"
    capsys.readouterr()
    assert main(["patterns", "evaluate", "--model", str(out)]) == 0  # rebuilt as trained
    assert f"accuracy {scores['accuracy']:.3f}" in capsys.readouterr().out

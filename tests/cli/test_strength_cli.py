"""The strength commands end to end, as a user runs them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scalebridge.cli.main import main
from scalebridge.strength.dataset import load_dft


@pytest.fixture(scope="module")
def fit_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "run"
    assert main(["strength", "fit", "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    return out


@pytest.mark.slow
def test_fit_writes_the_promised_run_folder(fit_run):
    for name in (
        "config.json",
        "metrics.json",
        "report.html",
        "model_search.csv",
        "dropped_ips.csv",
        "parity.png",
        "correlations.png",
        "dft_predictions.png",
    ):
        assert (fit_run / name).is_file(), name
    metrics = json.loads((fit_run / "metrics.json").read_text())
    assert metrics["n_ips"] == 153 and metrics["n_candidates"] == 39
    assert next(iter(metrics["correlations"])) == "vacancy_migration_energy_fcc"
    final = metrics["final_model"]
    assert round(final["adj_r2"], 2) == 0.88
    assert final["interval"]["method"] == "jackknife+"
    assert 0.9 <= final["interval"]["loo_coverage"] <= 1
    assert set(metrics["dft_predictions"]) == {"Ag", "Al", "Au", "Cu", "Ni", "Pd", "Pt"}
    search = pd.read_csv(fit_run / "model_search.csv")
    assert len(search) == 9919 and search["cv_r2_mean"].is_monotonic_decreasing
    assert metrics["top_models"][0]["cv_r2"] == pytest.approx(search["cv_r2_mean"].iloc[0])
    html = (fit_run / "report.html").read_text()
    assert "data:image/png;base64," in html and "0.88" in html


@pytest.mark.slow
def test_existing_folder_is_not_overwritten_silently(fit_run, capsys):
    assert main(["strength", "fit", "--out", str(fit_run), "--workers", "1"]) == 2
    assert "--overwrite" in capsys.readouterr().err


@pytest.mark.slow
def test_predict_from_a_fit_run(fit_run, tmp_path, capsys):
    dft = load_dft().reset_index()
    rows = dft.rename(columns={"species": "label"})
    path = tmp_path / "indicators.csv"
    rows.to_csv(path, index=False)
    out = tmp_path / "pred"
    assert (
        main(
            [
                "strength",
                "predict",
                "--indicators",
                str(path),
                "--model",
                str(fit_run),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_csv(out / "predictions.csv")
    fitted = json.loads((fit_run / "metrics.json").read_text())["dft_predictions"]
    for row in table.itertuples():
        assert row.strength_mpa == pytest.approx(fitted[row.label]["strength_mpa"])
    assert "Cu:" in capsys.readouterr().out


def test_predict_rejects_j_per_m2_and_leaves_no_folder(tmp_path, capsys):
    rows = load_dft().reset_index()
    rows["surface_energy_111_fcc"] = rows["surface_energy_111_fcc"] / 0.06241509
    path = tmp_path / "in.csv"
    rows.to_csv(path, index=False)
    out = tmp_path / "pred"
    assert main(["strength", "predict", "--indicators", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "surface_energy_111_fcc" in err and "J/m²" in err and "Traceback" not in err
    assert not out.exists() and not (tmp_path / ".pred.partial").exists()


def test_predict_names_missing_columns(tmp_path, capsys):
    path = tmp_path / "in.csv"
    pd.DataFrame({"vacancy_migration_energy_fcc": [1.0]}).to_csv(path, index=False)
    assert (
        main(["strength", "predict", "--indicators", str(path), "--out", str(tmp_path / "o")]) == 2
    )
    assert "lattice_constant_fcc" in capsys.readouterr().err


def test_fit_with_bad_data_file_fails_cleanly(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("species,strength_MPa,c44_fcc\nCu,100,abc\n")
    out = tmp_path / "run"
    assert main(["strength", "fit", "--data", str(bad), "--out", str(out)]) == 2
    assert "c44_fcc" in capsys.readouterr().err
    assert not out.exists()


def test_help_is_instant_and_lists_workflows(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "strength" in capsys.readouterr().out


def test_predict_rejects_nm_and_missing_values(tmp_path, capsys):
    rows = load_dft().reset_index()
    rows["lattice_constant_fcc"] = rows["lattice_constant_fcc"] / 10
    path = tmp_path / "nm.csv"
    rows.to_csv(path, index=False)
    assert (
        main(["strength", "predict", "--indicators", str(path), "--out", str(tmp_path / "o")]) == 2
    )
    assert "nm" in capsys.readouterr().err
    rows = load_dft().reset_index()
    rows.loc[2, "vacancy_migration_energy_fcc"] = None
    rows.to_csv(path, index=False)
    assert (
        main(["strength", "predict", "--indicators", str(path), "--out", str(tmp_path / "o")]) == 2
    )
    err = capsys.readouterr().err
    assert "line 4" in err and "vacancy_migration_energy_fcc" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('seed = "abc"', "field 'seed'"),
        ('level = "0.9"', "field 'level'"),
        ("n_splits = 10.5", "field 'n_splits'"),
        ('predictors = "vacancy_migration_energy_fcc"', "a list"),
        ("colour = 3", "unknown setting"),
        ('predictors = ["c44_fcc", "c44_fcc"]', "twice"),
    ],
)
def test_bad_config_files_are_clear_errors(tmp_path, capsys, text, expected):
    config = tmp_path / "fit.toml"
    config.write_text(text + "\n")
    out = tmp_path / "run"
    assert main(["strength", "fit", "--config", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not out.exists() and not (tmp_path / ".run.partial").exists()


def test_too_few_potentials_for_the_cv_is_a_clear_error(tmp_path, capsys):
    from scalebridge.strength.dataset import shipped_path

    small = pd.read_csv(shipped_path("models_w_props.csv")).head(8)
    path = tmp_path / "small.csv"
    small.to_csv(path, index=False)
    assert main(["strength", "fit", "--data", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "too few" in capsys.readouterr().err


def test_command_line_starts_without_heavy_imports():
    import subprocess
    import sys

    code = (
        "import sys; from scalebridge.cli.main import build_parser; build_parser(); "
        "heavy = {'numpy', 'pandas', 'sklearn', 'dask', 'numba', 'torch', 'matplotlib', 'ase'}"
        " & set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

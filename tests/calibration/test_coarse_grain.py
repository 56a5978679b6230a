"""Coarse-graining shear dumps into the cuzr_shear_md format, and the small glass behind it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scalebridge.atomistic.glass import PRESETS, GlassSettings
from scalebridge.calibration.coarse_grain import (
    SHIPPED_PE0_MEAN_EV,
    CoarseGrainSettings,
    bin_mean,
    fill_empty,
    smooth_periodic,
)
from scalebridge.calibration.own_glass import coarse_grain_run
from scalebridge.calibration.shear_dumps import check_dumps, read_header
from scalebridge.cli.main import main
from scalebridge.continuum.md_data import load_md_data, read_grid_field
from scalebridge.errors import InputError

FCC_A = 3.6


def _lattice(cells_xy: int = 16, cells_z: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """fcc positions (n, 3) and the cell lengths (3,) of an orthogonal box."""
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    grid = np.stack(
        np.meshgrid(range(cells_xy), range(cells_xy), range(cells_z), indexing="ij"), -1
    ).reshape(-1, 3)
    positions = (grid[:, None, :] + basis[None] + 0.13).reshape(-1, 3) * FCC_A
    lengths = FCC_A * np.array([cells_xy, cells_xy, cells_z], dtype=float)
    return positions, lengths


def write_dump(
    path: Path,
    positions: np.ndarray,
    lengths: np.ndarray,
    xy: float,
    step: int,
    columns: dict[str, np.ndarray],
) -> None:
    """A LAMMPS text dump of a triclinic box with tilt ``xy``; positions wrapped into it."""
    lx, ly, lz = lengths
    sy = np.mod(positions[:, 1] / ly, 1.0)
    sx = np.mod((positions[:, 0] - xy * positions[:, 1] / ly) / lx, 1.0)
    n = len(positions)
    table = np.column_stack(
        [
            np.arange(1, n + 1),
            1 + np.arange(n) % 2,
            sx * lx + sy * xy,
            sy * ly,
            np.mod(positions[:, 2], lz),
            *columns.values(),
        ]
    )
    header = [
        "ITEM: TIMESTEP",
        str(step),
        "ITEM: NUMBER OF ATOMS",
        str(n),
        "ITEM: BOX BOUNDS xy xz yz pp pp pp",
        f"{min(0.0, xy)} {lx + max(0.0, xy)} {xy}",
        f"0 {ly} 0",
        f"0 {lz} 0",
        "ITEM: ATOMS id type x y z " + " ".join(columns),
    ]
    fmt = ["%d", "%d"] + ["%.6f"] * (3 + len(columns))
    np.savetxt(path, table, fmt=fmt, header="\n".join(header), comments="")


def affine_shear_dumps(
    folder: Path,
    *,
    energy: np.ndarray | None = None,
    no_pe_frames: tuple[int, ...] = (),
    short_frames: tuple[int, ...] = (),
    gamma_error: dict[int, float] | None = None,
) -> list[Path]:
    """101 dumps of an fcc lattice sheared affinely, frame k at gamma = 0.005 k (plus
    ``gamma_error[k]``); some frames may lack the energy column or an atom."""
    positions, lengths = _lattice()
    if energy is None:
        energy = np.where(np.arange(len(positions)) % 2 == 0, -3.7, -5.9)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(101):
        gamma = 0.005 * k + (gamma_error or {}).get(k, 0.0)
        sheared = positions.copy()
        sheared[:, 0] += gamma * positions[:, 1]
        keep = len(positions) - (k in short_frames)
        columns = {} if k in no_pe_frames else {"c_pe": energy[:keep]}
        path = folder / f"shear.{1000 * k:08d}.dump"
        write_dump(path, sheared[:keep], lengths, gamma * lengths[1], 1000 * k, columns)
        paths.append(path)
    return paths


def stress_log(path: Path, modulus_gpa: float = 30.0) -> Path:
    gamma = np.concatenate([[0.0], 0.0005 + 0.001 * np.arange(500)])
    tau = np.minimum(modulus_gpa * gamma, 1.5)
    lines = ["gamma,tau_gpa,temperature_k,pe_ev,volume_a3,pxy_bar"]
    lines += [f"{g},{t},300,-4000,1e4,{-1e4 * t}" for g, t in zip(gamma, tau, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


# -- binning on synthetic data ---------------------------------------------------------------
def test_bin_mean_counts_and_rows_are_y():
    reduced = np.array([[0.1, 0.9], [0.12, 0.92], [0.6, 0.1]])
    means, counts = bin_mean(reduced, np.array([1.0, 3.0, 5.0]), grid=4)
    assert counts.sum() == 3 and counts[3, 0] == 2 and counts[0, 2] == 1
    assert means[3, 0] == 2.0 and means[0, 2] == 5.0
    assert np.isnan(means[1, 1])


def test_fill_empty_from_neighbours_and_smoothing_keeps_the_mean():
    field = np.full((8, 8), np.nan)
    field[2, 3] = 1.0
    field[6, 6] = 3.0
    filled, empty = fill_empty(field)
    assert empty == 62 and np.isfinite(filled).all()
    assert 1.0 <= filled.min() and filled.max() <= 3.0
    assert filled[2, 4] == 1.0 and filled[7, 7] == 3.0  # a neighbour of one filled cell only
    rng = np.random.default_rng(0)
    noisy = rng.normal(size=(32, 32))
    smooth = smooth_periodic(noisy, 2.0)
    assert smooth.mean() == pytest.approx(noisy.mean(), abs=1e-12)
    assert smooth.std() < 0.3 * noisy.std()
    np.testing.assert_allclose(smooth_periodic(np.full((4, 4), 2.5), 3.0), 2.5)
    with pytest.raises(InputError, match="no grid cell"):
        fill_empty(np.full((4, 4), np.nan))


def test_affine_shear_of_a_lattice_gives_a_uniform_field_equal_to_gamma(tmp_path):
    dumps = affine_shear_dumps(tmp_path / "dumps")
    out = tmp_path / "cg"
    metrics = coarse_grain_run(
        dumps[::-1],  # any order: sorted by timestep
        stress_log(tmp_path / "stress.csv"),
        CoarseGrainSettings(),
        out,
        progress=False,
    )
    md = load_md_data(out)
    np.testing.assert_allclose(
        md.shear_strain, md.gamma[:, None, None] * np.ones((32, 32)), atol=2e-5
    )
    # species-corrected energies are uniform, shifted onto the shipped frame-0 mean
    np.testing.assert_allclose(md.potential_energy_ev, SHIPPED_PE0_MEAN_EV, atol=1e-6)
    assert metrics["energy_offset_ev"] == pytest.approx(SHIPPED_PE0_MEAN_EV + 4.8, abs=1e-9)
    assert metrics["cell_angstrom"][:2] == pytest.approx([57.6, 57.6])
    assert metrics["grid_spacing_angstrom"][0] == pytest.approx(1.8)
    assert metrics["empty_cells_per_frame_max"] == 0  # one lattice column per cell
    # the stress log is resampled onto gamma = 0.001 i; tau = -(column 6) / 1e4
    assert md.stress_gamma.shape == (501,)
    np.testing.assert_allclose(md.stress_tau_gpa[:40], 30.0 * md.stress_gamma[:40], atol=1e-5)
    header = (out / "Exy.MD.100").read_text().splitlines()[0].split()
    assert header[:2] == ["32", "32"] and float(header[2]) == pytest.approx(0.5, abs=1e-5)
    assert (out / "pe.MD.3").read_text().startswith("32 32 0 1\n")
    assert not (tmp_path / ".cg.partial").exists()


def test_fields_live_in_the_sheared_cell_rows_y_columns_x(tmp_path):
    """Energy set by reduced x (left half -4, right half -3.5) and y: the pattern must stay
    put in every frame, however sheared the cell."""
    positions, lengths = _lattice()
    energy = -4.0 + 0.5 * (positions[:, 0] / lengths[0] >= 0.5) + 0.25 * (positions[:, 1] < 9.0)
    dumps = affine_shear_dumps(tmp_path / "dumps", energy=energy)
    out = tmp_path / "cg"
    settings = CoarseGrainSettings(grid=16, species_correction=False, energy_offset="0")
    coarse_grain_run(dumps, stress_log(tmp_path / "s.csv"), settings, out, progress=False)
    for k in (0, 100):
        field = read_grid_field(out / f"pe.MD.{k}", shape=(16, 16))
        np.testing.assert_allclose(field[8:, :8], -4.0)
        np.testing.assert_allclose(field[8:, 8:], -3.5)
        np.testing.assert_allclose(field[:2, :8], -3.75)  # rows are y: y < 9 Å is rows 0-2


# -- bad input -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_dumps(tmp_path_factory) -> list[Path]:
    return affine_shear_dumps(tmp_path_factory.mktemp("good"))


def test_missing_dump_and_wrong_frame_count(tmp_path, good_dumps):
    with pytest.raises(InputError, match="file not found") as err:
        check_dumps([*good_dumps[:-1], tmp_path / "nope.dump"])
    assert err.value.source == str(tmp_path / "nope.dump")
    with pytest.raises(InputError, match="100 dump files") as err:
        check_dumps(good_dumps[:-1])
    assert "101" in str(err.value.expected)


def test_dump_without_energy_column_names_file_and_column(tmp_path):
    dumps = affine_shear_dumps(tmp_path, no_pe_frames=(7,))
    with pytest.raises(InputError, match="no column") as err:
        check_dumps(dumps)
    assert err.value.source == str(dumps[7]) and err.value.field == "ITEM: ATOMS"
    assert "c_pe" in str(err.value)


def test_frames_with_different_atom_counts(tmp_path):
    dumps = affine_shear_dumps(tmp_path, short_frames=(40,))
    with pytest.raises(InputError, match="2047 atoms") as err:
        check_dumps(dumps)
    assert err.value.source == str(dumps[40]) and err.value.field == "ITEM: NUMBER OF ATOMS"


def test_wrong_strain_steps_and_orthogonal_boxes(tmp_path, good_dumps):
    dumps = affine_shear_dumps(tmp_path / "off", gamma_error={50: 0.004})
    with pytest.raises(InputError, match="gamma") as err:
        check_dumps(dumps)
    assert err.value.source == str(dumps[50]) and err.value.field == "xy tilt"
    twice = [*good_dumps[:50], good_dumps[49], *good_dumps[51:]]
    with pytest.raises(InputError, match="same timestep"):
        check_dumps(twice)
    flat = tmp_path / "flat.dump"
    lines = good_dumps[3].read_text().splitlines()
    lines[4] = "ITEM: BOX BOUNDS pp pp pp"
    lines[5:8] = [" ".join(line.split()[:2]) for line in lines[5:8]]
    flat.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="orthogonal"):
        read_header(flat)
    garbage = tmp_path / "garbage.dump"
    garbage.write_text("hello\n")
    with pytest.raises(InputError, match="ITEM: TIMESTEP"):
        read_header(garbage)


def test_cli_bad_input_leaves_no_output(tmp_path, good_dumps, capsys):
    out = tmp_path / "out"
    stress = stress_log(tmp_path / "stress.csv")
    assert main(["coarse-grain", *map(str, good_dumps[:-3]), "--stress", str(stress),
                 "--out", str(out)]) == 2  # fmt: skip
    assert "98 dump files" in capsys.readouterr().err
    bad_stress = tmp_path / "bad.csv"
    bad_stress.write_text("gamma,sigma\n0,0\n0.5,1\n")
    args = ["coarse-grain", *map(str, good_dumps), "--stress", str(bad_stress), "--out", str(out)]
    assert main(args) == 2
    assert "tau_gpa" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / ".out.partial").exists()
    with pytest.raises(InputError, match="energy_offset"):
        CoarseGrainSettings(energy_offset="lots")
    with pytest.raises(InputError, match="temperature_k"):
        GlassSettings(temperature_k=1500.0)


def test_glass_schedule_gives_101_frames_at_the_stated_rates():
    for settings in PRESETS.values():
        steps = settings.phase_steps()
        frame_steps = 5 * settings.steps_per_stress_row
        assert steps["shear"] == 100 * frame_steps
        assert steps["shear"] * settings.timestep_ps * 1e-12 * settings.actual_shear_rate_per_s == (
            pytest.approx(0.5)
        )
    assert PRESETS["ci"].n_atoms == 800 and PRESETS["docs"].n_atoms == 4704


# -- end to end: LAMMPS glass → coarse-grain → reader ----------------------------------------
@pytest.mark.slow
def test_small_glass_end_to_end(tmp_path):
    glass = tmp_path / "glass"
    assert main(["make-glass", "--preset", "ci", "--out", str(glass), "--no-progress"]) == 0
    metrics = json.loads((glass / "metrics.json").read_text())
    assert metrics["n_atoms"] == 800 and metrics["dumps"] == 101
    # Mendelev CuZr at 300 K: Cu about -3.7, Zr about -5.9 eV, so about -4.8 eV per atom
    assert -5.0 < metrics["pe_ev_per_atom"] < -4.6
    # an elastic start with a CuZr-glass shear modulus (the shipped MD: 23 GPa over the same
    # 2 % of strain; this tiny, fast-quenched glass: about 22), then yield and flow
    assert 15.0 < metrics["shear_modulus_gpa"] < 40.0
    assert 1.0 < metrics["peak_tau_gpa"] < 3.0
    assert 0.5 < metrics["final_tau_gpa"] <= metrics["peak_tau_gpa"]
    assert metrics["mean_temperature_k"] == pytest.approx(300.0, abs=30.0)

    out = tmp_path / "cg"
    dumps = sorted(str(p) for p in (glass / "dumps").glob("*.dump"))
    args = ["coarse-grain", *dumps, "--stress", str(glass / "stress.csv"), "--out", str(out)]
    assert main([*args, "--smooth", "3", "--no-progress"]) == 0
    md = load_md_data(out)
    # the field mean of 2E_xy follows the applied strain in every frame; where the strain
    # localises, binning and smoothing lose a little of it (largest shortfall over the
    # frames of six such glasses, seeds 1-3 before and after the glass MD was chunked for
    # its restart files: 0.006-0.017)
    np.testing.assert_allclose(md.shear_strain.mean(axis=(1, 2)), md.gamma, atol=0.025)
    assert md.shear_strain[0].std() < 1e-6 and md.shear_strain[100].std() > 0.01
    # energies: species-corrected, shifted to the shipped scale; rejuvenated by shearing
    cg = json.loads((out / "metrics.json").read_text())
    raw = md.potential_energy_ev - cg["energy_offset_ev"]
    assert -5.0 < raw[0].mean() < -4.6
    assert raw[100].mean() > raw[0].mean()
    assert md.potential_energy_ev[0].mean() == pytest.approx(SHIPPED_PE0_MEAN_EV, abs=1e-6)
    # the stress file reproduces the MD log at gamma = 0.001 i
    log = np.genfromtxt(glass / "stress.csv", delimiter=",", names=True)
    np.testing.assert_allclose(
        md.stress_tau_gpa, np.interp(md.stress_gamma, log["gamma"], log["tau_gpa"]), atol=1e-4
    )
    assert cg["cell_angstrom"][0] == pytest.approx(33.0, abs=1.0)
    # and the STZ solver runs on it
    stz = tmp_path / "stz"
    u0 = float(md.potential_energy_ev.min()) - 0.02  # below U in every cell and frame
    args = ["stz", "run", "--beta", "5", "--u0", str(u0), "--c0", "0.5", "--s-y", "1.0"]
    assert main([*args, "--md-data", str(out), "--out", str(stz)]) == 0
    solved = json.loads((stz / "metrics.json").read_text())
    assert solved["feasible"] and np.isfinite(solved["objective"]["d"])

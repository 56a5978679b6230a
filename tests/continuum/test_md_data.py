from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import scalebridge
from scalebridge.continuum.md_data import (
    default_md_dir,
    load_md_data,
    read_grid_field,
    read_stress_curve,
)
from scalebridge.errors import InputError


def _write_field(path: Path, rows: list[str], header: str = "32 32 0 1") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _good_rows(value: float = 1.5) -> list[str]:
    return [" ".join(f"{value + 0.01 * (i + 32 * j):.8f}" for i in range(32)) for j in range(32)]


def test_shipped_data_live_inside_the_package():
    folder = default_md_dir()
    assert (folder / "LICENSE").is_file() and (folder / "README.md").is_file()
    assert Path(scalebridge.__file__).parent / "data" / "cuzr_shear_md" == folder


def test_loader_labels_shapes_and_known_values():
    md = load_md_data()
    assert md.frame.shape == md.gamma.shape == (101,)
    assert md.potential_energy_ev.shape == md.shear_strain.shape == (101, 32, 32)
    assert md.x_angstrom[-1] == pytest.approx(387.5) and md.y_angstrom[1] == 12.5
    np.testing.assert_allclose(md.gamma, 0.005 * np.arange(101))
    # first value of pe.MD.0 (row y = 0, column x = 0)
    assert md.potential_energy_ev[0, 0, 0] == pytest.approx(-3.36056880)
    # the shear-strain field mean is the applied strain
    np.testing.assert_allclose(md.shear_strain.mean(axis=(1, 2)), md.gamma, atol=2e-3)
    # published MD response: peak 1.541 GPa at gamma = 0.088, 0.942 GPa at 0.5
    assert md.stress_gamma.shape == (501,)
    peak = int(md.stress_tau_gpa.argmax())
    assert md.stress_tau_gpa[peak] == pytest.approx(1.541, abs=1e-3)
    assert md.stress_gamma[peak] == pytest.approx(0.088)
    assert md.stress_tau_gpa[-1] == pytest.approx(0.942, abs=1e-3)
    np.testing.assert_array_equal(md.stress_at_frames(), md.stress_tau_gpa[::5])
    assert not md.potential_energy_ev.flags.writeable


def test_field_round_trip(tmp_path):
    rows = _good_rows()
    field = read_grid_field(_write_field(tmp_path / "f", rows, header="32 32 0.05 0.002"))
    assert field.shape == (32, 32)
    assert field[0, 1] == pytest.approx(1.51) and field[1, 0] == pytest.approx(1.5 + 0.32)
    np.savetxt(tmp_path / "g", field, header="32 32 0 1", comments="", fmt="%.8f")
    np.testing.assert_allclose(read_grid_field(tmp_path / "g"), field)


@pytest.mark.parametrize(
    ("header", "rows", "message", "field"),
    [
        ("32 32 0", _good_rows(), "bad header", "line 1"),
        ("thirty-two 32 0 1", _good_rows(), "bad header", "line 1"),
        ("16 32 0 1", _good_rows(), "16 x 32", "line 1"),
        ("32 32 0 1", _good_rows()[:31], "31 data rows", "rows"),
        ("32 32 0 1", [*_good_rows()[:5], "1.0 2.0", *_good_rows()[6:]], "2 values", "line 7"),
        ("32 32 0 1", [*_good_rows()[:3], "abc " * 32, *_good_rows()[4:]], "non-numeric", "line 5"),
        ("32 32 0 1", [*_good_rows()[:2], "nan " * 32, *_good_rows()[3:]], "not finite", "line 4"),
        (
            "32 32 0 1",
            [*_good_rows()[:9], "1 " * 31 + "inf", *_good_rows()[10:]],
            "not finite",
            "line 11",
        ),
    ],
)
def test_bad_fields_are_rejected_with_the_place(tmp_path, header, rows, message, field):
    path = _write_field(tmp_path / "pe.MD.0", rows, header=header)
    with pytest.raises(InputError, match=message) as info:
        read_grid_field(path)
    assert info.value.source == str(path)
    assert info.value.field == field


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_grid_field(tmp_path / "nope")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(InputError, match="empty"):
        read_grid_field(tmp_path / "empty")
    with pytest.raises(InputError, match="folder not found"):
        load_md_data(tmp_path / "missing")


def test_stress_curve_reader(tmp_path):
    path = tmp_path / "stress.txt"
    path.write_text("1\t2\t3\t4\t5\t6\t-15000\n1\t2\t3\t4\t5\t6\t-20000\n")
    gamma, tau = read_stress_curve(path)
    np.testing.assert_allclose(gamma, [0.0, 0.001])
    np.testing.assert_allclose(tau, [1.5, 2.0])
    path.write_text("1\t2\t3\n1\t2\t3\n")
    with pytest.raises(InputError, match="3 columns") as info:
        read_stress_curve(path)
    assert info.value.field == "line 1"


def test_nan_energy_in_a_copied_data_set_is_an_input_error(tmp_path):
    folder = tmp_path / "md"
    folder.mkdir()
    for source in default_md_dir().iterdir():
        (folder / source.name).write_bytes(source.read_bytes())
    lines = (folder / "pe.MD.0").read_text().splitlines()
    values = lines[3].split()
    values[7] = "NaN"
    lines[3] = " ".join(values)
    (folder / "pe.MD.0").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="not finite") as info:
        load_md_data(folder)
    assert info.value.source == str(folder.resolve() / "pe.MD.0")
    assert info.value.field == "line 4"

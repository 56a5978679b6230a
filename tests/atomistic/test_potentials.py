from __future__ import annotations

import shutil

import pytest

from scalebridge.atomistic.potentials import (
    potentials_dir,
    read_potential,
    resolve_potential,
    shipped_potentials,
)
from scalebridge.errors import InputError


def test_shipped_list_knows_styles_elements_and_citations():
    found = {p.name: p for p in shipped_potentials()}
    mishin = found["Cu_mishin1.eam.alloy"]
    assert (mishin.pair_style, mishin.elements) == ("eam/alloy", ("Cu",))
    assert "Mishin" in mishin.citation and "224106" in mishin.citation
    assert found["Ni_u3.eam"].elements == ("Ni",)  # from the atomic number in the header
    assert found["CuNi.eam.alloy"].elements == ("Ni", "Cu")
    assert found["Ni.adp"].pair_style == "adp"
    assert found["Cu_Zuo_JPCA2020.snap"].pair_style == "snap"
    assert "W_zhou.eam.alloy" not in found  # no FCC metal of the study


def test_commands_for_each_style():
    assert resolve_potential("Cu_u3.eam").lammps_commands("Cu")[0] == "pair_style eam"
    meam = resolve_potential("Cu.meam").lammps_commands("Cu")
    assert meam[0] == "pair_style meam" and "library.meam" in meam[1]
    snap = resolve_potential("Ni_Zuo_JPCA2020.snap").lammps_commands("Ni")
    assert snap[1].endswith("Ni_Zuo_JPCA2020.snapparam Ni")


def test_a_users_own_file_works_like_a_shipped_one(tmp_path):
    own = tmp_path / "my_cu.eam.alloy"
    shutil.copy(potentials_dir() / "Cu_zhou.eam.alloy", own)
    assert read_potential(own).elements == ("Cu",)
    assert resolve_potential(own).path == own


def test_bad_potentials_give_clear_errors(tmp_path):
    with pytest.raises(InputError, match="no file"):
        resolve_potential("Cu_nonexistent.eam.alloy")
    with pytest.raises(InputError, match="does not match"):
        resolve_potential("Cu_u3.eam", pair_style="eam/fs")
    with pytest.raises(InputError, match="no parameters for Zr"):
        resolve_potential("Cu_mishin1.eam.alloy").lammps_commands("Zr")
    garbage = tmp_path / "junk.eam.alloy"
    garbage.write_text("just\na few\nlines\n")
    with pytest.raises(InputError, match="header"):
        read_potential(garbage)
    unknown = tmp_path / "thing.pot"
    unknown.write_text("x\n")
    with pytest.raises(InputError, match="pair style"):
        read_potential(unknown)

"""The property engine: one contract for every calculator, and OpenKIM values as targets."""

from __future__ import annotations

import numpy as np
import pytest

from scalebridge.atomistic.calculators import emt_factory, lammps_factory
from scalebridge.atomistic.potentials import resolve_potential
from scalebridge.atomistic.properties.bulk import bulk_properties, equilibrium
from scalebridge.atomistic.properties.engine import GROUPS, compute_indicators, groups_for
from scalebridge.strength.indicators import PUBLISHED_PREDICTORS
from scalebridge.strength.openkim import comparison

CALCULATORS = {
    "lammps-eam": lambda: lammps_factory(resolve_potential("Cu_mishin1.eam.alloy"), "Cu"),
    "ase-emt": emt_factory,
}


@pytest.mark.parametrize("name", CALCULATORS)
def test_bulk_contract_for_any_calculator(name):
    """Any ASE calculator: the E(a) minimum agrees with an independent EOS fit, the fcc
    elastic tensor is stable, B = (C11 + 2 C12)/3 matches the EOS bulk modulus."""
    from ase.build import bulk
    from ase.eos import EquationOfState
    from ase.units import GPa

    factory = CALCULATORS[name]()
    result = bulk_properties(factory, "Cu")
    a0 = result.values["lattice_constant_fcc"]
    volumes, energies = [], []
    calc = factory()
    for a in np.linspace(0.98, 1.02, 9) * a0:
        atoms = bulk("Cu", "fcc", a=a)
        atoms.calc = calc
        volumes.append(atoms.get_volume())
        energies.append(atoms.get_potential_energy())
    v0, _, b = EquationOfState(volumes, energies, eos="birchmurnaghan").fit()
    assert (4 * v0) ** (1 / 3) == pytest.approx(a0, rel=2e-4)
    assert result.values["bulk_modulus_fcc"] == pytest.approx(b / GPa, rel=0.02)
    c11, c12, c44 = (result.values[f"{c}_fcc"] for c in ("c11", "c12", "c44"))
    assert c11 > c12 > 0 and c44 > 0
    assert result.values["cohesive_energy_fcc"] > result.values["cohesive_energy_bcc"] > 0
    assert not [f for f in result.flags if f.startswith("fcc")]


def test_final_model_needs_three_groups():
    assert groups_for(list(PUBLISHED_PREDICTORS)) == ["bulk", "surfaces", "migration"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("potential", "element"), [("Cu_mishin1.eam.alloy", "Cu"), ("Ni_u3.eam", "Ni")]
)
def test_all_indicators_agree_with_openkim(potential, element):
    factory = lammps_factory(resolve_potential(potential), element)
    report = compute_indicators(factory, element, GROUPS)
    assert not report.flags
    check = comparison(potential, element, report.values)
    assert len(check) == 11
    assert check["within_target"].all(), check[~check["within_target"]].to_string()
    # physics beyond the targets: fault energies ordered, relaxation lowers energies
    v = report.values
    assert 0 < v["intr_stack_fault_energy_fcc"] < v["unstable_stack_energy_fcc"]
    assert v["unstable_stack_energy_fcc"] < v["unstable_twinning_energy_fcc"]
    assert v["unstable_stack_energy_slip_fraction_fcc"] == pytest.approx(0.5, abs=0.05)
    assert (
        v["relaxed_formation_potential_energy_fcc"] < v["unrelaxed_formation_potential_energy_fcc"]
    )
    for plane in ("100", "110", "111", "121"):
        assert v[f"surface_energy_{plane}_fcc"] <= v[f"ideal_surface_energy_{plane}_fcc"]
    assert v["surface_energy_111_fcc"] < v["surface_energy_100_fcc"]  # close-packed lowest


def test_equilibrium_reports_missing_minimum():
    factory = lammps_factory(resolve_potential("Cu_mishin1.eam.alloy"), "Cu")
    a, _, (a_scan, e_scan), found = equilibrium(factory, "Cu", "fcc")
    assert found and a_scan[0] < a < a_scan[-1]
    assert np.nanargmin(e_scan) not in (0, len(e_scan) - 1)


@pytest.mark.slow
def test_thermal_expansion_by_md_agrees_with_openkim():
    from scalebridge.atomistic.properties.thermal import thermal_expansion

    result = thermal_expansion(resolve_potential("Cu_mishin1.eam.alloy"), "Cu", 3.615)
    # OpenKIM LinearThermalExpansionCoeffCubic for this potential: 1.6228e-5 1/K
    assert result.values["thermal_expansion_coeff_fcc"] == pytest.approx(1.6228e-5, rel=0.1)
    _, lattice = result.curves["thermal"]
    assert np.all(np.diff(lattice) > 0)

"""The indicator properties of the study: names (the dataset's column names) and units.

Surface and fault energies are in eV/Å² in the OpenKIM dataset and in J/m² in the DFT table;
everything inside scalebridge uses the dataset's units.
"""

from __future__ import annotations

EV_PER_A2_PER_J_PER_M2 = 0.06241509
"""1 J/m² expressed in eV/Å²."""

SPECIES = ("Ag", "Al", "Au", "Cu", "Ni", "Pb", "Pd", "Pt", "Rh")
"""The nine FCC metals of the study."""

TARGET = "strength_MPa"

_STRUCTURES = ("bcc", "diamond", "fcc", "sc")


def _table() -> dict[str, str]:
    units: dict[str, str] = {}
    for s in _STRUCTURES:
        units[f"lattice_constant_{s}"] = "Å"
    for s in ("bcc", "fcc", "sc"):
        units[f"bulk_modulus_{s}"] = "GPa"
        for c in ("c44", "c12", "c11"):
            units[f"{c}_{s}"] = "GPa"
    for s in _STRUCTURES:
        units[f"cohesive_energy_{s}"] = "eV"
    units["thermal_expansion_coeff_fcc"] = "1/K"
    for kind in ("", "ideal_"):
        for plane in ("100", "110", "111", "121"):
            units[f"{kind}surface_energy_{plane}_fcc"] = "eV/Å²"
    units["extr_stack_fault_energy_fcc"] = "eV/Å²"
    units["intr_stack_fault_energy_fcc"] = "eV/Å²"
    units["unstable_stack_energy_fcc"] = "eV/Å²"
    units["unstable_stack_energy_slip_fraction_fcc"] = "1"
    units["unstable_twinning_energy_fcc"] = "eV/Å²"
    units["unstable_twinning_energy_slip_fraction_fcc"] = "1"
    units["relaxed_formation_potential_energy_fcc"] = "eV"
    units["unrelaxed_formation_potential_energy_fcc"] = "eV"
    units["vacancy_migration_energy_fcc"] = "eV"
    units["relaxation_volume_fcc"] = "Å³"
    return units


INDICATOR_UNITS: dict[str, str] = _table()
"""The 39 candidate indicators of the published analysis, in dataset order, with units."""

PUBLISHED_PREDICTORS = (
    "vacancy_migration_energy_fcc",
    "surface_energy_111_fcc",
    "lattice_constant_fcc",
)
"""The final model of the study: strength ~ VME + relaxed {111} surface energy + a_fcc."""

OUTLIER_CAPS: tuple[tuple[str, float, str], ...] = (
    ("bulk_modulus", 1e5, "GPa"),
    ("c11", 6e4, "GPa"),
    ("c12", 6e4, "GPa"),
    ("c44", 6e4, "GPa"),
    ("cohesive_energy", 45.0, "eV"),
    ("stack_fault_energy", 0.45, "eV/Å²"),
)
"""Values at or above a cap are physically absurd OpenKIM results and set to missing.
Each entry: (substring of the column name, cap, unit)."""

SHORT_NAMES = {
    "vacancy_migration_energy_fcc": "VME",
    "surface_energy_111_fcc": "γs{111}",
    "lattice_constant_fcc": "a fcc",
    "c44_fcc": "C44 fcc",
    "lattice_constant_bcc": "a bcc",
    "relaxed_formation_potential_energy_fcc": "Evf relaxed",
    "unrelaxed_formation_potential_energy_fcc": "Evf unrelaxed",
    "intr_stack_fault_energy_fcc": "ISF",
    "extr_stack_fault_energy_fcc": "ESF",
    "unstable_stack_energy_fcc": "USF",
    "unstable_twinning_energy_fcc": "UTF",
}


def short_name(column: str) -> str:
    """A compact label for figures (the dataset name when no short form is defined)."""
    return SHORT_NAMES.get(column, column.replace("_", " "))

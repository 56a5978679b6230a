"""The property engine: every indicator of the strength dataset for one potential and element.

    report = compute_indicators(lammps_factory(potential, "Cu"), "Cu")
    report.values["vacancy_migration_energy_fcc"]     # eV

Groups run in order (later ones need the fcc lattice constant and bulk energy); each is
timed, and each result is checked (unstable fcc, negative stacking-fault energy, vacancy
energy outside 0–5 eV, relaxations that hit their iteration cap) — problems are listed in
``flags``, never silently passed on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scalebridge.atomistic.calculators import CalculatorFactory
from scalebridge.atomistic.potentials import Potential
from scalebridge.atomistic.properties.common import GroupResult
from scalebridge.errors import InputError

GROUPS = ("bulk", "surfaces", "stacking", "vacancy", "migration")
SLOW_GROUPS = ("thermal",)  # MD; only when asked for

# which group produces which dataset column
GROUP_OF: dict[str, str] = {}
for _s in ("fcc", "bcc", "sc", "diamond"):
    GROUP_OF[f"lattice_constant_{_s}"] = GROUP_OF[f"cohesive_energy_{_s}"] = "bulk"
for _s in ("fcc", "bcc", "sc"):
    for _c in ("c11", "c12", "c44", "bulk_modulus"):
        GROUP_OF[f"{_c}_{_s}"] = "bulk"
for _p in ("100", "110", "111", "121"):
    GROUP_OF[f"surface_energy_{_p}_fcc"] = GROUP_OF[f"ideal_surface_energy_{_p}_fcc"] = "surfaces"
for _c in (
    "intr_stack_fault_energy_fcc",
    "extr_stack_fault_energy_fcc",
    "unstable_stack_energy_fcc",
    "unstable_stack_energy_slip_fraction_fcc",
    "unstable_twinning_energy_fcc",
    "unstable_twinning_energy_slip_fraction_fcc",
):
    GROUP_OF[_c] = "stacking"
for _c in (
    "relaxed_formation_potential_energy_fcc",
    "unrelaxed_formation_potential_energy_fcc",
    "relaxation_volume_fcc",
):
    GROUP_OF[_c] = "vacancy"
GROUP_OF["vacancy_migration_energy_fcc"] = "migration"
GROUP_OF["thermal_expansion_coeff_fcc"] = "thermal"


@dataclass
class IndicatorReport:
    """Indicator values (dataset names and units), seconds per group, flags, curves."""

    element: str
    values: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    curves: dict[str, Any] = field(default_factory=dict)


def groups_for(columns: Sequence[str]) -> list[str]:
    """The groups needed to compute ``columns`` (in engine order)."""
    unknown = [c for c in columns if c not in GROUP_OF]
    if unknown:
        raise InputError(
            f"no calculation defined for {', '.join(unknown)}",
            source="indicators",
            expected="columns among " + ", ".join(GROUP_OF),
        )
    needed = {GROUP_OF[c] for c in columns}
    return [g for g in (*GROUPS, *SLOW_GROUPS) if g in needed]


def compute_indicators(
    factory: CalculatorFactory,
    element: str,
    groups: Sequence[str] = GROUPS,
    *,
    potential: Potential | None = None,
    on_group: Callable[[str, float], None] | None = None,
) -> IndicatorReport:
    """Compute the indicator groups for ``element`` with calculators from ``factory``.

    The slow ``thermal`` group (NPT molecular dynamics) runs LAMMPS directly and needs the
    ``potential`` the factory was made from.
    """
    from scalebridge.atomistic.properties.bulk import bulk_properties, equilibrium
    from scalebridge.atomistic.properties.stacking import stacking_faults
    from scalebridge.atomistic.properties.surfaces import PLANES, surface_energies
    from scalebridge.atomistic.properties.vacancy import vacancy_formation, vacancy_migration

    bad = [g for g in groups if g not in (*GROUPS, *SLOW_GROUPS)]
    if bad:
        raise InputError(
            f"unknown group(s) {', '.join(bad)}", expected=", ".join((*GROUPS, *SLOW_GROUPS))
        )
    report = IndicatorReport(element)
    start = time.perf_counter()
    if "bulk" in groups:
        bulk = bulk_properties(factory, element)
        _merge(report, bulk)
        a = bulk.values["lattice_constant_fcc"]
        e_bulk = bulk.curves["energy_per_atom_fcc"]
    else:
        a, e_bulk, scan, _ = equilibrium(factory, element, "fcc")
        report.values["lattice_constant_fcc"] = a
        report.curves["energy_fcc"] = scan
    _done(report, "bulk", start, on_group)
    steps: dict[str, Callable[[], GroupResult]] = {
        "surfaces": lambda: surface_energies(factory, element, a, e_bulk, tuple(PLANES)),
        "stacking": lambda: stacking_faults(factory, element, a),
        "vacancy": lambda: vacancy_formation(factory, element, a, e_bulk),
        "migration": lambda: vacancy_migration(factory, element, a),
    }
    for name in GROUPS[1:]:
        if name in groups:
            start = time.perf_counter()
            _merge(report, steps[name]())
            _done(report, name, start, on_group)
    if "thermal" in groups:
        if potential is None:
            report.flags.append("thermal expansion needs a LAMMPS potential: not computed")
        else:
            from scalebridge.atomistic.properties.thermal import thermal_expansion

            start = time.perf_counter()
            _merge(report, thermal_expansion(potential, element, a))
            _done(report, "thermal", start, on_group)
    return report


def _merge(report: IndicatorReport, result: GroupResult) -> None:
    report.values.update(result.values)
    report.flags.extend(result.flags)
    report.curves.update(result.curves)


def _done(
    report: IndicatorReport, name: str, start: float, on_group: Callable[[str, float], None] | None
) -> None:
    report.seconds[name] = time.perf_counter() - start
    if on_group is not None:
        on_group(name, report.seconds[name])

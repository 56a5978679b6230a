"""Coarse-graining of a sheared glass onto the grid of the STZ model (the ``cuzr_shear_md`` format).

Per frame, each atom goes to the grid cell of its position in reduced coordinates of the
current sheared cell (the frame in which the STZ solver's fields live: x = xi + gamma eta,
y = eta, so the sheared domain is a fixed periodic square), rows y, columns x. A cell's value
is the mean over its atoms of

- ``Exy.MD.k``: 2 E_xy of the atomic Green–Lagrange strain relative to frame 0
  (:mod:`~scalebridge.calibration.shear_dumps`); for an affine shear it is gamma everywhere,
  so the field mean follows the applied gamma;
- ``pe.MD.k``: the per-atom potential energy (eV). With ``species_correction`` each atom's
  energy is taken relative to the frame-0 mean of its species, plus the frame-0 mean of all
  atoms: the species' energies differ by ~2 eV in CuZr, so a cell's energy would otherwise
  measure its composition more than its structure. Then ``energy_offset_ev`` is added (see
  :func:`energy_offset`).

Cells without atoms take the mean of their filled neighbours (repeated until none is left),
and are counted. An optional periodic Gaussian smoothing of width ``smooth_cells`` (grid
cells) follows; it keeps the field mean. Headers as in the shipped files: ``N N min range``
for strain, ``N N 0 1`` for energy.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.calibration.shear_dumps import AtomFrame
from scalebridge.continuum.md_data import N_FRAMES, STRESS_GAMMA_STEP
from scalebridge.errors import InputError

#: Frame-0 field mean of the shipped pe.MD.0 (eV): the energy scale the published u0 bounds
#: (-3.395 to -3.360 eV) were set for.
SHIPPED_PE0_MEAN_EV = -3.3595948767382815
STRESS_ROWS = 501


@dataclass(frozen=True)
class CoarseGrainSettings:
    """How dumps become grid fields. Units in the names.

    Attributes
    ----------
    grid:
        Cells along x and along y (the STZ solver and ``load_md_data`` use 32).
    cutoff_angstrom:
        Neighbour cutoff of the atomic strain (3.8 Å: the first minimum of g(r) of CuZr).
    smooth_cells:
        Width (standard deviation, grid cells) of a periodic Gaussian smoothing; 0: none.
    species_correction:
        Take each atom's energy relative to its species' frame-0 mean (see module docstring).
    energy_offset:
        "shipped": shift the energies so that the frame-0 field mean equals that of the
        shipped CuZr data (-3.3596 eV); or a number of eV to add ("0": raw energies).
    pe_column:
        Dump column of the per-atom potential energy.
    """

    grid: int = 32
    cutoff_angstrom: float = 3.8
    smooth_cells: float = 0.0
    species_correction: bool = True
    energy_offset: str = "shipped"
    pe_column: str = "c_pe"

    def __post_init__(self) -> None:
        checks = [
            ("grid", 2 <= self.grid <= 1024, "2 to 1024 cells"),
            ("cutoff_angstrom", 2.0 <= self.cutoff_angstrom <= 10.0, "2 to 10 Å"),
            ("smooth_cells", 0 <= self.smooth_cells <= self.grid, f"0 to {self.grid} cells"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise InputError(f"{getattr(self, name)!r}", source=name, expected=expected)
        if self.energy_offset != "shipped":
            try:
                ok = math.isfinite(float(self.energy_offset))
            except ValueError:
                ok = False
            if not ok:
                raise InputError(
                    f"{self.energy_offset!r}",
                    source="energy_offset",
                    expected="'shipped' or a number of eV",
                )


def bin_mean(
    reduced_xy: np.ndarray, values: np.ndarray, grid: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``values`` (n,) per cell of a ``grid`` x ``grid`` grid over reduced (x, y) (n, 2)
    in [0, 1): (means (grid, grid), counts (grid, grid)), rows y; NaN values are left out and
    cells without a value hold NaN."""
    ok = np.isfinite(values)
    cells = np.minimum((np.asarray(reduced_xy)[ok] * grid).astype(np.int64), grid - 1)
    flat = cells[:, 1] * grid + cells[:, 0]
    counts = np.bincount(flat, minlength=grid * grid).astype(float)
    sums = np.bincount(flat, weights=np.asarray(values)[ok], minlength=grid * grid)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    return means.reshape(grid, grid), counts.reshape(grid, grid)


def fill_empty(field: np.ndarray) -> tuple[np.ndarray, int]:
    """Fill NaN cells of a periodic (ny, nx) field with the mean of their filled 8 neighbours,
    repeatedly (a wave from the filled cells); returns (filled copy, cells filled)."""
    field = np.array(field, dtype=float)
    empty = int(np.isnan(field).sum())
    if empty == field.size:
        raise InputError("no grid cell holds an atom", source="coarse-graining")
    while np.isnan(field).any():
        known = np.isfinite(field)
        values = np.where(known, field, 0.0)
        total = np.zeros_like(field)
        count = np.zeros_like(field)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dx or dy:
                    total += np.roll(values, (dy, dx), axis=(0, 1))
                    count += np.roll(known, (dy, dx), axis=(0, 1))
        fill = ~known & (count > 0)
        field[fill] = total[fill] / count[fill]
    return field, empty


def smooth_periodic(field: np.ndarray, sigma_cells: float) -> np.ndarray:
    """Periodic Gaussian smoothing (standard deviation ``sigma_cells``) of a (ny, nx) field;
    the kernel sums to one, so the field mean is kept."""
    if sigma_cells <= 0:
        return np.array(field, dtype=float)
    ny, nx = field.shape
    ky = np.fft.fftfreq(ny)[:, None]
    kx = np.fft.fftfreq(nx)[None, :]
    kernel = np.exp(-2.0 * (np.pi * sigma_cells) ** 2 * (kx**2 + ky**2))
    return np.real(np.fft.ifft2(np.fft.fft2(field) * kernel))


def species_reference(frame0: AtomFrame) -> dict[int, float]:
    """Frame-0 mean energy (eV) of each atom type."""
    return {
        int(t): float(frame0.energy_ev[frame0.types == t].mean()) for t in np.unique(frame0.types)
    }


def corrected_energy(
    frame: AtomFrame, reference: dict[int, float] | None, overall_ev: float
) -> np.ndarray:
    """(n,) per-atom energy (eV): raw when ``reference`` is None, else relative to the mean of
    the atom's species plus ``overall_ev``."""
    if reference is None:
        return frame.energy_ev
    shift = np.full(len(frame.types), overall_ev)
    for atom_type, mean in reference.items():
        shift[frame.types == atom_type] -= mean
    return frame.energy_ev + shift


def energy_offset(settings: CoarseGrainSettings, pe0_field_mean_ev: float) -> float:
    """eV added to every energy: a number, or the shift to the shipped frame-0 mean."""
    if settings.energy_offset == "shipped":
        return SHIPPED_PE0_MEAN_EV - pe0_field_mean_ev
    return float(settings.energy_offset)


@dataclass(frozen=True)
class FrameFields:
    """Grid fields of one frame, (grid, grid) each, rows y: 2 E_xy and energy (eV, before the
    offset); ``empty_cells``: cells that held no atom (filled from neighbours)."""

    gamma: float
    two_exy: np.ndarray
    energy_ev: np.ndarray
    empty_cells: int


def grid_fields(
    frame: AtomFrame, energy_ev: np.ndarray, settings: CoarseGrainSettings
) -> FrameFields:
    """Strain and energy of one frame on the grid (binned, filled, smoothed)."""
    strain, _ = bin_mean(frame.reduced_xy, frame.two_exy, settings.grid)
    energy, _ = bin_mean(frame.reduced_xy, energy_ev, settings.grid)
    strain, empty_strain = fill_empty(strain)
    energy, empty_energy = fill_empty(energy)
    return FrameFields(
        gamma=frame.gamma,
        two_exy=smooth_periodic(strain, settings.smooth_cells),
        energy_ev=smooth_periodic(energy, settings.smooth_cells),
        empty_cells=max(empty_strain, empty_energy),
    )


def write_field(path: Path, field: np.ndarray, header: tuple[float, float]) -> None:
    """One field file: ``nx ny a b``, then rows y of values x (8 decimals, as shipped)."""
    ny, nx = field.shape
    lines = [f"{nx} {ny} {header[0]:.5g} {header[1]:.5g}"]
    lines += [" ".join(f"{v:.8f}" for v in row) for row in field]
    path.write_text("\n".join(lines) + "\n")


def read_stress_log(path: str | Path) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """A stress log (CSV with a header naming ``gamma`` and ``tau_gpa``; optional
    ``temperature_k``, ``pe_ev``, ``volume_a3``): (gamma (m,), tau_gpa (m,), other columns)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=path, expected="a stress log (stress.csv)")
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=path) from None
    missing = [c for c in ("gamma", "tau_gpa") if c not in table.columns]
    if missing:
        raise InputError(
            f"no column(s) {', '.join(missing)} among {', '.join(map(str, table.columns))}",
            source=path,
            field="header",
            expected="CSV columns gamma, tau_gpa (shear stress in GPa)",
        )
    numeric = table.apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(numeric[["gamma", "tau_gpa"]].to_numpy()).all(axis=1)
    if bad.any():
        raise InputError(
            "non-numeric or non-finite gamma or tau_gpa",
            source=path,
            field=f"line {int(np.argmax(bad)) + 2}",
            expected="finite numbers",
        )
    gamma = numeric["gamma"].to_numpy(float)
    if np.any(np.diff(gamma) <= 0) or gamma[0] > STRESS_GAMMA_STEP or gamma[-1] < 0.499:
        raise InputError(
            f"gamma runs from {gamma[0]:.4g} to {gamma[-1]:.4g}",
            source=path,
            field="gamma",
            expected="increasing values from at most 0.001 to at least 0.499",
        )
    extra = {c: numeric[c].to_numpy(float) for c in ("temperature_k", "pe_ev", "volume_a3")}
    return gamma, numeric["tau_gpa"].to_numpy(float), extra


def write_stress_file(path: Path, stress_log: str | Path) -> dict[str, float]:
    """``stress_rand2_matlab.txt``: 501 tab-separated rows at gamma = 0.001 i, resampled
    (linear) from the log. Columns: gamma, temperature (K), pe (eV), pxy (bar), volume (Å^3),
    pe (eV), pxy (bar) — the shipped layout as far as it can be told (the shipped file starts
    with the timestep); the reader uses only column 6, tau = -pxy / 1e4 GPa."""
    gamma, tau, extra = read_stress_log(stress_log)
    grid = STRESS_GAMMA_STEP * np.arange(STRESS_ROWS)
    tau_grid = np.interp(grid, gamma, tau)
    pxy = -tau_grid * 1.0e4

    def column(name: str) -> np.ndarray:
        values = extra.get(name)
        if values is None or not np.isfinite(values).all():
            return np.zeros_like(grid)
        return np.interp(grid, gamma, values)

    energy = column("pe_ev")
    table = np.column_stack(
        [grid, column("temperature_k"), energy, pxy, column("volume_a3"), energy, pxy]
    )
    np.savetxt(path, table, delimiter="\t", fmt="%.6g")
    return {"rows": float(len(grid)), "tau_max_gpa": float(tau_grid.max())}


def coarse_grain_frames(
    frames: Iterable[AtomFrame], settings: CoarseGrainSettings
) -> tuple[list[FrameFields], dict[str, Any]]:
    """Grid fields of every frame (energies with the offset applied) and their metrics."""
    fields: list[FrameFields] = []
    reference: dict[int, float] | None = None
    overall = math.nan
    for frame in frames:
        if not fields:
            overall = float(frame.energy_ev.mean())
            reference = species_reference(frame) if settings.species_correction else None
        fields.append(grid_fields(frame, corrected_energy(frame, reference, overall), settings))
    if not fields:
        raise InputError("no frames", source="coarse-graining", expected=f"{N_FRAMES} frames")
    offset = energy_offset(settings, float(fields[0].energy_ev.mean()))
    fields = [dataclasses.replace(f, energy_ev=f.energy_ev + offset) for f in fields]
    gamma = np.array([f.gamma for f in fields])
    means = np.array([f.two_exy.mean() for f in fields])
    empty = [f.empty_cells for f in fields]
    metrics = {
        "energy_offset_ev": offset,
        "pe0_raw_mean_ev_per_atom": overall,
        "species_reference_ev": reference,
        "strain_field_mean_minus_gamma_max_abs": float(np.abs(means - gamma).max()),
        "empty_cells_per_frame_max": max(empty),
        "empty_cells_total": int(sum(empty)),
    }
    return fields, metrics


def write_fields(fields: Sequence[FrameFields], folder: Path) -> None:
    """``Exy.MD.k`` and ``pe.MD.k`` for every frame k, headers as in the shipped files."""
    for k, f in enumerate(fields):
        strain = f.two_exy
        write_field(folder / f"Exy.MD.{k}", strain, (strain.min(), strain.max() - strain.min()))
        write_field(folder / f"pe.MD.{k}", f.energy_ev, (0.0, 1.0))

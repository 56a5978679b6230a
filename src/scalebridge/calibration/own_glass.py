"""Run folders of ``make-glass`` (LAMMPS) and ``coarse-grain`` (dumps → ``cuzr_shear_md`` format).

``make-glass`` folder: ``dumps/`` (101 dumps), ``stress.csv``, ``lammps.log``, ``stress.png``,
``metrics.json`` (atoms, box, rates, shear modulus from the first 2 % of strain, peak and
final stress, energy per atom, timings), ``config.json``, ``report.html``.

``coarse-grain`` folder: ``pe.MD.k``, ``Exy.MD.k`` (k = 0 ... 100), ``stress_rand2_matlab.txt``
— readable by :func:`scalebridge.continuum.md_data.load_md_data` and so by ``stz run`` and
``calibrate`` with ``--md-data`` — plus ``fields.png``, ``metrics.json`` (cell size and grid
spacing in Å, empty cells, energy offset, ...), ``config.json`` and ``report.html``.

The STZ solver takes the grid spacing to be 12.5 Å (``md_data.CELL_ANGSTROM``, the published
400 Å cell) whatever the data; the coarse-grained cell size is recorded in ``metrics.json``
(``grid_spacing_angstrom``) but not read by the solver. Lengths of the model (the chi
diffusion length) therefore act in units of grid cells: l_chi / 12.5 Å cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.atomistic.glass import GlassSettings
from scalebridge.calibration.coarse_grain import CoarseGrainSettings, FrameFields
from scalebridge.continuum.md_data import CELL_ANGSTROM

MODULUS_FIT_GAMMA = 0.02


def stress_summary(stress_csv: Path) -> dict[str, float]:
    """Shear modulus (GPa; least squares over 0 <= gamma <= 0.02), peak stress and where,
    final stress (mean over the last 0.01 of strain)."""
    data = np.genfromtxt(stress_csv, delimiter=",", names=True)
    gamma, tau = data["gamma"], data["tau_gpa"]
    early = gamma <= MODULUS_FIT_GAMMA
    slope = float(np.polyfit(gamma[early], tau[early], 1)[0])
    peak = int(np.argmax(tau))
    return {
        "shear_modulus_gpa": slope,
        "peak_tau_gpa": float(tau[peak]),
        "peak_gamma": float(gamma[peak]),
        "final_tau_gpa": float(tau[gamma >= gamma[-1] - 0.01].mean()),
        "mean_temperature_k": float(data["temperature_k"][1:].mean()),
    }


def stress_figure(stress_csv: Path, modulus_gpa: float) -> Any:
    from scalebridge.runs.figures import pyplot

    data = np.genfromtxt(stress_csv, delimiter=",", names=True)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(data["gamma"], data["tau_gpa"], color="C0", lw=1, label="MD (windows of 0.001)")
    line = np.linspace(0, 0.06, 10)
    ax.plot(line, modulus_gpa * line, "k--", lw=1, label=f"G = {modulus_gpa:.1f} GPa")
    ax.set_xlabel("shear strain γ")
    ax.set_ylabel("shear stress τ (GPa)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def make_glass_run(
    settings: GlassSettings, out: Path, *, overwrite: bool = False, progress: bool = True
) -> dict[str, Any]:
    """Make and shear a glass into the run folder ``out``; returns its metrics."""
    from rich.progress import Progress

    from scalebridge.atomistic.glass import run_glass
    from scalebridge.runs.folder import RunFolder
    from scalebridge.runs.report import Report
    from scalebridge.runs.settings import settings_to_dict

    with RunFolder(
        out, command="make-glass", settings=settings_to_dict(settings), overwrite=overwrite
    ) as folder:
        with Progress(disable=not progress) as bar:
            task = bar.add_task("glass MD", total=1.0)

            def show(phase: str, done: int, total: int) -> None:
                bar.update(task, completed=done / total, description=f"glass MD: {phase}")

            metrics = run_glass(
                settings, folder.path, checkpoints=folder.checkpoint_dir, on_progress=show
            )
        metrics |= stress_summary(folder.path / "stress.csv")
        table = np.genfromtxt(folder.path / "stress.csv", delimiter=",", names=True)
        metrics["pe_ev_per_atom"] = float(table["pe_ev"][0] / metrics["n_atoms"])
        folder.write_json("metrics.json", metrics)
        png = folder.save_figure(
            "stress.png", stress_figure(folder.path / "stress.csv", metrics["shear_modulus_gpa"])
        )
        page = Report("scalebridge · a small CuZr glass in simple shear")
        page.paragraph(
            f"{metrics['n_atoms']} atoms of Cu50Zr50 (Mendelev CuZr_mm.eam.fs), box "
            f"{' × '.join(f'{v:.1f}' for v in metrics['box_angstrom'])} Å at the end; quenched "
            f"at {metrics['quench_rate_k_per_s']:.2g} K/s, sheared at "
            f"{metrics['shear_rate_per_s']:.3g} /s and {settings.temperature_k:g} K to γ = 0.5. "
            f"G = {metrics['shear_modulus_gpa']:.1f} GPa (γ ≤ {MODULUS_FIT_GAMMA}), peak "
            f"{metrics['peak_tau_gpa']:.2f} GPa at γ = {metrics['peak_gamma']:.3f}, final "
            f"{metrics['final_tau_gpa']:.2f} GPa; {metrics['pe_ev_per_atom']:.3f} eV/atom; "
            f"MD {metrics['md_seconds']:.0f} s"
            + (
                f", continued from its checkpoint at step {metrics['resumed_from_step']} of "
                f"{sum(metrics['steps'].values())} after an interruption (the time includes "
                "the earlier attempts' finished chunks)."
                if metrics["resumed_from_step"]
                else "."
            )
        )
        page.figure(png, caption="shear stress against strain")
        page.write(folder.path / "report.html")
    return metrics


def fields_figure(fields: Sequence[FrameFields], cell_angstrom: tuple[float, float]) -> Any:
    """Strain fields at four strains (top) and energy at gamma = 0 and 0.5 (bottom)."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    extent = (0.0, cell_angstrom[0], 0.0, cell_angstrom[1])
    fig, axes = plt.subplots(2, 4, figsize=(12, 6), constrained_layout=True)
    for ax, k in zip(axes[0], (10, 20, 50, 100), strict=True):
        f = fields[k]
        im = ax.imshow(f.two_exy, origin="lower", extent=extent, cmap="viridis")
        ax.set_title(f"2E_xy, γ = {f.gamma:.3f}")
        fig.colorbar(im, ax=ax, shrink=0.8)
    for ax, k in zip(axes[1][:2], (0, 100), strict=True):
        im = ax.imshow(fields[k].energy_ev, origin="lower", extent=extent, cmap="magma")
        ax.set_title(f"pe (eV), γ = {fields[k].gamma:.3f}")
        fig.colorbar(im, ax=ax, shrink=0.8)
    gamma = np.array([f.gamma for f in fields])
    axes[1][2].plot(gamma, [f.two_exy.mean() for f in fields] - gamma, color="C0")
    axes[1][2].set_title("field mean of 2E_xy − γ")
    axes[1][2].set_xlabel("γ")
    axes[1][3].plot(gamma, [f.two_exy.std() for f in fields], color="C1")
    axes[1][3].set_title("std of 2E_xy across cells")
    axes[1][3].set_xlabel("γ")
    for ax in (*axes[0], *axes[1][:2]):
        ax.set_xlabel("x (Å, reduced × L_x)")
        ax.set_ylabel("y (Å)")
        ax.grid(False)
    return fig


def coarse_grain_run(
    dumps: Sequence[str | Path],
    stress_log: str | Path,
    settings: CoarseGrainSettings,
    out: Path,
    *,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Coarse-grain ``dumps`` and ``stress_log`` into the run folder ``out``; returns metrics."""
    import time

    from rich.progress import Progress

    from scalebridge.calibration.coarse_grain import (
        coarse_grain_frames,
        read_stress_log,
        write_fields,
        write_stress_file,
    )
    from scalebridge.calibration.shear_dumps import atom_frames, check_dumps
    from scalebridge.continuum.md_data import read_grid_field, read_stress_curve
    from scalebridge.runs.folder import RunFolder
    from scalebridge.runs.report import Report
    from scalebridge.runs.settings import settings_to_dict

    start = time.perf_counter()
    headers = check_dumps(dumps, settings.pe_column)  # bad input stops before any output
    read_stress_log(stress_log)
    config = settings_to_dict(settings) | {
        "dumps": [str(h.path.resolve()) for h in headers],
        "stress_log": str(Path(stress_log).resolve()),
    }
    with RunFolder(out, command="coarse-grain", settings=config, overwrite=overwrite) as folder:
        stress = write_stress_file(folder.file("stress_rand2_matlab.txt"), stress_log)
        frames = atom_frames(
            headers, cutoff_angstrom=settings.cutoff_angstrom, pe_column=settings.pe_column
        )
        with Progress(disable=not progress) as bar:
            task = bar.add_task("coarse-graining frames", total=len(headers))

            def counted() -> Any:
                for frame in frames:
                    yield frame
                    bar.advance(task)

            fields, metrics = coarse_grain_frames(counted(), settings)
        write_fields(fields, folder.path)
        # Read back what was written, as the STZ workflows will.
        for name in ("Exy.MD.0", "pe.MD.0", "Exy.MD.100", "pe.MD.100"):
            read_grid_field(folder.path / name, shape=(settings.grid, settings.grid))
        read_stress_curve(folder.path / "stress_rand2_matlab.txt")
        lx, ly, lz = headers[0].lengths
        spacing = (lx / settings.grid, ly / settings.grid)
        metrics |= {
            "n_atoms": headers[0].n_atoms,
            "cell_angstrom": [lx, ly, lz],
            "grid": settings.grid,
            "grid_spacing_angstrom": list(spacing),
            "solver_grid_spacing_angstrom": CELL_ANGSTROM,
            "atoms_per_cell": headers[0].n_atoms / settings.grid**2,
            "stress_peak_gpa": stress["tau_max_gpa"],
            "seconds": time.perf_counter() - start,
        }
        folder.write_json("metrics.json", metrics)
        png = folder.save_figure("fields.png", fields_figure(fields, (lx, ly)))
        page = Report("scalebridge · coarse-grained shear MD")
        page.paragraph(
            f"{metrics['n_atoms']} atoms in a {lx:.1f} × {ly:.1f} × {lz:.1f} Å cell on a "
            f"{settings.grid} × {settings.grid} grid ({spacing[0]:.2f} Å per cell, "
            f"{metrics['atoms_per_cell']:.1f} atoms per cell; the STZ solver assumes "
            f"{CELL_ANGSTROM} Å). Empty cells filled from neighbours: at most "
            f"{metrics['empty_cells_per_frame_max']} per frame. Largest |field mean of 2E_xy "
            f"− γ| = {metrics['strain_field_mean_minus_gamma_max_abs']:.2g}. Energies shifted "
            f"by {metrics['energy_offset_ev']:+.4f} eV."
        )
        page.figure(png, caption="coarse-grained strain and energy")
        page.write(folder.path / "report.html")
    return metrics

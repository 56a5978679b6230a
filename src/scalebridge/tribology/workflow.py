"""``scalebridge md tribology``: one sliding run written as a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.tribology.sliding import SlidingSettings, run_sliding


def log_figure(log_csv: Path) -> Any:
    """Friction force, normal force and temperature against time."""
    from scalebridge.runs.figures import pyplot

    data = np.genfromtxt(log_csv, delimiter=",", names=True)
    plt = pyplot()
    fig, axes = plt.subplots(3, 1, figsize=(7, 6), sharex=True)
    axes[0].plot(data["time_ps"], -data["friction_force_ev_per_a"], color="C3")
    axes[0].set_ylabel("friction (eV/Å)")
    axes[1].plot(data["time_ps"], data["normal_force_ev_per_a"], color="C0")
    axes[1].set_ylabel("normal force (eV/Å)")
    axes[2].plot(data["time_ps"], data["temperature_k"], color="C2")
    axes[2].set_ylabel("substrate T (K)")
    axes[2].set_xlabel("sliding time (ps)")
    fig.tight_layout()
    return fig


def friction_text(metrics: dict[str, Any]) -> str:
    """``μ = 0.42``, or why there is none."""
    mu = metrics["friction_coefficient"]
    return "μ undefined: mean normal force ≤ 0" if mu is None else f"μ = {mu:.2f}"


def run_tribology(
    settings: SlidingSettings,
    folder: Path,
    progress: bool = True,
    checkpoints: Path | None = None,
) -> dict[str, Any]:
    """Run the MD into ``folder`` and write log.csv, log.png, metrics.json and a report.

    With ``checkpoints``, a restart file is kept there as the run goes, and a run
    interrupted before continues from its last one."""
    from rich.progress import Progress

    from scalebridge.runs.figures import save_png
    from scalebridge.runs.folder import write_json_atomic
    from scalebridge.runs.report import Report

    with Progress(disable=not progress) as bar:
        task = bar.add_task("sliding MD", total=settings.duration_ps)
        metrics: dict[str, Any] = run_sliding(
            settings,
            folder,
            checkpoints=checkpoints,
            on_progress=lambda done, total: bar.update(task, completed=done),
        )
    data = np.genfromtxt(folder / "log.csv", delimiter=",", names=True)
    late = data["time_ps"] >= data["time_ps"].max() / 2
    friction = float(-np.mean(data["friction_force_ev_per_a"][late]))
    normal = float(np.mean(data["normal_force_ev_per_a"][late]))
    metrics |= {
        "mean_friction_force_ev_per_a": friction,
        "mean_normal_force_ev_per_a": normal,
        # undefined (null) while the counterbody is not yet pressed on: short runs
        "friction_coefficient": friction / normal if normal > 0 else None,
        "mean_temperature_k": float(np.mean(data["temperature_k"][late])),
        "dumps": len(list((folder / "dumps").glob("*.dump"))),
    }
    metrics = {k: float(v) if isinstance(v, np.floating) else v for k, v in metrics.items()}
    write_json_atomic(folder / "metrics.json", metrics)
    save_png(log_figure(folder / "log.csv"), folder / "log.png")
    resumed = metrics["resumed_from_ps"]
    continued = f" (continued from its restart file at {resumed:g} ps)" if resumed > 0 else ""
    page = Report("scalebridge · sliding MD of CuNi")
    page.paragraph(
        f"Ni fraction {settings.ni_fraction}, {settings.pressure_gpa} GPa, "
        f"{settings.temperature_k} K, {settings.velocity_m_s} m/s for {settings.duration_ps} ps; "
        f"{metrics['n_atoms']:.0f} atoms, {metrics['atom_steps_per_second']:.3g} atom-steps/s"
        f"{continued}. Second half: friction {friction:.2f} eV/Å, normal {normal:.2f} eV/Å "
        f"({friction_text(metrics)}), T = {metrics['mean_temperature_k']:.0f} K."
    )
    page.figure(folder / "log.png", caption="friction, normal force, temperature")
    page.write(folder / "report.html")
    return metrics

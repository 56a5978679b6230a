"""Indicator properties of interatomic potentials, for one potential or all shipped ones.

One potential: ``properties.csv`` (one row, the dataset's column names and units),
``timings.csv``, ``flags`` in metrics.json, the energy–volume and GSF figure, and the
comparison with the OpenKIM values of the same potential when the dataset has it.
All shipped potentials: the same per (potential, element) pair, fanned out over the executor
and checkpointed pair by pair, plus one comparison table.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scalebridge.runs.report import Report
from scalebridge.strength.openkim import comparison

if TYPE_CHECKING:
    from scalebridge.atomistic.properties.engine import IndicatorReport
    from scalebridge.compute.executor import Executor


def compute_for_potential(
    potential_name: str,
    element: str,
    pair_style: str | None = None,
    groups: tuple[str, ...] | None = None,
) -> IndicatorReport:
    """All (or some) indicator groups for a potential file and element (LAMMPS via ASE)."""
    from scalebridge.atomistic.calculators import lammps_factory
    from scalebridge.atomistic.potentials import resolve_potential
    from scalebridge.atomistic.properties.engine import GROUPS, compute_indicators

    potential = resolve_potential(potential_name, pair_style)
    factory = lammps_factory(potential, element)  # a clear error if the file lacks element
    return compute_indicators(factory, element, groups or GROUPS, potential=potential)


def report_row(name: str, report: IndicatorReport) -> dict[str, Any]:
    return {"potential": name, "element": report.element, **report.values}


def properties_figure(report: IndicatorReport) -> Any:
    """Energy per atom against volume for the four cubic structures, and the GSF curve."""
    from scalebridge.runs.figures import pyplot
    from scalebridge.strength.indicators import EV_PER_A2_PER_J_PER_M2

    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    atoms_per_cell = {"fcc": 4, "bcc": 2, "sc": 1, "diamond": 8}
    for structure, n in atoms_per_cell.items():
        scan = report.curves.get(f"energy_{structure}")
        if scan is None:
            continue
        a, e = scan
        ok = np.isfinite(e) & (e < 0)
        left.plot(a[ok] ** 3 / n, e[ok], "-", label=structure)
    left.set_xlabel("volume per atom (Å³)")
    left.set_ylabel("energy per atom (eV)")
    left.set_xlim(5, 40)
    left.legend()
    left.set_title(f"{report.element}: energy–volume curves")
    gsf = report.curves.get("gsf")
    if gsf is not None:
        x, y = gsf
        right.plot(x, 1000 * np.asarray(y), "o-", ms=3)
        right.set_xlabel("slip (units of b_p = a/√6): first plane, then the next")
        right.set_ylabel("γ (meV/Å²)")
        right.axvline(1, color="0.6", lw=0.8)
        sec = right.secondary_yaxis(
            "right",
            functions=(
                lambda v: v / 1000 / EV_PER_A2_PER_J_PER_M2 * 1000,
                lambda v: v * EV_PER_A2_PER_J_PER_M2,
            ),
        )
        sec.set_ylabel("γ (mJ/m²)")
        right.set_title("generalised stacking-fault energy <112>{111}")
    fig.tight_layout()
    return fig


def write_single(
    name: str, report: IndicatorReport, folder: Path, *, shipped: bool = True
) -> dict[str, Any]:
    """Files of a one-potential run; returns its metrics. The OpenKIM comparison is made only
    for the shipped files (a user's edited copy of the same name is another potential)."""
    from scalebridge.runs.figures import save_png
    from scalebridge.runs.folder import write_json_atomic

    pd.DataFrame([report_row(name, report)]).to_csv(folder / "properties.csv", index=False)
    timings = pd.DataFrame(
        {"group": list(report.seconds), "seconds": list(report.seconds.values())}
    )
    timings.to_csv(folder / "timings.csv", index=False)
    check = comparison(name, report.element, report.values) if shipped else pd.DataFrame()
    if not check.empty:
        check.to_csv(folder / "openkim_comparison.csv", index=False)
    save_png(properties_figure(report), folder / "properties.png")
    metrics = {
        "potential": name,
        "element": report.element,
        "values": report.values,
        "seconds": report.seconds,
        "total_seconds": sum(report.seconds.values()),
        "flags": report.flags,
        "openkim_within_target": None if check.empty else int(check["within_target"].sum()),
        "openkim_compared": None if check.empty else len(check),
    }
    write_json_atomic(folder / "metrics.json", metrics)
    page = Report(f"scalebridge · indicator properties of {name} for {report.element}")
    if report.flags:
        page.paragraph("Flags: " + "; ".join(report.flags), css_class="off")
    else:
        page.paragraph("No flags: every relaxation converged and every sanity check passed.")
    page.figure(folder / "properties.png", caption="Energy–volume curves and GSF curve")
    values = pd.DataFrame({"property": list(report.values), "value": list(report.values.values())})
    page.table(values, caption="Indicator values (dataset units)", float_format="{:.6g}")
    if not check.empty:
        page.table(check.drop(columns=["potential", "element"]), caption="Against OpenKIM")
    page.table(timings, caption="Seconds per group")
    page.write(folder / "report.html")
    return metrics


def pair_task(pair: tuple[str, ...]) -> dict[str, Any]:
    """One (potential, element[, "thermal"]) task on a worker; failures are returned, not
    raised."""
    from scalebridge.atomistic.properties.engine import GROUPS

    name, element = pair[0], pair[1]
    groups = (*GROUPS, "thermal") if "thermal" in pair[2:] else GROUPS
    try:
        report = compute_for_potential(name, element, groups=groups)
    except Exception as exc:  # a bad potential must not stop the campaign
        return {
            "potential": name,
            "element": element,
            "error": f"{exc!r}",
            "trace": traceback.format_exc(limit=3),
        }
    return {
        "potential": name,
        "element": element,
        "values": report.values,
        "seconds": report.seconds,
        "flags": report.flags,
    }


def shipped_pairs() -> list[tuple[str, str]]:
    """(file, element) for every shipped potential and each FCC metal it describes."""
    from scalebridge.atomistic.potentials import FCC_METALS, shipped_potentials

    return [(p.name, e) for p in shipped_potentials() for e in p.elements if e in FCC_METALS]


def all_shipped(
    folder: Path,
    executor: Executor,
    checkpoint_dir: Path,
    pairs: list[tuple[str, str]],
    *,
    thermal: bool = False,
) -> dict[str, Any]:
    """Properties of every pair (resumable: finished pairs are read back, failed ones are
    tried again): properties.csv, openkim_comparison.csv, report."""
    from scalebridge.runs.folder import write_json_atomic

    checkpoint_dir.mkdir(parents=True, exist_ok=True)

    def saved(pair: tuple[str, str]) -> Path:
        return checkpoint_dir / f"{pair[0]}__{pair[1]}.json"

    results = {p: json.loads(saved(p).read_text()) for p in pairs if saved(p).exists()}
    todo = [p for p in pairs if p not in results]

    def keep(i: int, result: dict[str, Any]) -> None:
        results[todo[i]] = result
        if "error" not in result:
            write_json_atomic(saved(todo[i]), result)

    tasks = [(*p, "thermal") if thermal else p for p in todo]
    executor.map(pair_task, tasks, description="potentials", on_result=keep)
    rows: list[dict[str, Any]] = []
    checks: list[pd.DataFrame] = []
    failures: list[dict[str, str]] = []
    flags: list[dict[str, str]] = []
    for pair in pairs:
        result = results[pair]
        if "error" in result:
            failures.append({"potential": pair[0], "element": pair[1], "error": result["error"]})
            continue
        rows.append(
            {
                "potential": pair[0],
                "element": pair[1],
                **result["values"],
                "seconds": sum(result["seconds"].values()),
            }
        )
        flags.extend({"potential": pair[0], "element": pair[1], "flag": f} for f in result["flags"])
        checks.append(comparison(pair[0], pair[1], result["values"]))
    table = pd.DataFrame(rows)
    check = pd.concat(checks, ignore_index=True) if any(len(c) for c in checks) else pd.DataFrame()
    table.to_csv(folder / "properties.csv", index=False)
    pd.DataFrame(failures, columns=["potential", "element", "error"]).to_csv(
        folder / "failures.csv", index=False
    )
    pd.DataFrame(flags, columns=["potential", "element", "flag"]).to_csv(
        folder / "flags.csv", index=False
    )
    summary = pd.DataFrame()
    if not check.empty:
        check.to_csv(folder / "openkim_comparison.csv", index=False)
        summary = (
            check.groupby("property")
            .agg(
                pairs=("within_target", "size"),
                within_target=("within_target", "sum"),
                median_abs_dev_pct=("deviation_pct", lambda d: float(np.median(np.abs(d)))),
                max_abs_dev_pct=("deviation_pct", lambda d: float(np.max(np.abs(d)))),
                tolerance_pct=("tolerance_pct", "first"),
            )
            .reset_index()
        )
        summary.to_csv(folder / "openkim_summary.csv", index=False)
    metrics = {
        "pairs": len(pairs),
        "computed": len(rows),
        "failed": len(failures),
        "flags": len(flags),
        "median_seconds_per_pair": float(table["seconds"].median()) if len(table) else None,
        "openkim_compared": len(check),
        "openkim_within_target": int(check["within_target"].sum()) if len(check) else 0,
    }
    write_json_atomic(folder / "metrics.json", metrics)
    page = Report("scalebridge · indicator properties of the shipped potentials")
    page.paragraph(
        f"{len(rows)} of {len(pairs)} (potential, element) pairs computed; {len(failures)} "
        f"failed; {len(flags)} flags. Against OpenKIM: {metrics['openkim_within_target']} of "
        f"{metrics['openkim_compared']} values within the target tolerance."
    )
    if not summary.empty:
        page.table(summary, caption="Agreement with OpenKIM, per property")
    if failures:
        page.table(pd.DataFrame(failures), caption="Failures")
    if flags:
        page.table(pd.DataFrame(flags), caption="Flags")
    page.table(table[["potential", "element", "seconds"]], caption="Seconds per pair")
    page.write(folder / "report.html")
    return metrics

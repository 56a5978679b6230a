"""Benchmark: what limits the tomograph inputs — how much of the label rotation one
orientation-colour key can tell (issue 7, random-split target 0.96 with the images).

1. Embedded dataset: the least-squares reading of the four label descriptors from the mean
   features of the ``tomograph`` inputs (as the classifier's fixed linear path), and the
   stated rules on it; then with one descriptor at a time replaced by its true value — the
   accuracy a perfect reading of that descriptor would give. The random splits of
   ``patterns train`` for seeds 0–9, and its spatial hold-out moved to every lateral column
   in turn (the CLI holds out the right-most one).
2. Campaign folders (``md campaign`` output with its dumps; optional): for every tile
   region of every frame after t = 0, the labels' rotation (the atoms' mean misorientation
   since t = 0, Σ3 twins counted as 0) read from what the atoms' own orientations say through
   one IPF key along the surface normal (the tomographs' key; atoms followed exactly, no
   image), two keys (normal and sliding direction: the larger of their turns, and the
   turns of the orientations both keys' 8-bit colours allow together) and the
   misorientation: R² of a least-squares reading on per-tile statistics (5-fold
   cross-validated), and the rules' accuracy with the other three descriptors exact.

    .venv/bin/python benchmarks/bench_patterns_rotation_ceiling.py [CAMPAIGN_DIR ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

#: Statistics of the per-atom turns of a tile that a reading may use (degrees / fractions).
STATS = ("mean", "mean ≤ 15°", "mean ≤ 30°", "share 5–25°", "share > 25°")
#: What the rotation is read from (see ``campaign_rows``).
KEYS = (
    "one key",
    "two keys, larger turn",
    "two keys, orientation",
    "two keys, orientation, a twin where allowed",
    "misorientation",
)
#: The label descriptors, as the tiles table names them.
DESCRIPTORS = ("grain_size_ratio", "hcp_fraction_change", "rotation_deg", "advection_angstrom")


def turn_statistics(turn: np.ndarray) -> list[float]:
    return [
        float(turn.mean()),
        float(np.minimum(turn, 15).mean()),
        float(np.minimum(turn, 30).mean()),
        float(((turn > 5) & (turn < 25)).mean()),
        float((turn > 25).mean()),
    ]


def least_squares(x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    design = np.c_[x, np.ones(len(x))]
    coef = np.linalg.lstsq(design[train], y[train], rcond=None)[0]
    return design[test] @ coef


def embedded_table() -> None:
    from scalebridge.patterns.dataset import embedded_path, load_dataset
    from scalebridge.patterns.descriptors import LabelRules
    from scalebridge.patterns.learn import data
    from scalebridge.patterns.learn.workflow import (
        LearnSettings,
        classifier_means,
        rules_on_reading,
        split_rows,
    )

    dataset = load_dataset(embedded_path())
    table = dataset.table.reset_index(drop=True)
    rules = LabelRules.from_info(dataset.info)
    samples = data.sample_rows(table)
    splits = [
        ("random", *split_rows(dataset, "random", LearnSettings(seed=seed))) for seed in range(10)
    ]
    subset = table.iloc[samples].reset_index(drop=True)  # as split_rows cuts the spatial split
    x = subset["x_angstrom"].to_numpy()
    columns = np.unique(x)
    pitch = float(columns[1] - columns[0])
    period = float(columns[-1] - columns[0]) + pitch
    for k in range(len(columns)):  # move column k to the right-most place, periodically
        moved = subset.assign(x_angstrom=(x - columns[k] - pitch) % period + columns[0])
        train, test = data.spatial_split(moved, LearnSettings().spatial_fraction)
        splits.append((f"spatial, column {k + 1}", samples[train], samples[test]))
    truths = {"as read": [], "rotation true": [2], "grain size true": [0], "both true": [0, 2]}
    scores: dict[str, dict[str, list[float]]] = {name: {} for name in truths}
    r2: dict[str, list[float]] = {}
    for name, train, test in splits:
        normaliser = data.Normaliser.fit(dataset, train)
        arrays = data.to_arrays(dataset, normaliser)
        features = classifier_means(arrays, normaliser, "tomograph")
        target = arrays.descriptors
        read = np.zeros((len(test), target.shape[1]))
        for j in range(target.shape[1]):
            known = train[np.isfinite(target[train, j])]
            read[:, j] = least_squares(features, target[:, j], known, test)
        truth = target[test, 2]
        group = "random" if name == "random" else "spatial"
        r2.setdefault(group, []).append(
            1 - ((truth - read[:, 2]) ** 2).sum() / ((truth - truth.mean()) ** 2).sum()
        )
        for reading, exact in truths.items():
            r = read.copy()
            r[:, exact] = target[test][:, exact]
            accuracy = float((rules_on_reading(r, rules) == arrays.labels[test]).mean())
            scores[reading].setdefault(name if group == "spatial" else group, []).append(accuracy)
    names = list(scores["as read"])
    print("| reading | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for reading, by_split in scores.items():
        cells = [
            f"{np.mean(v):.3f} ({min(v):.3f}–{max(v):.3f})" if len(v) > 1 else f"{v[0]:.3f}"
            for v in by_split.values()
        ]
        print(f"| {reading} | " + " | ".join(cells) + " |")
    spatial = [v[0] for k, v in scores["as read"].items() if k != "random"]
    print(
        f"\nspatial, mean over the {len(spatial)} columns: {np.mean(spatial):.3f}; rotation R² "
        f"as read: random {np.mean(r2['random']):.2f}, spatial {np.mean(r2['spatial']):.2f}"
    )


def campaign_rows(run: Path) -> list[dict[str, float]]:
    """Per tile region and frame after t = 0 of one run: its label descriptors and the
    per-atom turn statistics of each key set."""
    from scalebridge.patterns.colour import FCC
    from scalebridge.patterns.descriptors import LabelRules, region_mask
    from scalebridge.patterns.orientation import (
        TWIN_ANGLE_DEG,
        TWIN_TOLERANCE_DEG,
        direction_turn_deg,
        keys_misorientations_deg,
        lattice_rotation_deg,
    )
    from scalebridge.patterns.tomograph import analyse, x_step
    from scalebridge.patterns.workflow import TomographRun, labelled_tiles, ordered_dumps

    settings = TomographRun()  # as the embedded dataset was made
    frames = list(analyse(ordered_dumps([run / "dumps"]), settings.analysis))
    frames, raster, _, tileset = labelled_tiles(frames, settings, {}, LabelRules())
    tiles, half = tileset.table, settings.tile_px * raster.pixel / 2
    start, rows = frames[0], []
    for frame in frames[1:]:
        here, there, _ = x_step(frame, start)
        crystal = (frame.structure[here] == FCC) & (start.structure[there] == FCC)
        now, then = frame.orientation[here[crystal]], start.orientation[there[crystal]]
        z, x = (direction_turn_deg(now, then, axis) for axis in ((0, 0, 1), (1, 0, 0)))
        allowed = keys_misorientations_deg(key_orientation(now), key_orientation(then))
        smallest = allowed.min(axis=1)
        twin = np.abs(allowed - TWIN_ANGLE_DEG) <= TWIN_TOLERANCE_DEG
        turns = {
            "one key": z,
            "two keys, larger turn": np.maximum(z, x),
            # the label's rule on the smallest angle both keys allow
            "two keys, orientation": np.where(
                np.abs(smallest - TWIN_ANGLE_DEG) <= TWIN_TOLERANCE_DEG, 0.0, smallest
            ),
            # or no rotation wherever the keys allow a twin and no turn under 15°
            "two keys, orientation, a twin where allowed": np.where(
                twin.any(axis=1) & (smallest > 15), 0.0, smallest
            ),
            "misorientation": lattice_rotation_deg(now, then),
        }
        for _, tile in tiles[tiles["time_ps"] == frame.time_ps].iterrows():
            x_range = (tile["x_angstrom"] - half, tile["x_angstrom"] + half)
            z_hi = raster.z_top - (tile["depth_angstrom"] - half)
            z_range = (z_hi - 2 * half, z_hi)
            inside = region_mask(frame, x_range, z_range)[here[crystal]]
            if not inside.any():
                continue
            row = {k: float(tile[k]) for k in DESCRIPTORS}
            turned = turns["misorientation"][inside] > 15
            row["turned > 15°"] = float(turned.sum())
            row["of them read < 15° by two keys"] = float((smallest[inside][turned] < 15).sum())
            for key, turn in turns.items():
                values = turn_statistics(turn[inside])
                row |= {f"{key}: {s}": v for s, v in zip(STATS, values, strict=True)}
            rows.append(row)
    return rows


def key_orientation(quaternions: np.ndarray) -> np.ndarray:
    """The orientation (x y z w) that two 8-bit IPF images, of the surface normal and the
    sliding direction, name for each atom (up to what no key sees)."""
    from scalebridge.patterns.colour import ipf_direction, ipf_rgb
    from scalebridge.patterns.orientation import orientation_from_keys, sample_direction_in_crystal

    keys = (
        np.round(ipf_rgb(sample_direction_in_crystal(quaternions, axis)) * 255) / 255
        for axis in ((0, 0, 1), (1, 0, 0))
    )
    return orientation_from_keys(*(np.stack(ipf_direction(*k.T), axis=1) for k in keys))


def campaign_table(folders: list[Path], figure: Path | None) -> None:
    import pandas as pd

    from scalebridge.patterns.descriptors import LabelRules

    runs = sorted(r for f in folders for r in (f / "runs").iterdir() if (r / "dumps").is_dir())
    table = pd.DataFrame([row for run in runs for row in campaign_rows(run)])
    rotation = table["rotation_deg"].to_numpy()
    rules = LabelRules()
    log_ratio = np.log(table["grain_size_ratio"].clip(lower=1e-9)).to_numpy()
    exact = (log_ratio, table["hcp_fraction_change"].to_numpy())
    advection = table["advection_angstrom"].to_numpy()
    labels = rules.classify(*exact, rotation, advection)
    folds = np.random.default_rng(0).permutation(len(table)) % 5
    lost = table["of them read < 15° by two keys"].sum() / table["turned > 15°"].sum()
    print(
        f"\n{len(table)} tile regions of {len(runs)} runs (frames after t = 0); of the atoms "
        f"turned by more than 15° (label rotation), the orientations two keys allow read "
        f"{lost:.0%} below 15°\n"
    )
    print("| rotation read from | statistics | R² (5-fold) | rules, other descriptors exact |")
    print("|---|---|---:|---:|")
    shown: dict[str, np.ndarray] = {}
    for key in KEYS:
        for used in (STATS[1:2], STATS[:1], STATS):
            if key == "misorientation" and used == STATS[:1]:
                continue  # the label itself; with every statistic it is the check below
            x = table[[f"{key}: {s}" for s in used]].to_numpy()
            read = np.zeros(len(table))
            for k in range(5):
                read[folds == k] = least_squares(
                    x, rotation, np.flatnonzero(folds != k), np.flatnonzero(folds == k)
                )
            r2 = 1 - ((rotation - read) ** 2).sum() / ((rotation - rotation.mean()) ** 2).sum()
            accuracy = float((rules.classify(*exact, read, advection) == labels).mean())
            check = " (holds the label's own mean: a check)" if key == "misorientation" else ""
            print(
                f"| {key} | {', '.join(used)}{check if used == STATS else ''} | {r2:.2f} | "
                f"{accuracy:.3f} |"
            )
            titles = {
                ("one key", STATS): "one IPF key (normal), every atom followed",
                ("two keys, orientation, a twin where allowed", STATS): (
                    "two IPF keys (normal, sliding), orientations"
                ),
                ("misorientation", STATS[1:2]): "full misorientation, clipped at 15°",
            }
            if (key, used) in titles:
                shown[f"{titles[key, used]}: R² {r2:.2f}"] = read
    if figure is not None:
        twinned = table["hcp_fraction_change"].to_numpy() >= rules.twinning_hcp_change
        from scalebridge.runs.figures import save_png

        flowing = advection >= rules.shear_advection_angstrom
        save_png(ceiling_figure(rotation, shown, twinned, flowing, rules), figure)


def ceiling_figure(
    rotation: np.ndarray,
    shown: dict[str, np.ndarray],
    twinned: np.ndarray,
    flowing: np.ndarray,
    rules: Any,
) -> Any:
    """Label rotation against its reading, one panel per reading; the shear threshold."""
    from scalebridge.runs.figures import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, len(shown), figsize=(4.2 * len(shown), 4), sharey=True)
    limit = float(np.percentile(rotation, 99.5)) + 1
    for ax, (title, read) in zip(axes, shown.items(), strict=True):
        groups = (
            (~flowing, "#c7c7c7", "advection < 4 Å (rotation does not decide)"),
            (flowing & ~twinned, "#1f77b4", "advection ≥ 4 Å, HCP change < 0.05"),
            (flowing & twinned, "#2ca02c", "advection ≥ 4 Å, HCP change ≥ 0.05"),
        )
        for mask, colour, name in groups:
            ax.scatter(rotation[mask], read[mask], s=9, color=colour, lw=0, label=name)
        ax.axvline(rules.shear_rotation_deg, color="grey", ls="--", lw=1)
        ax.axhline(rules.shear_rotation_deg, color="grey", ls="--", lw=1)
        ax.plot([0, limit], [0, limit], color="black", lw=0.8)
        ax.set(xlim=(0, limit), ylim=(0, limit), xlabel="label rotation (°)", title=title)
        ax.title.set_fontsize(9)
    axes[0].set_ylabel("rotation read (°, 5-fold least squares)")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("campaigns", nargs="*", type=Path, help="md campaign folders")
    parser.add_argument("--figure", type=Path, help="PNG of label rotation against reading")
    args = parser.parse_args()
    embedded_table()
    if args.campaigns:
        campaign_table(args.campaigns, args.figure)


if __name__ == "__main__":
    main()

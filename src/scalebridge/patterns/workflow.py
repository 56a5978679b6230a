"""``scalebridge tomograph``: dumps of a sliding run → tomographs, tiles, labels, heat maps."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalebridge.errors import InputError
from scalebridge.patterns.descriptors import PATTERNS, LabelRules
from scalebridge.patterns.tiles import IMAGE_ARRAYS, TileSet, cut_tiles, frame_figure, heatmaps
from scalebridge.patterns.tomograph import (
    AtomFrame,
    Raster,
    Tomograph,
    TomographSettings,
    analyse,
    assign_grains,
    tomograph,
    unwrap_x,
)

METADATA_KEYS = ("ni_fraction", "pressure_gpa", "temperature_k", "velocity_m_s")


@dataclass(frozen=True)
class TomographRun:
    """Settings of ``scalebridge tomograph``."""

    pixel_angstrom: float = 2.0
    tile_px: int = 16
    frames_in_report: int = 3
    timestep_ps: float = 0.002

    @property
    def analysis(self) -> TomographSettings:
        """Settings of the OVITO analysis of the dumps."""
        return TomographSettings(pixel_angstrom=self.pixel_angstrom, timestep_ps=self.timestep_ps)


def ordered_dumps(paths: list[Path]) -> list[Path]:
    """Dump files (or folders of ``*.dump``) ordered by the timestep in their names."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(path.glob("*.dump"))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("no such file or folder", source=path, expected="LAMMPS dumps")
    if not files:
        raise InputError("no *.dump files", source=", ".join(map(str, paths)))

    def step(p: Path) -> int:
        numbers = re.findall(r"\d+", p.name)
        return int(numbers[-1]) if numbers else 0

    return sorted(files, key=step)


def run_metadata(dumps: list[Path]) -> dict[str, Any]:
    """Composition, pressure, temperature, velocity from the `md tribology` run folder that
    holds the dumps (NaN when the dumps come from elsewhere)."""
    for parent in dumps[0].resolve().parents[:3]:
        config = parent / "config.json"
        if config.is_file():
            settings = json.loads(config.read_text()).get("settings", {})
            return {k: settings.get(k, np.nan) for k in METADATA_KEYS}
    return dict.fromkeys(METADATA_KEYS, np.nan)


def labelled_tiles(
    frames: list[AtomFrame], settings: TomographRun, metadata: dict[str, Any], rules: LabelRules
) -> tuple[list[AtomFrame], Raster, list[Tomograph], TileSet]:
    """Analysed frames (of :func:`~scalebridge.patterns.tomograph.analyse`) with their grains
    and continuous x, the raster, the tomographs (advection from the frame before, change
    since the first) and the labelled tiles."""
    frames = [assign_grains(f, settings.analysis) for f in frames]
    unwrap_x(frames)
    raster = Raster.for_frame(frames[0], settings.pixel_angstrom)
    images = [
        tomograph(f, raster, p, frames[0])
        for f, p in zip(frames, [None, *frames[:-1]], strict=True)
    ]
    tiles = cut_tiles(
        frames, images, raster, tile_px=settings.tile_px, metadata=metadata, rules=rules
    )
    return frames, raster, images, tiles


def make_tomographs(
    dumps: list[Path], settings: TomographRun, folder: Path, rules: LabelRules
) -> dict[str, Any]:
    """Analyse, rasterise, tile and label; write tiles.npz, tiles.csv, figures, report."""
    from scalebridge.runs.figures import save_png
    from scalebridge.runs.folder import write_json_atomic
    from scalebridge.runs.report import Report

    start = time.perf_counter()
    frames = list(analyse(dumps, settings.analysis))
    ovito_seconds = time.perf_counter() - start
    start = time.perf_counter()
    frames, _, images, tiles = labelled_tiles(frames, settings, run_metadata(dumps), rules)
    own_seconds = time.perf_counter() - start
    if tiles.table.empty:
        raise InputError(
            "no tile is filled with material; the slab is thinner than one tile",
            source="--tile-px",
            expected=f"a smaller tile than {settings.tile_px} px",
        )
    save_tiles(tiles, folder / "tiles.npz")
    tiles.table.to_csv(folder / "tiles.csv", index=False)
    shown = np.unique(np.linspace(0, len(frames) - 1, settings.frames_in_report).astype(int))
    for i in shown:
        save_png(
            frame_figure(images[i], f"t = {frames[i].time_ps:.1f} ps"),
            folder / f"frame_{i:03d}.png",
        )
    save_png(heatmaps(tiles.table), folder / "heatmaps.png")
    n_atoms = float(np.mean([len(f.ids) for f in frames]))
    counts = tiles.table["label"].value_counts()
    metrics = {
        "frames": len(frames),
        "tiles": len(tiles.table),
        "labels": {p: int(counts.get(p, 0)) for p in PATTERNS},
        "ovito_seconds_per_frame": ovito_seconds / len(frames),
        "own_seconds_per_frame": own_seconds / len(frames),
        "overhead_ratio": own_seconds / ovito_seconds,
        "atoms_per_second": n_atoms * len(frames) / (ovito_seconds + own_seconds),
        "rules": rules.__dict__,
    }
    write_json_atomic(folder / "metrics.json", metrics)
    page = Report("scalebridge · computational tomographs")
    page.paragraph(
        f"{len(frames)} frames, {len(tiles.table)} tiles of {settings.tile_px} px "
        f"({settings.tile_px * settings.pixel_angstrom:.0f} Å). Labels: "
        + ", ".join(f"{p}: {n}" for p, n in counts.items())
    )
    for i in shown:
        page.figure(folder / f"frame_{i:03d}.png", caption=f"frame {i}")
    page.figure(folder / "heatmaps.png", caption="descriptors, lateral mean, depth × time")
    page.write(folder / "report.html")
    return metrics


def save_tiles(tiles: TileSet, path: Path) -> None:
    np.savez_compressed(path, **{name: getattr(tiles, name) for name in IMAGE_ARRAYS})


def read_tiles(folder: Path) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """The image arrays and the table that :func:`make_tomographs` wrote into ``folder``."""
    with np.load(folder / "tiles.npz") as data:
        arrays = {name: data[name] for name in IMAGE_ARRAYS}
    return arrays, pd.read_csv(folder / "tiles.csv")

"""The tile dataset: images (uint8), metadata, descriptors and labels in one versioned file.

``.npz`` with arrays ``ipf`` and ``structure`` (N x T x T x 3, uint8), ``advection``
(N x T x T, float16, Å/ps), ``displacement`` (Å since t = 0), ``rotation`` (degrees since
t = 0), ``density`` (atoms per pixel), ``crystal`` (share of a pixel's atoms FCC now and
at t = 0), ``grain_size`` (atoms of a pixel's grains inside the tile) and ``grain_atoms``
(grain atoms per pixel), one array per table column (``meta__<name>``), and ``info`` (a
JSON string: format version, pixel size, tile size, label rules, label names, runs).
Version 2 added displacement and rotation, version 3 density, crystal share and a
whole-grain size map, version 4 the grain maps of each tile's own field of view; an older
file is refused with the command that rebuilds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalebridge.errors import InputError
from scalebridge.patterns.descriptors import PATTERNS
from scalebridge.patterns.tiles import COLOUR_ARRAYS, IMAGE_ARRAYS, TileSet

FORMAT = "scalebridge-patterns-tiles/4"


@dataclass
class TileDataset(TileSet):
    """The tiles of one or more runs (see :class:`~scalebridge.patterns.tiles.TileSet`) with
    ``info``: format, tile and pixel size, label rules and names, runs."""

    info: dict[str, Any]

    def save(self, path: Path) -> None:
        columns = {f"meta__{c}": self.table[c].to_numpy() for c in self.table.columns}
        for key, values in list(columns.items()):
            if values.dtype == object:
                columns[key] = values.astype(str)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            **{name: getattr(self, name) for name in IMAGE_ARRAYS},
            info=np.array(json.dumps(self.info | {"format": FORMAT})),
            **columns,
        )
        tmp.replace(path)


EMBEDDED = "embedded"


def embedded_path() -> Path:
    """The tile dataset shipped in the package (built from campaigns/patterns_pilot.toml and
    campaigns/patterns_warm.toml)."""
    from importlib import resources

    return Path(str(resources.files("scalebridge") / "data" / "patterns" / "tiles.npz"))


def load_dataset(path: Path | str) -> TileDataset:
    """Read and check a dataset file (version, shapes, labels); ``"embedded"`` is the one
    shipped in the package."""
    path = embedded_path() if str(path) == EMBEDDED else Path(path)
    if not path.is_file():
        raise InputError("file not found", source=path, expected="a tile dataset (.npz)")
    try:
        with np.load(path, allow_pickle=False) as data:
            info = json.loads(str(data["info"]))
            if info.get("format") != FORMAT:
                raise InputError(
                    f"format {info.get('format')!r}; rebuild it with "
                    "`scalebridge patterns dataset build CAMPAIGN --out FILE`",
                    source=path,
                    field="info.format",
                    expected=FORMAT,
                )
            table = pd.DataFrame(
                {k.removeprefix("meta__"): data[k] for k in data.files if k.startswith("meta__")}
            )
            arrays = {k: data[k] for k in IMAGE_ARRAYS}
    except (KeyError, ValueError, OSError) as exc:
        raise InputError(f"not a tile dataset: {exc}", source=path) from None
    n = len(table)
    tile = int(info["tile_px"])
    for name in IMAGE_ARRAYS:
        shape, dtype = (
            ((n, tile, tile, 3), np.uint8)
            if name in COLOUR_ARRAYS
            else ((n, tile, tile), np.float16)
        )
        if arrays[name].shape != shape or arrays[name].dtype != dtype:
            raise InputError(
                f"{name} tiles of shape {arrays[name].shape} and type {arrays[name].dtype}",
                source=path,
                field=name,
                expected=f"{shape} {np.dtype(dtype).name} ({tile} px tiles, info.tile_px)",
            )
    unknown = set(table["label"]) - set(PATTERNS)
    if unknown:
        raise InputError(
            f"unknown labels {sorted(unknown)}", source=path, expected=", ".join(PATTERNS)
        )
    return TileDataset(**arrays, table=table, info=info)


def build_dataset(
    campaigns: Path | list[Path], out: Path, *, tile_px: int = 16, pixel_angstrom: float = 2.0
) -> TileDataset:
    """Tomographs and tiles of every finished run of one or more campaign folders, as one
    dataset (run names must differ between the campaigns)."""
    import tempfile

    from scalebridge.patterns.descriptors import LabelRules
    from scalebridge.patterns.workflow import (
        TomographRun,
        make_tomographs,
        ordered_dumps,
        read_tiles,
    )

    folders = [Path(campaigns)] if isinstance(campaigns, str | Path) else list(campaigns)
    runs = []
    for campaign in folders:
        found = sorted(p.parent for p in Path(campaign).glob("runs/*/metrics.json"))
        if not found:
            raise InputError("no finished run", source=campaign, expected="a `md campaign` folder")
        runs += found
    names = [r.name for r in runs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(
            f"run {twice[0]} is in more than one campaign",
            source=", ".join(map(str, folders)),
            expected="campaigns whose runs differ (composition, pressure, temperature, seed)",
        )
    rules = LabelRules()
    settings = TomographRun(pixel_angstrom=pixel_angstrom, tile_px=tile_px)
    parts = []
    for run in runs:
        with tempfile.TemporaryDirectory() as scratch:
            make_tomographs(ordered_dumps([run / "dumps"]), settings, Path(scratch), rules)
            arrays, table = read_tiles(Path(scratch))
        table.insert(0, "run", run.name)
        parts.append((arrays, table))
    dataset = TileDataset(
        **{name: np.concatenate([a[name] for a, _ in parts]) for name in IMAGE_ARRAYS},
        table=pd.concat([t for _, t in parts], ignore_index=True),
        info={
            "tile_px": tile_px,
            "pixel_angstrom": pixel_angstrom,
            "rules": rules.__dict__,
            "labels": list(PATTERNS),
            "runs": [r.name for r in runs],
        },
    )
    dataset.save(Path(out))
    return dataset

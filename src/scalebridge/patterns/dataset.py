"""The tile dataset: images (uint8), metadata, descriptors and labels in one versioned file.

``.npz`` with arrays ``ipf`` and ``structure`` (N x T x T x 3, uint8), ``advection``
(N x T x T, float16, Å/ps), one array per table column (``meta__<name>``), and ``info`` (a
JSON string: format version, pixel size, tile size, label rules, label names).
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

FORMAT = "scalebridge-patterns-tiles/1"


@dataclass
class TileDataset:
    ipf: np.ndarray
    structure: np.ndarray
    advection: np.ndarray
    table: pd.DataFrame
    info: dict[str, Any]

    def save(self, path: Path) -> None:
        columns = {f"meta__{c}": self.table[c].to_numpy() for c in self.table.columns}
        for key, values in list(columns.items()):
            if values.dtype == object:
                columns[key] = values.astype(str)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            ipf=self.ipf,
            structure=self.structure,
            advection=self.advection,
            info=np.array(json.dumps(self.info | {"format": FORMAT})),
            **columns,
        )
        tmp.replace(path)


EMBEDDED = "embedded"


def embedded_path() -> Path:
    """The tile dataset shipped in the package (built from campaigns/patterns_pilot.toml)."""
    from importlib import resources

    return Path(str(resources.files("scalebridge") / "data" / "patterns" / "tiles_pilot.npz"))


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
                raise InputError(f"format {info.get('format')!r}", source=path, expected=FORMAT)
            table = pd.DataFrame(
                {k.removeprefix("meta__"): data[k] for k in data.files if k.startswith("meta__")}
            )
            arrays = {k: data[k] for k in ("ipf", "structure", "advection")}
    except (KeyError, ValueError, OSError) as exc:
        raise InputError(f"not a tile dataset: {exc}", source=path) from None
    n = len(table)
    tile = int(info["tile_px"])
    if arrays["ipf"].shape != (n, tile, tile, 3) or arrays["ipf"].dtype != np.uint8:
        raise InputError(
            f"ipf tiles of shape {arrays['ipf'].shape}",
            source=path,
            expected=f"({n}, {tile}, {tile}, 3) uint8",
        )
    unknown = set(table["label"]) - set(PATTERNS)
    if unknown:
        raise InputError(
            f"unknown labels {sorted(unknown)}", source=path, expected=", ".join(PATTERNS)
        )
    return TileDataset(arrays["ipf"], arrays["structure"], arrays["advection"], table, info)


def build_dataset(
    campaign: Path, out: Path, *, tile_px: int = 16, pixel_angstrom: float = 2.0
) -> TileDataset:
    """Tomographs and tiles of every finished run of a campaign folder, as one dataset."""
    import tempfile

    from scalebridge.patterns.descriptors import LabelRules
    from scalebridge.patterns.workflow import TomographRun, make_tomographs, ordered_dumps

    runs = sorted(p.parent for p in Path(campaign).glob("runs/*/metrics.json"))
    if not runs:
        raise InputError("no finished run", source=campaign, expected="a `md campaign` folder")
    rules = LabelRules()
    settings = TomographRun(pixel_angstrom=pixel_angstrom, tile_px=tile_px)
    parts = []
    for run in runs:
        with tempfile.TemporaryDirectory() as scratch:
            make_tomographs(ordered_dumps([run / "dumps"]), settings, Path(scratch), rules)
            with np.load(Path(scratch) / "tiles.npz") as data:
                arrays = {k: data[k] for k in data.files}
            table = pd.read_csv(Path(scratch) / "tiles.csv")
        table.insert(0, "run", run.name)
        parts.append((arrays, table))
    dataset = TileDataset(
        ipf=np.concatenate([a["ipf"] for a, _ in parts]),
        structure=np.concatenate([a["structure"] for a, _ in parts]),
        advection=np.concatenate([a["advection"] for a, _ in parts]),
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

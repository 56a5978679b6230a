"""A trained pattern model on disk: weights, normalisation and the dataset it came from.

``model/`` inside a ``patterns train`` run folder holds ``autoencoder.pt`` and
``classifier.pt`` (PyTorch state dicts) and ``model.json``: format, settings, the
normaliser, channel and label names, and the dataset's fingerprint (file, sha256, tile and
pixel size, label rules). Tiles for prediction must match the tile and pixel size and the
label names; ``evaluate`` needs the very dataset (its validation rows index it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.errors import InputError
from scalebridge.patterns.dataset import EMBEDDED, TileDataset, embedded_path
from scalebridge.patterns.descriptors import PATTERNS
from scalebridge.patterns.learn.data import CHANNELS, METADATA, Normaliser
from scalebridge.patterns.learn.workflow import LearnSettings
from scalebridge.patterns.tiles import DESCRIPTORS

MODEL_FORMAT = "scalebridge-patterns-model/4"


def dataset_file(source: str | Path) -> Path:
    return embedded_path() if str(source) == EMBEDDED else Path(source)


def fingerprint(source: str | Path, dataset: TileDataset) -> dict[str, Any]:
    digest = hashlib.sha256(dataset_file(source).read_bytes()).hexdigest()
    return {
        "source": str(source),
        "sha256": digest,
        "format": dataset.info.get("format"),
        "tile_px": int(dataset.info["tile_px"]),
        "pixel_angstrom": float(dataset.info["pixel_angstrom"]),
        "labels": list(PATTERNS),
        "rules": dataset.info.get("rules"),
        "n_tiles": len(dataset.table),
    }


@dataclass
class PatternModel:
    autoencoder: Any
    classifier: Any
    normaliser: Normaliser
    settings: LearnSettings
    info: dict[str, Any]
    folder: Path

    @property
    def descriptor_scale(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, spread) that turn the network's standardised descriptor reading back into
        physical units (log grain size ratio, HCP-fraction change, degrees, Å)."""
        scale = self.info["descriptor_scale"]
        return np.array(scale["mean"]), np.array(scale["spread"])

    def check_tiles(self, dataset: TileDataset, where: str | Path) -> None:
        """Refuse tiles the model cannot read: other tile or pixel size, other labels."""
        trained = self.info["dataset"]
        for key in ("tile_px", "pixel_angstrom"):
            if float(dataset.info[key]) != float(trained[key]):
                raise InputError(
                    f"{key} = {dataset.info[key]}, the model in {self.folder} was trained on "
                    f"{trained[key]}",
                    source=where,
                    field=key,
                    expected=str(trained[key]),
                )

    def check_same_dataset(self, source: str | Path, dataset: TileDataset) -> None:
        mine = fingerprint(source, dataset)["sha256"]
        if mine != self.info["dataset"]["sha256"]:
            raise InputError(
                f"another dataset than the one the model in {self.folder} was trained on "
                f"({self.info['dataset']['source']}); evaluation needs that dataset, prediction "
                "takes new tiles (`patterns predict`)",
                source=source,
                field="sha256",
                expected=self.info["dataset"]["sha256"],
            )


def save_model(
    folder: Path,
    autoencoder: Any,
    classifier: Any,
    normaliser: Normaliser,
    settings: LearnSettings,
    dataset_info: dict[str, Any],
    split: str,
    descriptor_scale: tuple[np.ndarray, np.ndarray],
) -> None:
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    torch.save(autoencoder.state_dict(), folder / "autoencoder.pt")
    torch.save(classifier.state_dict(), folder / "classifier.pt")
    info = {
        "format": MODEL_FORMAT,
        "split": split,
        "settings": dataclasses.asdict(settings),
        "normaliser": normaliser.to_dict(),
        "channels": list(CHANNELS),
        "metadata": list(METADATA),
        "labels": list(PATTERNS),
        "dataset": dataset_info,
        "decision": (
            None if classifier.decision is None else dataclasses.asdict(classifier.decision)
        ),
        "descriptor_scale": {
            "names": list(DESCRIPTORS),
            "mean": [float(v) for v in descriptor_scale[0]],
            "spread": [float(v) for v in descriptor_scale[1]],
        },
    }
    (folder / "model.json").write_text(json.dumps(info, indent=2) + "\n")


def load_model(run_folder: str | Path) -> PatternModel:
    """Read the model of a ``patterns train`` run folder (or its ``model/`` folder)."""
    import torch

    from scalebridge.patterns.learn.models import (
        RuleDecision,
        build_autoencoder,
        build_classifier,
        build_ensemble,
    )

    folder = Path(run_folder)
    if (folder / "model").is_dir():
        folder = folder / "model"
    path = folder / "model.json"
    if not path.is_file():
        raise InputError(
            "no model.json", source=folder, expected="the folder written by `patterns train`"
        )
    try:
        info = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc}", source=path) from None
    for name in ("autoencoder.pt", "classifier.pt"):
        if not (folder / name).is_file():
            raise InputError(f"{name} missing", source=folder, expected="a complete model folder")
    if info.get("format") != MODEL_FORMAT:
        raise InputError(
            f"model format {info.get('format')!r}",
            source=path,
            field="format",
            expected=MODEL_FORMAT,
        )
    expected = {"labels": list(PATTERNS), "channels": list(CHANNELS), "metadata": list(METADATA)}
    for key, names in expected.items():
        if info.get(key) != names:
            raise InputError(
                f"{key} {info.get(key)} differ from this version of scalebridge",
                source=path,
                field=key,
                expected=str(names),
            )
    settings = LearnSettings(**info["settings"])
    tile = int(info["dataset"]["tile_px"])
    autoencoder = build_autoencoder(tile, len(CHANNELS), settings.latent)
    autoencoder.load_state_dict(torch.load(folder / "autoencoder.pt", weights_only=True))
    normaliser = Normaliser.from_dict(info["normaliser"])
    members = [
        build_classifier(
            build_autoencoder(tile, len(CHANNELS), settings.latent).encoder,
            normaliser,
            len(METADATA),
            len(PATTERNS),
            len(DESCRIPTORS),
            settings.inputs,
        )
        for _ in range(settings.ensemble)
    ]
    saved: dict[str, Any] | None = info.get("decision")
    decision = None
    if saved is not None:
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()
        }
        decision = RuleDecision(**fields)
    classifier = build_ensemble(members, decision)
    classifier.load_state_dict(torch.load(folder / "classifier.pt", weights_only=True))
    autoencoder.eval()
    classifier.eval()
    return PatternModel(
        autoencoder,
        classifier,
        normaliser,
        settings,
        info,
        folder,
    )

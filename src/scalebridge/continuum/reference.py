"""Outputs of the authors' C++ STZ solver at the validation parameters (shipped, for checks).

See ``scalebridge/data/stz_reference_B/README.md``: the mean stress at all 101 frames, 2 E_xy
at the nine objective frames, chi at the first and last frame, and the published objective of
those outputs against the MD data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.continuum.parameters import VALIDATION_PARAMETERS, STZParameters

REFERENCE_FRAMES = (10, 12, 16, 18, 20, 22, 24, 70, 100)


def reference_dir() -> Path:
    """Folder of the shipped reference outputs."""
    return Path(str(resources.files("scalebridge") / "data" / "stz_reference_B"))


@dataclass(frozen=True, eq=False)
class ReferenceOutputs:
    """The reference solve.

    Attributes
    ----------
    parameters:
        The validation parameters it was run with.
    gamma, tau_gpa:
        (101,) applied strain and mean shear stress (GPa).
    two_exy:
        Frame -> (32, 32) 2 E_xy (rows y) for the frames in ``REFERENCE_FRAMES``.
    chi_initial, chi_final:
        (32, 32) chi at frames 0 and 100.
    summary:
        ``summary.json`` (peak stress, published objective with per-snapshot distances).
    """

    parameters: STZParameters
    gamma: np.ndarray
    tau_gpa: np.ndarray
    two_exy: dict[int, np.ndarray]
    chi_initial: np.ndarray
    chi_final: np.ndarray
    summary: dict[str, Any]


def load_reference() -> ReferenceOutputs:
    folder = reference_dir()
    table = np.loadtxt(folder / "stress.csv", delimiter=",", skiprows=1)
    return ReferenceOutputs(
        parameters=VALIDATION_PARAMETERS,
        gamma=table[:, 1],
        tau_gpa=table[:, 2],
        two_exy={k: np.loadtxt(folder / f"twoExy.{k}.txt") for k in REFERENCE_FRAMES},
        chi_initial=np.loadtxt(folder / "chi.0.txt"),
        chi_final=np.loadtxt(folder / "chi.100.txt"),
        summary=json.loads((folder / "summary.json").read_text()),
    )

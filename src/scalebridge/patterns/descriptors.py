"""Conventional analysis of a tomograph region and the rules that name its pattern.

For a region (tile) at time t, relative to the same region at t = 0:

* ``grain_size_ratio`` — atom-weighted mean grain size in the region (Σn²/Σn over the atoms
  n of each grain in it) now / at t = 0: < 1 when grains are refined, > 1 when they coarsen;
* ``grain_count_ratio`` — grains (≥ 5 atoms of one grain id) in the region now / at t = 0,
  kept for auditing only: slivers of neighbouring grains moving in and out of a 32 Å region
  change this integer ratio by 1/2 or 3/2 without any refinement, so the rules do not use it;
* ``hcp_fraction_change`` — change of the fraction of HCP atoms (stacking faults, twins);
* ``rotation_deg`` — mean lattice misorientation of the atoms now in the region that are FCC
  now and were FCC at t = 0, against their own orientation at t = 0 (cubic symmetry taken
  into account; a misorientation within 5° of the Σ3 twin relation, 60°, is twinning and
  counts as 0 rotation);
* ``advection_angstrom`` — mean x displacement of the atoms now in the region since t = 0
  (unwrapped across the periodic boundary when the frames were, see ``unwrap_x``).

Rules, first match wins (thresholds are settings, echoed with every dataset):
shear layer if advection ≥ 4 Å and rotation ≥ 8°; twinning if the HCP fraction rose by
≥ 0.05 (new twins also split grains, so this comes before the grain rules); grain
refinement if the grain size ratio ≤ 0.67; grain coarsening if ≥ 1.5; otherwise no
significant change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalebridge.patterns.colour import HCP
from scalebridge.patterns.tomograph import AtomFrame

PATTERNS = (
    "no significant change",
    "grain refinement",
    "grain coarsening",
    "twinning",
    "shear layer",
)


@dataclass(frozen=True)
class LabelRules:
    shear_advection_angstrom: float = 4.0
    shear_rotation_deg: float = 8.0
    refinement_size_ratio: float = 0.67
    coarsening_size_ratio: float = 1.5
    twinning_hcp_change: float = 0.05
    grain_min_atoms: int = 5

    def __post_init__(self) -> None:
        from scalebridge.errors import InputError

        if not 0 < self.refinement_size_ratio < self.coarsening_size_ratio:
            raise InputError(
                f"refinement_size_ratio {self.refinement_size_ratio}, coarsening_size_ratio "
                f"{self.coarsening_size_ratio}",
                field="rules",
                expected="0 < refinement ratio < coarsening ratio",
            )

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> LabelRules:
        """The rules recorded in a dataset's ``info`` (the defaults where it records none)."""
        return cls(**(info.get("rules") or {}))

    def label(self, d: dict[str, float]) -> str:
        ratio = d["grain_size_ratio"]
        values = (
            math.log(ratio) if ratio > 0 else (-math.inf if ratio <= 0 else math.nan),
            d["hcp_fraction_change"],
            d["rotation_deg"],
            d["advection_angstrom"],
        )
        return PATTERNS[int(self.classify(*(np.asarray(v) for v in values)))]

    def classify(self, log_size_ratio: Any, hcp_change: Any, rotation: Any, advection: Any) -> Any:
        """Index into PATTERNS of the rules' pattern, elementwise over numpy or torch arrays
        (``log_size_ratio`` is the logarithm of the grain size ratio); first match wins."""
        shear = (advection >= self.shear_advection_angstrom) & (rotation >= self.shear_rotation_deg)
        twins = (hcp_change >= self.twinning_hcp_change) & ~shear
        rest = ~shear & ~twins
        refined = (log_size_ratio <= math.log(self.refinement_size_ratio)) & rest
        coarsened = (log_size_ratio >= math.log(self.coarsening_size_ratio)) & rest & ~refined
        return 1 * refined + 2 * coarsened + 3 * twins + 4 * shear


def region_descriptors(
    now: AtomFrame,
    start: AtomFrame,
    x_range: tuple[float, float],
    z_range: tuple[float, float],
    rules: LabelRules,
    change: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> dict[str, float]:
    """Descriptors of the region x_range × z_range (Å) at ``now`` relative to ``start``.

    ``change``: :func:`~scalebridge.patterns.tomograph.since_start` of the frame (per-atom
    displacement, rotation, FCC-in-both mask), computed here when not given; pass it when
    cutting many regions of one frame."""
    from scalebridge.patterns.tomograph import since_start

    def grains(frame: AtomFrame, mask: np.ndarray) -> int:
        ids, counts = np.unique(frame.grain[mask], return_counts=True)
        return int(((ids > 0) & (counts >= rules.grain_min_atoms)).sum())

    def grain_size(frame: AtomFrame, mask: np.ndarray) -> float:
        """Atom-weighted mean size (atoms in the region) of the grains an atom belongs to:
        slivers of neighbouring grains barely count, unlike in a grain count."""
        ids, counts = np.unique(frame.grain[mask], return_counts=True)
        counts = counts[ids > 0].astype(float)
        return float((counts**2).sum() / counts.sum()) if counts.sum() else 0.0

    m_now, m_start = (region_mask(f, x_range, z_range) for f in (now, start))
    hcp_now = float((now.structure[m_now] == HCP).mean()) if m_now.any() else 0.0
    hcp_start = float((start.structure[m_start] == HCP).mean()) if m_start.any() else 0.0
    moved, turned, crystal = change if change is not None else since_start(now, start)
    region = m_now & np.isin(now.ids, start.ids)
    rotated = region & crystal
    rotation = float(turned[rotated].mean()) if rotated.any() else 0.0
    g_now, g_start = grains(now, m_now), grains(start, m_start)
    s_now, s_start = grain_size(now, m_now), grain_size(start, m_start)
    return {
        # a region without a grain at t = 0 (all boundary) has no ratio: count it unchanged
        "grain_count_ratio": g_now / g_start if g_start else 1.0,
        "grain_size_ratio": s_now / s_start if s_start and s_now else 1.0,
        "hcp_fraction_change": hcp_now - hcp_start,
        "rotation_deg": rotation,
        "advection_angstrom": float(moved[region].mean()) if region.any() else 0.0,
        "n_atoms": float(m_now.sum()),
    }


def region_mask(
    frame: AtomFrame, x_range: tuple[float, float], z_range: tuple[float, float]
) -> np.ndarray:
    """Atoms of ``frame`` in the region x_range × z_range (Å; x periodic)."""
    x, z = frame.positions[:, 0] % frame.box[0], frame.positions[:, 2]
    return (x >= x_range[0]) & (x < x_range[1]) & (z >= z_range[0]) & (z < z_range[1])

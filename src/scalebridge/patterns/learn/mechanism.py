"""The deformation-mechanism map: dominant pattern over normal pressure and depth.

The classifier gives every tile of the chosen time its class probabilities (the ensemble's
mean); each tile then enters a Gaussian-process classifier (scikit-learn, one-vs-rest,
Laplace approximation) as five labels drawn from those probabilities, so a tile the model is
unsure of pulls the map towards uncertainty. The GP carries them from the simulated
conditions to a grid of pressure × depth, one panel per composition and temperature. Its
predictive probabilities give the dominant pattern and the map's uncertainty (normalised
entropy: 0 = certain, 1 = all patterns equally likely). Far from any simulation the GP
reverts to its prior, so the uncertainty grows there; the length scales are fixed fractions
of the design space (they cannot be learnt along a direction — such as temperature — that
the campaign did not vary).

The next simulations are the candidate conditions (composition, pressure, temperature) with
the largest mean uncertainty over depth, excluding those already simulated: uncertainty
sampling, the simplest active-learning rule. The uncertainty mixes two things: patterns that
really coexist at a condition (which no new simulation removes) and distance from any
simulation (which one does); ranking unsimulated conditions only, where the second
dominates, is what makes the list useful.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalebridge.errors import InputError
from scalebridge.patterns.descriptors import PATTERNS


@dataclass(frozen=True)
class DesignSpace:
    """Ranges the map and the candidates span (the campaign's own values are added)."""

    ni_fractions: tuple[float, ...] = (0.0, 0.05, 0.25, 0.6, 1.0)
    pressures_gpa: tuple[float, ...] = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0)
    temperatures_k: tuple[float, ...] = (300.0, 600.0, 900.0)
    length_scale: float = 0.3  # GP length scale, as a fraction of each range

    def ranges(self) -> dict[str, tuple[float, float]]:
        return {
            "ni_fraction": (0.0, 1.0),
            "log_pressure": (
                float(np.log(min(self.pressures_gpa))),
                float(np.log(max(self.pressures_gpa))),
            ),
            "temperature_k": (min(self.temperatures_k), max(self.temperatures_k)),
        }


@dataclass
class MechanismMap:
    """Fitted map: GP classifier over (composition, log pressure, temperature, depth)."""

    gp: Any
    classes: np.ndarray  # pattern indices the GP knows
    space: DesignSpace
    depth_range: tuple[float, float]
    simulated: pd.DataFrame  # one row per simulated condition
    time_ps: float
    tiles: pd.DataFrame = field(repr=False)

    def features(self, frame: pd.DataFrame) -> np.ndarray:
        ranges = self.space.ranges()
        columns = [
            (frame["ni_fraction"].to_numpy(float), ranges["ni_fraction"]),
            (np.log(frame["pressure_gpa"].to_numpy(float)), ranges["log_pressure"]),
            (frame["temperature_k"].to_numpy(float), ranges["temperature_k"]),
            (frame["depth_angstrom"].to_numpy(float), self.depth_range),
        ]
        return np.stack([(v - lo) / max(hi - lo, 1e-9) for v, (lo, hi) in columns], axis=1)

    def proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probabilities over all PATTERNS (len(frame) x 5)."""
        out = np.zeros((len(frame), len(PATTERNS)))
        out[:, self.classes] = self.gp.predict_proba(self.features(frame))
        return out


def entropy(proba: np.ndarray) -> np.ndarray:
    """Normalised Shannon entropy of each row (0–1)."""
    p = np.clip(proba, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=1) / np.log(proba.shape[1])


def fit_map(
    tiles: pd.DataFrame, time_ps: float, space: DesignSpace, draws: int = 5
) -> MechanismMap:
    """``tiles``: one row per tile with metadata and either class probabilities
    (``p_<pattern>`` columns, as ``patterns predict`` writes them) or ``predicted`` (a pattern
    name)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessClassifier
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel

    times = np.sort(tiles["time_ps"].unique())
    if not len(times):
        raise InputError("no tiles", source="dataset", expected="tiles with predictions")
    if not np.isclose(times, time_ps).any():
        raise InputError(
            f"no tiles at t = {time_ps} ps",
            field="--time-ps",
            expected="one of " + ", ".join(f"{t:g}" for t in times),
        )
    at = tiles[np.isclose(tiles["time_ps"], time_ps)].reset_index(drop=True)
    space = DesignSpace(
        ni_fractions=tuple(sorted(set(space.ni_fractions) | set(at["ni_fraction"]))),
        pressures_gpa=tuple(sorted(set(space.pressures_gpa) | set(at["pressure_gpa"]))),
        temperatures_k=tuple(sorted(set(space.temperatures_k) | set(at["temperature_k"]))),
        length_scale=space.length_scale,
    )
    depth = (float(at["depth_angstrom"].min()), float(at["depth_angstrom"].max()))
    columns = [f"p_{p.replace(' ', '_')}" for p in PATTERNS]
    if set(columns) <= set(at.columns):
        proba = at[columns].to_numpy(float)
        rng = np.random.default_rng(0)
        cumulative = np.cumsum(proba / proba.sum(axis=1, keepdims=True), axis=1)
        picks = (rng.random((len(at), draws, 1)) > cumulative[:, None, :]).sum(axis=2)
        labels = np.minimum(picks, len(PATTERNS) - 1).ravel()
        at = at.loc[at.index.repeat(draws)].reset_index(drop=True)
    else:
        labels = np.array([PATTERNS.index(p) for p in at["predicted"]])
    classes = np.unique(labels)
    if len(classes) < 2:
        raise InputError(
            f"the model gives every tile at t = {time_ps:g} ps the pattern "
            f"{PATTERNS[classes[0]]!r}: there is no map to draw",
            field="--time-ps",
            expected="a time at which the tiles show at least two patterns",
        )
    simulated = at[["ni_fraction", "pressure_gpa", "temperature_k"]].drop_duplicates()
    fitted = MechanismMap(None, classes, space, depth, simulated, time_ps, at)
    kernel = ConstantKernel(1.0, (0.1, 100.0)) * RBF(
        length_scale=[space.length_scale] * 4, length_scale_bounds="fixed"
    )
    gp = GaussianProcessClassifier(kernel=kernel, random_state=0, n_restarts_optimizer=0)
    with warnings.catch_warnings():  # the amplitude may sit at its bound: stated in the docs
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        fitted.gp = gp.fit(fitted.features(at), labels)
    return fitted


def map_grid(fitted: MechanismMap, ni: float, temperature: float, n: int = 40) -> pd.DataFrame:
    pressures = np.geomspace(min(fitted.space.pressures_gpa), max(fitted.space.pressures_gpa), n)
    depths = np.linspace(*fitted.depth_range, n)
    p, d = np.meshgrid(pressures, depths)
    grid = pd.DataFrame(
        {
            "ni_fraction": ni,
            "pressure_gpa": p.ravel(),
            "temperature_k": temperature,
            "depth_angstrom": d.ravel(),
        }
    )
    proba = fitted.proba(grid)
    grid["dominant"] = [PATTERNS[k] for k in proba.argmax(axis=1)]
    grid["probability"] = proba.max(axis=1)
    grid["uncertainty"] = entropy(proba)
    return grid


def next_simulations(fitted: MechanismMap, n_depths: int = 12) -> pd.DataFrame:
    """Candidate conditions ranked by the map's mean uncertainty over depth (highest first),
    without the simulated ones."""
    space = fitted.space
    done = {(round(a, 6), round(b, 6), round(c, 6)) for a, b, c in fitted.simulated.to_numpy(float)}
    depths = np.linspace(*fitted.depth_range, n_depths)
    rows = []
    for ni in space.ni_fractions:
        for pressure in space.pressures_gpa:
            for temperature in space.temperatures_k:
                if (round(ni, 6), round(pressure, 6), round(temperature, 6)) in done:
                    continue
                frame = pd.DataFrame(
                    {
                        "ni_fraction": ni,
                        "pressure_gpa": pressure,
                        "temperature_k": temperature,
                        "depth_angstrom": depths,
                    }
                )
                proba = fitted.proba(frame)
                dominant = np.bincount(proba.argmax(axis=1), minlength=len(PATTERNS)).argmax()
                rows.append(
                    {
                        "ni_fraction": ni,
                        "pressure_gpa": pressure,
                        "temperature_k": temperature,
                        "mean_uncertainty": float(entropy(proba).mean()),
                        "likely_pattern": PATTERNS[dominant],
                    }
                )
    ranked = pd.DataFrame(rows).sort_values("mean_uncertainty", ascending=False, kind="stable")
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked.reset_index(drop=True)

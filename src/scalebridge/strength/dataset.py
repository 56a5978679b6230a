"""Reading, checking and cleaning the strength dataset; selecting the pool of potentials.

The published pool (Jasperson et al. 2025): of 178 IPs, drop the 14 disqualified in MD
(rotation, phase change, amorphisation, voids) and the one whose MD failed (no strength),
then the stacking-fault-jammed ones (``SF_jamming == "yes"``) → 153 IPs. Physically absurd
OpenKIM values are set to missing (caps in :data:`OUTLIER_CAPS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalebridge.errors import InputError
from scalebridge.strength.indicators import (
    EV_PER_A2_PER_J_PER_M2,
    INDICATOR_UNITS,
    OUTLIER_CAPS,
    SPECIES,
    TARGET,
)

JAMMING_VALUES = ("yes", "pos", "no", "hcp", "")
TRUE_VALUES = ("true", "yes", "1")
FALSE_VALUES = ("false", "no", "0", "", "nan")
_MODEL_COLUMNS = ("llnl_ported_kimcode", "ported_kimcode", "model", "kim_code")
DISQUALIFIED = "disqualified in MD (rotation, phase change, amorphisation or voids)"


def shipped_path(name: str) -> Path:
    """Path of a file of the published dataset shipped inside the package."""
    return Path(str(resources.files("scalebridge") / "data" / "strength_covariance" / name))


@dataclass(frozen=True)
class Pool:
    """The potentials that enter the analysis and everything that was removed on the way.

    X: (n_ips x n_candidates) indicator values after the outlier caps, NaN where missing.
    y: (n_ips,) MD plastic strength in MPa.
    info: species and model name of each pooled IP (same row order as X).
    dropped: one row per removed IP (species, model, strength_MPa, reason).
    capped: one row per value set to missing by a cap (model, column, value, cap).
    dropped_columns: indicators not used, with the reason.
    source: where the data came from.
    """

    X: pd.DataFrame
    y: pd.Series
    info: pd.DataFrame
    dropped: pd.DataFrame
    capped: pd.DataFrame
    dropped_columns: pd.DataFrame
    source: str

    @property
    def candidates(self) -> list[str]:
        return list(self.X.columns)

    def summary(self) -> str:
        """One line: how many IPs are pooled and why the others were dropped."""
        if self.dropped.empty:
            return f"{len(self.y)} IPs, none dropped"
        counts = self.dropped["reason"].str.split(" [(]").str[0].value_counts()
        reasons = ", ".join(f"{n} {reason}" for reason, n in counts.items())
        return f"{len(self.y)} IPs in the pool; dropped {len(self.dropped)}: {reasons}"


# -- reading --------------------------------------------------------------------------------
def read_csv_checked(path: Path) -> pd.DataFrame:
    """``pandas.read_csv`` with failures turned into :class:`InputError` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=path, expected="a CSV file")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"not a readable CSV table: {message}", source=path) from None
    if frame.empty:
        raise InputError("the table has no rows", source=path, expected="one row per potential")
    return frame


def numeric_column(frame: pd.DataFrame, column: str, *, source: str | Path) -> pd.Series:
    """Column as float; text that is not a number raises an error naming row and value."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"row {row + 1} (line {row + 2}) holds {raw.iloc[row]!r}, which is not a number"
            f" ({int(bad.sum())} such value(s) in this column)",
            source=source,
            field=column,
            expected=f"a number in {INDICATOR_UNITS.get(column, 'MPa')}",
        )
    infinite = ~np.isfinite(values) & values.notna()
    if infinite.any():
        row = int(np.flatnonzero(infinite.to_numpy())[0])
        raise InputError(f"row {row + 1} (line {row + 2}) is infinite", source=source, field=column)
    return values


def _category(
    frame: pd.DataFrame, column: str, allowed: tuple[str, ...], *, source: str | Path, expected: str
) -> pd.Series:
    """A text column normalised (stripped, lower case) and checked against ``allowed``."""
    values = frame[column].astype(object).fillna("").astype(str).str.strip().str.lower()
    bad = ~values.isin(allowed)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"line {row + 2} holds {frame[column].iloc[row]!r}",
            source=source,
            field=column,
            expected=expected,
        )
    return values


def _disqualified(frame: pd.DataFrame, *, source: str | Path) -> pd.Series:
    if "disqualified" not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = _category(
        frame,
        "disqualified",
        TRUE_VALUES + FALSE_VALUES,
        source=source,
        expected="True/False, yes/no, 1/0 or empty",
    )
    return values.isin(TRUE_VALUES)


def _model_names(frame: pd.DataFrame) -> pd.Series:
    for column in _MODEL_COLUMNS:
        if column in frame.columns:
            return frame[column].astype(str)
    return pd.Series([f"row {i + 1}" for i in range(len(frame))], index=frame.index)


def check_species(frame: pd.DataFrame, *, source: str | Path) -> pd.Series:
    if "species" not in frame.columns:
        raise InputError("column missing", source=source, field="species", expected="Ag, Al, …")
    species = frame["species"].astype(str).str.strip()
    unknown = ~species.isin(SPECIES)
    if unknown.any():
        rows = np.flatnonzero(unknown.to_numpy())
        listed = ", ".join(f"{species.iloc[r]!r} (line {r + 2})" for r in rows[:5])
        raise InputError(
            f"unknown species {listed}",
            source=source,
            field="species",
            expected=f"one of {', '.join(SPECIES)}",
        )
    return species


def _jamming(frame: pd.DataFrame, *, source: str | Path) -> pd.Series:
    if "SF_jamming" not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index)
    return _category(
        frame, "SF_jamming", JAMMING_VALUES, source=source, expected="yes, pos, no, hcp or empty"
    )


# -- pool selection and cleaning ------------------------------------------------------------
def select_pool(
    frame: pd.DataFrame, *, source: str | Path, pre_dropped: pd.DataFrame | None = None
) -> Pool:
    """Apply the published pool rules, outlier caps and candidate selection to ``frame``.

    ``frame`` has one row per IP with ``species``, ``strength_MPa``, optionally
    ``disqualified`` and ``SF_jamming``, and indicator columns named as in the dataset.
    ``pre_dropped`` lists IPs removed before this table was made (shipped data only).
    """
    if TARGET not in frame.columns:
        raise InputError("column missing", source=source, field=TARGET, expected="MPa values")
    species = check_species(frame, source=source)
    strength = numeric_column(frame, TARGET, source=source)
    jamming = _jamming(frame, source=source)
    disqualified = _disqualified(frame, source=source)
    names = _model_names(frame)

    reasons = pd.Series("", index=frame.index, dtype=object)
    reasons[jamming == "yes"] = "stacking-fault jammed (SF_jamming = yes)"
    reasons[strength.isna()] = "no MD strength (MD failed or value missing)"
    reasons[disqualified] = DISQUALIFIED
    keep = reasons == ""
    dropped = pd.DataFrame(
        {
            "species": species[~keep],
            "model": names[~keep],
            "strength_MPa": strength[~keep],
            "reason": reasons[~keep],
        }
    )
    if pre_dropped is not None:
        dropped = pd.concat([pre_dropped, dropped], ignore_index=True)
    if not keep.any():
        raise InputError(
            "no potential is left after removing disqualified, failed and jammed ones",
            source=source,
        )

    present = [c for c in INDICATOR_UNITS if c in frame.columns]
    if not present:
        raise InputError(
            "no indicator columns found",
            source=source,
            expected="columns named as in the dataset, e.g. vacancy_migration_energy_fcc",
        )
    X = pd.DataFrame({c: numeric_column(frame, c, source=source) for c in present})[keep]
    X, capped = apply_outlier_caps(X, names[keep])
    empty = [c for c in X.columns if X[c].isna().all()]
    constant = [c for c in X.columns if c not in empty and X[c].nunique(dropna=True) < 2]
    others = [c for c in frame.columns if _looks_like_indicator(c) and c not in INDICATOR_UNITS]
    absent = [c for c in INDICATOR_UNITS if c not in frame.columns]
    dropped_columns = pd.DataFrame(
        {
            "column": others + absent + empty + constant,
            "reason": ["not among the 39 candidates of the published analysis"] * len(others)
            + ["not in the table"] * len(absent)
            + ["no value in the pool (all missing)"] * len(empty)
            + ["a single value in the pool (carries no information)"] * len(constant),
        }
    )
    X = X.drop(columns=empty + constant).reset_index(drop=True)
    if X.shape[1] == 0:
        raise InputError("no indicator column has two or more distinct values", source=source)
    info = pd.DataFrame({"species": species[keep], "model": names[keep]}).reset_index(drop=True)
    return Pool(
        X=X,
        y=strength[keep].reset_index(drop=True).rename(TARGET),
        info=info,
        dropped=dropped.reset_index(drop=True),
        capped=capped,
        dropped_columns=dropped_columns,
        source=str(source),
    )


def _looks_like_indicator(column: str) -> bool:
    stems = {c.rsplit("_", 1)[0] for c in INDICATOR_UNITS}
    return column.rsplit("_", 1)[0] in stems


def apply_outlier_caps(X: pd.DataFrame, names: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set values at or above the caps of :data:`OUTLIER_CAPS` to NaN; list what was capped."""
    X = X.copy()
    rows: list[dict[str, Any]] = []
    for pattern, cap, unit in OUTLIER_CAPS:
        for column in [c for c in X.columns if pattern in c]:
            hit = X[column] >= cap
            for index in X.index[hit]:
                rows.append(
                    {
                        "model": names.loc[index],
                        "column": column,
                        "value": X.at[index, column],
                        "cap": f">= {cap:g} {unit}",
                    }
                )
            X.loc[hit, column] = np.nan
    return X, pd.DataFrame(rows, columns=["model", "column", "value", "cap"])


# -- the two data sources -------------------------------------------------------------------
def load_pool(path: Path | None = None) -> Pool:
    """The pool from a user's table (``path``) or from the published data shipped inside."""
    if path is not None:
        return select_pool(read_csv_checked(path), source=path)
    props = pd.read_csv(shipped_path("models_w_props.csv"))
    return select_pool(props, source="shipped models_w_props.csv", pre_dropped=_pre_dropped(props))


def _pre_dropped(props: pd.DataFrame) -> pd.DataFrame:
    """IPs of the 178-row ``ip_list.csv`` that never reached ``models_w_props.csv``."""
    ip_list = pd.read_csv(shipped_path("ip_list.csv"))
    known = set(zip(props["species"], props["llnl_ported_kimcode"], strict=True))
    missing = ip_list[
        [
            (s, k) not in known
            for s, k in zip(ip_list["species"], ip_list["ported_kimcode"], strict=True)
        ]
    ]
    reason = np.where(
        _disqualified(missing, source="shipped ip_list.csv"),
        DISQUALIFIED,
        "no MD strength (MD failed or value missing)",
    )
    return pd.DataFrame(
        {
            "species": missing["species"].to_numpy(),
            "model": missing["ported_kimcode"].to_numpy(),
            "strength_MPa": missing["strength_MPa"].to_numpy(),
            "reason": reason,
        }
    )


def load_dft() -> pd.DataFrame:
    """DFT (PBEsol) indicators of seven metals, converted to the dataset's units.

    Returns one row per species (index) with surface and fault energies in eV/Å².
    """
    dft = pd.read_csv(shipped_path("dft.csv"))
    dft = dft[[c for c in dft.columns if c in INDICATOR_UNITS or c == "species"]]
    dft = dft.set_index("species")
    for column in dft.columns:
        if "surface_energy" in column or "stack_fault" in column:
            dft[column] = dft[column] * EV_PER_A2_PER_J_PER_M2
    return dft

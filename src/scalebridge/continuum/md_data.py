"""Reader for the coarse-grained MD data of a sheared glass (the ``cuzr_shear_md`` format).

Field files (``pe.MD.k``, ``Exy.MD.k``, ``Dpl.MD.100``): a header line ``32 32 <a> <b>``, then
32 rows (y) of 32 values (x). Frame k is at applied shear strain gamma = 0.005 k, k = 0...100.
The stress file ``stress_rand2_matlab.txt`` has one tab-separated row per Delta gamma = 0.001;
the shear stress is tau [GPa] = -(column 6, counted from 0)/1e4 (as in the published code).

The data of the published study ship with scalebridge (``scalebridge/data/cuzr_shear_md``);
:func:`load_md_data` reads them when no folder is given.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from scalebridge.errors import InputError

GRID_SHAPE = (32, 32)  # (rows y, columns x)
N_FRAMES = 101
GAMMA_PER_FRAME = 0.005
STRESS_GAMMA_STEP = 0.001
STRESS_COLUMN = 6
STRESS_SCALE = 1.0e4  # column units per GPa
CELL_ANGSTROM = 12.5


def default_md_dir() -> Path:
    """Folder of the MD data shipped with scalebridge."""
    return Path(str(resources.files("scalebridge") / "data" / "cuzr_shear_md"))


def _read_text(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError("file not found", source=path, expected="an MD field or stress file")
    try:
        return path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=path) from None


def _parse_row(tokens: list[str], path: Path, line_no: int) -> list[float]:
    values = []
    for column, token in enumerate(tokens):
        try:
            value = float(token)
        except ValueError:
            raise InputError(
                f"non-numeric entry {token!r} in column {column + 1}",
                source=path,
                field=f"line {line_no}",
                expected="a number",
            ) from None
        if not math.isfinite(value):
            raise InputError(
                f"entry {token!r} in column {column + 1} is not finite",
                source=path,
                field=f"line {line_no}",
                expected="a finite number",
            )
        values.append(value)
    return values


def read_grid_field(path: str | Path, *, shape: tuple[int, int] = GRID_SHAPE) -> np.ndarray:
    """One coarse-grained field, shape ``shape`` = (rows y, columns x), float64.

    Raises :class:`~scalebridge.errors.InputError` naming the file and line for a missing or
    malformed header, a wrong number of rows or columns, non-numeric, NaN or infinite entries.
    """
    path = Path(path)
    lines = [(k + 1, line.split()) for k, line in enumerate(_read_text(path)) if line.strip()]
    n_rows, n_cols = shape
    if not lines:
        raise InputError("file is empty", source=path, expected=f"header '{n_cols} {n_rows} a b'")
    header_no, header = lines[0]
    header_ok = len(header) == 4
    if header_ok:
        try:
            dims = (int(header[0]), int(header[1]))
            float(header[2]), float(header[3])
        except ValueError:
            header_ok = False
    if not header_ok:
        raise InputError(
            f"bad header {' '.join(header)!r}",
            source=path,
            field=f"line {header_no}",
            expected=f"'{n_cols} {n_rows} <a> <b>'",
        )
    if dims != (n_cols, n_rows):
        raise InputError(
            f"header declares a {dims[0]} x {dims[1]} grid",
            source=path,
            field=f"line {header_no}",
            expected=f"{n_cols} x {n_rows}",
        )
    rows = lines[1:]
    if len(rows) != n_rows:
        raise InputError(
            f"{len(rows)} data rows", source=path, field="rows", expected=f"{n_rows} rows (y)"
        )
    data = np.empty(shape)
    for j, (line_no, tokens) in enumerate(rows):
        if len(tokens) != n_cols:
            raise InputError(
                f"{len(tokens)} values in a row",
                source=path,
                field=f"line {line_no}",
                expected=f"{n_cols} values (x)",
            )
        data[j] = _parse_row(tokens, path, line_no)
    return data


def read_stress_curve(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """MD stress-strain curve: (gamma (N,), tau_gpa (N,)) with gamma = 0.001 * row."""
    path = Path(path)
    rows = [(k + 1, line.split()) for k, line in enumerate(_read_text(path)) if line.strip()]
    if len(rows) < 2:
        raise InputError(
            f"{len(rows)} data rows", source=path, expected="one row per 0.001 shear strain"
        )
    tau = np.empty(len(rows))
    for k, (line_no, tokens) in enumerate(rows):
        if len(tokens) <= STRESS_COLUMN:
            raise InputError(
                f"{len(tokens)} columns",
                source=path,
                field=f"line {line_no}",
                expected=f"at least {STRESS_COLUMN + 1} columns",
            )
        tau[k] = -_parse_row(tokens, path, line_no)[STRESS_COLUMN] / STRESS_SCALE
    gamma = STRESS_GAMMA_STEP * np.arange(len(rows))
    return gamma, tau


@dataclass(frozen=True, eq=False)
class MDShearData:
    """Coarse-grained MD of simple shear, labelled by frame, strain and position.

    Attributes
    ----------
    frame:
        (101,) frame numbers k.
    gamma:
        (101,) applied shear strain of each frame, 0.005 k.
    y_angstrom, x_angstrom:
        (32,) grid coordinates (row j at y = 12.5 j, column i at x = 12.5 i).
    potential_energy_ev:
        (101, 32, 32) per-atom potential energy (eV), [frame, y, x].
    shear_strain:
        (101, 32, 32) shear strain (its field mean is gamma), [frame, y, x].
    stress_gamma:
        (N,) strains of the stress curve (N = 501, step 0.001).
    stress_tau_gpa:
        (N,) MD shear stress (GPa).
    source:
        Folder the data were read from.
    """

    frame: np.ndarray
    gamma: np.ndarray
    y_angstrom: np.ndarray
    x_angstrom: np.ndarray
    potential_energy_ev: np.ndarray
    shear_strain: np.ndarray
    stress_gamma: np.ndarray
    stress_tau_gpa: np.ndarray
    source: str

    def stress_at_frames(self) -> np.ndarray:
        """(101,) MD shear stress (GPa) at the frame strains (nearest row of the stress curve)."""
        index = np.abs(self.stress_gamma[None, :] - self.gamma[:, None]).argmin(axis=1)
        return self.stress_tau_gpa[index]


@functools.lru_cache(maxsize=4)
def _load_cached(directory: str) -> MDShearData:
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError("folder not found", source=folder, expected="a cuzr_shear_md folder")
    frames = np.arange(N_FRAMES)
    energy = np.stack([read_grid_field(folder / f"pe.MD.{k}") for k in frames])
    strain = np.stack([read_grid_field(folder / f"Exy.MD.{k}") for k in frames])
    stress_gamma, stress_tau = read_stress_curve(folder / "stress_rand2_matlab.txt")
    arrays = {
        "frame": frames,
        "gamma": GAMMA_PER_FRAME * frames,
        "y_angstrom": CELL_ANGSTROM * np.arange(GRID_SHAPE[0]),
        "x_angstrom": CELL_ANGSTROM * np.arange(GRID_SHAPE[1]),
        "potential_energy_ev": energy,
        "shear_strain": strain,
        "stress_gamma": stress_gamma,
        "stress_tau_gpa": stress_tau,
    }
    for array in arrays.values():
        array.setflags(write=False)
    return MDShearData(**arrays, source=str(folder))


def load_md_data(directory: str | Path | None = None) -> MDShearData:
    """Read a ``cuzr_shear_md`` folder (default: the copy shipped with scalebridge).

    Results are cached per folder and their arrays are read-only.
    """
    folder = default_md_dir() if directory is None else Path(directory)
    return _load_cached(str(folder.resolve()))

"""LAMMPS dumps of a simple-shear run: checked headers, then per-atom strain and energy (OVITO).

A set of dumps is accepted when there are exactly 101 single-frame files (any order; they are
sorted by their ``TIMESTEP``), each with the same number of atoms, the columns ``id``,
``type``, ``x``/``y``/``z`` (or ``xu``/``yu``/``zu``) and a per-atom potential-energy column
(``c_pe`` by default), in a triclinic box whose xy tilt grows by Delta gamma = 0.005 per frame
(gamma_k = (xy_k - xy_0) / ly = 0.005 k), with x, y, z lengths and the other tilts unchanged.

The per-atom strain is OVITO's atomic strain (the Green–Lagrange tensor from a least-squares
deformation gradient over the neighbours within ``cutoff_angstrom`` in frame 0) with respect
to frame 0, with no affine mapping: the neighbour vectors are taken in the current sheared
cell, so the strain includes the applied shear and 2 E_xy of an affine shear is gamma.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scalebridge.continuum.md_data import GAMMA_PER_FRAME, N_FRAMES
from scalebridge.errors import InputError

GAMMA_TOLERANCE = 2.0e-4
LENGTH_TOLERANCE = 1.0e-3  # relative


@dataclass(frozen=True)
class DumpHeader:
    """Header of one LAMMPS text dump (one frame).

    ``lengths`` (3,) and ``tilts`` (xy, xz, yz) in Angstrom; ``columns`` as in ``ITEM: ATOMS``.
    """

    path: Path
    timestep: int
    n_atoms: int
    lengths: tuple[float, float, float]
    tilts: tuple[float, float, float]
    columns: tuple[str, ...]

    @property
    def gamma_offset(self) -> float:
        """xy / ly: the shear strain of the cell (relative to an orthogonal one)."""
        return self.tilts[0] / self.lengths[1]


def read_header(path: str | Path) -> DumpHeader:
    """The header of a LAMMPS text dump; InputError naming the file and item if malformed."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=path, expected="a LAMMPS text dump")
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            lines = [handle.readline().rstrip("\n") for _ in range(9)]
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", source=path) from None

    def item(index: int, title: str) -> None:
        if not lines[index].startswith(f"ITEM: {title}"):
            raise InputError(
                f"line {index + 1} is {lines[index][:40]!r}",
                source=path,
                field=f"ITEM: {title}",
                expected="a LAMMPS text dump (dump custom)",
            )

    item(0, "TIMESTEP")
    item(2, "NUMBER OF ATOMS")
    item(4, "BOX BOUNDS")
    item(8, "ATOMS")
    try:
        timestep = int(lines[1])
        n_atoms = int(lines[3])
        bounds = [[float(v) for v in lines[k].split()] for k in (5, 6, 7)]
    except ValueError:
        raise InputError(
            "non-numeric timestep, atom count or box bounds",
            source=path,
            field="header",
            expected="a LAMMPS text dump",
        ) from None
    if "xy" not in lines[4] or any(len(b) != 3 for b in bounds):
        raise InputError(
            "the box is orthogonal",
            source=path,
            field="ITEM: BOX BOUNDS",
            expected="a triclinic box (xy xz yz) sheared in xy",
        )
    (xlo_b, xhi_b, xy), (ylo_b, yhi_b, xz), (zlo, zhi, yz) = bounds
    # LAMMPS writes the bounding box of the tilted cell; undo it (dump documentation).
    xlo = xlo_b - min(0.0, xy, xz, xy + xz)
    xhi = xhi_b - max(0.0, xy, xz, xy + xz)
    ylo = ylo_b - min(0.0, yz)
    yhi = yhi_b - max(0.0, yz)
    return DumpHeader(
        path=path,
        timestep=timestep,
        n_atoms=n_atoms,
        lengths=(xhi - xlo, yhi - ylo, zhi - zlo),
        tilts=(xy, xz, yz),
        columns=tuple(lines[8].split()[2:]),
    )


def check_dumps(paths: Sequence[str | Path], pe_column: str = "c_pe") -> list[DumpHeader]:
    """Headers of the dumps sorted by timestep, after the checks of the module docstring."""
    if len(paths) != N_FRAMES:
        raise InputError(
            f"{len(paths)} dump files given",
            source="DUMPS",
            expected=f"{N_FRAMES} (one per Delta gamma = {GAMMA_PER_FRAME}, gamma = 0 ... 0.5)",
        )
    headers = sorted((read_header(p) for p in paths), key=lambda h: h.timestep)
    first = headers[0]
    for header in headers:
        missing = [c for c in ("id", "type") if c not in header.columns]
        if not (
            {"x", "y", "z"} <= set(header.columns) or {"xu", "yu", "zu"} <= set(header.columns)
        ):
            missing.append("x y z")
        if pe_column not in header.columns:
            missing.append(pe_column)
        if missing:
            raise InputError(
                f"no column(s) {', '.join(missing)} among {' '.join(header.columns)}",
                source=header.path,
                field="ITEM: ATOMS",
                expected=f"id type x y z {pe_column} ({pe_column}: per-atom potential energy, "
                "compute pe/atom; name another column with --pe-column)",
            )
    for previous, header in itertools.pairwise(headers):
        if header.timestep == previous.timestep:
            raise InputError(
                f"same timestep {header.timestep} as {previous.path}",
                source=header.path,
                field="ITEM: TIMESTEP",
                expected="one frame per timestep",
            )
    for k, header in enumerate(headers):
        if header.n_atoms != first.n_atoms:
            raise InputError(
                f"{header.n_atoms} atoms",
                source=header.path,
                field="ITEM: NUMBER OF ATOMS",
                expected=f"{first.n_atoms}, as in {first.path}",
            )
        _check_cell(header, first, k)
    return headers


def _check_cell(header: DumpHeader, first: DumpHeader, k: int) -> None:
    lengths, ref = np.array(header.lengths), np.array(first.lengths)
    if np.any(np.abs(lengths - ref) > LENGTH_TOLERANCE * ref):
        raise InputError(
            f"box lengths {np.round(lengths, 4).tolist()} Å",
            source=header.path,
            field="ITEM: BOX BOUNDS",
            expected=f"{np.round(ref, 4).tolist()} Å as in frame 0 (simple shear keeps them)",
        )
    if max(abs(header.tilts[1] - first.tilts[1]), abs(header.tilts[2] - first.tilts[2])) > 1e-3:
        raise InputError(
            f"xz, yz tilts {header.tilts[1]:.4g}, {header.tilts[2]:.4g}",
            source=header.path,
            field="ITEM: BOX BOUNDS",
            expected="the tilts of frame 0 (shear in xy only)",
        )
    gamma = header.gamma_offset - first.gamma_offset
    if abs(gamma - GAMMA_PER_FRAME * k) > GAMMA_TOLERANCE:
        raise InputError(
            f"frame {k} (timestep {header.timestep}) has gamma = (xy - xy_0)/ly = {gamma:.5f}",
            source=header.path,
            field="xy tilt",
            expected=f"gamma = {GAMMA_PER_FRAME} k = {GAMMA_PER_FRAME * k:.3f}",
        )


@dataclass(frozen=True)
class AtomFrame:
    """Per-atom data of one frame, rows sorted by atom id.

    Attributes
    ----------
    gamma:
        Applied shear strain, (xy - xy_0) / ly.
    reduced_xy:
        (n, 2) x and y in reduced coordinates of the current (sheared) cell, in [0, 1).
    two_exy:
        (n,) 2 E_xy of the atomic Green–Lagrange strain relative to frame 0 (NaN where OVITO
        found too few neighbours).
    energy_ev:
        (n,) per-atom potential energy (eV).
    types:
        (n,) atom types.
    """

    gamma: float
    reduced_xy: np.ndarray
    two_exy: np.ndarray
    energy_ev: np.ndarray
    types: np.ndarray


def atom_frames(
    headers: Sequence[DumpHeader], *, cutoff_angstrom: float, pe_column: str = "c_pe"
) -> Iterator[AtomFrame]:
    """Per-atom strain and energy of every frame (OVITO), in the order of ``headers``."""
    from ovito.io import import_file
    from ovito.modifiers import AtomicStrainModifier

    files = [str(h.path) for h in headers]
    try:
        pipeline = import_file(files)
    except Exception as exc:  # OVITO reports unreadable files as RuntimeError
        raise InputError(f"OVITO cannot read the dumps: {exc}", source=files[0]) from None
    n_frames = pipeline.source.num_frames if pipeline.source is not None else 0
    if n_frames != len(files):
        raise InputError(
            f"the {len(files)} files hold {n_frames} frames",
            source="DUMPS",
            expected="one frame per file",
        )
    pipeline.modifiers.append(
        AtomicStrainModifier(
            cutoff=cutoff_angstrom,
            reference_frame=0,
            affine_mapping=AtomicStrainModifier.AffineMapping.Off,
            minimum_image_convention=True,
            output_strain_tensors=True,
            select_invalid_particles=True,
        )
    )
    for k, header in enumerate(headers):
        try:
            data = pipeline.compute(k)
        except Exception as exc:
            raise InputError(
                f"OVITO cannot analyse this frame: {exc}", source=header.path
            ) from None
        particles = data.particles
        order = np.argsort(np.asarray(particles["Particle Identifier"]))
        cell = np.asarray(data.cell[...])
        reduced = np.linalg.solve(cell[:3, :3], (np.asarray(particles["Position"]) - cell[:, 3]).T)
        two_exy = 2.0 * np.asarray(particles["Strain Tensor"])[:, 3]
        invalid = np.asarray(particles["Selection"]) != 0
        two_exy = np.where(invalid, np.nan, two_exy)
        yield AtomFrame(
            gamma=header.gamma_offset - headers[0].gamma_offset,
            reduced_xy=np.mod(reduced[:2].T, 1.0)[order],
            two_exy=two_exy[order],
            energy_ev=np.asarray(particles[pe_column], dtype=float)[order],
            types=np.asarray(particles["Particle Type"])[order],
        )

"""Computational tomographs of sliding MD: an OVITO pipeline, then numpy rasterising.

dumps → delete counterbody → polyhedral template matching (with orientations), then grain
segmentation (``patterns.grains``: OVITO's own splits these thin samples) → per atom:
structure type, orientation, grain, x-velocity. The quasi-2D sample is projected along its
thin y axis onto x–z pixels (mean over the atoms in each pixel; empty pixels inside the
material take their nearest neighbour's value), giving three images per frame with the
surface at the top: orientation in the IPF key of the surface normal z, structure type,
advection velocity (x displacement since the previous frame over the interval), and two maps
relative to the first frame, as the depth-resolved analyses of sliding contacts show them:
the x displacement since t = 0 (Å, the integrated advection) and the lattice rotation of the
FCC atoms against their own orientation at t = 0 (degrees, twins not counted).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalebridge.errors import InputError
from scalebridge.patterns.colour import FCC, STRUCTURE_RGB, ipf_rgb
from scalebridge.patterns.grains import segment_grains
from scalebridge.patterns.orientation import lattice_rotation_deg, sample_direction_in_crystal

REQUIRED_COLUMNS = ("Particle Identifier", "Particle Type", "Position", "Velocity")


@dataclass(frozen=True)
class TomographSettings:
    pixel_angstrom: float = 2.0
    counterbody_type: int = 3
    grain_min_atoms: int = 20
    timestep_ps: float = 0.002  # of the MD that wrote the dumps (time = timestep × step)


@dataclass
class AtomFrame:
    """Per-atom analysis of one frame (substrate only), rows sorted by particle id."""

    time_ps: float
    ids: np.ndarray
    positions: np.ndarray  # (n, 3) Å
    structure: np.ndarray  # (n,) PTM type
    orientation: np.ndarray  # (n, 4) quaternion x, y, z, w
    grain: np.ndarray  # (n,) grain id, 0 = none
    vx: np.ndarray  # (n,) Å/ps
    box: np.ndarray  # (3,) Å
    x_unwrapped: np.ndarray | None = None  # (n,) Å, continuous in time (see unwrap_x)


def analyse(dump_files: Sequence[Path], settings: TomographSettings) -> Iterator[AtomFrame]:
    """Run the OVITO pipeline over every frame of the dumps (in the given order); grains are
    left at 0 (see :func:`assign_grains`)."""
    from ovito.io import import_file
    from ovito.modifiers import (
        DeleteSelectedModifier,
        ExpressionSelectionModifier,
        PolyhedralTemplateMatchingModifier,
    )

    for path in dump_files:
        if not Path(path).is_file():
            raise InputError("file not found", source=path, expected="a LAMMPS dump")
        try:
            pipeline = import_file(str(path))
        except Exception as exc:  # OVITO reports unreadable files as RuntimeError
            raise InputError(f"cannot read this dump: {exc}", source=path) from None
        pipeline.modifiers.append(
            ExpressionSelectionModifier(expression=f"ParticleType=={settings.counterbody_type}")
        )
        pipeline.modifiers.append(DeleteSelectedModifier())
        pipeline.modifiers.append(PolyhedralTemplateMatchingModifier(output_orientation=True))
        n_frames = pipeline.source.num_frames if pipeline.source is not None else 1
        for index in range(n_frames):
            where = f"{path} (frame {index})"
            try:
                data = pipeline.compute(index)
            except Exception as exc:
                raise InputError(f"cannot analyse: {exc}", source=where) from None
            yield _atom_frame(data, where, settings)


def _atom_frame(data: Any, where: str, settings: TomographSettings) -> AtomFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in data.particles]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}",
            source=where,
            expected="id type x y z vx vy vz",
        )
    if data.particles.count == 0:
        raise InputError("no substrate atoms in this frame", source=where)
    cell = np.asarray(data.cell[:3, :3])
    if not np.allclose(cell, np.diag(np.diag(cell))):
        raise InputError("the box is not orthogonal", source=where, expected="an orthogonal box")
    ids = np.asarray(data.particles["Particle Identifier"])
    order = np.argsort(ids)
    step = int(data.attributes.get("Timestep", 0))
    return AtomFrame(
        time_ps=step * settings.timestep_ps,
        ids=ids[order],
        positions=np.asarray(data.particles["Position"])[order],
        structure=np.asarray(data.particles["Structure Type"])[order],
        orientation=np.asarray(data.particles["Orientation"])[order],
        grain=np.zeros(len(ids), dtype=np.int64),
        vx=np.asarray(data.particles["Velocity"])[order, 0],
        box=np.diag(cell).copy(),
    )


def x_step(frame: AtomFrame, other: AtomFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Atoms of ``frame`` also in ``other`` (row indices into each) and their x displacement
    from ``other`` to ``frame`` by the minimum image of the periodic x."""
    _, here, there = np.intersect1d(frame.ids, other.ids, return_indices=True)
    dx = frame.positions[here, 0] - other.positions[there, 0]
    return here, there, dx - frame.box[0] * np.round(dx / frame.box[0])


def unwrap_x(frames: list[AtomFrame]) -> None:
    """Set ``x_unwrapped``: x continued across the periodic boundary by adding the
    minimum-image step between consecutive frames (ids matched), so displacements since the
    first frame may exceed half the box."""
    previous: AtomFrame | None = None
    for frame in frames:
        frame.x_unwrapped = frame.positions[:, 0].copy()
        if previous is not None and previous.x_unwrapped is not None:
            here, there, step = x_step(frame, previous)
            frame.x_unwrapped[here] = previous.x_unwrapped[there] + step
        previous = frame


def assign_grains(frame: AtomFrame, settings: TomographSettings) -> AtomFrame:
    """Fill ``frame.grain`` by :func:`~scalebridge.patterns.grains.segment_grains`."""
    frame.grain = segment_grains(
        frame.positions,
        frame.structure,
        frame.orientation,
        frame.box,
        min_atoms=settings.grain_min_atoms,
    )
    return frame


@dataclass(frozen=True)
class Raster:
    """Pixel grid in x (columns) and z (rows, top = surface)."""

    x0: float
    z_top: float
    pixel: float
    width: int
    height: int

    @classmethod
    def for_frame(cls, frame: AtomFrame, pixel: float) -> Raster:
        if len(frame.ids) == 0:
            raise InputError("the frame has no atoms to rasterise", source="tomograph")
        z = frame.positions[:, 2]
        width = int(np.ceil(frame.box[0] / pixel))
        height = int(np.ceil((z.max() - z.min()) / pixel)) + 1
        return cls(0.0, float(z.max()), pixel, width, height)

    def pixel_of(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        col = np.floor((positions[:, 0] - self.x0) / self.pixel).astype(int) % self.width
        row = np.floor((self.z_top - positions[:, 2]) / self.pixel).astype(int)
        inside = (row >= 0) & (row < self.height)
        return row, col, inside

    def mean(self, positions: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean of ``values`` (n x c) per pixel, NaN-free: (H x W x c) image and counts."""
        row, col, inside = self.pixel_of(positions)
        values = values.reshape(len(values), -1)[inside]
        flat = row[inside] * self.width + col[inside]
        counts = np.bincount(flat, minlength=self.height * self.width)
        sums = np.stack(
            [
                np.bincount(flat, values[:, c], self.height * self.width)
                for c in range(values.shape[1])
            ],
            axis=1,
        )
        image = sums / np.maximum(counts, 1)[:, None]
        return image.reshape(self.height, self.width, -1), counts.reshape(self.height, self.width)


def fill_gaps(image: np.ndarray, counts: np.ndarray, *, vacuum: bool = True) -> np.ndarray:
    """Empty pixels take the value of the nearest filled pixel; with ``vacuum``, those above
    the first filled pixel of their column (above the surface) are 0 instead. An image with
    no filled pixel is all 0."""
    from scipy.ndimage import distance_transform_edt

    empty = counts == 0
    if empty.all():
        return np.zeros_like(image)
    _, (ri, ci) = distance_transform_edt(empty, return_indices=True)
    filled = image[ri, ci]
    if not vacuum:
        return filled
    # above the first filled row of each column stays empty (vacuum)
    first = np.argmax(~empty, axis=0)
    rows = np.arange(image.shape[0])[:, None]
    vacuum = rows < first[None, :]
    filled[vacuum] = 0.0
    return filled


@dataclass
class Tomograph:
    """Images of one frame: ipf and structure (H x W x 3, 0–1), advection (H x W, Å/ps),
    displacement since t = 0 (H x W, Å), lattice rotation since t = 0 (H x W, degrees),
    atom density (H x W, atoms per pixel column), crystal fraction (H x W, the share of a
    pixel's atoms that are FCC now and were at t = 0: those whose rotation is defined), grain
    size (H x W, mean over the pixel's atoms of the number of atoms in the atom's grain, 0
    for atoms in no grain: the grain-size map of EBSD software), and the material mask
    (H x W).

    Pixel values are means over the pixel's atoms, so a tile's plain pixel average weights
    a pixel of two atoms like one of six; weighting by ``density`` (and, for the rotation,
    by ``density * crystal``) gives the averages over atoms that the label descriptors use."""

    time_ps: float
    ipf: np.ndarray
    structure: np.ndarray
    advection: np.ndarray
    displacement: np.ndarray
    rotation: np.ndarray
    density: np.ndarray
    crystal: np.ndarray
    grain_size: np.ndarray
    material: np.ndarray


def advection_velocity(frame: AtomFrame, previous: AtomFrame | None) -> np.ndarray:
    """x displacement rate (Å/ps, n,) of each atom since the previous frame (ids matched,
    minimum image in x); thermal vibration averages out over the frame interval."""
    if previous is None or frame.time_ps <= previous.time_ps:
        return np.zeros(len(frame.ids))
    here, _, dx = x_step(frame, previous)
    rate = np.zeros(len(frame.ids))
    rate[here] = dx / (frame.time_ps - previous.time_ps)
    return rate


def since_start(frame: AtomFrame, start: AtomFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per atom of ``frame``: x displacement since ``start`` (Å; unwrapped when
    :func:`unwrap_x` ran, else minimum image), lattice rotation since ``start`` (degrees), and
    whether the rotation is defined (FCC in both frames)."""
    here, there, dx = x_step(frame, start)
    displacement = np.zeros(len(frame.ids))
    if frame.x_unwrapped is not None and start.x_unwrapped is not None:
        displacement[here] = frame.x_unwrapped[here] - start.x_unwrapped[there]
    else:
        displacement[here] = dx
    # PTM gives HCP orientations in their own template frame: only FCC in both frames compares
    crystal = np.zeros(len(frame.ids), dtype=bool)
    crystal[here] = (frame.structure[here] == FCC) & (start.structure[there] == FCC)
    rotation = np.zeros(len(frame.ids))
    both = crystal[here]
    rotation[here[both]] = lattice_rotation_deg(
        frame.orientation[here[both]], start.orientation[there[both]]
    )
    return displacement, rotation, crystal


def tomograph(
    frame: AtomFrame,
    raster: Raster,
    previous: AtomFrame | None = None,
    start: AtomFrame | None = None,
) -> Tomograph:
    """Rasterise one analysed frame onto ``raster`` (advection from ``previous``,
    displacement and rotation since ``start``; zero without it)."""
    # cubic IPF colours mean something for FCC atoms only: PTM gives HCP/BCC orientations in
    # their own template frames, so those atoms are coloured like disorder (black)
    fcc = frame.structure == FCC
    colours = np.zeros((len(frame.ids), 3))
    if fcc.any():
        colours[fcc] = ipf_rgb(sample_direction_in_crystal(frame.orientation[fcc]))
    ipf, counts = raster.mean(frame.positions, colours)
    struct_rgb = np.array([STRUCTURE_RGB.get(int(s), (1, 1, 1)) for s in range(5)])
    structure, _ = raster.mean(frame.positions, struct_rgb[np.clip(frame.structure, 0, 4)])
    advection, _ = raster.mean(frame.positions, advection_velocity(frame, previous)[:, None])
    material = fill_gaps(np.ones((*counts.shape, 1)), counts)[..., 0] > 0
    displacement, rotation = np.zeros(counts.shape), np.zeros(counts.shape)
    crystal_share = np.zeros(counts.shape)
    if start is not None:
        moved, turned, crystal = since_start(frame, start)
        displacement = fill_gaps(raster.mean(frame.positions, moved)[0], counts)[..., 0]
        crystal_share = raster.mean(frame.positions, crystal[:, None].astype(float))[0][..., 0]
        if crystal.any():
            turned_px, crystal_counts = raster.mean(frame.positions[crystal], turned[crystal])
            rotation = np.where(material, fill_gaps(turned_px, crystal_counts)[..., 0], 0.0)
    return Tomograph(
        time_ps=frame.time_ps,
        ipf=fill_gaps(ipf, counts),
        structure=fill_gaps(structure, counts),
        advection=fill_gaps(advection, counts)[..., 0],
        displacement=displacement,
        rotation=rotation,
        density=counts.astype(float),
        grain_size=fill_gaps(raster.mean(frame.positions, grain_sizes(frame.grain))[0], counts)[
            ..., 0
        ],
        crystal=crystal_share,
        material=material,
    )


def grain_sizes(grain: np.ndarray) -> np.ndarray:
    """Atoms in the grain of each atom (0 for atoms in no grain, id 0)."""
    sizes = np.bincount(grain)
    sizes[0] = 0
    return sizes[grain].astype(float)


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.round(image * 255), 0, 255).astype(np.uint8)

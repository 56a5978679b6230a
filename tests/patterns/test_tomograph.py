"""Tomographs of polycrystals whose grain orientations are known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scalebridge.atomistic.polycrystal import build
from scalebridge.errors import InputError
from scalebridge.patterns.colour import ipf_rgb
from scalebridge.patterns.tomograph import (
    AtomFrame,
    Raster,
    TomographSettings,
    analyse,
    assign_grains,
    tomograph,
)

# rotation about the <110> column axis: 0 → z ∥ [001], 54.74° → [111], 90° → [110]
ANGLES = np.radians([0.0, np.degrees(np.arctan(np.sqrt(2))), 90.0])
SEEDS = np.array([[20.0, 25.0], [60.0, 25.0], [100.0, 25.0]])
EXPECTED = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], dtype=float)


def write_dump(
    path: Path,
    pos: np.ndarray,
    types: np.ndarray,
    box: np.ndarray,
    step: int = 0,
    tilt: float = 0.0,
    columns: str = "id type x y z vx vy vz",
) -> None:
    n = len(pos)
    header = [
        "ITEM: TIMESTEP",
        str(step),
        "ITEM: NUMBER OF ATOMS",
        str(n),
        "ITEM: BOX BOUNDS xy xz yz pp pp ff" if tilt else "ITEM: BOX BOUNDS pp pp ff",
    ]
    extra = f" {tilt}" if tilt else ""
    header += [
        f"0 {box[0]}{extra}",
        f"0 {box[1]}{' 0' if tilt else ''}",
        f"0 {box[2]}{' 0' if tilt else ''}",
        f"ITEM: ATOMS {columns}",
    ]
    data = {
        "id": np.arange(1, n + 1),
        "type": types,
        "x": pos[:, 0],
        "y": pos[:, 1],
        "z": pos[:, 2],
        "vx": np.zeros(n),
        "vy": np.zeros(n),
        "vz": np.zeros(n),
    }
    rows = np.column_stack([data[c] for c in columns.split()])
    lines = [" ".join(f"{v:g}" for v in row) for row in rows]
    path.write_text("\n".join(header + lines) + "\n")


@pytest.fixture(scope="module")
def crystal():
    return build(
        (120.0, 10.0, 50.0),
        3,
        a_angstrom=3.6,
        ni_fraction=0.0,
        angles_rad=ANGLES,
        seeds_xz_angstrom=SEEDS,
    )


def test_known_grains_get_their_ipf_colours_and_are_counted(crystal, tmp_path):
    dump = tmp_path / "frame.0.dump"
    write_dump(dump, crystal.positions_angstrom, crystal.types, crystal.box_angstrom)
    frame = assign_grains(next(analyse([dump], TomographSettings())), TomographSettings())
    grains = np.unique(frame.grain[frame.grain > 0], return_counts=True)
    assert (grains[1] >= 100).sum() == 3
    image = tomograph(frame, Raster.for_frame(frame, 2.0))
    for (x, _z), colour in zip(SEEDS, EXPECTED, strict=True):
        row = int(image.ipf.shape[0] * 0.5)
        col = int(x / 2.0)
        patch = image.ipf[row - 3 : row + 3, col - 3 : col + 3].reshape(-1, 3)
        np.testing.assert_allclose(np.median(patch, axis=0), colour, atol=0.05)
    # the structure image is FCC grey inside the grains
    assert np.allclose(image.structure[12, 10], 0.55, atol=0.01)


def test_ipf_key_corners():
    rgb = ipf_rgb(np.array([[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, -1, 0], [1, 1, 2]], float))
    np.testing.assert_allclose(rgb[:4], [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], atol=1e-12)
    assert rgb[4, 1] == pytest.approx(0) and rgb[4, 0] == pytest.approx(rgb[4, 2])  # magenta


def test_bad_dumps_name_the_file(crystal, tmp_path):
    good = tmp_path / "good.dump"
    write_dump(good, crystal.positions_angstrom, crystal.types, crystal.box_angstrom)
    truncated = tmp_path / "truncated.dump"
    truncated.write_text("\n".join(good.read_text().splitlines()[:200]))
    with pytest.raises(InputError, match=r"truncated\.dump"):
        list(analyse([truncated], TomographSettings()))
    no_velocity = tmp_path / "novel.dump"
    write_dump(
        no_velocity,
        crystal.positions_angstrom,
        crystal.types,
        crystal.box_angstrom,
        columns="id type x y z",
    )
    with pytest.raises(InputError, match="Velocity"):
        list(analyse([no_velocity], TomographSettings()))
    tilted = tmp_path / "tilted.dump"
    write_dump(tilted, crystal.positions_angstrom, crystal.types, crystal.box_angstrom, tilt=5.0)
    with pytest.raises(InputError, match="orthogonal"):
        list(analyse([tilted], TomographSettings()))


def _frame(positions, orientation, time_ps, box):
    n = len(positions)
    return AtomFrame(
        time_ps=time_ps,
        ids=np.arange(1, n + 1),
        positions=positions,
        structure=np.full(n, 1),  # FCC
        orientation=orientation,
        grain=np.ones(n, dtype=np.int64),
        vx=np.zeros(n),
        box=box,
    )


def _about_axis(axis, degrees, n):
    a = np.asarray(axis, float) / np.linalg.norm(axis)
    half = np.radians(degrees) / 2
    return np.tile(np.r_[a * np.sin(half), np.cos(half)], (n, 1))


def test_displacement_and_rotation_maps_since_the_start():
    rng = np.random.default_rng(0)
    box = np.array([40.0, 4.0, 20.0])
    start_xyz = rng.uniform((0, 0, 0), box, (4000, 3))
    left = start_xyz[:, 0] < 20
    start = _frame(start_xyz, _about_axis([0, 0, 1], 0, 4000), 0.0, box)
    turned = np.where(
        left[:, None], _about_axis([0, 0, 1], 20, 4000), _about_axis([1, 1, 1], 60, 4000)
    )
    now = _frame(start_xyz + np.array([3.0, 0, 0]), turned, 10.0, box)  # shifted by 3 Å
    now.positions[:, 0] %= box[0]
    image = tomograph(now, Raster.for_frame(now, 2.0), start=start)
    inside = image.material
    assert np.allclose(image.displacement[inside], 3.0, atol=1e-9)
    # columns whose atoms came from the left half turned by 20°; the right half twinned (60°
    # about <111>), which is not a lattice rotation
    assert np.allclose(image.rotation[3:-3, 4:9], 20.0, atol=1e-6)
    assert np.allclose(image.rotation[3:-3, 14:19], 0.0, atol=1e-6)
    # without a start frame the maps are zero
    alone = tomograph(now, Raster.for_frame(now, 2.0))
    assert not alone.displacement.any() and not alone.rotation.any()


def test_tile_grain_maps_count_grains_inside_the_tile_and_give_the_size_ratio():
    """Weighted by the grain atoms, a tile's grain-size map averages to the labels' Σn²/Σn of
    the grains *inside* the tile, so the maps now and at t = 0 give the grain size ratio."""
    from scalebridge.patterns.descriptors import LabelRules, region_descriptors
    from scalebridge.patterns.tiles import tile_grain_maps

    rng = np.random.default_rng(1)
    box = np.array([64.0, 4.0, 32.0])
    xyz = rng.uniform((0, 0, 0), box, (6000, 3))
    start = _frame(xyz, _about_axis([0, 0, 1], 0, 6000), 0.0, box)
    start.grain = np.where(xyz[:, 0] < 40, 1, 2)  # grain 1 runs past the tile's edge at 32 Å
    now = _frame(xyz, _about_axis([0, 0, 1], 0, 6000), 10.0, box)
    now.grain = 1 + (xyz[:, 0] // 8).astype(np.int64)  # refined: 8 Å wide grains
    now.grain[xyz[:, 2] > 30] = 0  # a layer of atoms in no grain
    raster = Raster.for_frame(start, 2.0)
    window = (slice(0, 16), slice(0, 16))
    x_range, z_range = (0.0, 32.0), (raster.z_top - 32.0, raster.z_top)
    ratio = []
    for frame in (now, start):
        size, atoms = tile_grain_maps(frame, raster, window, x_range, z_range)
        assert size.shape == atoms.shape == (16, 16)
        inside = frame.grain[(frame.positions[:, 0] < 32) & (frame.positions[:, 2] >= z_range[0])]
        n = np.bincount(inside[inside > 0]).astype(float)
        assert atoms.sum() == n.sum()
        mean = (size * atoms).sum() / atoms.sum()
        assert mean == pytest.approx((n**2).sum() / n.sum(), rel=1e-9)
        assert size.max() <= n.max()  # grain 1 of the start counted inside the tile only
        ratio.append(mean)
    d = region_descriptors(now, start, x_range, z_range, LabelRules())
    assert ratio[0] / ratio[1] == pytest.approx(d["grain_size_ratio"], rel=1e-9)
    assert d["grain_size_ratio"] < 0.67  # refinement


def test_tile_grain_maps_keep_atoms_outside_the_box_and_on_the_tile_edge():
    """Dumps may hold atoms a little outside [0, box) in x, and a box need not be a
    multiple of the pixel: every atom of the region still lands in its tile's window."""
    from scalebridge.patterns.tiles import tile_grain_maps

    rng = np.random.default_rng(2)
    box = np.array([65.0, 4.0, 32.0])
    xyz = rng.uniform((-1.5, 0, 0), (66.5, 4, 32), (5000, 3))
    xyz[0] = (0.0, 1.0, 0.0)  # exactly on the bottom edge of the tile below the surface
    frame = _frame(xyz, _about_axis([0, 0, 1], 0, 5000), 0.0, box)
    frame.grain = 1 + ((xyz[:, 0] % box[0]) // 10).astype(np.int64)
    raster = Raster(0.0, 32.0, 2.0, 33, 16)
    for c0 in (0, 16):
        x_range = (c0 * 2.0, (c0 + 16) * 2.0)
        atoms = tile_grain_maps(
            frame, raster, (slice(0, 16), slice(c0, c0 + 16)), x_range, (0.0, 32.0)
        )[1]
        x = xyz[:, 0] % box[0]
        assert atoms.sum() == ((x >= x_range[0]) & (x < x_range[1])).sum()

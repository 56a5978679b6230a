"""What the classifier's "tomograph" inputs read from the published images alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalebridge.patterns.colour import FCC, HCP, STRUCTURE_RGB, ipf_direction, ipf_rgb
from scalebridge.patterns.learn.images import colour_grains, colour_turn, integrated_advection


def _rotation_about_y(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def test_ipf_direction_inverts_the_colour_key():
    rng = np.random.default_rng(0)
    d = rng.normal(size=(200, 3))
    back = np.stack(ipf_direction(*ipf_rgb(d).T), axis=1)
    expected = np.sort(np.abs(d) / np.linalg.norm(d, axis=1, keepdims=True), axis=1)
    np.testing.assert_allclose(back, expected, atol=1e-12)


def test_advection_images_integrate_to_the_flow_since_the_first_frame():
    # two regions, rows out of time order; velocity is the mean over the interval before
    table = pd.DataFrame(
        {
            "run": ["a", "a", "a", "a", "b", "a"],
            "x_angstrom": [16.0, 16.0, 48.0, 16.0, 16.0, 48.0],
            "depth_angstrom": [16.0] * 6,
            "time_ps": [5.0, 0.0, 0.0, 2.0, 0.0, 2.0],
        }
    )
    velocity = np.array([3.0, 9.0, 1.0, 1.5, 7.0, -2.0], np.float32)[:, None, None]
    flowed = integrated_advection(table, np.broadcast_to(velocity, (6, 2, 2)))
    assert flowed[:, 0, 0].tolist() == pytest.approx([1.5 * 2 + 3.0 * 3, 0, 0, 3.0, 0, -4.0])


def _tile(colours: np.ndarray, structure: np.ndarray | None = None) -> tuple:
    """One tile (1 x 3 x T x T) of the given colours (T x T x 3), FCC unless given."""
    if structure is None:
        structure = np.broadcast_to(np.array(STRUCTURE_RGB[FCC]), colours.shape)
    as_tile = [np.asarray(x, np.float32).transpose(2, 0, 1)[None] for x in (colours, structure)]
    return as_tile[0], as_tile[1]


def test_colour_regions_give_the_grain_sizes_of_the_image():
    red, blue = ipf_rgb(np.array([[0, 0, 1.0], [1.0, 1.0, 1.0]]))
    colours = np.empty((4, 6, 3))
    colours[:, :2], colours[:, 2:] = red, blue
    structure = np.broadcast_to(np.array(STRUCTURE_RGB[FCC]), colours.shape).copy()
    structure[:, 5] = STRUCTURE_RGB[HCP]  # a twin boundary column: not a grain pixel
    sizes = colour_grains(*_tile(colours, structure))[0]
    assert sizes[:, :2].tolist() == [[8.0, 8.0]] * 4
    assert sizes[:, 2:5].tolist() == [[12.0] * 3] * 4
    assert sizes[:, 5].tolist() == [0.0] * 4
    grain = sizes > 0  # mean over grain pixels: Σa²/Σa of the two regions
    assert sizes[grain].mean() == pytest.approx((8**2 + 12**2) / 20)


def test_colour_turn_follows_the_material_upstream():
    """A grain turned by 6° about y and carried 2 pixels downstream reads the angle its
    surface-normal direction turned where its material came from inside the tile, unknown
    where it came from outside; without the turn, the carried stripes read 0° — not the
    colour change at a fixed pixel."""
    base = np.array([[0.2, 0.45, 0.87]])
    stripes = np.stack([base @ _rotation_about_y(10.0 * (i % 3)).T for i in range(8)])[:, 0]
    start = np.broadcast_to(ipf_rgb(stripes), (3, 8, 3))
    carried = np.roll(start, 2, axis=1)
    turned = ipf_rgb(stripes @ _rotation_about_y(6.0).T)
    turned_now = np.roll(np.broadcast_to(turned, (3, 8, 3)), 2, axis=1)
    ipf, structure = (
        np.concatenate(x) for x in zip(_tile(start), _tile(carried), _tile(turned_now), strict=True)
    )
    flowed = np.array([0.0, 4.0, 4.0])[:, None, None] * np.ones((3, 3, 8), np.float32)
    turn = colour_turn(ipf, structure, flowed, np.array([0, 0, 0]), pixel_angstrom=2.0)
    np.testing.assert_allclose(turn[0], 0.0, atol=0.05)  # float32 colours
    assert (turn[1:, :, :2] == -1).all()
    np.testing.assert_allclose(turn[1, :, 2:], 0.0, atol=0.05)
    unit = stripes / np.linalg.norm(stripes, axis=1, keepdims=True)
    angle = np.degrees(np.arccos((unit * (unit @ _rotation_about_y(6.0).T)).sum(axis=1)))
    assert 5.0 < angle.min() <= angle.max() <= 6.0
    np.testing.assert_allclose(turn[2, :, 2:], np.broadcast_to(angle[:6], (3, 6)), atol=0.05)
    fixed_pixel = colour_turn(ipf, structure, np.zeros_like(flowed), np.zeros(3, int), 2.0)
    assert fixed_pixel[1].max() > 9.0

from __future__ import annotations

import numpy as np
import pytest

from scalebridge.patterns.colour import ipf_direction, ipf_rgb
from scalebridge.patterns.descriptors import PATTERNS, LabelRules
from scalebridge.patterns.orientation import (
    _SYMMETRY,
    UNSEEN_SAMPLE_TURNS,
    direction_turn_deg,
    keys_misorientations_deg,
    misorientation_deg,
    orientation_from_keys,
    rotation_matrices,
    sample_direction_in_crystal,
)


def _about(axis, degrees):
    a = np.asarray(axis, float) / np.linalg.norm(axis)
    half = np.radians(degrees) / 2
    return np.r_[a * np.sin(half), np.cos(half)][None]


def test_cubic_symmetry_group_is_the_24_rotations_of_the_cube():
    mats = np.round(rotation_matrices(_SYMMETRY)).astype(int)
    assert len({m.tobytes() for m in mats}) == 24
    for m in mats:
        assert abs(round(np.linalg.det(m))) == 1 and (np.abs(m).sum(axis=0) == 1).all()


@pytest.mark.parametrize(
    ("axis", "angle", "expected"),
    [
        ([0, 0, 1], 10, 10),
        ([0, 0, 1], 90, 0),
        ([0, 0, 1], 50, 40),
        ([1, 1, 1], 60, 60),
        ([1, 1, 1], 120, 0),
        ([1, 1, 0], 5, 5),
    ],
)
def test_misorientation_known_values(axis, angle, expected):
    identity = np.array([[0.0, 0.0, 0.0, 1.0]])
    assert misorientation_deg(identity, _about(axis, angle))[0] == pytest.approx(expected, abs=1e-9)


def test_misorientation_is_symmetric_and_invariant():
    rng = np.random.default_rng(0)
    q1, q2 = rng.normal(size=(2, 50, 4))
    q1 /= np.linalg.norm(q1, axis=1, keepdims=True)
    q2 /= np.linalg.norm(q2, axis=1, keepdims=True)
    np.testing.assert_allclose(misorientation_deg(q1, q2), misorientation_deg(q2, q1), atol=1e-8)
    assert misorientation_deg(q1, q2).max() <= 62.8 + 1e-6  # the cubic disorientation limit


def test_misorientation_closed_form_is_the_minimum_over_the_24_operations():
    rng = np.random.default_rng(1)
    q1, q2 = rng.normal(size=(2, 2000, 4))
    q1 /= np.linalg.norm(q1, axis=1, keepdims=True)
    q2 /= np.linalg.norm(q2, axis=1, keepdims=True)
    # every relative rotation q1⁻¹·q2·s (x y z w), its angle, the smallest over s
    inverse = q1 * [-1, -1, -1, 1]
    angles = [
        2 * np.degrees(np.arccos(np.clip(np.abs(_times(_times(inverse, q2), s[None])[:, 3]), 0, 1)))
        for s in _SYMMETRY
    ]
    np.testing.assert_allclose(misorientation_deg(q1, q2), np.min(angles, axis=0), atol=1e-6)
    # the length of the quaternions does not matter; small angles stay accurate
    np.testing.assert_allclose(misorientation_deg(3 * q1, -0.2 * q2), misorientation_deg(q1, q2))
    tiny = misorientation_deg(q1[:1], _times(q1[:1], _about([1, 2, 3], 1e-4)))
    assert tiny[0] == pytest.approx(1e-4, rel=1e-6)


def test_sample_normal_of_a_rotated_crystal():
    q = _about([1, -1, 0], np.degrees(np.arctan(np.sqrt(2))))  # brings [111]-ish onto z
    d = sample_direction_in_crystal(q)[0]
    assert np.sort(np.abs(d)) == pytest.approx(np.full(3, 1 / np.sqrt(3)), abs=1e-9)


def _times(p, q):
    """Quaternion product p·q (x, y, z, w; rows)."""
    (x1, y1, z1, w1), (x2, y2, z2, w2) = p.T, q.T
    return np.stack(
        [
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        ],
        axis=1,
    )


def test_direction_turn_is_what_one_colour_key_tells_of_a_rotation():
    crystal = _about([1, 2, 3], 17)  # a generic orientation, away from the triangle's edges
    # a turn of the lattice about the surface normal (sample z) keeps the colour
    assert direction_turn_deg(_times(_about([0, 0, 1], 20), crystal), crystal)[0] < 1e-6
    # a small turn about an in-plane axis: the whole angle
    turned = _times(_about([0, 1, 0], 6), crystal)
    assert direction_turn_deg(turned, crystal)[0] == pytest.approx(6.0, abs=1e-6)
    assert direction_turn_deg(turned, crystal, (0, 1, 0))[0] < 1e-6  # the y key does not see it
    # a Σ3 twin (60° about a crystal <111>) is no lattice rotation for the labels, a turn here
    twin = _times(crystal, _about([1, 1, 1], 60))
    assert misorientation_deg(twin, crystal)[0] == pytest.approx(60.0, abs=1e-6)
    assert direction_turn_deg(twin, crystal)[0] > 20
    # never more than the misorientation
    rng = np.random.default_rng(1)
    q1, q2 = rng.normal(size=(2, 200, 4))
    q1 /= np.linalg.norm(q1, axis=1, keepdims=True)
    q2 /= np.linalg.norm(q2, axis=1, keepdims=True)
    assert (direction_turn_deg(q1, q2) <= misorientation_deg(q1, q2) + 1e-6).all()


def _keys(q):
    """What the IPF keys of the surface normal and the sliding direction name (n x 3 each)."""
    return [
        np.stack(ipf_direction(*ipf_rgb(sample_direction_in_crystal(q, axis)).T), axis=1)
        for axis in ((0, 0, 1), (1, 0, 0))
    ]


def test_two_colour_keys_name_the_orientation_up_to_the_turns_no_key_sees():
    rng = np.random.default_rng(2)
    q = rng.normal(size=(2000, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    read = orientation_from_keys(*_keys(q))
    # the orientation comes back, up to the cubic symmetry and 180° turns about x, y or z
    assert keys_misorientations_deg(read, q).min(axis=1).max() < 1e-6
    # ... and those turns are truly unseen: every key colours h·q as q
    for h in UNSEEN_SAMPLE_TURNS:
        turned = _times(np.tile(h, (len(q), 1)), q)
        for axis in ((1, 0, 0), (0, 1, 0), (0, 0, 1)):
            colours = (ipf_rgb(sample_direction_in_crystal(x, axis)) for x in (q, turned))
            np.testing.assert_allclose(*colours, atol=1e-9)
    # a turn about the surface normal, which one key misses (see above), two keys see
    crystal = _about([1, 2, 3], 17)
    turned = _times(_about([0, 0, 1], 7), crystal)
    first, second = (orientation_from_keys(*_keys(x)) for x in (turned, crystal))
    assert keys_misorientations_deg(first, second).min() == pytest.approx(7.0, abs=1e-6)
    # a pixel without colour reads as the identity
    blank = orientation_from_keys(np.zeros((1, 3)), np.array([[0.0, 0.6, 0.8]]))
    np.testing.assert_allclose(np.abs(blank), [[0, 0, 0, 1]], atol=1e-12)


def test_label_rules_in_their_order():
    rules = LabelRules()
    base = {
        "grain_size_ratio": 1.0,
        "hcp_fraction_change": 0.0,
        "rotation_deg": 0.0,
        "advection_angstrom": 0.0,
    }
    assert rules.label(base) == "no significant change"
    assert rules.label(base | {"hcp_fraction_change": 0.08}) == "twinning"
    assert rules.label(base | {"grain_size_ratio": 0.5, "hcp_fraction_change": 0.08}) == (
        "twinning"
    )
    assert rules.label(base | {"grain_size_ratio": 0.5}) == "grain refinement"
    assert rules.label(base | {"grain_size_ratio": 2.0}) == "grain coarsening"
    sheared = base | {"advection_angstrom": 10.0, "rotation_deg": 20.0, "grain_size_ratio": 0.5}
    assert rules.label(sheared) == "shear layer"
    assert set(PATTERNS) == {
        "no significant change",
        "grain refinement",
        "grain coarsening",
        "twinning",
        "shear layer",
    }


def test_vectorised_rules_agree_with_the_rules_one_tile_at_a_time():
    import torch

    rules = LabelRules()
    rng = np.random.default_rng(1)
    n = 500
    ratio = np.exp(rng.uniform(-1, 1, n))
    hcp, rotation, advection = (
        rng.uniform(-0.1, 0.2, n),
        rng.uniform(0, 20, n),
        rng.uniform(-2, 10, n),
    )
    one_by_one = [
        PATTERNS.index(
            rules.label(
                {
                    "grain_size_ratio": ratio[i],
                    "hcp_fraction_change": hcp[i],
                    "rotation_deg": rotation[i],
                    "advection_angstrom": advection[i],
                }
            )
        )
        for i in range(n)
    ]
    assert len(set(one_by_one)) == len(PATTERNS)  # the draw reaches every pattern
    columns = (np.log(ratio), hcp, rotation, advection)
    np.testing.assert_array_equal(rules.classify(*columns), one_by_one)
    as_torch = rules.classify(*(torch.from_numpy(c) for c in columns))
    np.testing.assert_array_equal(as_torch.numpy(), one_by_one)


def test_rules_refuse_crossed_grain_thresholds_and_keep_unknown_ratios_unchanged():
    from scalebridge.errors import InputError

    with pytest.raises(InputError, match="refinement"):
        LabelRules(refinement_size_ratio=1.6, coarsening_size_ratio=1.5)
    unknown = {
        "grain_size_ratio": float("nan"),
        "hcp_fraction_change": 0.0,
        "rotation_deg": 0.0,
        "advection_angstrom": 0.0,
    }
    assert LabelRules().label(unknown) == "no significant change"


def test_stored_maps_saturate_instead_of_overflowing():
    from scalebridge.patterns.tiles import float16

    stored = float16(np.array([12.0, 1e6, -1e6]))
    assert stored.dtype == np.float16 and np.isfinite(stored).all()
    assert stored[0] == 12.0 and stored[1] == np.finfo(np.float16).max

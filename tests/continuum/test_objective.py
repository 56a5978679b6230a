from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import subspace_angles

from scalebridge.continuum.md_data import load_md_data
from scalebridge.continuum.objective import (
    SNAPSHOT_RANKS,
    grassmann_distance,
    published_objective,
    snapshot_frames,
)
from scalebridge.continuum.reference import REFERENCE_FRAMES, load_reference
from scalebridge.errors import InputError


def _reference_fields() -> tuple[np.ndarray, np.ndarray]:
    ref = load_reference()
    two_exy = np.zeros((101, 32, 32))  # only the nine snapshot frames enter the objective
    for k, field in ref.two_exy.items():
        two_exy[k] = field
    return two_exy, ref.tau_gpa


def test_reference_outputs_reproduce_the_published_summary():
    """The objective of the reference solver's own outputs equals its summary.json."""
    md = load_md_data()
    two_exy, tau = _reference_fields()
    result = published_objective(two_exy, tau, md)
    summary = load_reference().summary["objective"]
    np.testing.assert_array_equal(result.frames, REFERENCE_FRAMES)
    np.testing.assert_array_equal(result.ranks, SNAPSHOT_RANKS)
    # gamma = 0.05 is ill-posed (uniform continuum field, arbitrary singular vectors)
    np.testing.assert_allclose(result.per_snapshot[1:], summary["d_G_per_snapshot"][1:], atol=1e-5)
    assert result.d_stress == pytest.approx(summary["d_tau"], abs=1e-8)
    # d = (d_G + 3 d_tau) / 4: the only difference to the published d is the gamma = 0.05 term
    ill_posed_shift = (result.per_snapshot[0] - summary["d_G_per_snapshot"][0]) / 9 / 4
    assert result.d - summary["d"] == pytest.approx(ill_posed_shift, abs=1e-6)


def test_stress_term_weights_the_peak_and_counts_nonzero_terms():
    md = load_md_data()
    two_exy = np.broadcast_to(md.gamma[:, None, None], (101, 32, 32)).copy()
    tau_md = md.stress_at_frames()
    offset = np.zeros(101)
    offset[20] = 0.1  # inside frames 15-27: weighted x5
    offset[50] = 0.2
    result = published_objective(two_exy, tau_md + offset, md)
    assert result.d_stress == pytest.approx((5 * 0.1 + 0.2) / 2)


def test_grassmann_distance_known_values():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(32, 32))
    assert grassmann_distance(a, a, 5) == 0.0
    # invariant to scaling and to mixing columns (same rank-5 column space)
    low = rng.normal(size=(32, 5)) @ rng.normal(size=(5, 32))
    assert grassmann_distance(low, 3.0 * low @ rng.normal(size=(32, 32)), 5) == 0.0
    # orthogonal 2D subspaces: two right angles
    e = np.eye(32)
    assert grassmann_distance(e[:, :2] @ np.diag([2.0, 1.0]) @ e[:2], e[:, 2:4] @ e[2:4], 2) == (
        pytest.approx(np.pi / 2 * np.sqrt(2))
    )
    b = rng.normal(size=(32, 32))
    u_a = np.linalg.svd(a)[0][:, :6]
    u_b = np.linalg.svd(b)[0][:, :6]
    expected = np.sqrt(np.sum(subspace_angles(u_a, u_b) ** 2))
    assert grassmann_distance(a, b, 6) == pytest.approx(expected, abs=2e-3)


def test_snapshot_frames_and_bad_input():
    md = load_md_data()
    np.testing.assert_array_equal(snapshot_frames(md.gamma), REFERENCE_FRAMES)
    with pytest.raises(InputError, match="expected"):
        published_objective(np.zeros((100, 32, 32)), np.zeros(101), md)
    fields = np.zeros((101, 32, 32))
    fields[3, 1, 1] = np.nan
    with pytest.raises(InputError, match="non-finite"):
        published_objective(fields, np.zeros(101), md)

from __future__ import annotations

import math

import numpy as np
import pytest

from scalebridge.calibration.objective_robust import (
    numerical_rank,
    robust_grassmann_distance,
    robust_objective,
)
from scalebridge.continuum.md_data import load_md_data
from scalebridge.continuum.objective import grassmann_distance, published_objective


def test_equals_the_published_distance_where_ranks_are_full() -> None:
    rng = np.random.default_rng(0)
    for rank in (2, 5, 16):
        a, b = rng.normal(size=(32, 32)), rng.normal(size=(32, 32))
        assert robust_grassmann_distance(a, b, rank) == pytest.approx(
            grassmann_distance(a, b, rank), abs=1e-5
        )


def test_identical_fields_are_at_distance_zero() -> None:
    a = np.random.default_rng(1).normal(size=(32, 32))
    assert robust_grassmann_distance(a, a, 10) == pytest.approx(0.0, abs=1e-6)


def test_uniform_field_does_not_depend_on_arbitrary_singular_vectors() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(size=(32, 32))
    uniform = np.full((32, 32), 0.05)
    noisy = uniform + 1e-11 * rng.normal(size=(32, 32))  # moves the arbitrary vectors only
    assert numerical_rank(np.linalg.svd(noisy, compute_uv=False)) == 1
    robust = [robust_grassmann_distance(a, f, 2) for f in (uniform, noisy)]
    assert robust[0] == pytest.approx(robust[1], abs=1e-8)
    # one well-defined angle (the constant vector against span(u_A1, u_A2)), one orthogonal
    u_a = np.linalg.svd(a)[0][:, :2]
    theta = math.acos(min(1.0, float(np.linalg.norm(u_a.T @ np.full(32, 1 / math.sqrt(32))))))
    assert robust[0] == pytest.approx(math.sqrt(theta**2 + (math.pi / 2) ** 2), abs=1e-8)
    # the published distance picks up whatever the extra vector happens to be
    published = [grassmann_distance(a, f, 2) for f in (uniform, noisy)]
    assert abs(published[0] - published[1]) > 1e-3
    # two uniform fields agree: their well-defined subspaces coincide
    assert robust_grassmann_distance(noisy, 2 * uniform, 2) == pytest.approx(0.0, abs=1e-6)


def test_robust_objective_keeps_the_stress_term_and_matches_on_md_itself() -> None:
    md = load_md_data()
    two_exy = np.array(md.shear_strain)
    tau = md.stress_at_frames() + 0.1
    robust = robust_objective(two_exy, tau, md)
    paper = published_objective(two_exy, tau, md)
    assert robust.d_stress == pytest.approx(paper.d_stress)
    assert np.allclose(robust.per_snapshot, 0.0, atol=1e-5)
    assert robust.d == pytest.approx((robust.d_grassmann + 3 * robust.d_stress) / 4)

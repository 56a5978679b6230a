"""Crystal orientations as quaternions (x, y, z, w, OVITO's order): rotation matrices,
directions in crystal axes, and misorientation under cubic symmetry."""

from __future__ import annotations

import itertools

import numpy as np


def rotation_matrices(quaternions_xyzw: np.ndarray) -> np.ndarray:
    """(n x 3 x 3) rotation matrices of unit quaternions given as (x, y, z, w) (OVITO order)."""
    q = np.asarray(quaternions_xyzw, dtype=float)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    x, y, z, w = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=1,
    )


def sample_direction_in_crystal(
    quaternions_xyzw: np.ndarray, sample_direction: tuple[float, float, float] = (0, 0, 1)
) -> np.ndarray:
    """The sample direction (default z, the surface normal) expressed in each crystal's axes.

    OVITO's PTM orientation rotates the crystal (template) frame into the sample frame, so the
    sample direction in crystal axes is Rᵀ·d.
    """
    rot = rotation_matrices(quaternions_xyzw)
    return np.einsum("nji,j->ni", rot, np.asarray(sample_direction, dtype=float))


def direction_turn_deg(
    now: np.ndarray, start: np.ndarray, sample_direction: tuple[float, float, float] = (0, 0, 1)
) -> np.ndarray:
    """Angle (degrees, n,) between the sample direction in the crystal axes of orientation
    ``start`` and of ``now`` (n x 4, x y z w), each reduced to the standard triangle: how far
    the direction that an IPF colour key along it shows has turned. A lower bound of
    :func:`misorientation_deg` — 0 for a turn about the direction itself — in
    which a Σ3 twin reads as a turn."""
    a, b = (
        np.sort(np.abs(sample_direction_in_crystal(q, sample_direction)), axis=1)
        for q in (now, start)
    )
    cosine = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def product(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quaternion product p·q (n x 4, x y z w; rows, or one row against many): the rotation q
    followed by p."""
    (x1, y1, z1, w1), (x2, y2, z2, w2) = np.asarray(p, float).T, np.asarray(q, float).T
    return np.stack(
        [
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        ],
        axis=-1,
    )


#: The 48 signed permutation matrices: the cube's 24 rotations (determinant +1) and its 24
#: improper operations.
_SIGNED_PERMUTATIONS = np.array(
    [
        np.diag(signs)[list(order)]
        for order in itertools.permutations(range(3))
        for signs in itertools.product((1, -1), repeat=3)
    ],
    dtype=float,
)


def _cubic_symmetry_quaternions() -> np.ndarray:
    """The 24 proper rotations of the cube as unit quaternions (x, y, z, w)."""
    quats = []
    for m in _SIGNED_PERMUTATIONS[np.linalg.det(_SIGNED_PERMUTATIONS) > 0]:
        w = np.sqrt(max(0.0, 1 + np.trace(m))) / 2
        if w > 1e-8:
            x = (m[2, 1] - m[1, 2]) / (4 * w)
            y = (m[0, 2] - m[2, 0]) / (4 * w)
            z = (m[1, 0] - m[0, 1]) / (4 * w)
        else:  # 180° rotations
            x, y, z = np.sqrt(np.maximum(0, (np.diag(m) + 1) / 2))
            x = np.copysign(x, m[2, 1] - m[1, 2] if m[2, 1] != m[1, 2] else 1.0)
            y = np.copysign(y, m[0, 1] + m[1, 0] if x else 1.0) if y else 0.0
            z = np.copysign(z, m[0, 2] + m[2, 0] if x else m[1, 2] + m[2, 1]) if z else 0.0
        quats.append((x, y, z, w))
    return np.array(quats)


_SYMMETRY = _cubic_symmetry_quaternions()


def misorientation_deg(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Smallest rotation angle (degrees, n,) between orientations q1 and q2 (n x 4, x y z w)
    over the 24 cubic symmetry operations.

    With r = q1⁻¹·q2 and a₁ ≥ a₂ ≥ a₃ ≥ a₄ its sorted |components|, the operations s give
    r·s with scalar part aᵢ (identity, 180° about the cube axes), (aᵢ + aⱼ)/√2 (90° about
    the cube axes, 180° about ⟨110⟩) or (a₁ + a₂ + a₃ + a₄)/2 (120° about ⟨111⟩), so the
    smallest angle is that of one of three candidates; each angle is 2·atan2(|vector part|,
    scalar part), in double precision, accurate for small angles and for quaternions of any
    length. The test suite checks this against all 24 products."""
    q1, q2 = np.asarray(q1, dtype=float), np.asarray(q2, dtype=float)  # OVITO's are float32
    r = product(q1 * [-1, -1, -1, 1], q2)
    a1, a2, a3, a4 = (-np.sort(-np.abs(r), axis=1)).T
    candidates = [  # (scalar part, |vector part|²) of r·s, times √2 and 2 in the last two
        (a1, a2**2 + a3**2 + a4**2),
        (a1 + a2, (a1 - a2) ** 2 + (a3 + a4) ** 2 + (a3 - a4) ** 2),
        (
            a1 + a2 + a3 + a4,
            (a1 + a2 - a3 - a4) ** 2 + (a1 - a2 + a3 - a4) ** 2 + (a1 - a2 - a3 + a4) ** 2,
        ),
    ]
    half = np.min([np.arctan2(np.sqrt(v2), w) for w, v2 in candidates], axis=0)
    return np.degrees(2 * half)


#: Misorientations this close to 60° are read as a Σ3 twin relation, not a lattice rotation.
TWIN_ANGLE_DEG, TWIN_TOLERANCE_DEG = 60.0, 5.0


def lattice_rotation_deg(now: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Rotation of the lattice (degrees, n,) from orientation ``start`` to ``now``: the
    misorientation, with those within 5° of the Σ3 twin angle (60°) counted as 0 — a twin
    that formed is not a rotation of the lattice."""
    angle = misorientation_deg(now, start)
    return np.where(np.abs(angle - TWIN_ANGLE_DEG) <= TWIN_TOLERANCE_DEG, 0.0, angle)


#: The turns of the sample that no IPF key sees: none, and 180° about x, y and z (x y z w).
#: Each keeps every sample axis or reverses it, and a key colours a direction and its
#: opposite alike, so the orientations g and h·g have the same colours in every key.
UNSEEN_SAMPLE_TURNS = np.array([[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], float)


def orientation_from_keys(normal: np.ndarray, sliding: np.ndarray) -> np.ndarray:
    """An orientation (n x 4, x y z w) whose crystal directions of the surface normal z and
    the sliding direction x are those two IPF keys name (n x 3 each, in the standard triangle
    as :func:`~scalebridge.patterns.colour.ipf_direction` gives them).

    Each key gives its direction only up to the 48 signed permutations of the cube (the
    keys are centrosymmetric); of the sliding direction's 48 images the one most nearly
    perpendicular to the normal's direction is taken and made exactly perpendicular. That is
    the orientation up to the cubic symmetry and :data:`UNSEEN_SAMPLE_TURNS` — unless a
    second image (not the opposite of the first) is nearly perpendicular as well: within
    0.002 for 7 % of random orientations and within 0.01 for 30 %, so the noise of 8-bit
    colours (about 0.004) can pick it. A zero direction (a pixel without colour) gives the
    identity."""
    from scipy.spatial.transform import Rotation

    blank = (np.linalg.norm(normal, axis=1) == 0) | (np.linalg.norm(sliding, axis=1) == 0)
    a = np.where(blank[:, None], [0.0, 0.0, 1.0], normal)
    b = np.where(blank[:, None], [1.0, 0.0, 0.0], sliding)
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    images = np.einsum("kij,nj->nki", _SIGNED_PERMUTATIONS, b / np.linalg.norm(b, axis=1)[:, None])
    best = np.abs(np.einsum("nki,ni->nk", images, a)).argmin(axis=1)
    x = images[np.arange(len(a)), best]
    x = x - (x * a).sum(axis=1, keepdims=True) * a
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    # rows: the sample axes x, y, z in crystal axes, i.e. the matrix taking crystal to sample
    matrices = np.stack([x, np.cross(a, x), a], axis=1)
    quaternions: np.ndarray = Rotation.from_matrix(matrices).as_quat()
    return quaternions


def keys_misorientations_deg(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Misorientation (degrees, n x 4) of q1 against each orientation that no IPF key tells
    from q2 (:data:`UNSEEN_SAMPLE_TURNS` · q2; the first column is q2 itself): the angles a
    pair of orientation images allows for the turn from q2 to q1."""
    return np.stack([misorientation_deg(q1, product(h, q2)) for h in UNSEEN_SAMPLE_TURNS], axis=1)

"""Numba kernels of the quasi-static STZ solver (imported lazily by :mod:`.solver` only).

One call of :func:`simulate` runs a whole forward solve: ``n_frames * steps_per_frame``
quasi-static steps on a periodic ``n x m`` grid (rows y, columns x), each an explicit
advection/plasticity/diffusion step (:func:`advection_step`, :func:`chi_diffusion`) followed
by a projection (:func:`projection_step`) that solves the periodic elastic system exactly with
a radix-2 FFT. The discrete system is the one of the authors' solver (see ``docs/stz.md``);
all stresses are in units of the yield stress ``s_y`` and the stress tensor is stored in the
sheared frame, Sigma = T^-1 sigma T^-T with T = [[1, gamma], [0, 1]], as the four numbers
(p, q, s, tau): Sxx = -p + s - q, Syy = -p - s - q, Szz = -p + 2q, Sxy = tau.

All kernels stay in this one module on purpose: Numba's on-disk cache of :func:`simulate`
does not notice edits to functions it calls from other files.

Status codes returned by :func:`simulate` (see ``STATUS_MESSAGES`` in :mod:`.solver`):
0 finished, 1 non-finite value, 2 runaway value, 3 too many plasticity sub-steps,
4 reference map folded (non-positive Jacobian).
"""

from __future__ import annotations

import numpy as np
from numba import njit

OK = 0
NON_FINITE = 1
RUNAWAY = 2
SUBSTEP_LIMIT = 3
FOLDED = 4

RUNAWAY_LIMIT = 1.0e6  # |stress| (units of s_y), |chi| or |velocity| beyond this is divergence

# Division by zero gives inf/nan (caught by the health check) instead of raising; no flags
# that assume finite values, so non-finite results stay detectable.
_FASTMATH: set[str] = {"nsz", "arcp", "contract", "reassoc"}


# ------------------------------ FFT


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def bit_reverse_table(n: int) -> np.ndarray:
    bits = 0
    while (1 << bits) < n:
        bits += 1
    rev = np.zeros(n, dtype=np.int64)
    for i in range(n):
        r = 0
        x = i
        for _ in range(bits):
            r = (r << 1) | (x & 1)
            x >>= 1
        rev[i] = r
    return rev


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def fft_line(a: np.ndarray, rev: np.ndarray, w: np.ndarray, inverse: bool) -> None:
    """In-place iterative radix-2 FFT of the complex vector ``a`` (length a power of two)."""
    n = a.shape[0]
    for i in range(n):
        j = rev[i]
        if j > i:
            tmp = a[i]
            a[i] = a[j]
            a[j] = tmp
    size = 2
    while size <= n:
        half = size // 2
        stride = n // size
        for start in range(0, n, size):
            for k in range(half):
                tw = w[k * stride]
                if inverse:
                    tw = tw.conjugate()
                t = tw * a[start + k + half]
                a[start + k + half] = a[start + k] - t
                a[start + k] = a[start + k] + t
        size *= 2


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def fft2(
    z: np.ndarray,
    row: np.ndarray,
    col: np.ndarray,
    rev_x: np.ndarray,
    w_x: np.ndarray,
    rev_y: np.ndarray,
    w_y: np.ndarray,
    inverse: bool,
) -> None:
    """In-place 2D FFT of ``z`` (n x m); the inverse includes the 1/(n m) factor."""
    n, m = z.shape
    for j in range(n):
        for i in range(m):
            row[i] = z[j, i]
        fft_line(row, rev_x, w_x, inverse)
        for i in range(m):
            z[j, i] = row[i]
    for i in range(m):
        for j in range(n):
            col[j] = z[j, i]
        fft_line(col, rev_y, w_y, inverse)
        for j in range(n):
            z[j, i] = col[j]
    if inverse:
        scale = 1.0 / (n * m)
        for j in range(n):
            for i in range(m):
                z[j, i] *= scale


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def twiddles(n: int) -> np.ndarray:
    w = np.empty(max(n // 2, 1), dtype=np.complex128)
    for k in range(w.shape[0]):
        w[k] = np.exp(-2j * np.pi * k / n)
    return w


# ------------------------------ explicit step


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, inline="always")
def _eno2(p0: float, p1: float, p2: float, p3: float) -> float:
    """Second-order ENO difference (times 2 dx) from four samples along the upwind line."""
    if abs(p0 - 2.0 * p1 + p2) > abs(p1 - 2.0 * p2 + p3):
        return 3.0 * p1 - 4.0 * p2 + p3
    return p0 - p2


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def neighbour_table(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Periodic neighbours i + o - 2 (o = 0..4) of each index, and periods wrapped (-1, 0, 1)."""
    offset = np.empty((5, n), dtype=np.int64)
    wrapped = np.empty((5, n), dtype=np.float64)
    for o in range(5):
        for i in range(n):
            k = i + o - 2
            w = 0.0
            while k < 0:
                k += n
                w -= 1.0
            while k >= n:
                k -= n
                w += 1.0
            offset[o, i] = k
            wrapped[o, i] = w
    return offset, wrapped


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def _plastic_substeps(
    sbar: float,
    chi: float,
    dt: float,
    mu: float,
    t_scale: float,
    eps0_over_tau0: float,
    c0: float,
    chi_inf: float,
    adapt_fac: float,
    max_substeps: int,
) -> tuple[float, float, int]:
    """Adaptive sub-stepping of plasticity in one cell.

    Returns (new sbar, new chi, sub-steps taken); sub-steps beyond ``max_substeps`` stop the
    loop and return ``max_substeps + 1``.
    """
    remaining = dt
    count = 0
    while True:
        if sbar < 1.0:
            d_pl = 0.0
        else:
            c_fun = -2.0 + sbar + np.exp(-sbar) * (2.0 + sbar)
            d_pl = eps0_over_tau0 * c_fun * (1.0 - 1.0 / sbar) * np.exp(-1.0 / chi)
        dchi1 = 2.0 * d_pl * sbar / c0
        rate = 2.0 * t_scale * mu * d_pl
        again = abs(remaining * rate) > adapt_fac
        if again:
            h = adapt_fac / abs(rate)
            remaining -= h
        else:
            h = remaining
        sbar -= h * rate
        chi += dchi1 * (chi_inf - chi) * t_scale * h
        count += 1
        if not again:
            return sbar, chi, count
        if count > max_substeps:
            return sbar, chi, count


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def advection_step(
    u: np.ndarray,
    v: np.ndarray,
    ref_x: np.ndarray,
    ref_y: np.ndarray,
    p: np.ndarray,
    q: np.ndarray,
    s: np.ndarray,
    tau: np.ndarray,
    chi: np.ndarray,
    ddev: np.ndarray,
    new_x: np.ndarray,
    new_y: np.ndarray,
    new_p: np.ndarray,
    new_q: np.ndarray,
    new_s: np.ndarray,
    new_tau: np.ndarray,
    new_chi: np.ndarray,
    off_x: np.ndarray,
    wrap_x: np.ndarray,
    off_y: np.ndarray,
    wrap_y: np.ndarray,
    lx: float,
    ly: float,
    hx: float,
    hy: float,
    g0: float,
    dt: float,
    mu: float,
    t_scale: float,
    eps0_over_tau0: float,
    c0: float,
    chi_inf: float,
    adapt_fac: float,
    max_substeps: int,
    max_total_substeps: int,
    substeps_total: int,
) -> tuple[int, bool]:
    """Explicit part of a step at g0 = gamma before the step; writes the ``new_*`` fields.

    ENO2 upwind advection of the reference map (corners) and of Sigma and chi (cell centres,
    upwinded by the cell-centre velocity), the stress rate G S + S G^T - tr(G) S with
    G = dt grad(velocity), and the plasticity sub-steps (which also set ``ddev``). Returns
    (plasticity sub-steps so far, whether a sub-step budget was exceeded).
    """
    n, m = chi.shape
    third = 1.0 / 3.0
    exceeded = False
    for j in range(n):
        jm2 = off_y[0, j]
        jm1 = off_y[1, j]
        jp1 = off_y[3, j]
        jp2 = off_y[4, j]
        for i in range(m):
            im2 = off_x[0, i]
            im1 = off_x[1, i]
            ip1 = off_x[3, i]
            ip2 = off_x[4, i]
            # Reference map at the corner (i, j), upwinded by the corner velocity.
            uc = u[j, i]
            vc = v[j, i]
            if uc > 0.0:
                xx = hx * _eno2(
                    ref_x[j, ip1] + wrap_x[3, i] * lx,
                    ref_x[j, i],
                    ref_x[j, im1] + wrap_x[1, i] * lx,
                    ref_x[j, im2] + wrap_x[0, i] * lx,
                )
                yx = hx * _eno2(ref_y[j, ip1], ref_y[j, i], ref_y[j, im1], ref_y[j, im2])
            else:
                xx = -hx * _eno2(
                    ref_x[j, im1] + wrap_x[1, i] * lx,
                    ref_x[j, i],
                    ref_x[j, ip1] + wrap_x[3, i] * lx,
                    ref_x[j, ip2] + wrap_x[4, i] * lx,
                )
                yx = -hx * _eno2(ref_y[j, im1], ref_y[j, i], ref_y[j, ip1], ref_y[j, ip2])
            if vc > 0.0:
                xy = hy * _eno2(ref_x[jp1, i], ref_x[j, i], ref_x[jm1, i], ref_x[jm2, i])
                yy = hy * _eno2(
                    ref_y[jp1, i] + wrap_y[3, j] * ly,
                    ref_y[j, i],
                    ref_y[jm1, i] + wrap_y[1, j] * ly,
                    ref_y[jm2, i] + wrap_y[0, j] * ly,
                )
            else:
                xy = -hy * _eno2(ref_x[jm1, i], ref_x[j, i], ref_x[jp1, i], ref_x[jp2, i])
                yy = -hy * _eno2(
                    ref_y[jm1, i] + wrap_y[1, j] * ly,
                    ref_y[j, i],
                    ref_y[jp1, i] + wrap_y[3, j] * ly,
                    ref_y[jp2, i] + wrap_y[4, j] * ly,
                )
            new_x[j, i] = ref_x[j, i] - uc * xx - vc * xy
            new_y[j, i] = ref_y[j, i] - uc * yx - vc * yy

            # Cell (i, j): corners (i, j), (i+1, j), (i, j+1), (i+1, j+1).
            u00 = u[j, i]
            u01 = u[j, ip1]
            u10 = u[jp1, i]
            u11 = u[jp1, ip1]
            v00 = v[j, i]
            v01 = v[j, ip1]
            v10 = v[jp1, i]
            v11 = v[jp1, ip1]
            uc = 0.25 * (u00 + u01 + u10 + u11)
            vc = 0.25 * (v00 + v01 + v10 + v11)
            gxx = hx * (-u00 + u01 - u10 + u11)
            gxy = hy * (-u00 - u01 + u10 + u11)
            gyx = hx * (-v00 + v01 - v10 + v11)
            gyy = hy * (-v00 - v01 + v10 + v11)

            # Upwinded ENO2 derivatives (times dt) of the cell-centred fields.
            if uc > 0.0:
                a0, a2, a3, hs = ip1, im1, im2, hx
            else:
                a0, a2, a3, hs = im1, ip1, ip2, -hx
            if vc > 0.0:
                b0, b2, b3, ks = jp1, jm1, jm2, hy
            else:
                b0, b2, b3, ks = jm1, jp1, jp2, -hy
            px = hs * _eno2(p[j, a0], p[j, i], p[j, a2], p[j, a3])
            qx = hs * _eno2(q[j, a0], q[j, i], q[j, a2], q[j, a3])
            sx = hs * _eno2(s[j, a0], s[j, i], s[j, a2], s[j, a3])
            tx = hs * _eno2(tau[j, a0], tau[j, i], tau[j, a2], tau[j, a3])
            cx = hs * _eno2(chi[j, a0], chi[j, i], chi[j, a2], chi[j, a3])
            py = ks * _eno2(p[b0, i], p[j, i], p[b2, i], p[b3, i])
            qy = ks * _eno2(q[b0, i], q[j, i], q[b2, i], q[b3, i])
            sy = ks * _eno2(s[b0, i], s[j, i], s[b2, i], s[b3, i])
            ty = ks * _eno2(tau[b0, i], tau[j, i], tau[b2, i], tau[b3, i])
            cy = ks * _eno2(chi[b0, i], chi[j, i], chi[b2, i], chi[b3, i])

            pc = p[j, i]
            qc = q[j, i]
            sc = s[j, i]
            tc = tau[j, i]
            trace = pc + qc + sc
            p_phys = pc + g0 * (-2.0 * third * tc + third * g0 * trace)
            q_phys = qc + g0 * third * (-tc + 0.5 * g0 * trace)
            s_phys = sc + g0 * (tc - 0.5 * g0 * trace)
            t_phys = tc - g0 * trace
            sbar = np.sqrt(3.0 * q_phys * q_phys + s_phys * s_phys + t_phys * t_phys)

            # Plasticity: relax the physical deviatoric stress, update chi.
            chi_c = chi[j, i]
            shrink = 0.0
            if sbar >= 1e-12:
                sbar_new, chi_c, count = _plastic_substeps(
                    sbar,
                    chi_c,
                    dt,
                    mu,
                    t_scale,
                    eps0_over_tau0,
                    c0,
                    chi_inf,
                    adapt_fac,
                    max_substeps,
                )
                substeps_total += count
                if count > max_substeps or substeps_total > max_total_substeps:
                    exceeded = True
                ddev[j, i] = sbar - sbar_new
                shrink = ddev[j, i] / sbar
            new_chi[j, i] = chi_c - (uc * cx + vc * cy)

            # Stress: G S + S G^T - tr(G) S, minus the plastic part, in the
            # sheared frame; G = dt grad(velocity).
            sxx = -pc + sc - qc
            syy = -pc - sc - qc
            szz = -pc + 2.0 * qc
            sxy = tc
            div = gxx + gyy
            rxx = 2.0 * (gxx * sxx + gxy * sxy) - div * sxx
            ryy = 2.0 * (gyx * sxy + gyy * syy) - div * syy
            rzz = -div * szz
            rxy = gxx * sxy + gxy * syy + sxx * gyx + sxy * gyy - div * sxy
            rxx -= shrink * (sxx + p_phys * (1.0 + g0 * g0))
            ryy -= shrink * (syy + p_phys)
            rzz -= shrink * (szz + p_phys)
            rxy -= shrink * (sxy - g0 * p_phys)
            new_p[j, i] = pc - (uc * px + vc * py) - third * (rxx + ryy + rzz)
            new_q[j, i] = qc - (uc * qx + vc * qy) + third * (rzz - 0.5 * (rxx + ryy))
            new_s[j, i] = sc - (uc * sx + vc * sy) + 0.5 * (rxx - ryy)
            new_tau[j, i] = tc - (uc * tx + vc * ty) + rxy
    return substeps_total, exceeded


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def chi_diffusion(
    chi: np.ndarray,
    ddev: np.ndarray,
    new_chi: np.ndarray,
    off_x: np.ndarray,
    off_y: np.ndarray,
    g0: float,
    dx: float,
    dy: float,
    dfacx: float,
    dfacy: float,
) -> None:
    """Add the reference's explicit chi diffusion (old chi, this step's ``ddev``) to new_chi."""
    n, m = chi.shape
    lfac = dy / dx * g0 * 0.25
    for j in range(n):
        jm1 = off_y[1, j]
        jp1 = off_y[3, j]
        for i in range(m):
            im1 = off_x[1, i]
            ip1 = off_x[3, i]
            dc = ddev[j, i]
            # Neighbours across the periodic faces count as ddev = 0 (reference).
            d_l = dc + (ddev[j, im1] if i > 0 else 0.0)
            d_r = dc + (ddev[j, ip1] if i < m - 1 else 0.0)
            d_d = dc + (ddev[jm1, i] if j > 0 else 0.0)
            d_u = dc + (ddev[jp1, i] if j < n - 1 else 0.0)
            c = chi[j, i]
            c_l = chi[j, im1]
            c_r = chi[j, ip1]
            t_d = d_d * (c - chi[jm1, i] - lfac * (c_r + chi[jm1, ip1] - c_l - chi[jm1, im1]))
            t_u = d_u * (chi[jp1, i] - c - lfac * (chi[jp1, ip1] + c_r - chi[jp1, im1] - c_l))
            t_l = d_l * (c - c_l)
            t_r = d_r * (c_r - c)
            new_chi[j, i] += (1.0 - g0) * dfacx * (t_r - t_l) + dfacy * (t_u - t_d)


# ------------------------------ projection


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def projection_step(
    p: np.ndarray,
    q: np.ndarray,
    s: np.ndarray,
    tau: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    zhat: np.ndarray,
    what: np.ndarray,
    row: np.ndarray,
    col: np.ndarray,
    rev_x: np.ndarray,
    w_x: np.ndarray,
    rev_y: np.ndarray,
    w_y: np.ndarray,
    sym_x: np.ndarray,
    sym_y: np.ndarray,
    sym_xy: np.ndarray,
    off_x: np.ndarray,
    off_y: np.ndarray,
    g1: float,
    lamb: float,
    dt: float,
    mu: float,
    lame: float,
    dx: float,
    dy: float,
) -> None:
    """Solve M(g1) V = T F for the corner velocity (FFT) and apply the elastic stress update."""
    n, m = p.shape
    third = 1.0 / 3.0
    hx = 0.5 * dt / dx
    hy = 0.5 * dt / dy
    xfac = 0.5 / (dt * dx)
    yfac = 0.5 / (dt * dy)
    idx2 = 1.0 / (dx * dx)
    idy2 = 1.0 / (dy * dy)
    ixy4 = 0.25 / (dx * dy)
    g1sq = g1 * g1
    # Right-hand side T F at the corners, packed as rhs_x + i rhs_y.
    for j in range(n):
        jm1 = off_y[1, j]
        for i in range(m):
            im1 = off_x[1, i]
            # cells (i-1, j-1), (i, j-1), (i-1, j), (i, j)
            sxx0 = -p[jm1, im1] + s[jm1, im1] - q[jm1, im1]
            sxx1 = -p[jm1, i] + s[jm1, i] - q[jm1, i]
            sxx2 = -p[j, im1] + s[j, im1] - q[j, im1]
            sxx3 = -p[j, i] + s[j, i] - q[j, i]
            syy0 = -p[jm1, im1] - s[jm1, im1] - q[jm1, im1]
            syy1 = -p[jm1, i] - s[jm1, i] - q[jm1, i]
            syy2 = -p[j, im1] - s[j, im1] - q[j, im1]
            syy3 = -p[j, i] - s[j, i] - q[j, i]
            t0 = tau[jm1, im1]
            t1 = tau[jm1, i]
            t2 = tau[j, im1]
            t3 = tau[j, i]
            fx = -xfac * (-sxx0 + sxx1 - sxx2 + sxx3) - yfac * (-t0 - t1 + t2 + t3)
            fy = -xfac * (-t0 + t1 - t2 + t3) - yfac * (-syy0 - syy1 + syy2 + syy3)
            zhat[j, i] = complex(fx + g1 * fy, fy)
    fft2(zhat, row, col, rev_x, w_x, rev_y, w_y, False)

    # Symbol of M(g1): S(k) = -2H(1 - cos kx) - 2V(1 - cos ky) - 4 D sin kx sin ky.
    h11 = (lame + 2.0 * mu + g1sq * mu) * idx2
    h12 = g1 * mu * (1.0 + g1sq) * idx2
    h21 = -g1 * (lame + mu) * idx2
    h22 = mu * (1.0 + g1sq) * idx2
    v11 = mu * idy2
    v12 = g1 * mu * idy2
    v21 = 0.0
    v22 = (lame + 2.0 * mu) * idy2
    d11 = -2.0 * g1 * mu * ixy4
    d12 = (lame + mu - 2.0 * g1sq * mu) * ixy4
    d21 = (lame + mu) * ixy4
    d22 = -g1 * (lame + 3.0 * mu) * ixy4
    for a in range(n):
        am = (n - a) % n
        for b in range(m):
            bm = (m - b) % m
            if a == 0 and b == 0:
                what[a, b] = 0.0
                continue
            ex = sym_x[b]
            ey = sym_y[a]
            exy = sym_xy[a, b]
            m11 = ex * h11 + ey * v11 + exy * d11
            m12 = ex * h12 + ey * v12 + exy * d12
            m21 = ex * h21 + ey * v21 + exy * d21
            m22 = ex * h22 + ey * v22 + exy * d22
            inv_det = 1.0 / (m11 * m22 - m12 * m21)
            zk = zhat[a, b]
            zc = zhat[am, bm]
            # real and imaginary parts of the transforms of rhs_x and rhs_y
            fa_re = 0.5 * (zk.real + zc.real)
            fa_im = 0.5 * (zk.imag - zc.imag)
            fb_re = 0.5 * (zk.imag + zc.imag)
            fb_im = -0.5 * (zk.real - zc.real)
            va_re = (m22 * fa_re - m12 * fb_re) * inv_det
            va_im = (m22 * fa_im - m12 * fb_im) * inv_det
            vb_re = (m11 * fb_re - m21 * fa_re) * inv_det
            vb_im = (m11 * fb_im - m21 * fa_im) * inv_det
            what[a, b] = complex(va_re - vb_im, va_im + vb_re)
    fft2(what, row, col, rev_x, w_x, rev_y, w_y, True)
    for j in range(n):
        for i in range(m):
            u[j, i] = what[j, i].real
            v[j, i] = what[j, i].imag

    # Stress update from the new velocity: linear elastic increment of the
    # physical stress (plane strain), mapped back to the sheared frame at g1.
    ldt = lamb * dt
    for j in range(n):
        jp1 = off_y[3, j]
        for i in range(m):
            ip1 = off_x[3, i]
            u00 = u[j, i]
            u01 = u[j, ip1]
            u10 = u[jp1, i]
            u11 = u[jp1, ip1]
            v00 = v[j, i]
            v01 = v[j, ip1]
            v10 = v[jp1, i]
            v11 = v[jp1, ip1]
            gxx = hx * (-u00 + u01 - u10 + u11)
            gxy = hy * (-u00 - u01 + u10 + u11)
            gyx = hx * (-v00 + v01 - v10 + v11)
            gyy = hy * (-v00 - v01 + v10 + v11)
            # physical velocity (u + g1 v + lambda eta, v); d/dy = d/deta - g1 d/dxi
            dxx = gxx + g1 * gyx
            dyy = gyy - g1 * gyx
            dxy = 0.5 * (gxy + g1 * gyy + ldt - g1 * (gxx + g1 * gyx) + gyx)
            trd = gxx + gyy
            sig_xx = lame * trd + 2.0 * mu * dxx
            sig_yy = lame * trd + 2.0 * mu * dyy
            sig_zz = lame * trd
            sig_xy = 2.0 * mu * dxy
            # Sigma = T^-1 sigma T^-T
            big_xx = sig_xx - 2.0 * g1 * sig_xy + g1sq * sig_yy
            big_xy = sig_xy - g1 * sig_yy
            big_yy = sig_yy
            big_zz = sig_zz
            p[j, i] -= third * (big_xx + big_yy + big_zz)
            q[j, i] += third * (big_zz - 0.5 * (big_xx + big_yy))
            s[j, i] += 0.5 * (big_xx - big_yy)
            tau[j, i] += big_xy


# ------------------------------ driver


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def _write_frame(
    frame: int,
    gam: float,
    p: np.ndarray,
    q: np.ndarray,
    s: np.ndarray,
    tau: np.ndarray,
    chi: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    ref_x: np.ndarray,
    ref_y: np.ndarray,
    off_x: np.ndarray,
    wrap_x: np.ndarray,
    off_y: np.ndarray,
    wrap_y: np.ndarray,
    dx: float,
    dy: float,
    out_two_exy: np.ndarray,
    out_chi: np.ndarray,
    out_tau: np.ndarray,
    status: int,
) -> int:
    """Store frame ``frame`` (physical tau, chi, 2 E_xy) and return the updated status."""
    n, m = chi.shape
    lx = m * dx
    ly = n * dy
    for j in range(n):
        jm1 = off_y[1, j]
        jp1 = off_y[3, j]
        for i in range(m):
            im1 = off_x[1, i]
            ip1 = off_x[3, i]
            trace = p[j, i] + q[j, i] + s[j, i]
            t_phys = tau[j, i] - gam * trace
            out_tau[frame, j, i] = t_phys
            out_chi[frame, j, i] = chi[j, i]
            xx = 0.5 / dx * (ref_x[j, ip1] + wrap_x[3, i] * lx - ref_x[j, im1] - wrap_x[1, i] * lx)
            yx = 0.5 / dx * (ref_y[j, ip1] - ref_y[j, im1])
            xy = 0.5 / dy * (ref_x[jp1, i] - ref_x[jm1, i])
            yy = 0.5 / dy * (ref_y[jp1, i] + wrap_y[3, j] * ly - ref_y[jm1, i] - wrap_y[1, j] * ly)
            jac = xx * yy - xy * yx
            if not (jac > 0.0):
                if status == OK:
                    status = FOLDED if np.isfinite(jac) else NON_FINITE
                jac = np.nan
            inv = 1.0 / jac
            a11 = yy * inv
            a12 = -xy * inv
            a21 = -yx * inv
            a22 = xx * inv
            f11 = a11 + gam * a21
            f12 = a12 + gam * a22
            out_two_exy[frame, j, i] = f11 * f12 + a21 * a22
            for val in (p[j, i], q[j, i], s[j, i], tau[j, i], chi[j, i], u[j, i], v[j, i]):
                if not np.isfinite(val):
                    status = NON_FINITE
                elif abs(val) > RUNAWAY_LIMIT and status == OK:
                    status = RUNAWAY
    return status


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def simulate(
    chi0: np.ndarray,
    chi_inf: float,
    mu: float,
    lame: float,
    dx: float,
    dy: float,
    t_scale: float,
    lamb: float,
    dt: float,
    n_frames: int,
    steps_per_frame: int,
    eps0_over_tau0: float,
    c0: float,
    chi_len: float,
    adapt_fac: float,
    max_substeps: int,
    max_total_substeps: int,
    out_two_exy: np.ndarray,
    out_chi: np.ndarray,
    out_tau: np.ndarray,
) -> tuple[int, int, int]:
    """Run one quasi-static solve; fills the ``(n_frames + 1, n, m)`` output arrays.

    ``chi0`` (n x m) is the initial effective temperature at cell centres (rows y). Lengths in
    Angstrom, times in units of ``t_scale`` seconds, moduli ``mu`` and ``lame`` in units of
    s_y. ``out_tau`` receives the physical shear stress (units of s_y) at cell centres,
    ``out_two_exy`` 2 E_xy of the Green-Lagrange strain at cell corners, ``out_chi`` chi.

    ``max_substeps`` bounds the plasticity sub-steps of one cell in one step and
    ``max_total_substeps`` those of the whole solve, so a stiff or diverging parameter set
    ends with status 3 instead of running on.

    Returns (status, last frame written, total plasticity sub-steps).
    """
    n, m = chi0.shape
    lx = m * dx
    ly = n * dy
    hx = 0.5 * dt / dx
    hy = 0.5 * dt / dy

    # Periodic neighbour tables: index and number of periods wrapped (reference map).
    off_x, wrap_x = neighbour_table(m)
    off_y, wrap_y = neighbour_table(n)

    # Fields: corner (u, v, X, Y) and cell-centred (p, q, s, tau, chi, ddev), rows y.
    u = np.zeros((n, m))
    v = np.zeros((n, m))
    ref_x = np.empty((n, m))
    ref_y = np.empty((n, m))
    for j in range(n):
        for i in range(m):
            ref_x[j, i] = i * dx
            ref_y[j, i] = j * dy
    p = np.zeros((n, m))
    q = np.zeros((n, m))
    s = np.zeros((n, m))
    tau = np.zeros((n, m))
    chi = chi0.copy()
    ddev = np.zeros((n, m))

    new_x = np.empty((n, m))
    new_y = np.empty((n, m))
    new_p = np.empty((n, m))
    new_q = np.empty((n, m))
    new_s = np.empty((n, m))
    new_tau = np.empty((n, m))
    new_chi = np.empty((n, m))

    # FFT work space and mode tables.
    zhat = np.empty((n, m), dtype=np.complex128)
    what = np.empty((n, m), dtype=np.complex128)
    row = np.empty(m, dtype=np.complex128)
    col = np.empty(n, dtype=np.complex128)
    rev_x = bit_reverse_table(m)
    rev_y = bit_reverse_table(n)
    w_x = twiddles(m)
    w_y = twiddles(n)
    cos_x = np.empty(m)
    sin_x = np.empty(m)
    cos_y = np.empty(n)
    sin_y = np.empty(n)
    for i in range(m):
        cos_x[i] = np.cos(2.0 * np.pi * i / m)
        sin_x[i] = np.sin(2.0 * np.pi * i / m)
    for j in range(n):
        cos_y[j] = np.cos(2.0 * np.pi * j / n)
        sin_y[j] = np.sin(2.0 * np.pi * j / n)
    # Fourier symbols of the neighbour sums in M: x pair, y pair and the cross stencil.
    sym_x = -2.0 * (1.0 - cos_x)
    sym_y = -2.0 * (1.0 - cos_y)
    sym_xy = np.empty((n, m))
    for j in range(n):
        for i in range(m):
            sym_xy[j, i] = -4.0 * sin_x[i] * sin_y[j]

    dfac = 0.25 * chi_len * chi_len / mu
    dfacx = dfac / (dx * dx)
    dfacy = dfac / (dy * dy)

    time = 0.0
    substeps_total = 0
    status = OK
    frame = 0

    for frame in range(n_frames + 1):
        if frame > 0:
            for _step in range(steps_per_frame):
                g0 = lamb * time
                substeps_total, exceeded = advection_step(
                    u,
                    v,
                    ref_x,
                    ref_y,
                    p,
                    q,
                    s,
                    tau,
                    chi,
                    ddev,
                    new_x,
                    new_y,
                    new_p,
                    new_q,
                    new_s,
                    new_tau,
                    new_chi,
                    off_x,
                    wrap_x,
                    off_y,
                    wrap_y,
                    lx,
                    ly,
                    hx,
                    hy,
                    g0,
                    dt,
                    mu,
                    t_scale,
                    eps0_over_tau0,
                    c0,
                    chi_inf,
                    adapt_fac,
                    max_substeps,
                    max_total_substeps,
                    substeps_total,
                )
                chi_diffusion(chi, ddev, new_chi, off_x, off_y, g0, dx, dy, dfacx, dfacy)
                # the new fields become the current ones (the old arrays are reused)
                ref_x, new_x = new_x, ref_x
                ref_y, new_y = new_y, ref_y
                p, new_p = new_p, p
                q, new_q = new_q, q
                s, new_s = new_s, s
                tau, new_tau = new_tau, tau
                chi, new_chi = new_chi, chi
                time += dt
                projection_step(
                    p,
                    q,
                    s,
                    tau,
                    u,
                    v,
                    zhat,
                    what,
                    row,
                    col,
                    rev_x,
                    w_x,
                    rev_y,
                    w_y,
                    sym_x,
                    sym_y,
                    sym_xy,
                    off_x,
                    off_y,
                    lamb * time,
                    lamb,
                    dt,
                    mu,
                    lame,
                    dx,
                    dy,
                )
                if exceeded:
                    status = SUBSTEP_LIMIT
                    break
        status = _write_frame(
            frame,
            lamb * time,
            p,
            q,
            s,
            tau,
            chi,
            u,
            v,
            ref_x,
            ref_y,
            off_x,
            wrap_x,
            off_y,
            wrap_y,
            dx,
            dy,
            out_two_exy,
            out_chi,
            out_tau,
            status,
        )
        if status != OK:
            break
    return status, frame, substeps_total

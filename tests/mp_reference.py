"""mpmath references for the ReLU kernels (tests only): angles from chords of unit directions at
60 digits, then the closed forms and the layer recursion."""

from __future__ import annotations

import mpmath

DPS = 60


def _mp_angle(a, b):
    with mpmath.workdps(DPS):
        x, y = [mpmath.mpf(float(v)) for v in a], [mpmath.mpf(float(v)) for v in b]
        nx = mpmath.sqrt(mpmath.fsum(p * p for p in x))
        ny = mpmath.sqrt(mpmath.fsum(q * q for q in y))
        if nx == 0 or ny == 0:
            return None, nx, ny
        # chord of the unit directions: no cancellation at any precision we use
        ux, uy = [p / nx for p in x], [q / ny for q in y]
        chord = mpmath.sqrt(mpmath.fsum((p - q) ** 2 for p, q in zip(ux, uy, strict=True)))
        return 2 * mpmath.asin(chord / 2), nx, ny


def mp_ntk(a, b, depth: int, c: float = 2.0):
    """Bias-free depth-L NTK entry by mpmath (the recursion of ntk_relu's docstring)."""
    th, nx, ny = _mp_angle(a, b)
    with mpmath.workdps(DPS):
        if th is None:
            return mpmath.mpf(0)
        d = len(a)
        rho = mpmath.cos(th)
        T = rho
        for _ in range(depth):
            k0 = (mpmath.pi - th) / mpmath.pi
            k1 = (mpmath.sin(th) + (mpmath.pi - th) * mpmath.cos(th)) / mpmath.pi
            T = T * k0 + k1
            th = mpmath.acos(min(k1, mpmath.mpf(1)))
        return (mpmath.mpf(c) / 2) ** depth * nx * ny / d * T


def mp_h_inf(a, b):
    th, nx, ny = _mp_angle(a, b)
    with mpmath.workdps(DPS):
        if th is None:
            return mpmath.mpf(0)
        return nx * ny * mpmath.cos(th) * (mpmath.pi - th) / (2 * mpmath.pi)



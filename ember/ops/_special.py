"""Array kernels for the error function family (NumPy has no ``erf``; ember depends on NumPy only).

``erf``/``erfc`` use two Chebyshev fits made once, on first use, against Python's ``math.erf``
and ``math.erfc`` (correctly rounded to about 1 ulp):

* ``|x| < 1``: ``erf(x) = x * A(x**2)``;
* ``|x| >= 1``: ``erfc(|x|) = t * exp(-x**2 + B(t))`` with ``t = 2 / (2 + |x|)``, which keeps the
  relative accuracy of the tiny tail values (``1 - erf`` would lose it).

``erfinv`` starts from Winitzki's closed-form approximation (about 2e-3) and takes Halley steps
on ``erf(y) - x`` (cubic convergence), written with ``erfc`` near ``|x| = 1``.

Each kernel evaluates in the input's dtype; the fits are truncated to that dtype's precision,
so float32 pays for fewer terms.
"""
import math

import numpy as np

_SMALL_MAX = 1.0           # erf(x) = x * A(x^2) below this
_T_LO = 2.0 / (2.0 + 26.0)  # erfc(26) is still a normal float64; beyond, B is held constant
_T_HI = 2.0 / (2.0 + _SMALL_MAX)
_fits = {}


def _cheb_fit(f, lo, hi, n=64):
    """Chebyshev coefficients of ``f`` on ``[lo, hi]`` by interpolation at ``n`` nodes."""
    k = np.arange(n)
    u = np.cos(np.pi * (k + 0.5) / n)  # nodes on [-1, 1]
    x = 0.5 * (hi - lo) * u + 0.5 * (hi + lo)
    y = np.array([f(v) for v in x])  # n scalars at import time, not tensor data
    c = np.array([2.0 / n * np.sum(y * np.cos(np.pi * j * (k + 0.5) / n)) for j in range(n)])
    c[0] /= 2
    return c


def _truncate(c, tol):
    keep = np.nonzero(np.abs(c) > tol)[0]
    return c[: keep[-1] + 1] if keep.size else c[:1]


def _fit(dtype):
    key = np.dtype(dtype).str
    f = _fits.get(key)
    if f is None:
        tol = 1e-14 if np.dtype(dtype).itemsize >= 8 else 1e-9
        small = _cheb_fit(lambda u: math.erf(math.sqrt(u)) / math.sqrt(u) if u > 0
                          else 2 / math.sqrt(math.pi), 0.0, _SMALL_MAX ** 2)

        def big(t):
            z = 2.0 / t - 2.0
            return math.log(math.erfc(z) / t) + z * z

        f = _fits[key] = (tuple(_truncate(small, tol).tolist()),
                          tuple(_truncate(_cheb_fit(big, _T_LO, _T_HI), tol).tolist()))
    return f


def _clenshaw(c, x, lo, hi):
    """Evaluate the Chebyshev series ``c`` (on ``[lo, hi]``) at the array ``x``.

    The recurrence ``b_k = 2u b_{k+1} - b_{k+2} + c_k`` runs in place on three buffers (the
    loop is over the coefficients; each step is three array operations, no allocation)."""
    xp = _xp(x)
    u = x * (2.0 / (hi - lo))
    u -= (hi + lo) / (hi - lo)
    u2 = u * 2.0
    b1 = xp.full_like(u, c[-1])
    b2 = xp.zeros_like(u)
    tmp = xp.empty_like(u)
    for ck in c[-2:0:-1]:
        xp.multiply(u2, b1, out=tmp)
        tmp -= b2
        tmp += ck
        b2, b1, tmp = b1, tmp, b2
    b1 *= u
    b1 -= b2
    b1 += c[0]
    return b1


def _erfc_big(z, big):
    """erfc(z) for z >= 1 (arrays), relative accuracy kept in the tail."""
    xp = _xp(z)
    t = 2.0 / (2.0 + z)
    tc = xp.clip(t, _T_LO, _T_HI)
    return t * xp.exp(-z * z + _clenshaw(big, tc, _T_LO, _T_HI))


def erf(x):
    xp = _xp(x)
    small, big = _fit(x.dtype)
    a = xp.abs(x)
    with np.errstate(all="ignore"):
        near = x * _clenshaw(small, xp.minimum(x * x, _SMALL_MAX ** 2), 0.0, _SMALL_MAX ** 2)
        far = xp.copysign(1.0 - _erfc_big(xp.maximum(a, _SMALL_MAX), big), x)
    return xp.where(a < _SMALL_MAX, near, far).astype(x.dtype, copy=False)


def erfc(x):
    xp = _xp(x)
    small, big = _fit(x.dtype)
    a = xp.abs(x)
    with np.errstate(all="ignore"):
        near = 1.0 - x * _clenshaw(small, xp.minimum(x * x, _SMALL_MAX ** 2), 0.0,
                                   _SMALL_MAX ** 2)
        tail = _erfc_big(xp.maximum(a, _SMALL_MAX), big)
        far = xp.where(x > 0, tail, 2.0 - tail)
    return xp.where(a < _SMALL_MAX, near, far).astype(x.dtype, copy=False)


def erfinv(x):
    xp = _xp(x)
    a = 0.147
    with np.errstate(all="ignore"):
        ln = xp.log1p(-x * x)
        b = 2.0 / (math.pi * a) + 0.5 * ln
        y = xp.copysign(xp.sqrt(xp.sqrt(b * b - ln / a) - b), x)
        y = xp.where(xp.abs(x) < 1, y, 0.0).astype(x.dtype, copy=False)
        ax = xp.abs(x)
        ay = xp.abs(y)
        steps = 3 if x.dtype.itemsize >= 8 else 2
        for _ in range(steps):
            # f(y) = erf(y) - x = (1 - x) - erfc(y): the second form keeps digits near |x| = 1
            f = xp.where(ax < 0.5, erf(ay) - ax, (1.0 - ax) - erfc(ay))
            df = (2.0 / math.sqrt(math.pi)) * xp.exp(-ay * ay)
            ay = ay - f / (df + ay * f)  # Halley: f'' = -2 y f'
        y = xp.copysign(ay, x)
        y = xp.where(ax == 1, xp.copysign(xp.inf, x), y)
        y = xp.where(ax > 1, xp.nan, y)
    return y.astype(x.dtype, copy=False)


def _xp(x):
    from ..backends import get_array_module

    return get_array_module(x)

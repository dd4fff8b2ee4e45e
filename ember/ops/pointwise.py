"""Unary pointwise primitives: exponentials and logs, powers, trigonometric and hyperbolic
functions, activations, the error function, rounding, and ``clamp``.

Each op is one Function (the forward on arrays, the backward in Tensor ops next to it, with the
derivative in a comment). Floating functions compute integer inputs in the default dtype, as
PyTorch does; rounding, ``abs``, ``sign``, ``square``, ``relu`` and ``clamp`` keep integers.
Binary pointwise ops (``maximum``, ``atan2``, ``remainder``, ...) live in ``binary.py`` and
are re-exported from here.
"""
import functools
import math

import numpy as np

from ..backends import _parallel
from . import _special, binary
from ._util import (
    _NULL,
    Function,
    Tensor,
    _make,
    _state,
    get_array_module,
    inplace,
    register,
    unbroadcast,
)
from .binary import *  # noqa: F401,F403  (re-exported: ops/__init__ lists the families)
from .binary import _floor_div_grad0, _trunc_div  # noqa: F401  (used by div's rounding modes)
from .elementwise import _floating, _nd, _out, _par, _prep, exp, log

__all__ = ["log2", "log10", "log1p", "expm1", "exp2", "sqrt", "rsqrt", "square",
           "reciprocal", "abs", "absolute", "sign", "sin", "cos", "tan", "asin", "acos", "atan",
           "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
           "arcsinh", "arccosh", "arctanh", "sigmoid", "relu", "erf", "erfc", "erfinv",
           "floor", "ceil", "round", "trunc", "fix", "frac", "clamp", "clip", "clamp_min",
           "clamp_max", "nan_to_num"] + binary.__all__

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_BIG = _parallel.big[0]  # the size from which NumPy calls use the intra-op pool
_parallel.watch(globals())  # keeps _BIG current when set_num_threads changes it
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _where(cond, a, b):
    from .selection import where

    return where(cond, a, b)


def _zeros(grad):
    # a constant: its derivative w.r.t. grad is zero too, which is right for double backward
    return _make(get_array_module(grad._data).zeros_like(grad._data))


def _unary(name, fwd, bwd, saves="x", quiet=False):
    """A unary primitive: ``fwd(xp, x)`` on arrays; ``bwd(grad, saved)`` in Tensor ops, where
    ``saved`` is the input (``saves='x'``), the output (``'out'``) or nothing (``None``).
    ``quiet`` silences NumPy's floating-point warnings (PyTorch never warns for log(0))."""

    np_fwd = functools.partial(fwd, np)  # large NumPy inputs: piece by piece on the pool

    def forward(ctx, x):
        if x.size >= _BIG and x.__class__ is _nd:
            if quiet:
                with np.errstate(all="ignore"):
                    out = _par(np_fwd, x)
            else:
                out = _par(np_fwd, x)
        elif quiet:
            with np.errstate(all="ignore"):
                out = fwd(get_array_module(x), x)
        else:
            out = fwd(get_array_module(x), x)
        if ctx is _NULL:  # a forward-only call: nothing to save
            return out
        if saves == "x":
            ctx.save_for_backward(x)
        elif saves == "out":
            ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        if saves is None:
            return bwd(grad, None)
        (s,) = ctx.saved_tensors
        return bwd(grad, s)

    return type(name, (Function,), {"_array_forward": True, "forward": staticmethod(forward),
                                    "backward": staticmethod(backward), "__module__": __name__})


def _apply(cls, x):
    """``cls.apply(x)``, skipping the graph bookkeeping when no gradient is recorded."""
    if _state.enabled and x._requires_grad:
        return cls.apply(x)
    return _make(cls.forward(_NULL, x._data))


def _keep_int(f):
    """Rounding of integers is the identity (NumPy's floor would return float64)."""
    return lambda xp, x: x.copy() if x.dtype.kind in "biu" else f(xp, x)


# --- the primitives, each with its derivative ---------------------------------------------
# d log2(x) = dx / (x ln 2);  d log10(x) = dx / (x ln 10);  d log1p(x) = dx / (1 + x)
Log2 = _unary("Log2", lambda xp, x: xp.log2(x), lambda g, x: g / (x * _LN2), quiet=True)
Log10 = _unary("Log10", lambda xp, x: xp.log10(x), lambda g, x: g / (x * _LN10), quiet=True)
Log1p = _unary("Log1p", lambda xp, x: xp.log1p(x), lambda g, x: g / (x + 1), quiet=True)
# d expm1(x) = (expm1(x) + 1) dx;  d 2**x = 2**x ln 2 dx
Expm1 = _unary("Expm1", lambda xp, x: xp.expm1(x), lambda g, y: g * (y + 1), "out", True)
Exp2 = _unary("Exp2", lambda xp, x: xp.exp2(x), lambda g, y: g * y * _LN2, "out", True)
# d sqrt(x) = dx / (2 sqrt(x));  d x**-1/2 = -1/2 x**-3/2 dx = -1/2 y**3 dx
Sqrt = _unary("Sqrt", lambda xp, x: xp.sqrt(x), lambda g, y: g / (y * 2), "out", True)
Rsqrt = _unary("Rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda g, y: g * (y * y * y) * -0.5,
               "out", True)
# d x**2 = 2x dx;  d 1/x = -1/x**2 dx
Square = _unary("Square", lambda xp, x: x * x, lambda g, x: g * (x * 2))
Reciprocal = _unary("Reciprocal", lambda xp, x: 1 / x, lambda g, y: g * -(y * y), "out", True)
# d |x| = sign(x) dx, and 0 at the kink x = 0 (PyTorch's choice)
Abs = _unary("Abs", lambda xp, x: xp.abs(x), lambda g, x: g * sign(x))
# sign, and all rounding functions, are piecewise constant: zero gradient everywhere
Sign = _unary("Sign", lambda xp, x: xp.sign(x), lambda g, _: _zeros(g), None)
Floor = _unary("Floor", _keep_int(lambda xp, x: xp.floor(x)), lambda g, _: _zeros(g), None)
Ceil = _unary("Ceil", _keep_int(lambda xp, x: xp.ceil(x)), lambda g, _: _zeros(g), None)
Trunc = _unary("Trunc", _keep_int(lambda xp, x: xp.trunc(x)), lambda g, _: _zeros(g), None)
Round = _unary("Round", _keep_int(lambda xp, x: xp.round(x)), lambda g, _: _zeros(g), None)
# d (x - trunc(x)) = dx
Frac = _unary("Frac", lambda xp, x: x - xp.trunc(x), lambda g, _: g, None)
# d sin = cos dx;  d cos = -sin dx;  d tan = (1 + tan**2) dx
Sin = _unary("Sin", lambda xp, x: xp.sin(x), lambda g, x: g * cos(x))
Cos = _unary("Cos", lambda xp, x: xp.cos(x), lambda g, x: g * -sin(x))
Tan = _unary("Tan", lambda xp, x: xp.tan(x), lambda g, y: g * (y * y + 1), "out")
# d asin = dx / sqrt(1 - x**2);  d acos = -dx / sqrt(1 - x**2);  d atan = dx / (1 + x**2)
Asin = _unary("Asin", lambda xp, x: xp.arcsin(x), lambda g, x: g * rsqrt(-(x * x) + 1),
              quiet=True)
Acos = _unary("Acos", lambda xp, x: xp.arccos(x), lambda g, x: g * -rsqrt(-(x * x) + 1),
              quiet=True)
Atan = _unary("Atan", lambda xp, x: xp.arctan(x), lambda g, x: g / (x * x + 1))
# d sinh = cosh dx;  d cosh = sinh dx;  d tanh = (1 - tanh**2) dx
Sinh = _unary("Sinh", lambda xp, x: xp.sinh(x), lambda g, x: g * cosh(x), quiet=True)
Cosh = _unary("Cosh", lambda xp, x: xp.cosh(x), lambda g, x: g * sinh(x), quiet=True)
Tanh = _unary("Tanh", lambda xp, x: xp.tanh(x), lambda g, y: g * (-(y * y) + 1), "out")
# d asinh = dx / sqrt(x**2 + 1);  d acosh = dx / sqrt(x**2 - 1);  d atanh = dx / (1 - x**2)
Asinh = _unary("Asinh", lambda xp, x: xp.arcsinh(x), lambda g, x: g * rsqrt(x * x + 1))
Acosh = _unary("Acosh", lambda xp, x: xp.arccosh(x), lambda g, x: g * rsqrt(x * x - 1),
               quiet=True)
Atanh = _unary("Atanh", lambda xp, x: xp.arctanh(x), lambda g, x: g / (-(x * x) + 1),
               quiet=True)
# d erf = 2/sqrt(pi) exp(-x**2) dx;  d erfinv(x) = sqrt(pi)/2 exp(erfinv(x)**2) dx
Erf = _unary("Erf", lambda xp, x: _special.erf(x),
             lambda g, x: g * exp(-(x * x)) * _TWO_OVER_SQRT_PI)
Erfc = _unary("Erfc", lambda xp, x: _special.erfc(x),
              lambda g, x: g * exp(-(x * x)) * -_TWO_OVER_SQRT_PI)
Erfinv = _unary("Erfinv", lambda xp, x: _special.erfinv(x),
                lambda g, y: g * exp(y * y) / _TWO_OVER_SQRT_PI, "out")


def _sigmoid(xp, x):
    # full relative precision in both tails; exp(-x) overflowing to inf gives the limit 0
    return 1 / (1 + xp.exp(-x))


# d sigmoid = sigmoid (1 - sigmoid) dx
Sigmoid = _unary("Sigmoid", _sigmoid, lambda g, y: g * (y * (-y + 1)), "out", True)
# d relu = [x > 0] dx: the kink at 0 gets 0 (PyTorch's choice)
Relu = _unary("Relu", lambda xp, x: xp.maximum(x, 0).astype(x.dtype, copy=False),
              lambda g, y: _PositiveMask.apply(g, y), "out")


class _PositiveMask(Function):
    """``grad`` where ``y <= 0`` is false, else 0: relu's backward as one primitive (speed: NumPy's
    ``where`` branches on every element and runs ~10x slower on a random mask than the bit
    mask below; like ``where``, a masked-out inf or nan gives 0)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(y)
        if grad.size >= _BIG and grad.__class__ is _nd:
            return _par(_keep_where_positive, grad, y)
        return _keep_where_positive(grad, y)

    @staticmethod
    def backward(ctx, gg):
        # linear in grad with the same mask; y enters through a piecewise-constant mask only
        (y,) = ctx.saved_tensors
        return _PositiveMask.apply(gg, y), None


class LeakyRelu(Function):
    """``leaky_relu`` for a slope in (0, 1] as one primitive (speed: the composite
    ``where(x > 0, x, slope * x)`` made NumPy ``where`` calls, which branch on every element
    and ran ~5x slower on random signs than the branch-free forms below)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, slope):
        # for 0 < slope <= 1, x > 0 exactly where x >= slope * x: y = max(x, slope * x)
        # (nan stays nan; -0.0 stays -0.0, as x * slope in PyTorch's kernel)
        xp = get_array_module(x)
        out = xp.multiply(x, slope, out=xp.empty_like(x))  # out=: an array for 0-d x too
        xp.maximum(x, out, out=out)
        ctx.save_for_backward(x)
        ctx.slope = slope
        return out

    @staticmethod
    def backward(ctx, grad):
        return _LeakyMask.apply(grad, *ctx.saved_tensors, ctx.slope), None


class _LeakyMask(LeakyRelu):
    """``grad`` where ``x > 0``, else ``slope * grad``: leaky_relu's backward (PyTorch's
    ``x > 0 ? grad : grad * slope``), branch-free: the factor max([x > 0], slope) is exactly 1
    or slope, so ``grad * factor`` is bit for bit the same, inf and nan included. Linear in
    ``grad`` with a mask of ``x`` alone, so its own backward is itself (LeakyRelu's)."""

    @staticmethod
    def forward(ctx, grad, x, slope):
        xp = get_array_module(grad, x)
        factor = xp.empty(np.broadcast_shapes(grad.shape, x.shape), grad.dtype)
        xp.maximum(xp.greater(x, 0), grad.dtype.type(slope), out=factor)  # in grad's dtype
        factor *= grad
        ctx.save_for_backward(x)
        ctx.slope = slope
        return factor

    @staticmethod
    def backward(ctx, gg):
        return LeakyRelu.backward(ctx, gg)[0], None, None


_SAME_SIZE_INT = {np.dtype(np.float16): np.int16, np.dtype(np.float32): np.int32,
                  np.dtype(np.float64): np.int64}


def _keep_where_positive(g, y):
    # PyTorch's threshold_backward zeroes where y <= 0, so a nan output passes its gradient.
    # y is a relu output (>= 0 or nan), so "not y <= 0" is "y != 0". Two passes: the mask, then
    # an integer product of the gradient's bits with it (0 or 1), exact even where the gradient
    # is inf or nan (a float product would give nan there); measured ~1.7x faster than the
    # previous three passes (compare, widen the mask to all-ones bits, bitwise and)
    xp = get_array_module(g, y)
    it = _SAME_SIZE_INT.get(g.dtype)
    if it is None or g.shape != y.shape:
        return xp.where(y <= 0, 0, g).astype(g.dtype, copy=False)
    return xp.multiply(g.view(it), y != 0, dtype=it).view(g.dtype)


# --- public functions ---------------------------------------------------------------------
def _float_fn(cls, name, doc):
    def fn(input, *, out=None):
        return _out(_apply(cls, _floating(input)), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _same_fn(cls, name, doc):
    def fn(input, *, out=None):
        return _out(_apply(cls, input), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


log2 = _float_fn(Log2, "log2", "Base-2 logarithm, elementwise; ``log2(0) = -inf``.")
log10 = _float_fn(Log10, "log10", "Base-10 logarithm, elementwise; ``log10(0) = -inf``.")
log1p = _float_fn(Log1p, "log1p", """``log(1 + input)``, accurate for small ``input``.

    Example:
        >>> import ember
        >>> ember.log1p(ember.tensor([0., 1e-10]))
        tensor([0.0000e+00, 1.0000e-10])
    """)
expm1 = _float_fn(Expm1, "expm1", "``exp(input) - 1``, accurate for small ``input``.")
exp2 = _float_fn(Exp2, "exp2", "``2 ** input``, elementwise.")
sqrt = _float_fn(Sqrt, "sqrt", """Square root, elementwise (``nan`` for negative input).

    Example:
        >>> import ember
        >>> ember.sqrt(ember.tensor([4., 9.]))
        tensor([2., 3.])
    """)
rsqrt = _float_fn(Rsqrt, "rsqrt", "``1 / sqrt(input)``, elementwise.")
reciprocal = _float_fn(Reciprocal, "reciprocal", "``1 / input``; integers give float.")
_square = _same_fn(Square, "square", "")


def square(input, *, out=None):
    """``input * input`` (integers stay integers; bool gives int64, as in PyTorch)."""
    if input._data.dtype == np.bool_:
        input = input.long()
    return _square(input, out=out)



abs = _same_fn(Abs, "abs", """Absolute value; its gradient at 0 is 0.

    Example:
        >>> import ember
        >>> ember.abs(ember.tensor([-1, 2]))
        tensor([1, 2])
    """)
absolute = abs
sign = _same_fn(Sign, "sign", "-1, 0 or 1 by the sign of each element; zero gradient.")
sin = _float_fn(Sin, "sin", "Sine, elementwise.")
cos = _float_fn(Cos, "cos", "Cosine, elementwise.")
tan = _float_fn(Tan, "tan", "Tangent, elementwise.")
asin = arcsin = _float_fn(Asin, "asin", "Inverse sine (``nan`` outside [-1, 1]).")
acos = arccos = _float_fn(Acos, "acos", "Inverse cosine (``nan`` outside [-1, 1]).")
atan = arctan = _float_fn(Atan, "atan", "Inverse tangent, elementwise.")
sinh = _float_fn(Sinh, "sinh", "Hyperbolic sine, elementwise.")
cosh = _float_fn(Cosh, "cosh", "Hyperbolic cosine, elementwise.")
tanh = _float_fn(Tanh, "tanh", """Hyperbolic tangent, elementwise.

    Example:
        >>> import ember
        >>> ember.tanh(ember.tensor([0.]))
        tensor([0.])
    """)
asinh = arcsinh = _float_fn(Asinh, "asinh", "Inverse hyperbolic sine, elementwise.")
acosh = arccosh = _float_fn(Acosh, "acosh", "Inverse hyperbolic cosine (``nan`` below 1).")
atanh = arctanh = _float_fn(Atanh, "atanh", "Inverse hyperbolic tangent (``nan`` outside "
                            "[-1, 1]).")
sigmoid = _float_fn(Sigmoid, "sigmoid", """``1 / (1 + exp(-input))``, without overflow.

    Example:
        >>> import ember
        >>> ember.sigmoid(ember.tensor([0., -1000.]))
        tensor([0.5000, 0.0000])
    """)
erf = _float_fn(Erf, "erf", """The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``.

    Example:
        >>> import ember
        >>> ember.erf(ember.tensor([0., 1.]))
        tensor([0.0000, 0.8427])
    """)
erfc = _float_fn(Erfc, "erfc", "``1 - erf(input)``, accurate where ``erf`` is close to 1.")
erfinv = _float_fn(Erfinv, "erfinv", "The inverse of :func:`erf` on (-1, 1); +-inf at +-1.")
floor = _same_fn(Floor, "floor", "Largest integer not above each element; zero gradient.")
ceil = _same_fn(Ceil, "ceil", "Smallest integer not below each element; zero gradient.")
trunc = fix = _same_fn(Trunc, "trunc", "Rounds toward zero; zero gradient.")


def relu(input, *, out=None):
    """``max(input, 0)``; the gradient at 0 is 0.

    Example:
        >>> import ember
        >>> ember.relu(ember.tensor([-1., 0., 2.]))
        tensor([0., 0., 2.])
    """
    if input._data.dtype == np.bool_:
        raise RuntimeError("\"clamp_min_scalar_cpu\" not implemented for 'Bool'")
    return _out(_apply(Relu, input), out)


def round(input, *, decimals=0, out=None):
    """Round to the nearest integer (halves to even), or to ``decimals`` decimal places.

    Example:
        >>> import ember
        >>> ember.round(ember.tensor([0.5, 1.5, 1.26]), decimals=0)
        tensor([0., 2., 1.])
    """
    if decimals == 0:
        return _out(_apply(Round, input), out)
    if input._data.dtype.kind in "biu":
        raise RuntimeError("round_cpu not implemented for integer dtypes with decimals != 0")
    # PyTorch scales by 10**decimals, rounds, and scales back; the gradient is zero, as for round
    if decimals > 0:
        scale = 10.0 ** decimals
        return _out(_apply(Round, input * scale) / scale, out)
    scale = 10.0 ** -decimals
    return _out(_apply(Round, input / scale) * scale, out)


def frac(input, *, out=None):
    """The fractional part ``input - trunc(input)`` (sign kept); floating inputs only."""
    if input._data.dtype.kind in "biu":
        raise RuntimeError(f"\"frac_cpu\" not implemented for '{_tname(input)}'")
    return _out(_apply(Frac, input), out)


def _tname(t):
    return t._type_name()[len("torch."):-len("Tensor")]


# --- clamp ------------------------------------------------------------------------------------
class Clamp(Function):
    """clamp with Python-number bounds (either may be None)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = get_array_module(x)
        out = x
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return out.astype(x.dtype, copy=False) if out is not x else x.copy()

    @staticmethod
    def backward(ctx, grad):
        # d clamp = dx where lo <= x <= hi (the boundaries pass the gradient, as in PyTorch)
        (x,) = ctx.saved_tensors
        lo, hi = ctx.lo, ctx.hi
        if lo is not None and hi is not None:
            keep = (x >= lo) & (x <= hi)
        else:
            keep = x >= lo if lo is not None else x <= hi
        return _where(keep, grad, 0.0), None, None


class ClampTensor(Function):
    """clamp with tensor bounds; PyTorch's rule for each bound's gradient."""

    _array_forward = True

    def name(self):
        return "ClampBackward0"

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = get_array_module(x)
        out = x
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        ctx.save_for_backward(x, lo, hi)
        return out

    @staticmethod
    def backward(ctx, grad):
        # x gets dx where lo <= x <= hi; lo gets it where x < lo (and lo < hi); hi where x > hi
        # or hi < lo (the output is hi there)
        x, lo, hi = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = glo = ghi = None
        if need[0]:
            keep = x >= lo if lo is not None else None
            if hi is not None:
                keep = x <= hi if keep is None else keep & (x <= hi)
            gx = unbroadcast(_where(keep, grad, 0.0), x.shape)
        if lo is not None and need[1]:
            sel = x < lo if hi is None else (x < lo) & (lo < hi)
            glo = unbroadcast(_where(sel, grad, 0.0), lo.shape)
        if hi is not None and need[2]:
            sel = x > hi if lo is None else (x > hi) | (hi < lo)
            ghi = unbroadcast(_where(sel, grad, 0.0), hi.shape)
        return gx, glo, ghi


def clamp(input, min=None, max=None, *, out=None):
    """Clamp every element into ``[min, max]`` (numbers or tensors; either may be None).

    If ``min > max``, every element becomes ``max``, as in PyTorch. The gradient flows where
    ``min <= input <= max``.

    Example:
        >>> import ember
        >>> ember.clamp(ember.tensor([-2., 0.5, 3.]), min=-1, max=1)
        tensor([-1.0000,  0.5000,  1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _out(_clamp_tensor(input, min, max), out)
    if input._data.dtype == np.bool_:
        raise RuntimeError("\"clamp_scalar_cpu\" not implemented for 'Bool'")
    x = input
    for b in (min, max):
        if b is not None:
            x, _ = _prep(x, b)
    if isinstance(min, float) and x._data.dtype.kind == "f":
        min = float(x._data.dtype.type(min))
    if isinstance(max, float) and x._data.dtype.kind == "f":
        max = float(x._data.dtype.type(max))
    if _state.enabled and x._requires_grad:
        return _out(Clamp.apply(x, min, max), out)
    return _out(_make(Clamp.forward(_NULL, x._data, min, max)), out)


def _clamp_tensor(input, lo, hi):
    from .._dtype import result_type

    x = input
    for b in (lo, hi):
        if b is not None:
            dt = result_type(x, b)
            if x._data.dtype != dt.np:
                x = x.to(dt)
    npdt = x._data.dtype
    xs = [x]
    for v in (lo, hi):
        if v is None or isinstance(v, Tensor):
            xs.append(v if v is None or v._data.dtype == npdt else v.to(x.dtype))
        else:
            xs.append(_make(get_array_module(x._data).asarray(v, dtype=npdt)))
    return ClampTensor.apply(*xs)


clip = clamp


def clamp_min(input, min):
    """``clamp(input, min=min)``."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """``clamp(input, max=max)``."""
    return clamp(input, max=max)


class NanToNum(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        # replaced elements are constants: d = [x finite] dx
        (x,) = ctx.saved_tensors
        return _where(x.isfinite(), grad, 0.0)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN by ``nan`` and +-inf by ``posinf``/``neginf`` (default: the dtype's
    largest/smallest finite value).

    Example:
        >>> import ember
        >>> ember.nan_to_num(ember.tensor([float('nan'), 1.]))
        tensor([0., 1.])
    """
    if input._data.dtype.kind != "f":
        return _out(input.clone(), out)
    return _out(NanToNum.apply(input, nan, posinf, neginf), out)


# --- Tensor methods ---------------------------------------------------------------------------
_METHODS = dict(
    log2=log2, log10=log10, log1p=log1p, expm1=expm1, exp2=exp2, sqrt=sqrt, rsqrt=rsqrt,
    square=square, reciprocal=reciprocal, abs=abs, absolute=abs, sign=sign, sin=sin, cos=cos,
    tan=tan, asin=asin, acos=acos, atan=atan, arcsin=asin, arccos=acos, arctan=atan,
    sinh=sinh, cosh=cosh, tanh=tanh, asinh=asinh, acosh=acosh, atanh=atanh, arcsinh=asinh,
    arccosh=acosh, arctanh=atanh, sigmoid=sigmoid, relu=relu, erf=erf, erfc=erfc,
    erfinv=erfinv, floor=floor, ceil=ceil, trunc=trunc, fix=trunc, frac=frac,
)


def _inplace_of(fn):
    return lambda self, *a, **k: inplace(self, fn, *a, **k)


register(
    **_METHODS,
    **{k + "_": _inplace_of(f) for k, f in _METHODS.items()},
    round=round, round_=_inplace_of(round),
    clamp=clamp, clip=clamp, clamp_min=clamp_min, clamp_max=clamp_max,
    clamp_=_inplace_of(clamp), clip_=_inplace_of(clamp), clamp_min_=_inplace_of(clamp_min),
    clamp_max_=_inplace_of(clamp_max),
    nan_to_num=nan_to_num, nan_to_num_=_inplace_of(nan_to_num),
    __abs__=abs,
)

_ = (exp, log)

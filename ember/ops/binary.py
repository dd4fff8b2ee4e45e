"""Binary pointwise primitives beyond arithmetic: ``maximum``/``minimum``, ``fmax``/``fmin``,
``atan2``, ``hypot``, ``logaddexp``, ``xlogy``, the integer-style divisions (``floor_divide``,
``remainder``, ``fmod``, truncating division), and the composites ``lerp``, ``addcmul``,
``addcdiv``.

Operands are promoted by PyTorch's rules (``_prep``); floating functions compute integer
operands in the default dtype. Backward undoes broadcasting with ``unbroadcast``.
"""
import functools

import numpy as np

from .._dtype import get_default_dtype
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
from .elementwise import _cast, _check_broadcast, _large, _out, _par, _prep

__all__ = ["maximum", "minimum", "fmax", "fmin", "atan2", "arctan2", "hypot", "logaddexp",
           "xlogy", "floor_divide", "remainder", "fmod", "lerp", "addcmul", "addcdiv"]


def _where(cond, a, b):
    from .selection import where

    return where(cond, a, b)


def _shape(v):
    return v.shape if isinstance(v, Tensor) else ()


def _binary(name, fwd, bwd, quiet=True):
    """A binary primitive: ``fwd(xp, x, y)`` on arrays (either may be a Python scalar);
    ``bwd(ctx, grad, x, y)`` in Tensor ops returns both gradients (before unbroadcasting)."""

    np_fwd = functools.partial(fwd, np)  # large NumPy operands: piece by piece on the pool

    def forward(ctx, x, y):
        xp = get_array_module(x, y)
        f = np_fwd if _large(x, y) else None
        try:
            if quiet:
                with np.errstate(all="ignore"):
                    out = _par(f, x, y) if f else fwd(xp, x, y)
            else:
                out = _par(f, x, y) if f else fwd(xp, x, y)
        except ValueError:
            _check_broadcast(x, y)
            raise
        ctx.save_for_backward(x, y)
        return out

    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx, gy = bwd(ctx, grad, x, y)
        return (unbroadcast(gx, x.shape) if gx is not None and isinstance(x, Tensor) else None,
                unbroadcast(gy, y.shape) if gy is not None and isinstance(y, Tensor) else None)

    return type(name, (Function,), {"_array_forward": True, "forward": staticmethod(forward),
                                    "backward": staticmethod(backward), "__module__": __name__})


def _need(ctx, i):
    return ctx.needs_input_grad[i]


# --- the primitives, each with its derivative ---------------------------------------------
def _max_bwd(ctx, g, x, y):
    # d max(x, y) = [x > y] dx + [x < y] dy; a tie splits the gradient in half (PyTorch's rule)
    half = _where(x == y, g * 0.5, g)
    return (_where(x < y, 0.0, half) if _need(ctx, 0) else None,
            _where(x > y, 0.0, half) if _need(ctx, 1) else None)


def _min_bwd(ctx, g, x, y):
    # d min(x, y) = [x < y] dx + [x > y] dy; a tie splits the gradient in half
    half = _where(x == y, g * 0.5, g)
    return (_where(x > y, 0.0, half) if _need(ctx, 0) else None,
            _where(x < y, 0.0, half) if _need(ctx, 1) else None)


def _fmax_bwd(ctx, g, x, y):
    # fmax ignores a NaN operand; ties go to x entirely (PyTorch's rule)
    take_x = (x >= y) | y.isnan()
    return _where(take_x, g, 0.0), _where(take_x, 0.0, g)


def _fmin_bwd(ctx, g, x, y):
    take_x = (x <= y) | y.isnan()
    return _where(take_x, g, 0.0), _where(take_x, 0.0, g)


Maximum = _binary("Maximum", lambda xp, x, y: xp.maximum(x, y), _max_bwd)
Minimum = _binary("Minimum", lambda xp, x, y: xp.minimum(x, y), _min_bwd)
Fmax = _binary("Fmax", lambda xp, x, y: xp.fmax(x, y), _fmax_bwd)
Fmin = _binary("Fmin", lambda xp, x, y: xp.fmin(x, y), _fmin_bwd)


def _atan2_bwd(ctx, g, x, y):
    # d atan2(x, y) = (y dx - x dy) / (x**2 + y**2)
    r = g / (x * x + y * y)
    return r * y, r * -x


def _hypot_bwd(ctx, g, x, y):
    # d hypot(x, y) = (x dx + y dy) / hypot(x, y)
    h = (x * x + y * y).sqrt()
    return g * x / h, g * y / h


def _logaddexp_bwd(ctx, g, x, y):
    # d log(e**x + e**y) = sigmoid(x - y) dx + sigmoid(y - x) dy
    return g * (x - y).sigmoid(), g * (y - x).sigmoid()


def _xlogy_bwd(ctx, g, x, y):
    # d x log(y) = log(y) dx + x / y dy; the dx term is 0 where x == 0 and y <= 0 (PyTorch)
    gx = gy = None
    if isinstance(x, Tensor) and _need(ctx, 0):
        gx = _where((x == 0) & (y <= 0), 0.0, g * y.log())
    if isinstance(y, Tensor) and _need(ctx, 1):
        gy = g * x / y
    return gx, gy


def _xlogy(xp, x, y):
    out = x * xp.log(y)
    # 0 * log(y) is 0 even for y = 0 or inf; a NaN y still gives NaN
    return xp.where((x == 0) & ~xp.isnan(y), 0, out).astype(out.dtype, copy=False)


Atan2 = _binary("Atan2", lambda xp, x, y: xp.arctan2(x, y), _atan2_bwd)
Hypot = _binary("Hypot", lambda xp, x, y: xp.hypot(x, y), _hypot_bwd)
Logaddexp = _binary("Logaddexp", lambda xp, x, y: xp.logaddexp(x, y), _logaddexp_bwd)
Xlogy = _binary("Xlogy", _xlogy, _xlogy_bwd)


def _int_div_check(x, y):
    """Integer division by zero raises, as in PyTorch (NumPy would warn and return 0)."""
    dt = x.dtype if hasattr(x, "dtype") else y.dtype
    if dt.kind in "biu" and bool((y == 0).any() if hasattr(y, "any") else y == 0):
        raise RuntimeError("ZeroDivisionError")


def _floor_div(xp, x, y):
    _int_div_check(x, y)
    return xp.floor_divide(x, y)


def _trunc_div_arr(xp, x, y):
    if (x.dtype if hasattr(x, "dtype") else y.dtype).kind in "biu":
        _int_div_check(x, y)
        q = xp.floor_divide(x, y)
        # floor and trunc differ where the division is inexact and the signs differ
        fix = (q < 0) & (q * y != x)
        return q + fix.astype(q.dtype)
    return xp.trunc(xp.true_divide(x, y))


def _zero_bwd(ctx, g, x, y):
    # rounding divisions are piecewise constant: zero gradients
    z = _make(get_array_module(g._data).zeros_like(g._data))
    return z, z


def _no_bwd(ctx, g, x, y):
    raise RuntimeError("derivative for aten::floor_divide is not implemented")


def _remainder_bwd(ctx, g, x, y):
    # x - floor(x / y) * y: d = dx - floor(x / y) dy (the quotient is a constant)
    q = _make(get_array_module(g._data).floor_divide(_arr(x), _arr(y))) \
        if _need(ctx, 1) else None
    return g, (g * -q if q is not None else None)


def _fmod_bwd(ctx, g, x, y):
    # x - trunc(x / y) * y: d = dx - trunc(x / y) dy
    q = _make(_trunc_div_arr(get_array_module(g._data), _arr(x), _arr(y))) \
        if _need(ctx, 1) else None
    return g, (g * -q if q is not None else None)


def _arr(v):
    return v._data if isinstance(v, Tensor) else v


def _rem(xp, x, y):
    _int_div_check(x, y)
    return xp.remainder(x, y)


def _fmod(xp, x, y):
    _int_div_check(x, y)
    return xp.fmod(x, y)


FloorDivide = _binary("FloorDivide", _floor_div, _no_bwd)
DivFloor = _binary("DivFloor", _floor_div, _zero_bwd)
DivTrunc = _binary("DivTrunc", _trunc_div_arr, _zero_bwd)
Remainder = _binary("Remainder", _rem, _remainder_bwd)
Fmod = _binary("Fmod", _fmod, _fmod_bwd)
for _c in (DivFloor, DivTrunc):
    _c.name = lambda self: "DivBackward2"


# --- public functions -----------------------------------------------------------------------
def _run(cls, a, b):
    if _state.enabled and (getattr(a, "_requires_grad", False)
                           or getattr(b, "_requires_grad", False)):
        return cls.apply(a, b)
    xa = a._data if isinstance(a, Tensor) else a
    xb = b._data if isinstance(b, Tensor) else b
    return _make(cls.forward(_NULL, xa, xb))


def _float_operands(a, b):
    """Integer (or bool) operands of a floating function: computed in the default dtype."""
    a, b = _prep(a, b)
    for v in (a, b):
        if isinstance(v, Tensor):
            if v._data.dtype.kind in "biu":
                dt = get_default_dtype()
                a = _cast(a, dt) if isinstance(a, Tensor) else a
                b = _cast(b, dt) if isinstance(b, Tensor) else b
            break
    return a, b


def maximum(input, other, *, out=None):
    """Elementwise maximum, with broadcasting (NaN propagates); a tie splits the gradient.

    Example:
        >>> import ember
        >>> ember.maximum(ember.tensor([1., 5.]), ember.tensor([3., 2.]))
        tensor([3., 5.])
    """
    _need_tensors("maximum", input, other)
    return _out(_run(Maximum, *_prep(input, other)), out)


def minimum(input, other, *, out=None):
    """Elementwise minimum, with broadcasting (NaN propagates); a tie splits the gradient."""
    _need_tensors("minimum", input, other)
    return _out(_run(Minimum, *_prep(input, other)), out)


def fmax(input, other, *, out=None):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    _need_tensors("fmax", input, other)
    return _out(_run(Fmax, *_prep(input, other)), out)


def fmin(input, other, *, out=None):
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    _need_tensors("fmin", input, other)
    return _out(_run(Fmin, *_prep(input, other)), out)


def _need_tensors(name, a, b):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(b if isinstance(a, Tensor) else a).__name__}")


def atan2(input, other, *, out=None):
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant.

    Example:
        >>> import ember
        >>> ember.atan2(ember.tensor([1.]), ember.tensor([-1.]))
        tensor([2.3562])
    """
    _need_tensors("atan2", input, other)
    return _out(_run(Atan2, *_float_operands(input, other)), out)


arctan2 = atan2


def hypot(input, other, *, out=None):
    """``sqrt(input**2 + other**2)``, without intermediate overflow."""
    _need_tensors("hypot", input, other)
    return _out(_run(Hypot, *_float_operands(input, other)), out)


def logaddexp(input, other, *, out=None):
    """``log(exp(input) + exp(other))``, computed without overflow.

    Example:
        >>> import ember
        >>> ember.logaddexp(ember.tensor([1000., 0.]), ember.tensor([1000., 0.]))
        tensor([1.0007e+03, 6.9315e-01])
    """
    _need_tensors("logaddexp", input, other)
    return _out(_run(Logaddexp, *_float_operands(input, other)), out)


def xlogy(input, other, *, out=None):
    """``input * log(other)``, with ``0 * log(0) = 0`` (NaN in ``other`` still propagates).

    Example:
        >>> import ember
        >>> ember.xlogy(ember.tensor([0., 2.]), ember.tensor([0., 1.]))
        tensor([0., 0.])
    """
    return _out(_run(Xlogy, *_float_operands(input, other)), out)


def floor_divide(input, other, *, out=None):
    """``floor(input / other)``, elementwise (integers stay integers; division of an integer
    by zero raises). Not differentiable, as in PyTorch; use ``div(rounding_mode='floor')``.

    Example:
        >>> import ember
        >>> ember.tensor([7, -7]) // 2
        tensor([ 3, -4])
    """
    return _out(_run(FloorDivide, *_prep(input, other)), out)


def _floor_div_grad0(input, other):
    """``div(rounding_mode='floor')``: floor division with zero gradients."""
    return _run(DivFloor, *_prep(input, other))


def _trunc_div(input, other):
    """``div(rounding_mode='trunc')``: division rounded toward zero, with zero gradients."""
    return _run(DivTrunc, *_prep(input, other))


def remainder(input, other, *, out=None):
    """Python's modulus: the result has the sign of ``other``.

    Example:
        >>> import ember
        >>> ember.remainder(ember.tensor([-3., 3.]), 2)
        tensor([1., 1.])
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("remainder expects at least one Tensor")
    return _out(_run(Remainder, *_prep(input, other)), out)


def fmod(input, other, *, out=None):
    """C's modulus: the result has the sign of ``input``.

    Example:
        >>> import ember
        >>> ember.fmod(ember.tensor([-3., 3.]), 2)
        tensor([-1.,  1.])
    """
    return _out(_run(Fmod, *_prep(input, other)), out)


# --- composites -------------------------------------------------------------------------------
def lerp(input, end, weight, *, out=None):
    """Linear interpolation ``input + weight * (end - input)`` (``weight`` number or tensor).

    Evaluated from the nearer end, as PyTorch does, so ``weight = 1`` gives ``end`` exactly.

    Example:
        >>> import ember
        >>> ember.lerp(ember.tensor([0., 10.]), ember.tensor([10., 20.]), 0.5)
        tensor([ 5., 15.])
    """
    if input.dtype != end.dtype:
        raise RuntimeError(f"expected dtype {input.dtype.name} for `end` but got dtype "
                           f"{end.dtype.name}")
    diff = end - input
    if isinstance(weight, Tensor):
        near = weight.abs() < 0.5
        return _out(_where(near, input + weight * diff, end - diff * (1 - weight)), out)
    if abs(weight) < 0.5:
        return _out(input + diff * weight, out)
    return _out(end - diff * (1 - weight), out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``."""
    prod = tensor1 * tensor2
    return _out(input + (prod * value if value != 1 else prod), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``; two integer tensors raise, as in PyTorch."""
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic "
            "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
            "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
            "tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    q = tensor1 / tensor2
    return _out(input + (q * value if value != 1 else q), out)


# --- Tensor methods ---------------------------------------------------------------------------
def _ip(fn):
    return lambda self, *a, **k: inplace(self, fn, *a, **k)


def _r(fn):
    # ndarray // tensor raises TypeError, as in PyTorch (see elementwise._radd)
    return lambda self, other: (NotImplemented if isinstance(other, np.ndarray)
                                else fn(other, self))


register(
    maximum=maximum, minimum=minimum, fmax=fmax, fmin=fmin, atan2=atan2, arctan2=atan2,
    hypot=hypot, logaddexp=logaddexp, xlogy=xlogy, floor_divide=floor_divide,
    remainder=remainder, fmod=fmod, lerp=lerp, addcmul=addcmul, addcdiv=addcdiv,
    atan2_=_ip(atan2), arctan2_=_ip(atan2), hypot_=_ip(hypot), xlogy_=_ip(xlogy),
    floor_divide_=_ip(floor_divide), remainder_=_ip(remainder), fmod_=_ip(fmod),
    lerp_=_ip(lerp), addcmul_=_ip(addcmul), addcdiv_=_ip(addcdiv),
    __floordiv__=floor_divide, __rfloordiv__=_r(floor_divide), __mod__=remainder,
    __rmod__=_r(remainder), __ifloordiv__=_ip(floor_divide), __imod__=_ip(remainder),
)

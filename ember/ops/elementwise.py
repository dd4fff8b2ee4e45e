"""Elementwise primitives: arithmetic with broadcasting, and the core unary functions.

Each primitive is a Function: ``forward`` on arrays, ``backward`` in Tensor ops, with the
local derivative in a comment. Python scalars stay Python scalars (NumPy treats them as weakly
typed, which keeps float32 float32); tensors are first promoted by PyTorch's rules.
"""
import math

import numpy as np

from .._dtype import _FROM_NP, result_type
from ..backends import _parallel
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

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "pow", "exp", "log", "rsub"]


# Large NumPy calls go to the intra-op pool (backends/_parallel.py). The hot path pays one
# size comparison against _BIG, a module global kept up to date by the pool (infinite when one
# thread is configured). A binary op looks at its left operand when that is a NumPy array (the
# usual case), else at the right one: a small array on the left of a large one (bias + x)
# stays serial.
_par = _parallel.call
_nd = np.ndarray
_BIG = _parallel.big[0]
_parallel.watch(globals())  # keeps _BIG current when set_num_threads changes it


def _large(x, y):
    """Whether the binary op on ``x`` and ``y`` (arrays or scalars) should use the pool."""
    return x.size >= _BIG if x.__class__ is _nd else (y.__class__ is _nd and y.size >= _BIG)


def _prep(a, b):
    """Promote ``a`` and ``b`` (Tensor or scalar) to the result dtype; scalars stay scalars."""
    a_t = isinstance(a, Tensor)
    b_t = isinstance(b, Tensor)
    if a_t and b_t:
        da, db = a._data.dtype, b._data.dtype
        if da is db or da == db:
            return a, b
    elif a_t:
        if isinstance(b, np.generic):
            b = b.item()
    elif b_t:
        if isinstance(a, np.generic):
            a = a.item()
    else:
        raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    dt = result_type(a, b)
    npdt = dt.np
    if a_t and a._data.dtype != npdt:
        a = _cast(a, dt)
    if b_t and b._data.dtype != npdt:
        b = _cast(b, dt)
    return a, b


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else None


def _check_broadcast(x, y):
    from ._util import broadcast_shapes

    broadcast_shapes(np.shape(x), np.shape(y))


class Add(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, y):
        try:
            if (x.size >= _BIG if x.__class__ is _nd else
                    y.__class__ is _nd and y.size >= _BIG):
                out = _par(np.add, x, y)
            else:
                out = x + y
        except ValueError:
            _check_broadcast(x, y)
            raise
        if ctx is not _NULL:  # forward-only calls skip the bookkeeping (~0.1 us)
            ctx.shapes = (getattr(x, "shape", ()), getattr(y, "shape", ()))
        return out

    @staticmethod
    def backward(ctx, grad):
        # d(x + y) = dx + dy
        sx, sy = ctx.shapes
        need = ctx.needs_input_grad
        return (unbroadcast(grad, sx) if need[0] else None,
                unbroadcast(grad, sy) if need[1] else None)


class Sub(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, y):
        try:
            if (x.size >= _BIG if x.__class__ is _nd else
                    y.__class__ is _nd and y.size >= _BIG):
                out = _par(np.subtract, x, y)
            else:
                out = x - y
        except ValueError:
            _check_broadcast(x, y)
            raise
        if ctx is not _NULL:  # forward-only calls skip the bookkeeping (~0.1 us)
            ctx.shapes = (getattr(x, "shape", ()), getattr(y, "shape", ()))
        return out

    @staticmethod
    def backward(ctx, grad):
        # d(x - y) = dx - dy
        sx, sy = ctx.shapes
        need = ctx.needs_input_grad
        gy = -unbroadcast(grad, sy) if need[1] else None
        return unbroadcast(grad, sx) if need[0] else None, gy


class Mul(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, y):
        try:
            if (x.size >= _BIG if x.__class__ is _nd else
                    y.__class__ is _nd and y.size >= _BIG):
                out = _par(np.multiply, x, y)
            else:
                out = x * y
        except ValueError:
            _check_broadcast(x, y)
            raise
        if ctx is not _NULL:
            ctx.save_for_backward(x, y)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d(x * y) = y dx + x dy
        x, y = ctx.saved_tensors
        gx = unbroadcast(grad * y, x.shape) if ctx.needs_input_grad[0] else None
        gy = unbroadcast(grad * x, y.shape) if ctx.needs_input_grad[1] else None
        return gx, gy


class Div(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, y):
        xp = get_array_module(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                out = _par(np.true_divide, x, y) if _large(x, y) else xp.true_divide(x, y)
            except ValueError:
                _check_broadcast(x, y)
                raise
        ctx.save_for_backward(x, y)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d(x / y) = dx / y - x / y**2 dy
        x, y = ctx.saved_tensors
        gx = unbroadcast(grad / y, x.shape) if ctx.needs_input_grad[0] else None
        gy = unbroadcast(-grad * x / (y * y), y.shape) if ctx.needs_input_grad[1] else None
        return gx, gy


class Neg(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        return _par(np.negative, x) if x.size >= _BIG and x.__class__ is _nd else -x

    @staticmethod
    def backward(ctx, grad):
        # d(-x) = -dx
        return -grad


class Pow(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, y):
        xp = get_array_module(x, y)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            try:
                out = _par(np.power, x, y) if _large(x, y) else xp.power(x, y)
            except ValueError:
                _check_broadcast(x, y)
                raise
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d(x**y) = y x**(y-1) dx + x**y log(x) dy
        x, y, out = ctx.saved_tensors
        gx = gy = None
        if not isinstance(y, Tensor):
            # scalar exponent; y == 0 gives 0 (not 0 * inf) at x == 0, as in PyTorch
            return (grad * (y * x ** (y - 1)) if y != 0 else grad * 0), None
        if not isinstance(x, Tensor):
            # scalar base c: d(c**y) = c**y log(c) dy; at c == 0 it is 0 for y >= 0 (the limit)
            # and -inf for y < 0 (c**y = inf), written so no 0 * inf is ever formed
            if x == 0:
                return None, grad * where_(y >= 0, 0.0, -math.inf)
            return None, grad * out * (math.log(x) if x > 0 else math.nan)
        if ctx.needs_input_grad[0]:
            gx = unbroadcast(where_(y == 0, 0.0, grad * y * x ** (y - 1)), x.shape)
        if ctx.needs_input_grad[1]:
            # x == 0 and y >= 0: the limit of x**y log x is 0
            gy = unbroadcast(where_((x == 0) & (y >= 0), 0.0, grad * out * log(x)), y.shape)
        return gx, gy


def where_(cond, a, b):
    from .selection import where

    return where(cond, a, b)


class Exp(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        with np.errstate(over="ignore"):
            out = _par(np.exp, x) if x.size >= _BIG and x.__class__ is _nd else xp.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d exp(x) = exp(x) dx
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = _par(np.log, x) if x.size >= _BIG and x.__class__ is _nd else xp.log(x)
        ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d log(x) = dx / x
        (x,) = ctx.saved_tensors
        return grad / x


class Cast(Function):
    """Dtype conversion; the gradient is cast back to the input's dtype."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, npdt):
        ctx.src = _FROM_NP[x.dtype]
        return x.astype(npdt)

    @staticmethod
    def backward(ctx, grad):
        # d cast(x) = cast^-1(dx)
        if not ctx.src.is_floating_point and not ctx.src.is_complex:
            return None, None
        return _cast(grad, ctx.src), None


def _cast(x, dt):
    if x._data.dtype == dt.np:
        return x
    return Cast.apply(x, dt.np)


# --- public functions -------------------------------------------------------------------------
def _binary(cls, a, b):
    if (not _state.enabled or not (getattr(a, "_requires_grad", False)
                              or getattr(b, "_requires_grad", False))):
        a, b = _prep(a, b)
        xa = a._data if isinstance(a, Tensor) else a
        xb = b._data if isinstance(b, Tensor) else b
        return _make(cls.forward(_NULL, xa, xb))
    a, b = _prep(a, b)
    return cls.apply(a, b)


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, with broadcasting.

    Example:
        >>> import ember
        >>> ember.add(ember.tensor([1., 2.]), 1)
        tensor([2., 3.])
    """
    if alpha != 1:
        other = mul(other, alpha)
    return _out(_binary(Add, input, other), out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``, with broadcasting."""
    if alpha != 1:
        other = mul(other, alpha)
    a_bool, b_bool = _is_bool(input), _is_bool(other)
    if (a_bool and isinstance(input, Tensor)) or (b_bool and isinstance(other, Tensor)):
        if a_bool and b_bool:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _out(_binary(Sub, input, other), out)


def _is_bool(x):
    if isinstance(x, Tensor):
        return x._data.dtype == np.bool_
    return isinstance(x, (bool, np.bool_))


def mul(input, other, *, out=None):
    """``input * other``, with broadcasting."""
    return _out(_binary(Mul, input, other), out)


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other`` (true division: integers give float), or ``'trunc'``/``'floor'``."""
    if rounding_mode is not None:
        from .binary import _floor_div_grad0, _trunc_div

        if rounding_mode == "floor":
            return _out(_floor_div_grad0(input, other), out)
        if rounding_mode == "trunc":
            return _out(_trunc_div(input, other), out)
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    a, b = _prep(input, other)
    # int / int is float in PyTorch
    for t in (a, b):
        if isinstance(t, Tensor) and t._data.dtype.kind in "biu":
            from .._dtype import get_default_dtype

            dt = get_default_dtype()
            a = _cast(a, dt) if isinstance(a, Tensor) else a
            b = _cast(b, dt) if isinstance(b, Tensor) else b
            break
    return _out(_binary(Div, a, b), out)


def neg(input, *, out=None):
    """``-input``."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _out(Neg.apply(input), out)


def pow(input, exponent, *, out=None):
    """``input ** exponent``, elementwise, with broadcasting."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("pow expects at least one Tensor")
    a, b = _prep(input, exponent)
    if isinstance(a, Tensor) and isinstance(b, int) and a._data.dtype.kind in "iu" and b < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _out(_binary(Pow, a, b), out)


def exp(input, *, out=None):
    """``e ** input``, elementwise."""
    return _out(Exp.apply(_floating(input)), out)


def log(input, *, out=None):
    """Natural logarithm; ``log(0) = -inf`` without raising."""
    return _out(Log.apply(_floating(input)), out)


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def _floating(x):
    """Integer inputs of floating functions are computed in the default dtype, as in PyTorch."""
    if x._data.dtype.kind in "biu":
        from .._dtype import get_default_dtype

        return _cast(x, get_default_dtype())
    return x


def _out(result, out):
    if out is None:
        return result
    if tuple(out.shape) != tuple(result.shape):
        out._data = result._data.astype(out._data.dtype)
    else:
        out._data[...] = result._data
    out._version_counter[0] += 1
    return out


subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg


# --- Tensor methods ---------------------------------------------------------------------------
# An ndarray on the left (``ndarray * tensor``): NumPy defers to the Tensor (its higher
# __array_priority__) and PyTorch's reflected operators then refuse the ndarray, so Python
# raises TypeError ("unsupported operand type(s)"); ember does the same. Only ``/`` (and
# ``==``) accept it in PyTorch 2.13. NumPy scalars (np.float32(2) * t) work, as in PyTorch.
def _radd(self, other):
    if isinstance(other, np.ndarray):
        return NotImplemented
    return add(other, self)


def _rsub(self, other):
    if isinstance(other, np.ndarray):
        return NotImplemented
    return sub(other, self)


def _rmul(self, other):
    if isinstance(other, np.ndarray):
        return NotImplemented
    return mul(other, self)


def _rtruediv(self, other):
    return div(other, self)


def _rpow(self, other):
    if isinstance(other, np.ndarray):
        return NotImplemented
    return pow(other, self)


register(
    add=add, sub=sub, subtract=sub, mul=mul, multiply=mul, div=div, divide=div,
    true_divide=div, neg=neg, negative=neg, pow=pow, exp=exp, log=log,
    __add__=add, __radd__=_radd, __sub__=sub, __rsub__=_rsub, __mul__=mul, __rmul__=_rmul,
    __truediv__=div, __rtruediv__=_rtruediv, __pow__=pow, __rpow__=_rpow, __neg__=neg,
    __pos__=lambda self: self,
    add_=lambda self, other, *, alpha=1: inplace(self, add, other, alpha=alpha),
    sub_=lambda self, other, *, alpha=1: inplace(self, sub, other, alpha=alpha),
    mul_=lambda self, other: inplace(self, mul, other),
    div_=lambda self, other, *, rounding_mode=None: inplace(self, div, other,
                                                            rounding_mode=rounding_mode),
    pow_=lambda self, e: inplace(self, pow, e),
    neg_=lambda self: inplace(self, neg),
    exp_=lambda self: inplace(self, exp),
    log_=lambda self: inplace(self, log),
    __iadd__=lambda self, other: inplace(self, add, other),
    __isub__=lambda self, other: inplace(self, sub, other),
    __imul__=lambda self, other: inplace(self, mul, other),
    __itruediv__=lambda self, other: inplace(self, div, other),
    __ipow__=lambda self, other: inplace(self, pow, other),
)

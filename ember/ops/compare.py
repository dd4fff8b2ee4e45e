"""Comparisons and logical ops: not differentiable, they return bool tensors."""
import numpy as np

from ._util import Tensor, _make, get_array_module, inplace, register
from .elementwise import _prep

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "equal", "isnan",
           "isinf", "isfinite", "allclose", "isclose"]


def _cmp(ufunc_name):
    def op(input, other, *, out=None):
        a, b = _prep(input, other)
        xa = a._data if isinstance(a, Tensor) else a
        xb = b._data if isinstance(b, Tensor) else b
        xp = get_array_module(xa, xb)
        try:
            return _make(getattr(xp, ufunc_name)(xa, xb))
        except ValueError:
            from ._util import broadcast_shapes

            broadcast_shapes(np.shape(xa), np.shape(xb))
            raise

    op.__name__ = ufunc_name
    op.__doc__ = f"Elementwise ``{ufunc_name}``, broadcasting; returns a bool tensor."
    return op


eq, ne = _cmp("equal"), _cmp("not_equal")
lt, le, gt, ge = _cmp("less"), _cmp("less_equal"), _cmp("greater"), _cmp("greater_equal")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(name):
    def op(input, other, *, out=None):
        xa = input._data if isinstance(input, Tensor) else input
        xb = other._data if isinstance(other, Tensor) else other
        return _make(getattr(get_array_module(xa, xb), name)(xa, xb))

    op.__name__ = name
    return op


logical_and, logical_or, logical_xor = (_logical("logical_and"), _logical("logical_or"),
                                        _logical("logical_xor"))


def logical_not(input, *, out=None):
    return _make(get_array_module(input._data).logical_not(input._data))


def _bitwise(name):
    def op(input, other, *, out=None):
        if isinstance(input, Tensor) and input._data.dtype.kind == "f" or \
                isinstance(other, Tensor) and other._data.dtype.kind == "f":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Float'")
        a, b = _prep(input, other)
        xa = a._data if isinstance(a, Tensor) else a
        xb = b._data if isinstance(b, Tensor) else b
        return _make(getattr(get_array_module(xa, xb), name)(xa, xb))

    op.__name__ = name
    return op


bitwise_and, bitwise_or, bitwise_xor = (_bitwise("bitwise_and"), _bitwise("bitwise_or"),
                                        _bitwise("bitwise_xor"))


def bitwise_not(input, *, out=None):
    if input._data.dtype.kind == "f":
        raise NotImplementedError("\"bitwise_not_cpu\" not implemented for 'Float'")
    return _make(~input._data)


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    return tuple(input.shape) == tuple(other.shape) and bool((input._data == other._data).all())


def isnan(input):
    return _make(get_array_module(input._data).isnan(input._data))


def isinf(input):
    return _make(get_array_module(input._data).isinf(input._data))


def isfinite(input):
    return _make(get_array_module(input._data).isfinite(input._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _make(get_array_module(input._data).isclose(input._data, other._data, rtol, atol,
                                                       equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


_NUMBER = (int, float, complex, bool, np.generic, Tensor)


def _dunder(fn):
    # ``t == None`` or ``t == "a"`` is False in PyTorch: NotImplemented lets Python decide.
    # An ndarray compares elementwise (``t == ndarray`` is a bool tensor in PyTorch; for ``!=``
    # PyTorch 2.13 falls back to identity, always True, a silent wrong answer ember does not copy)
    def op(self, other):
        if not isinstance(other, _NUMBER) and not isinstance(other, (list, tuple, np.ndarray)):
            return NotImplemented
        return fn(self, other)

    op.__name__ = fn.__name__
    return op


def _order(fn):
    # ``t < ndarray`` and ``ndarray < t`` raise TypeError in PyTorch (its comparison operators
    # refuse an ndarray, and NumPy defers to the Tensor): NotImplemented both ways does the same
    def op(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        return fn(self, other)

    op.__name__ = fn.__name__
    return op


def _r(fn):
    return lambda self, other: fn(other, self)


register(
    eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, greater=gt, greater_equal=ge, less=lt,
    less_equal=le, not_equal=ne, __eq__=_dunder(eq), __ne__=_dunder(ne), __lt__=_order(lt),
    __le__=_order(le), __gt__=_order(gt), __ge__=_order(ge), logical_and=logical_and,
    logical_or=logical_or, logical_xor=logical_xor,
    logical_not=logical_not, bitwise_and=bitwise_and, bitwise_or=bitwise_or,
    bitwise_xor=bitwise_xor, bitwise_not=bitwise_not, __and__=bitwise_and, __or__=bitwise_or,
    __xor__=bitwise_xor, __invert__=bitwise_not, __rand__=_r(bitwise_and),
    __ror__=_r(bitwise_or), __rxor__=_r(bitwise_xor), equal=equal, isnan=isnan, isinf=isinf,
    isfinite=isfinite, isclose=isclose, allclose=allclose,
    __iand__=lambda self, o: inplace(self, bitwise_and, o),
    __ior__=lambda self, o: inplace(self, bitwise_or, o),
    __ixor__=lambda self, o: inplace(self, bitwise_xor, o),
)

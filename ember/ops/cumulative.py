"""Cumulative sums and products along a dimension: ``cumsum``, ``cumprod``.

``cumsum``'s backward is a reversed cumulative sum (its own primitive, whose backward is
``cumsum`` again); ``cumprod``'s backward is exact where the input has zeros, and stays
differentiable under ``create_graph`` (used by ``prod`` in ``reduce.py`` as well).
"""
import numpy as np

from .._dtype import _FROM_NP as _FROM
from ._util import Function, _make, _state, get_array_module, inplace, register, wrap_dim
from .elementwise import _out

__all__ = ["cumsum", "cumprod"]


def _where(cond, a, b):
    from .selection import where

    return where(cond, a, b)


def _c(array):
    """A constant tensor (no graph) for masks used inside backward."""
    return _make(array)


# --- cumulative sums and products -------------------------------------------------------------
class Cumsum(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axis, npdt):
        ctx.axis = axis
        return get_array_module(x).cumsum(x, axis=axis, dtype=npdt)

    @staticmethod
    def backward(ctx, grad):
        # d cumsum(x)_j / dx_i = [i <= j]: the gradient is the reversed cumulative sum
        return _RevCumsum.apply(grad, ctx.axis), None, None


class _RevCumsum(Function):
    """``out_i = sum_{j >= i} x_j`` along ``axis``: the adjoint of cumsum."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        xp = get_array_module(x)
        return xp.flip(xp.cumsum(xp.flip(x, axis), axis=axis), axis)

    @staticmethod
    def backward(ctx, grad):
        # the adjoint of the reversed cumulative sum is the cumulative sum
        return Cumsum.apply(grad, ctx.axis, None), None


def _rev_cumsum(t, axis):
    return _RevCumsum.apply(t, axis)


class Cumprod(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axis, npdt):
        ctx.axis = axis
        out = get_array_module(x).cumprod(x, axis=axis, dtype=npdt)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d cumprod(x)_j / dx_i = prod_{k <= j, k != i} x_k for i <= j (see _cumprod_grad)
        x, out = ctx.saved_tensors
        return _cumprod_grad(x, out, grad, ctx.axis), None, None


def _cumprod_grad(x, out, grad, axis):
    """Gradient of ``out = cumprod(x)`` for the output gradient ``grad``, in Tensor ops.

    Without zeros it is ``revcumsum(grad * out) / x``. With zeros, let z be the first zero of
    a slice: before z the same formula holds (the terms from z on vanish); at z the
    gradient is ``sum_{j >= z} grad_j * prod_{k <= j, k != z} x_k``, the reversed cumsum of
    ``grad * cumprod(x with x_z := 1)``; after z every product contains x_z = 0.
    """
    xd = x._data
    zero = xd == 0
    if not bool(zero.any()):
        return _rev_cumsum(grad * out, axis) / x
    if _state.enabled:  # create_graph: the masks below are right in value but not in derivative
        return _cumprod_grad_differentiable(x, grad, axis)
    xp = get_array_module(xd)
    nz = xp.cumsum(zero, axis=axis)
    before, first = _c(nz == 0), _c(zero & (nz == 1))
    a = _rev_cumsum(grad * out, axis) / _where(before, x, 1.0)
    x1 = _where(first, 1.0, x)
    b = _rev_cumsum(_where(_c(nz >= 1), grad * cumprod(x1, axis), 0.0), axis)
    return _where(before, a, _where(first, b, 0.0))


def _cumprod_grad_differentiable(x, grad, axis):
    """The same gradient as a polynomial in x that autograd can differentiate again (as
    PyTorch does for double backward): one term per position k along ``axis``,
    ``prod(x[:k]) * (grad[k] + sum_{j > k} grad[j] * cumprod(x[k+1:])[j])``."""
    n = x.shape[axis]
    lead = (slice(None),) * axis
    pos = _c(get_array_module(x._data).arange(n).reshape(
        [n if i == axis else 1 for i in range(x.ndim)]))
    result = None
    for k in range(n):
        gk = grad[lead + (slice(k, k + 1),)]
        if k + 1 < n:
            tail = grad[lead + (slice(k + 1, None),)] * cumprod(x[lead + (slice(k + 1, None),)],
                                                                 axis)
            gk = gk + tail.sum(dim=axis, keepdim=True)
        if k > 0:
            from .reduce import prod

            gk = gk * prod(x[lead + (slice(0, k),)], axis, keepdim=True)
        result = gk if result is None else _where(pos == k, gk, result)
    return result.expand(*x.shape) if tuple(result.shape) != tuple(x.shape) else result


def _cum_args(input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    npdt = np.int64 if input._data.dtype.kind in "biu" else None
    return input, wrap_dim(dim, input._data.ndim), npdt


def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim``; integers and bools accumulate in int64.

    Example:
        >>> import ember
        >>> ember.cumsum(ember.tensor([1, 2, 3]), dim=0)
        tensor([1, 3, 6])
    """
    x, axis, npdt = _cum_args(input, dim, dtype)
    if x._data.ndim == 0:
        return _out(x.to(_FROM[np.dtype(npdt)]) if npdt else x.clone(), out)
    return _out(Cumsum.apply(x, axis, npdt), out)


def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along ``dim``; exact gradients also where ``input`` has zeros.

    Example:
        >>> import ember
        >>> ember.cumprod(ember.tensor([1., 2., 3.]), dim=0)
        tensor([1., 2., 6.])
    """
    x, axis, npdt = _cum_args(input, dim, dtype)
    if x._data.ndim == 0:
        return _out(x.to(_FROM[np.dtype(npdt)]) if npdt else x.clone(), out)
    return _out(Cumprod.apply(x, axis, npdt), out)


register(
    cumsum=cumsum, cumprod=cumprod,
    cumsum_=lambda self, dim, *, dtype=None: inplace(self, cumsum, dim, dtype=dtype),
    cumprod_=lambda self, dim, *, dtype=None: inplace(self, cumprod, dim, dtype=dtype),
)

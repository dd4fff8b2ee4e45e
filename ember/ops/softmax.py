"""Softmax family: ``softmax``, ``log_softmax``, ``softmin`` and ``logsumexp``.

These are primitives rather than compositions for numerical stability: the forward subtracts
the maximum before exponentiating, so large inputs neither overflow nor lose the small terms.
Their backward passes are written in Tensor ops on the saved output, so double backward works.
"""
import warnings

import numpy as np

from .._dtype import to_dtype
from ._util import _NULL, Function, _make, _state, get_array_module, register, wrap_dim
from .elementwise import _floating
from .reduce import _axes, _expand_back

__all__ = ["softmax", "log_softmax", "softmin", "logsumexp"]


def _shifted(x, axis):
    """``x - max(x)`` along ``axis`` (a slice with an infinite max becomes NaN, as in
    PyTorch)."""
    if not x.size:
        return x
    return x - get_array_module(x).max(x, axis=axis, keepdims=True)


class Softmax(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        with np.errstate(all="ignore"):
            e = xp.exp(_shifted(x, axis))
            out = e / e.sum(axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d softmax = y * (dy - sum(dy * y)) (the Jacobian diag(y) - y y^T applied to grad)
        (y,) = ctx.saved_tensors
        gy = grad * y
        return gy - y * gy.sum(dim=ctx.axis, keepdim=True), None


class LogSoftmax(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        with np.errstate(all="ignore"):
            z = _shifted(x, axis)
            out = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d log_softmax = dx - softmax * sum(dx), with softmax = exp(out)
        (y,) = ctx.saved_tensors
        return grad - y.exp() * grad.sum(dim=ctx.axis, keepdim=True), None


class Logsumexp(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = get_array_module(x)
        with np.errstate(all="ignore"):
            if x.size == 0:
                out = xp.log(xp.exp(x).sum(axis=axes, keepdims=keepdim))
            else:
                m = xp.max(x, axis=axes, keepdims=True)
                m = xp.where(xp.isinf(m), 0, m).astype(x.dtype, copy=False)
                s = xp.exp(x - m).sum(axis=axes, keepdims=True)
                out = xp.log(s) + m
                if not keepdim:
                    out = out.reshape([n for i, n in enumerate(x.shape)
                                       if axes is not None and i not in axes])
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d logsumexp(x) = softmax(x) dx = exp(x - logsumexp(x)) dx
        x, out = ctx.saved_tensors
        axes, keepdim = ctx.axes, ctx.keepdim
        shape = x.shape
        return (_expand_back(grad, shape, axes, keepdim)
                * (x - _expand_back(out, shape, axes, keepdim)).exp(), None, None)


def _softmax_dim(ndim, name):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(input, dim, dtype, name):
    if dtype is not None:
        input = input.to(to_dtype(dtype))
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"\"{name}_lastdim_kernel_impl\" not implemented for "
                           f"'{input._type_name()[6:-6]}'")
    if dim is None:
        dim = _softmax_dim(input._data.ndim, name)
    return input, wrap_dim(dim, input._data.ndim) if input._data.ndim else None


def _run(cls, x, axis):
    if _state.enabled and x._requires_grad:
        return cls.apply(x, axis)
    return _make(cls.forward(_NULL, x._data, axis))


def softmax(input, dim=None, dtype=None):
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim``, computed stably.

    Args:
        input (Tensor): the input.
        dim (int): the dimension along which the outputs sum to 1.
        dtype (ember.dtype, optional): cast the input to this dtype first.

    Example:
        >>> import ember
        >>> ember.softmax(ember.tensor([1000., 1000.]), dim=0)
        tensor([0.5000, 0.5000])
    """
    x, axis = _prepare(input, dim, dtype, "softmax")
    return _run(Softmax, x, axis)


def log_softmax(input, dim=None, dtype=None):
    """``log(softmax(input))``, computed stably (no ``log(0)`` for very negative inputs).

    Example:
        >>> import ember
        >>> ember.log_softmax(ember.tensor([0., -1000.]), dim=0)
        tensor([    0., -1000.])
    """
    x, axis = _prepare(input, dim, dtype, "log_softmax")
    return _run(LogSoftmax, x, axis)


def softmin(input, dim=None, dtype=None):
    """``softmax(-input)`` along ``dim``.

    Example:
        >>> import ember
        >>> ember.softmin(ember.tensor([0., 0.]), dim=0)
        tensor([0.5000, 0.5000])
    """
    x, axis = _prepare(input, dim, dtype, "softmax")
    return _run(Softmax, -x, axis)


def logsumexp(input, dim=(), keepdim=False):
    """``log(sum(exp(input)))`` over ``dim`` without overflow; integers give float.

    Example:
        >>> import ember
        >>> ember.logsumexp(ember.tensor([1000., 1000.]), dim=0)
        tensor(1000.6932)
    """
    x = _floating(input)
    axes = _axes(dim, x._data.ndim)
    if _state.enabled and x._requires_grad:
        return Logsumexp.apply(x, axes, keepdim)
    return _make(Logsumexp.forward(_NULL, x._data, axes, keepdim))


register(softmax=softmax, log_softmax=log_softmax, softmin=softmin, logsumexp=logsumexp)

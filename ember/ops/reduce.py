"""Reductions over dimensions: sum, mean (more are added by this family)."""
import numpy as np

from .._dtype import get_default_dtype
from ._util import Function, _make, get_array_module, normalize_dims, register

__all__ = ["sum", "mean"]


def _expand_back(grad, shape, axes, keepdim):
    """Broadcast a reduced gradient back to the input ``shape``."""
    if not keepdim and axes is not None:
        grad = grad.reshape(_kept_shape(shape, axes))
    return grad.expand(shape)


def _kept_shape(shape, axes):
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, npdt):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim, dtype=npdt)

    @staticmethod
    def backward(ctx, grad):
        # d sum(x) = 1 for every summed element
        return _expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        ctx.n = n
        xp = get_array_module(x)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = x.sum(axis=axes, keepdims=keepdim)
            return xp.true_divide(s, x.dtype.type(n)) if n else s * xp.nan

    @staticmethod
    def backward(ctx, grad):
        # d mean(x) = 1/n for every averaged element
        return _expand_back(grad / ctx.n, ctx.shape, ctx.axes, ctx.keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of elements over ``dim`` (int or tuple; all if None).

    Integer and bool inputs sum to int64, as in PyTorch.

    Example:
        >>> import ember
        >>> ember.tensor([[1., 2.], [3., 4.]]).sum(dim=0)
        tensor([4., 6.])
    """
    axes = normalize_dims(dim, input._data.ndim)
    if dtype is not None:
        from .._dtype import to_dtype

        npdt = to_dtype(dtype).np
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        npdt = np.int64
    else:
        npdt = None
    return Sum.apply(input, axes, keepdim, npdt)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim``; integer inputs raise, as in PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype.name.capitalize()}")
    axes = normalize_dims(dim, input._data.ndim)
    return Mean.apply(input, axes, keepdim)


register(sum=sum, mean=mean)

_ = (get_default_dtype, _make)

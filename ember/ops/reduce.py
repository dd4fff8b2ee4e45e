"""Reductions over dimensions: sums and products, extrema, statistics, norms, logical
reductions; the cumulative ``cumsum``/``cumprod`` live in ``cumulative.py`` and are
re-exported here.

``dim`` is an int or a tuple (negative counts from the end; None reduces everything) and
``keepdim`` keeps reduced dimensions as size 1. Gradient traps are PyTorch's: ties of
``amax``/``amin``/``max()`` share the gradient evenly, ``max(dim)`` sends it to the returned
index, ``norm`` and ``std`` have gradient 0 where they are 0, and ``prod``/``cumprod`` are
exact when the input has zeros.
"""
import warnings

import numpy as np

from .. import return_types
from .._dtype import _FROM_NP as _FROM
from .._dtype import to_dtype
from ._util import (
    _NULL,
    Function,
    Tensor,
    _make,
    _state,
    get_array_module,
    normalize_dims,
    register,
    wrap_dim,
)
from .cumulative import _cumprod_grad, cumprod, cumsum
from .elementwise import _out

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var",
           "std", "var_mean", "std_mean", "norm", "cumsum", "cumprod", "all", "any",
           "count_nonzero", "median", "mode", "nansum", "nanmean", "aminmax", "nanmedian"]


def _expand_back(grad, shape, axes, keepdim):
    """Broadcast a reduced gradient back to the input ``shape``."""
    if not _state.enabled:
        # A plain backward records no graph: the read-only broadcast view is all that is
        # needed (the same array expand() makes), without expand's per-call overhead.
        g = grad._data
        if not keepdim and axes is not None:
            g = g.reshape(_kept_shape(shape, axes))
        return _make(get_array_module(g).broadcast_to(g, shape))
    if not keepdim and axes is not None:
        grad = grad.reshape(_kept_shape(shape, axes))
    return grad.expand(shape)


def _broadcast_back(g, shape, axes, keepdim):
    """``_expand_back`` on arrays, for a backward that records no graph (speed: a reduction's
    backward is on every loss's path, and ``expand`` costs a few Tensor ops)."""
    xp = get_array_module(g)
    if axes is None and g.size == 1 and xp is np:
        # a read-only view repeating the one value: NumPy's broadcast_to, without its checks
        out = np.ndarray(shape, g.dtype, np.ascontiguousarray(g), 0, (0,) * len(shape))
        out.flags.writeable = False
        return out
    if not keepdim and axes is not None:
        g = g.reshape(_kept_shape(shape, axes))
    return xp.broadcast_to(g, shape)


def _kept_shape(shape, axes):
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, npdt):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        if x.dtype == np.float16 and npdt is None:
            return _half_via_float(x.sum(axis=axes, keepdims=keepdim, dtype=np.float32))
        return x.sum(axis=axes, keepdims=keepdim, dtype=npdt)

    @staticmethod
    def backward(ctx, grad):
        # d sum(x) = 1 for every summed element
        if not _state.enabled:
            return _make(_broadcast_back(grad._data, ctx.shape, ctx.axes, ctx.keepdim))
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
            if x.dtype == np.float16:
                s = x.sum(axis=axes, keepdims=keepdim, dtype=np.float32)
                return _half_via_float(s / np.float32(n) if n else s * xp.nan)
            s = x.sum(axis=axes, keepdims=keepdim)
            return xp.true_divide(s, x.dtype.type(n)) if n else s * xp.nan

    @staticmethod
    def backward(ctx, grad):
        # d mean(x) = 1/n for every averaged element
        if not _state.enabled:
            g = get_array_module(grad._data).true_divide(grad._data, ctx.n)
            return _make(_broadcast_back(g, ctx.shape, ctx.axes, ctx.keepdim))
        return _expand_back(grad / ctx.n, ctx.shape, ctx.axes, ctx.keepdim)


def _half_via_float(s):
    """A float16 reduction accumulated in float32 (as PyTorch's CPU kernels do), rounded
    once; overflow to inf is silent, as in PyTorch."""
    with np.errstate(over="ignore"):
        return s.astype(np.float16)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of elements over ``dim`` (int or tuple; all if None).

    Integer and bool inputs sum to int64, as in PyTorch.

    Example:
        >>> import ember
        >>> ember.tensor([[1., 2.], [3., 4.]]).sum(dim=0)
        tensor([4., 6.])
    """
    axes = _axes(dim, input._data.ndim)
    if dtype is not None:
        npdt = to_dtype(dtype).np
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        npdt = np.int64
    else:
        npdt = None
    return Sum.apply(input, axes, keepdim, npdt)


def _float_input(input, dtype, message):
    """``input`` cast to ``dtype`` (if given), which must then be floating or complex; else
    PyTorch's RuntimeError, ``message`` completed with its scalar-type name ("Long", ...)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(message + input._type_name()[6:-6])
    return input


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim``; integer inputs raise, as in PyTorch."""
    input = _float_input(input, dtype, "mean(): could not infer output dtype. Input dtype must "
                                       "be either a floating point or complex dtype. Got: ")
    axes = _axes(dim, input._data.ndim)
    return Mean.apply(input, axes, keepdim)




def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` treating NaN as zero (its gradient there is 0).

    Example:
        >>> import ember
        >>> ember.tensor([1., float("nan"), 2.]).nansum()
        tensor(3.)
    """
    if input._data.dtype.kind in "fc":
        input = _where(input.isnan(), 0.0, input)
    return sum(input, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim`` of the non-NaN elements (NaN where all are NaN).

    Example:
        >>> import ember
        >>> ember.tensor([1., float("nan"), 2.]).nanmean()
        tensor(1.5000)
    """
    input = _float_input(input, dtype, "nanmean(): expected input to have floating point or "
                                       "complex dtype but got ")
    count = sum(~input.isnan(), dim, keepdim)
    return nansum(input, dim, keepdim) / count


def aminmax(input, *, dim=None, keepdim=False):
    """``(amin, amax)`` over ``dim`` (all elements if None) as a named tuple ``(min, max)``;
    ties share the gradient evenly, as in ``amax``.

    Example:
        >>> import ember
        >>> ember.aminmax(ember.tensor([[1., 5.], [3., 2.]]), dim=1)
        ember.return_types.aminmax(
        min=tensor([1., 2.]),
        max=tensor([5., 3.]))
    """
    if input._data.size == 0 and (dim is None or input._data.ndim == 0
                                  or input._data.shape[wrap_dim(dim, input._data.ndim)] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    d = () if dim is None else dim
    return return_types.aminmax(amin(input, d, keepdim), amax(input, d, keepdim))


def _axes(dim, ndim):
    """Normalised reduction axes; None means all (a 0-d tensor has nothing else). Dims are
    checked as PyTorch does: in range (``[-1, 0]`` for 0-d) and none repeated."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        seen = set()
        for d in dim:
            w = wrap_dim(d, ndim)
            if w in seen:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            seen.add(w)
    elif ndim == 0:
        wrap_dim(dim, 0)
    return None if ndim == 0 else normalize_dims(dim, ndim)


def _where(cond, a, b):
    from .selection import where

    return where(cond, a, b)


def _c(array):
    """A constant tensor (no graph) for masks and indices used inside backward."""
    return _make(array)


# --- gathering along an axis: the backward of index-selecting reductions --------------------
class _TakeAlong(Function):
    """``take_along_axis(x, idx, axis)`` (squeezed unless ``keepdim``): the value-selecting
    reductions max/min(dim), median(dim) and mode are this plus an index computed on arrays."""

    _array_forward = True

    def name(self):
        return self.label + "Backward0"

    @staticmethod
    def forward(ctx, x, idx, axis, keepdim, label="TakeAlong"):
        ctx.idx, ctx.axis, ctx.keepdim, ctx.shape, ctx.label = idx, axis, keepdim, x.shape, label
        out = get_array_module(x).take_along_axis(x, idx, axis)
        return out if keepdim else out.squeeze(axis)

    @staticmethod
    def backward(ctx, grad):
        # each selected element gets the gradient of its output slot; the rest get 0
        return _PutAlong.apply(grad, ctx.idx, ctx.axis, ctx.keepdim, ctx.shape), None, None, None


class _PutAlong(Function):
    """Zeros of ``shape`` with ``g`` scattered at ``idx`` along ``axis`` (take_along's adjoint)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, g, idx, axis, keepdim, shape):
        ctx.idx, ctx.axis, ctx.keepdim = idx, axis, keepdim
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        xp.put_along_axis(out, idx, g if keepdim else xp.expand_dims(g, axis), axis)
        return out

    @staticmethod
    def backward(ctx, grad):
        # linear in g: its adjoint gathers the same positions
        return _TakeAlong.apply(grad, ctx.idx, ctx.axis, ctx.keepdim), None, None, None, None


def _select(input, idx, axis, keepdim, name):
    """(values, indices) from int64 indices ``idx`` (kept dims) along ``axis``."""
    x = input._data
    scalar = x.ndim == 0
    if scalar:
        x, idx, axis, keepdim = x.reshape(1), idx.reshape(1), 0, False
    label = name.capitalize()
    if _state.enabled and input._requires_grad:
        src = input.reshape(1) if scalar else input
        v = _TakeAlong.apply(src, idx, axis, keepdim, label)
    else:
        v = _make(_TakeAlong.forward(_NULL, x, idx, axis, keepdim))
    i = idx if keepdim else idx.squeeze(axis)
    return getattr(return_types, name)(v, _make(i))


# --- product ------------------------------------------------------------------------------------
class Prod(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axis, keepdim, npdt):
        ctx.axis, ctx.keepdim = axis, keepdim
        out = x.prod(axis=axis, keepdims=keepdim, dtype=npdt)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d prod(x) / dx_i = prod of the others: out / x_i without zeros; exactly through the
        # cumprod gradient (no division) when x has zeros
        x, out = ctx.saved_tensors
        axis, keepdim = ctx.axis, ctx.keepdim
        g = _expand_back(grad, x.shape, (axis,), keepdim)
        if not bool((x._data == 0).any()):
            return g * _expand_back(out, x.shape, (axis,), keepdim) / x, None, None, None
        xp = get_array_module(x._data)
        last = xp.zeros(x.shape, dtype=bool)
        sl = [slice(None)] * x.ndim
        sl[axis] = slice(-1, None)
        last[tuple(sl)] = True
        # prod = the last entry of cumprod: feed the gradient there only
        return _cumprod_grad(x, cumprod(x, axis), _where(_c(last), g, 0.0), axis), None, None, \
            None


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or over the single dimension ``dim``.

    Integer and bool inputs give int64, as in PyTorch.

    Example:
        >>> import ember
        >>> ember.tensor([[1., 2.], [3., 4.]]).prod(1)
        tensor([ 2., 12.])
    """
    if dtype is not None:
        input = input.to(dtype)
    npdt = np.int64 if input._data.dtype.kind in "biu" else None
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod() received an invalid combination of arguments - got (dim=tuple, ), "
                        "but expected one of:\n * (*, torch.dtype dtype = None)\n * (int dim, "
                        "bool keepdim = False, *, torch.dtype dtype = None)\n")
    if dim is None:
        flat = input.reshape(-1)
        out = Prod.apply(flat, 0, False, npdt)
        return out.reshape((1,) * input.ndim) if keepdim else out
    if input._data.ndim == 0:
        wrap_dim(dim, 0)
        return input.to(_FROM[np.dtype(npdt)]) if npdt else input.clone()
    return Prod.apply(input, wrap_dim(dim, input._data.ndim), keepdim, npdt)


# --- extrema --------------------------------------------------------------------------------
class Amax(Function):
    """amax/amin (and max()/min() without dim): ties share the gradient evenly."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, largest, nan_ties):
        xp = get_array_module(x)
        out = (xp.max if largest else xp.min)(x, axis=axes, keepdims=keepdim)
        ctx.axes, ctx.keepdim, ctx.nan_ties = axes, keepdim, nan_ties
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d max(x) = dx_i / k for each of the k elements equal to the max
        x, out = ctx.saved_tensors
        return _evenly(grad, x, out, ctx.axes, ctx.keepdim, ctx.nan_ties), None, None, None, None


def _evenly(grad, x, out, axes, keepdim, nan_ties):
    shape = x.shape
    o = _expand_back(out.detach(), shape, axes, keepdim)._data
    mask = x._data == o
    if nan_ties:  # a NaN result: PyTorch spreads the gradient over the NaNs
        mask |= (x._data != x._data) & (o != o)
    dt = x._data.dtype
    with np.errstate(invalid="ignore", divide="ignore"):
        # mask / count: a NaN result matches no element, 0/0 gives it a NaN gradient (PyTorch)
        scale = mask.astype(dt) / mask.sum(axis=axes, keepdims=True).astype(dt)
    return _expand_back(grad, shape, axes, keepdim) * _c(scale)


def _extreme(input, dim, keepdim, largest, name, nan_ties):
    x = input._data
    if x.size == 0:
        if dim is None or dim == ():
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        axes = _axes(dim, x.ndim)
        for a in axes or ():
            if x.shape[a] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")
    axes = _axes(dim, x.ndim)
    if _state.enabled and input._requires_grad:
        return Amax.apply(input, axes, keepdim, largest, nan_ties)
    xp = get_array_module(x)
    return _make((xp.max if largest else xp.min)(x, axis=axes, keepdims=keepdim))


def amax(input, dim=(), keepdim=False):
    """The maximum over ``dim`` (all dims by default); ties share the gradient evenly.

    Example:
        >>> import ember
        >>> ember.amax(ember.tensor([[1., 5.], [3., 2.]]), dim=0)
        tensor([3., 5.])
    """
    return _extreme(input, dim, keepdim, True, "amax", False)


def amin(input, dim=(), keepdim=False):
    """The minimum over ``dim`` (all dims by default); ties share the gradient evenly."""
    return _extreme(input, dim, keepdim, False, "amin", False)


def _max_min(input, dim, keepdim, largest, name):
    if isinstance(dim, Tensor):  # max(a, b): the binary form
        from .binary import maximum, minimum

        return (maximum if largest else minimum)(input, dim)
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        return _extreme(input, None, False, largest, name, True)
    x = input._data
    ax = wrap_dim(dim, x.ndim)
    if x.ndim and x.shape[ax] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {ax} to have non-zero size.")
    xp = get_array_module(x)
    xx = x.reshape(1) if x.ndim == 0 else x
    idx = (xp.argmax if largest else xp.argmin)(xx, axis=ax, keepdims=True)
    return _select(input, idx.astype(np.int64, copy=False), ax, keepdim, name)


def max(input, dim=None, keepdim=False, *, out=None):
    """The maximum: of all elements; with ``dim``, ``(values, indices)`` along it; with a
    tensor as second argument, the elementwise :func:`maximum`.

    Example:
        >>> import ember
        >>> x = ember.tensor([[1., 5.], [3., 2.]])
        >>> x.max()
        tensor(5.)
        >>> x.max(dim=1)
        ember.return_types.max(
        values=tensor([5., 3.]),
        indices=tensor([1, 0]))
    """
    if out is not None:
        raise NotImplementedError("max(..., out=...) is not supported")
    return _max_min(input, dim, keepdim, True, "max")


def min(input, dim=None, keepdim=False, *, out=None):
    """The minimum: of all elements; with ``dim``, ``(values, indices)``; or elementwise."""
    if out is not None:
        raise NotImplementedError("min(..., out=...) is not supported")
    return _max_min(input, dim, keepdim, False, "min")


def _arg(input, dim, keepdim, largest, name):
    x = input._data
    xp = get_array_module(x)
    f = xp.argmax if largest else xp.argmin
    if x.size == 0 and dim is None:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                         "input.numel() == 0.")
    if x.size == 0 and x.ndim and x.shape[wrap_dim(dim, x.ndim)] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    if dim is None or x.ndim == 0:
        if dim is not None:
            wrap_dim(dim, 0)
        r = f(x.reshape(-1))
        return _make(xp.asarray(r, dtype=np.int64).reshape((1,) * x.ndim if keepdim else ()))
    return _make(f(x, axis=wrap_dim(dim, x.ndim), keepdims=keepdim).astype(np.int64))


def argmax(input, dim=None, keepdim=False):
    """Index of the maximum (of the flattened tensor when ``dim`` is None).

    Example:
        >>> import ember
        >>> ember.argmax(ember.tensor([[1., 5.], [3., 2.]]), dim=1)
        tensor([1, 0])
    """
    return _arg(input, dim, keepdim, True, "argmax")


def argmin(input, dim=None, keepdim=False):
    """Index of the minimum (of the flattened tensor when ``dim`` is None)."""
    return _arg(input, dim, keepdim, False, "argmin")


# --- variance and standard deviation ----------------------------------------------------------
class Var(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction, take_sqrt):
        n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        denom = n - correction if n > correction else 0
        out = _var_array(x, axes, keepdim, n, denom, take_sqrt)
        ctx.axes, ctx.keepdim, ctx.denom, ctx.take_sqrt = axes, keepdim, float(denom), take_sqrt
        ctx.save_for_backward(x, out if take_sqrt else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d var = 2 (x - mean) / (n - correction) dx;  d std = d var / (2 std), 0 where std = 0
        x, out = ctx.saved_tensors
        if ctx.take_sqrt:
            grad = _where(out == 0, 0.0, grad / (out * 2))
        g = _expand_back(grad, x.shape, ctx.axes, ctx.keepdim)
        centred = x - x.mean(dim=ctx.axes, keepdim=True) if ctx.axes is not None else x - x.mean()
        return g * centred * (2.0 / ctx.denom), None, None, None, None


def _var_array(x, axes, keepdim, n, denom, take_sqrt):
    """Two-pass variance accumulated in float64 (complex128) and rounded once to x's dtype.

    This is how PyTorch's CPU kernels get their last bit: over ``dim`` a Welford pass with
    double accumulators (the same value as a double two-pass, to rounding), over the whole
    tensor the deviations from the *float32* mean summed in double (``std_var_all_cpu``). So
    a float32 result matches torch's to the ulp, except when |mean| >> std over a full
    reduction: there the float32 mean's last bit (NumPy's pairwise sum vs torch's cascade
    sum) shows. Float64 inputs differ from torch in the last float64 ulp (summation order).
    The float64 work is internal; the result has the input's (real) dtype.
    """
    xp = get_array_module(x)
    acc = xp.complex128 if x.dtype.kind == "c" else xp.float64
    with np.errstate(all="ignore"):
        d = x.astype(acc)
        if axes is None:
            d -= x.sum() / x.dtype.type(n) if n else xp.nan
        else:
            d -= d.sum(axis=axes, keepdims=True) / n if n else xp.nan
        if d.dtype.kind == "c":
            d = d.real * d.real + d.imag * d.imag  # |x - mean|^2
        else:
            xp.multiply(d, d, out=d)
        out = d.sum(axis=axes, keepdims=keepdim) / denom if denom else \
            d.sum(axis=axes, keepdims=keepdim) * xp.inf
        if take_sqrt:
            out = xp.sqrt(out)
    real = x.real.dtype if x.dtype.kind == "c" else x.dtype
    return xp.asarray(out).astype(real, copy=False)


def _var_args(input, dim, unbiased, keepdim, correction, name):
    if isinstance(dim, bool):  # var(x, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{name}: Cannot pass both 'unbiased' and 'correction'")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    x = input._data
    if x.dtype.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = _axes(dim, x.ndim)
    n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
    if n - correction <= 0 and x.size:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      stacklevel=3)
    return axes, keepdim, correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim``, dividing by ``N - correction`` (``correction=1`` by default,
    or ``0`` with ``unbiased=False``).

    Example:
        >>> import ember
        >>> ember.tensor([1., 2., 3., 4.]).var()
        tensor(1.6667)
    """
    axes, keepdim, c = _var_args(input, dim, unbiased, keepdim, correction, "var")
    return Var.apply(input, axes, keepdim, c, False)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim`` (see :func:`var`); its gradient is 0 where it is 0."""
    axes, keepdim, c = _var_args(input, dim, unbiased, keepdim, correction, "std")
    return Var.apply(input, axes, keepdim, c, True)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var(input, ...), mean(input, dim, keepdim))``."""
    v = var(input, dim, unbiased, keepdim, correction=correction)
    return v, _mean_like(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std(input, ...), mean(input, dim, keepdim))``."""
    s = std(input, dim, unbiased, keepdim, correction=correction)
    return s, _mean_like(input, dim, keepdim)


def _mean_like(input, dim, keepdim):
    if isinstance(dim, bool):
        dim = None
    axes = _axes(dim, input._data.ndim)
    return mean(input, dim=axes, keepdim=keepdim) if axes is not None else \
        (mean(input).reshape((1,) * input.ndim) if keepdim else mean(input))


# --- norms --------------------------------------------------------------------------------------
class Norm(Function):
    """The p-norm over ``axes`` for finite p > 0 (p = 2 and p = 1 included)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        xp = get_array_module(x)
        with np.errstate(all="ignore"):
            if p == 0:
                out = (x != 0).sum(axis=axes, keepdims=keepdim)
            elif p == 2:
                out = xp.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
            elif p == 1:
                out = xp.abs(x).sum(axis=axes, keepdims=keepdim)
            else:
                out = (xp.abs(x) ** p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)
        out = xp.asarray(out, dtype=x.dtype)  # save the very array returned (graph identity)
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d ||x||_p = sign(x) |x|^(p-1) / ||x||^(p-1) dx (x / ||x|| for p = 2), 0 where ||x|| = 0
        x, out = ctx.saved_tensors
        p, axes, keepdim = ctx.p, ctx.axes, ctx.keepdim
        if p == 0:  # a count: piecewise constant
            return _c(get_array_module(x._data).zeros_like(x._data)), None, None, None
        if p == 1:
            return _expand_back(grad, x.shape, axes, keepdim) * x.sign(), None, None, None
        if p == 2:
            scale = _where(out == 0, 0.0, grad / out)
            return x * _expand_back(scale, x.shape, axes, keepdim), None, None, None
        scale = _where(out == 0, 0.0, grad / out ** (p - 1))
        return (x.sign() * x.abs() ** (p - 1) * _expand_back(scale, x.shape, axes, keepdim),
                None, None, None)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The vector p-norm over ``dim`` (all elements by default).

    ``p`` may be ``'fro'`` (= 2), a number (``inf`` and ``-inf`` give the largest and smallest
    absolute value, ``0`` counts the non-zeros). The gradient of the norm at 0 is 0.

    Example:
        >>> import ember
        >>> ember.tensor([3., 4.]).norm()
        tensor(5.)
    """
    input = _float_input(input, dtype, "linalg.vector_norm: Expected a floating point or "
                                       "complex tensor as input. Got ")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise NotImplementedError(f"norm: p={p!r} (matrix norms) is not implemented")
    axes = _axes(dim, input._data.ndim)
    if p == float("inf") or p == -float("inf"):
        a = input.abs()
        r = amax(a, axes or (), keepdim) if p > 0 else amin(a, axes or (), keepdim)
        return _out(r, out)
    if p < 0:
        raise NotImplementedError("norm: negative p is not implemented")
    r = Norm.apply(input, float(p), axes, keepdim)
    return _out(r if axes is not None or not keepdim else r.reshape((1,) * input.ndim), out)


# --- logical reductions and counting ----------------------------------------------------------
def _logical(input, dim, keepdim, name):
    x = input._data
    xp = get_array_module(x)
    r = getattr(xp, name)(x, axis=_axes(dim, x.ndim), keepdims=keepdim)
    r = xp.asarray(r)
    return _make(r.astype(np.uint8) if x.dtype == np.uint8 else r)


def all(input, dim=None, keepdim=False, *, out=None):
    """True if every element (over ``dim``) is non-zero; bool (uint8 for uint8 input).

    Example:
        >>> import ember
        >>> ember.tensor([[True, False], [True, True]]).all(dim=1)
        tensor([False,  True])
    """
    return _out(_logical(input, dim, keepdim, "all"), out)


def any(input, dim=None, keepdim=False, *, out=None):
    """True if any element (over ``dim``) is non-zero; bool (uint8 for uint8 input)."""
    return _out(_logical(input, dim, keepdim, "any"), out)


def count_nonzero(input, dim=None):
    """The number of non-zero elements over ``dim`` (int64).

    Example:
        >>> import ember
        >>> ember.count_nonzero(ember.tensor([[0, 1], [2, 3]]), dim=0)
        tensor([1, 2])
    """
    x = input._data
    xp = get_array_module(x)
    return _make(xp.asarray(xp.count_nonzero(x, axis=_axes(dim, x.ndim)), dtype=np.int64))


# --- median and mode ----------------------------------------------------------------------------
class Median(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        flat = xp.sort(x.reshape(-1))  # NaN sorts last; any NaN makes the median NaN
        out = flat[-1] if flat.size and flat[-1] != flat[-1] else flat[(flat.size - 1) // 2]
        out = xp.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # the gradient is shared evenly by the elements equal to the median (as PyTorch)
        x, out = ctx.saved_tensors
        return _evenly(grad, x, out, None, False, True)


def _median_setup(input, dim, whole_fn):
    """The shared start of median/nanmedian: ``(result, None)`` for ``dim=None`` (the whole
    tensor's median by ``whole_fn``), else ``(None, (xp, x, axis, stable argsort along it))``."""
    x = input._data
    if dim is None:
        if x.size == 0:
            return _make(get_array_module(x).asarray(np.nan, dtype=x.dtype)), None
        return whole_fn.apply(input), None
    xp = get_array_module(x)
    x1 = x.reshape(1) if x.ndim == 0 else x
    ax = wrap_dim(dim, x.ndim)
    if x1.shape[ax] == 0:
        raise IndexError(f"median(): Expected reduction dim {ax} to have non-zero size.")
    return None, (xp, x1, ax, xp.argsort(x1, axis=ax, kind="stable"))


def median(input, dim=None, keepdim=False):
    """The lower median of all elements, or ``(values, indices)`` along ``dim``.

    NaN propagates: a slice with a NaN has median NaN.

    Example:
        >>> import ember
        >>> ember.tensor([3., 1., 4., 2.]).median()
        tensor(2.)
    """
    whole, parts = _median_setup(input, dim, Median)
    if parts is None:
        return whole
    xp, x1, ax, order = parts
    k = (x1.shape[ax] - 1) // 2
    idx = xp.take(order, [k], axis=ax)
    if x1.dtype.kind == "f":
        nan = xp.isnan(x1)
        idx = xp.where(nan.any(axis=ax, keepdims=True), xp.argmax(nan, axis=ax, keepdims=True),
                       idx)
    return _select(input, idx.astype(np.int64), ax, keepdim, "median")


class Nanmedian(Median):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        flat = xp.sort(x.reshape(-1))  # NaN sorts last: the first k are the numbers
        k = int((flat == flat).sum())
        out = xp.asarray(flat[(k - 1) // 2] if k else xp.nan, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out


def nanmedian(input, dim=None, keepdim=False):
    """:func:`median` ignoring NaN: the lower median of the non-NaN values (NaN if none).

    Example:
        >>> import ember
        >>> ember.tensor([3., float("nan"), 1., 2.]).nanmedian()
        tensor(2.)
    """
    if input._data.dtype.kind != "f":
        return median(input, dim, keepdim)
    whole, parts = _median_setup(input, dim, Nanmedian)
    if parts is None:
        return whole
    xp, x1, ax, order = parts  # NaN sorts last
    k = (x1 == x1).sum(axis=ax, keepdims=True)
    idx = xp.take_along_axis(order, xp.maximum(k - 1, 0) // 2, axis=ax)
    r = _select(input, idx.astype(np.int64), ax, keepdim, "median")
    return return_types.nanmedian(r.values, r.indices)


def mode(input, dim=-1, keepdim=False):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest on ties) and
    the index of its last occurrence, as PyTorch.

    Example:
        >>> import ember
        >>> ember.tensor([[1., 2., 2., 3., 3., 0.]]).mode(dim=1)
        ember.return_types.mode(
        values=tensor([2.]),
        indices=tensor([2]))
    """
    x = input._data
    xp = get_array_module(x)
    x1 = x.reshape(1) if x.ndim == 0 else x
    ax = wrap_dim(dim, x.ndim)
    m = xp.moveaxis(x1, ax, -1)
    n = m.shape[-1]
    order = xp.argsort(m, axis=-1, kind="stable")
    s = xp.take_along_axis(m, order, -1)
    pos = xp.arange(n)
    new_run = xp.ones(s.shape, dtype=bool)
    new_run[..., 1:] = s[..., 1:] != s[..., :-1]
    end_run = xp.ones(s.shape, dtype=bool)
    end_run[..., :-1] = new_run[..., 1:]
    start = xp.maximum.accumulate(xp.where(new_run, pos, 0), axis=-1)
    end = xp.flip(xp.minimum.accumulate(xp.flip(xp.where(end_run, pos, n), -1), axis=-1), -1)
    length = xp.where(end_run, end - start + 1, 0)
    best_end = xp.argmax(length, axis=-1)[..., None]  # first maximum: the smallest value
    idx = xp.take_along_axis(order, best_end, -1)      # stable sort: last occurrence
    idx = xp.moveaxis(idx, -1, ax).astype(np.int64)
    return _select(input, idx, ax, keepdim, "mode")



def _aminmax_method(self, *args, dim=None, keepdim=False):
    if args:
        raise TypeError(f"aminmax() takes 0 positional arguments but {len(args)} was given")
    return aminmax(self, dim=dim, keepdim=keepdim)


register(
    sum=sum, mean=mean, prod=prod, max=max, min=min, amax=amax, amin=amin, argmax=argmax,
    argmin=argmin, var=var, std=std, norm=norm, all=all,
    any=any, count_nonzero=count_nonzero, median=median, mode=mode, nansum=nansum,
    nanmean=nanmean, aminmax=_aminmax_method, nanmedian=nanmedian,
)

"""Pooling: max, average, adaptive, unpooling, LP (1-d, 2-d and 3-d).

The windows are handled by the primitives in ``ember.ops.pool``; adaptive average pooling is
two small matrix products (each output averages a contiguous input range), so its gradient
comes from ``matmul``.
"""
import math

import numpy as np

from ...backends import get_array_module
from ...ops.creation import tensor as _tensor
from ...ops.pool import MaxPool, PoolGeom, PutPlane, TakePlane, WindowSum
from .conv import _tuple_n as _tup

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d",
           "max_unpool3d", "lp_pool1d", "lp_pool2d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices"]


def _pool_out(n, k, s, p, d, ceil):
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def _batched(input, nd, name):
    if input.dim() == nd + 1:
        return input.unsqueeze(0), True
    if input.dim() != nd + 2:
        if nd == 1:
            raise RuntimeError(f"{name}: Expected 2D or 3D (batch mode) tensor with optional 0 "
                               f"dim batch size for input, but got:{list(input.shape)}")
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for "
                           "input")
    return input, False


# Geometries of calls seen before (checks passed), keyed by everything they depend on: the
# checks and PoolGeom took half of a small max pool's time. PoolGeom is never mutated.
_geoms = {}


def _geometry(input, nd, kernel_size, stride, padding, dilation, ceil_mode):
    try:
        key = (input._data.shape, nd, kernel_size, stride, padding, dilation, ceil_mode)
        hit = _geoms.get(key)
    except TypeError:  # lists are not hashable
        key = hit = None
    if hit is None:
        hit = _geometry_checked(input, nd, kernel_size, stride, padding, dilation, ceil_mode)
        if key is not None:
            if len(_geoms) > 512:
                _geoms.clear()
            _geoms[key] = hit
    return hit


def _geometry_checked(input, nd, kernel_size, stride, padding, dilation, ceil_mode):
    k = _tup(kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _tup(stride, nd)
    p, d = _tup(padding, nd), _tup(dilation, nd)
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    for kk, pp, dd in zip(k, p, d):
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation={dd}")
    size = tuple(input.shape[2:])
    osize = tuple(_pool_out(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in
                  zip(size, k, s, p, d))
    if any(o <= 0 for o in osize):
        c = input.shape[1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + size))}). Calculated "
                           f"output size: ({'x'.join(map(str, (c,) + osize))}). Output size is "
                           "too small")
    return PoolGeom(input.shape, k, s, d, tuple((q, q) for q in p), osize), p


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unbatched = _batched(input, nd, f"max_pool{nd}d")
    geom, _ = _geometry(x, nd, kernel_size, stride, padding, dilation, ceil_mode)
    out, local = MaxPool.apply(x, geom, return_indices)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    idx = _from_array(geom.flat_indices(local._data))
    return out, (idx.squeeze(0) if unbatched else idx)


def _from_array(a):
    from ..._tensor import Tensor

    return Tensor._make(a)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L); see :func:`max_pool2d`.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.max_pool1d(ember.tensor([[[1., 3., 2., 5.]]]), 2)
        tensor([[[3., 5.]]])
    """
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (N, C, H, W).

    Args:
        input (Tensor): (N, C, H, W) or (C, H, W).
        kernel_size (int or tuple): window size.
        stride (int or tuple, optional): Default: ``kernel_size``.
        padding (int or tuple): implicit -inf padding on both sides. Default: 0.
        dilation (int or tuple): spacing of the window taps. Default: 1.
        ceil_mode (bool): round the output size up. Default: ``False``.
        return_indices (bool): also return the flat index of each maximum in its input plane
            (for :func:`max_unpool2d`). Default: ``False``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.max_pool2d(ember.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over (N, C, D, H, W); see :func:`max_pool2d`.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.max_pool3d(ember.ones(1, 1, 4, 4, 4), 2).shape
        ember.Size([1, 1, 2, 2, 2])
    """
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """:func:`max_pool1d` returning ``(output, indices)``."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """:func:`max_pool2d` returning ``(output, indices)``."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _divisor(geom, pad, count_include_pad, divisor_override, xp, dtype):
    """Per-output divisor of average pooling (PyTorch's rule, separable over dims)."""
    if divisor_override:
        return float(divisor_override)
    div = np.ones((), dtype=np.float64)
    for n, k, s, p, o in zip(geom.shape[2:], geom.ksize, geom.stride, pad, geom.osize):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            size = end - start
        else:
            size = np.minimum(end, n) - np.maximum(start, 0)
        div = np.multiply.outer(div, size)
    return xp.asarray(div, dtype=dtype)


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    if nd == 2 and input.dim() < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-input.dim()}, {input.dim() - 1}], but got -3)")
    x, unbatched = _batched(input, nd, f"avg_pool{nd}d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geom, pad = _geometry(x, nd, kernel_size, stride, padding, 1, ceil_mode)
    total = WindowSum.apply(x, geom)
    xa = x._data
    div = _divisor(geom, pad, count_include_pad, divisor_override, get_array_module(xa), xa.dtype)
    out = total / (div if isinstance(div, float) else _from_array(div))
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over (N, C, L); see :func:`avg_pool2d`.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.avg_pool1d(ember.tensor([[[1., 3., 2., 6.]]]), 2)
        tensor([[[2., 4.]]])
    """
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over (N, C, H, W).

    Args:
        input (Tensor): (N, C, H, W) or (C, H, W).
        kernel_size (int or tuple): window size.
        stride (int or tuple, optional): Default: ``kernel_size``.
        padding (int or tuple): implicit zero padding. Default: 0.
        ceil_mode (bool): round the output size up. Default: ``False``.
        count_include_pad (bool): count the zero padding in the divisor. Default: ``True``.
        divisor_override (int, optional): divide by this instead. Default: ``None``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.avg_pool2d(ember.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over (N, C, D, H, W); see :func:`avg_pool2d`.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.avg_pool3d(ember.ones(1, 1, 2, 2, 2), 2).shape
        ember.Size([1, 1, 1, 1, 1])
    """
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def _adaptive_ranges(n, o):
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)  # floor(i*n/o), ceil((i+1)*n/o)


def _avg_matrix(n, o, dtype):
    start, end = _adaptive_ranges(n, o)
    j = np.arange(n)
    m = (j >= start[:, None]) & (j < end[:, None])
    return (m / (end - start)[:, None]).astype(dtype)


def _out_sizes(input, nd, output_size):
    o = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(o) == 1 and nd > 1:
        o = tuple(o) * nd
    return tuple(input.shape[-nd + i] if v is None else int(v) for i, v in enumerate(o))


def _adaptive_avg(nd, input, output_size):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"adaptive_avg_pool{nd}d(): Expected {nd + 1}D or {nd + 2}D tensor, "
                           f"but got {list(input.shape)}")
    osize = _out_sizes(input, nd, output_size)
    out = input
    dt = input._data.dtype
    for i, o in enumerate(osize):
        n = input.shape[input.dim() - nd + i]
        if n == o:
            continue
        m = _tensor(_avg_matrix(n, o, dt).T.copy(), device=input.device)
        axis = input.dim() - nd + i
        # average along one axis as a matrix product on the last axis
        out = (out.transpose(axis, -1) @ m).transpose(axis, -1)
    return out if out is not input else input * 1


def adaptive_avg_pool1d(input, output_size):
    """Adaptive average pooling to length ``output_size`` over (N, C, L).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.adaptive_avg_pool1d(ember.tensor([[[1., 2., 3., 4., 5.]]]), 2)
        tensor([[[2., 4.]]])
    """
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive average pooling to ``output_size`` (int, pair, entries may be ``None``).

    Output cell i averages the input range [floor(i*n/o), ceil((i+1)*n/o)) of each dim.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.adaptive_avg_pool2d(ember.ones(1, 3, 7, 9), (2, None)).shape
        ember.Size([1, 3, 2, 9])
    """
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Adaptive average pooling over (N, C, D, H, W).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.adaptive_avg_pool3d(ember.ones(1, 1, 4, 4, 4), 1).shape
        ember.Size([1, 1, 1, 1, 1])
    """
    return _adaptive_avg(3, input, output_size)


def _adaptive_max(nd, input, output_size, return_indices):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"adaptive_max_pool{nd}d(): Expected {nd + 1}D or {nd + 2}D tensor, "
                           f"but got {list(input.shape)}")
    x, unbatched = (input.unsqueeze(0), True) if input.dim() == nd + 1 else (input, False)
    osize = _out_sizes(x, nd, output_size)
    size = tuple(x.shape[2:])
    if all(n % o == 0 for n, o in zip(size, osize)):
        k = tuple(n // o for n, o in zip(size, osize))
        return _max_pool(nd, input, k, k, 0, 1, False, return_indices)
    flat, kmax = _adaptive_window_index(size, osize)  # (*osize, *kmax) flat plane indices
    xa = x._data
    n, c = xa.shape[:2]
    xp = get_array_module(xa)
    po, pk = math.prod(osize), math.prod(kmax)
    flat_x = xp.asarray(flat.reshape(po, pk))
    cand = xa.reshape(n, c, -1)[:, :, flat_x.reshape(-1)].reshape(n, c, po, pk)
    idx = flat_x[xp.arange(po), cand.argmax(-1)]
    idx_t = _from_array(idx.astype(np.int64))
    out = TakePlane.apply(x.reshape(n, c, -1), idx_t).reshape((n, c) + osize)
    idx_t = idx_t.reshape((n, c) + osize)
    if unbatched:
        out, idx_t = out.squeeze(0), idx_t.squeeze(0)
    return (out, idx_t) if return_indices else out


def _adaptive_window_index(size, osize):
    """Flat plane indices of every window, each padded to the largest window by repeating its
    first element (which cannot change the max nor the first-max index)."""
    per_dim, kmax = [], []
    for n, o in zip(size, osize):
        start, end = _adaptive_ranges(n, o)
        k = int((end - start).max())
        j = start[:, None] + np.arange(k)
        j = np.where(j < end[:, None], j, start[:, None])
        per_dim.append(j)
        kmax.append(k)
    nd = len(size)
    flat = 0
    for i, (j, n) in enumerate(zip(per_dim, size)):
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = j.shape
        flat = flat * n + j.reshape(shape)
    return np.ascontiguousarray(np.broadcast_to(flat, tuple(osize) + tuple(kmax))), kmax


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive max pooling over (N, C, L).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.adaptive_max_pool1d(ember.tensor([[[1., 5., 2., 4., 3.]]]), 2)
        tensor([[[5., 4.]]])
    """
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive max pooling to ``output_size`` over (N, C, H, W).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.adaptive_max_pool2d(ember.ones(1, 2, 7, 5), 3).shape
        ember.Size([1, 2, 3, 3])
    """
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """:func:`adaptive_max_pool1d` returning ``(output, indices)``."""
    return _adaptive_max(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """:func:`adaptive_max_pool2d` returning ``(output, indices)``."""
    return _adaptive_max(2, input, output_size, True)


def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    k = _tup(kernel_size, nd)
    s = k if stride is None else _tup(stride, nd)
    p = _tup(padding, nd)
    x, unbatched = (input.unsqueeze(0), True) if input.dim() == nd + 1 else (input, False)
    if unbatched:
        indices = indices.unsqueeze(0)
    if output_size is None:
        size = tuple((n - 1) * ss - 2 * pp + kk for n, ss, pp, kk in
                     zip(x.shape[2:], s, p, k))
    else:
        size = tuple(int(v) for v in tuple(output_size)[-nd:])
    if tuple(indices.shape) != tuple(x.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(x.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    n, c = x.shape[:2]
    total = math.prod(size)
    ia = indices._data
    if ia.size and (ia.min() < 0 or ia.max() >= total):
        raise RuntimeError(f"Found an invalid max index: {int(ia.max())} (output volumes are of "
                           f"size {'x'.join(map(str, size))}")
    out = PutPlane.apply(x.reshape(n, c, -1), indices.reshape(n, c, -1), total, False)
    out = out.reshape((n, c) + size)
    return out.squeeze(0) if unbatched else out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of :func:`max_pool1d`: values placed at ``indices``, zeros elsewhere.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> y, i = F.max_pool1d(ember.tensor([[[1., 3., 2., 5.]]]), 2, return_indices=True)
        >>> F.max_unpool1d(y, i, 2)
        tensor([[[0., 3., 0., 5.]]])
    """
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of :func:`max_pool2d` (values at ``indices``, zeros elsewhere).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> x = ember.arange(16.).reshape(1, 1, 4, 4)
        >>> y, i = F.max_pool2d(x, 2, return_indices=True)
        >>> F.max_unpool2d(y, i, 2)[0, 0, 1]
        tensor([0., 5., 0., 7.])
    """
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of :func:`max_pool3d`."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    k = _tup(kernel_size, nd)
    fn = {1: avg_pool1d, 2: avg_pool2d}[nd]
    out = fn(input ** norm_type, k if nd > 1 else k[0], stride, 0, ceil_mode)
    # PyTorch's sign(out) * relu(|out|): the value of out, with a zero gradient at 0
    out = out.sign() * out.abs().relu()
    return (out * math.prod(k)) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum over the window of x**p) ** (1/p).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.lp_pool1d(ember.tensor([[[3., 4.]]]), 2, 2)
        tensor([[[5.]]])
    """
    return _lp_pool(1, input, float(norm_type), kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling; see :func:`lp_pool1d`.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.lp_pool2d(ember.ones(1, 1, 2, 2), 2, 2)
        tensor([[[[2.]]]])
    """
    return _lp_pool(2, input, float(norm_type), kernel_size, stride, ceil_mode)

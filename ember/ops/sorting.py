"""Sorting and searching: ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``msort``, ``unique``,
``searchsorted``, ``bucketize``.

Only the permutation is computed here (not differentiable); values are read with ``gather``,
so their gradient is gather's scatter-add. NaN sorts as the largest value, as in PyTorch.
"""
import numpy as np

from ..return_types import kthvalue as _kth_t
from ..return_types import sort as _sort_t
from ..return_types import topk as _topk_t
from ._util import Tensor, _make, get_array_module, register, wrap_dim
from .selection import gather

__all__ = ["sort", "argsort", "topk", "kthvalue", "msort", "unique", "unique_consecutive",
           "searchsorted", "bucketize"]


def _argsort(x, axis, descending):
    """A stable argsort along ``axis``; descending keeps equal elements in their order."""
    xp = get_array_module(x)
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable")
    # sort the reversed array ascending (stable), then reverse: ties keep their input order
    n = x.shape[axis]
    rev = xp.flip(x, axis)
    i = xp.flip(xp.argsort(rev, axis=axis, kind="stable"), axis)
    return (n - 1) - i


def _perm(input, dim, descending):
    x = input._data
    if x.ndim == 0:
        return _make(get_array_module(x).zeros((), dtype=np.int64)), 0
    d = wrap_dim(dim, x.ndim)
    return _make(_argsort(x, d, descending).astype(np.int64, copy=False)), d


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sort along ``dim``; returns ``(values, indices)``. Sorting is always stable here.

    Example:
        >>> import ember
        >>> ember.tensor([3., 1., 2.]).sort()
        ember.return_types.sort(
        values=tensor([1., 2., 3.]),
        indices=tensor([1, 2, 0]))
    """
    idx, d = _perm(input, dim, descending)
    if input._data.ndim == 0:
        return _sort_t(input.clone(), idx)
    return _sort_t(gather(input, d, idx), idx)


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim``."""
    return _perm(input, dim, descending)[0]


def msort(input):
    """Sort along the first dimension (values only)."""
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim``, as ``(values, indices)``.

    Example:
        >>> import ember
        >>> ember.tensor([1., 5., 3.]).topk(2).indices
        tensor([1, 2])
    """
    x = input._data
    n = x.shape[wrap_dim(dim, x.ndim)] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    idx, d = _perm(input, dim, largest)
    if x.ndim == 0:
        return _topk_t(input.clone(), idx)
    idx = _make(idx._data[(slice(None),) * d + (slice(0, k),)])
    return _topk_t(gather(input, d, idx), idx)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest element (1-based) along ``dim``, as ``(values, indices)``."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    idx, d = _perm(input, d, False)
    if x.ndim == 0:
        return _kth_t(input.clone(), idx)
    idx = _make(idx._data[(slice(None),) * d + (slice(k - 1, k),)])
    vals = gather(input, d, idx)
    if not keepdim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    return _kth_t(vals, idx)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or slices along ``dim``), sorted; optionally the inverse map
    and the counts.

    Example:
        >>> import ember
        >>> ember.unique(ember.tensor([3, 1, 3]), return_counts=True)
        (tensor([1, 3]), tensor([1, 2]))
    """
    x = input._data
    xp = get_array_module(x)
    axis = None if dim is None else wrap_dim(dim, x.ndim)
    kw = {}
    if axis is None and x.dtype.kind in "fc" and xp.__name__ == "numpy":
        kw["equal_nan"] = False  # PyTorch keeps every NaN as its own value
    vals, inv, counts = xp.unique(x, return_inverse=True, return_counts=True, axis=axis, **kw)
    out = [_make(vals)]
    if return_inverse:
        inv = inv.reshape(x.shape) if axis is None else inv.reshape(-1)
        out.append(_make(inv.astype(np.int64, copy=False)))
    if return_counts:
        out.append(_make(counts.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``)."""
    x = input._data
    xp = get_array_module(x)
    if dim is None:
        x = x.reshape(-1)
        axis = 0
    else:
        axis = wrap_dim(dim, x.ndim)
    y = xp.moveaxis(x, axis, 0).reshape(x.shape[axis], -1)
    change = xp.ones(y.shape[0], dtype=bool)
    if y.shape[0] > 1:
        change[1:] = (y[1:] != y[:-1]).any(axis=1)
    starts = xp.flatnonzero(change)
    vals = xp.take(x, starts, axis=axis)
    out = [_make(vals)]
    if return_inverse:
        inv = xp.cumsum(change) - 1
        out.append(_make(inv.reshape(input._data.shape if dim is None else (-1,))
                         .astype(np.int64)))
    if return_counts:
        out.append(_make(xp.diff(xp.append(starts, y.shape[0])).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Indices where ``input`` would be inserted into ``sorted_sequence`` (its last dim) to
    keep it sorted; ``right=True`` / ``side='right'`` puts equal values after.

    Example:
        >>> import ember
        >>> ember.searchsorted(ember.tensor([1, 3, 5]), ember.tensor([3, 6]))
        tensor([1, 3])
    """
    if side is not None:
        right = side == "right"
    seq = sorted_sequence._data
    xp = get_array_module(seq)
    scalar = not isinstance(input, Tensor)
    v = xp.asarray(input) if scalar else input._data
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim == 1:
        r = xp.searchsorted(seq, v, side="right" if right else "left")
    else:
        if scalar or seq.shape[:-1] != v.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                "dimensions of boundaries tensor and input value tensor must match, but we got "
                f"boundaries tensor {list(seq.shape)} and input value tensor "
                f"{list(v.shape) if not scalar else []}")
        # batched rows: count the boundaries below each value (vectorised, no row loop)
        cmp = seq[..., None, :] <= v[..., :, None] if right else seq[..., None, :] < v[..., :, None]
        r = cmp.sum(-1)
    return _make(xp.asarray(r, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each element of ``input`` given sorted 1-d ``boundaries``."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


register(sort=sort, argsort=argsort, msort=msort, topk=topk, kthvalue=kthvalue,
         unique=unique, unique_consecutive=unique_consecutive, bucketize=bucketize)

"""Lookup tables: ``F.embedding`` and ``F.embedding_bag``.

An embedding is a row gather; its backward is a scatter-add of the output gradient into the
rows (repeated indices accumulate), with the ``padding_idx`` row kept at zero gradient.
A bag is a segment sum/mean/max over gathered rows, vectorised with a segment id per index.
"""
from ..._tensor import Tensor
from ...autograd.function import Function
from ...backends import get_array_module

__all__ = ["embedding", "embedding_bag"]

_make = Tensor._make


class Embedding(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        ctx.idx, ctx.padding_idx, ctx.scale = idx, padding_idx, scale_grad_by_freq
        ctx.wshape = weight.shape
        return weight[idx]

    @staticmethod
    def backward(ctx, grad):
        # d W[idx] = scatter-add of the output gradient into the rows named by idx
        idx = ctx.idx
        xp = get_array_module(idx)
        d = ctx.wshape[1]
        g = grad.reshape(-1, d)
        flat = idx.reshape(-1)
        factor = None
        if ctx.padding_idx is not None:
            factor = (flat != ctx.padding_idx).astype(grad._data.dtype)
        if ctx.scale:
            counts = xp.bincount(flat, minlength=ctx.wshape[0])
            inv = (1.0 / counts[flat]).astype(grad._data.dtype)
            factor = inv if factor is None else factor * inv
        if factor is not None:
            g = g * _make(factor[:, None])
        return _ScatterRows.apply(g, flat, ctx.wshape[0]), None, None, None


class _ScatterRows(Function):
    """``zeros(n, d).index_add_(0, idx, g)``; adjoint of the row gather."""

    _array_forward = True

    @staticmethod
    def forward(ctx, g, idx, n):
        xp = get_array_module(g)
        ctx.idx = idx
        out = xp.zeros((n,) + g.shape[1:], dtype=g.dtype)
        xp.add.at(out, idx, g)
        return out

    @staticmethod
    def backward(ctx, grad):
        # adjoint of a scatter-add is the gather
        return _Gather.apply(grad, ctx.idx), None, None


class _Gather(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, w, idx):
        ctx.idx, ctx.n = idx, w.shape[0]
        return w[idx]

    @staticmethod
    def backward(ctx, grad):
        # adjoint of a gather is the scatter-add
        return _ScatterRows.apply(grad, ctx.idx, ctx.n), None


def _check_indices(input, num):
    a = input._data
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got "
                           f"{input._type_name()} instead (while checking arguments for "
                           "embedding)")
    if a.size and (int(a.max()) >= num or int(a.min()) < 0):
        raise IndexError("index out of range in self")


def _renorm_(weight, idx, max_norm, norm_type):
    """Rescale (in place, untracked) the looked-up rows whose norm exceeds ``max_norm``."""
    w = weight._data
    xp = get_array_module(w)
    rows = xp.unique(idx.reshape(-1))
    sel = w[rows]
    if norm_type == float("inf"):
        norms = xp.abs(sel).max(axis=1)
    else:
        norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
    w[rows[big]] = sel[big] * scale[:, None]
    weight._version_counter[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    r"""Rows of ``weight`` at the indices in ``input``: output :math:`(*, D)`.

    Args:
        input (LongTensor): indices, any shape.
        weight (Tensor): :math:`(V, D)`.
        padding_idx (int, optional): this row gets no gradient.
        max_norm (float, optional): looked-up rows with a larger norm are renormalised in place.
        norm_type (float): the p of the norm for ``max_norm``. Default: 2.
        scale_grad_by_freq (bool): divide gradients by the index frequency in the batch.
        sparse (bool): accepted; gradients are always dense in ember.

    Example:
        >>> import ember
        >>> w = ember.arange(6.).reshape(3, 2)
        >>> ember.nn.functional.embedding(ember.tensor([2, 0]), w)
        tensor([[4., 5.],
                [0., 1.]])
    """
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if padding_idx is not None:
        n = weight.shape[0]
        if padding_idx > 0:
            assert padding_idx < n, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -n, "Padding_idx must be within num_embeddings"
            padding_idx = n + padding_idx
    _check_indices(input, weight.shape[0])
    idx = input._data
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx, padding_idx, scale_grad_by_freq)


def _bags(input, offsets, include_last_offset, xp):
    """(flat indices, bag id per index, number of bags) from 2-d input or 1-d + offsets."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        b, n = input.shape
        return input._data.reshape(-1), xp.repeat(xp.arange(b), n), b
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    off = offsets._data.astype(xp.int64)
    if off.size and int(off[0]) != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {int(off[0])}")
    nb = off.size - 1 if include_last_offset else off.size
    n = input.shape[0]
    starts = xp.zeros(n, dtype=xp.int64)
    # each offset marks where a bag starts: a cumulative count of passed offsets is the bag id
    valid = off[:nb][off[:nb] < n]
    xp.add.at(starts, valid, 1)
    bag = xp.cumsum(starts) - 1
    return input._data, bag, nb


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    r"""Sums, means or maxes of bags of embeddings, without building the per-index rows' output.

    Args:
        input (LongTensor): :math:`(B, N)` fixed-length bags, or 1-d indices with ``offsets``.
        weight (Tensor): :math:`(V, D)`.
        offsets (LongTensor, optional): start of each bag in a 1-d ``input``.
        mode (str): ``'sum'``, ``'mean'`` or ``'max'``. Default: ``'mean'``.
        per_sample_weights (Tensor, optional): weights of the indices (``'sum'`` only).
        include_last_offset (bool): ``offsets`` has one more entry (the end). Default: False.
        padding_idx (int, optional): indices equal to it are left out of every bag.

    Returns:
        Tensor :math:`(B, D)`; empty bags give zeros.
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                      f"per_sample_weights is only supported for mode='sum' "
                                      f"(got mode='{mode}'). Please open a feature request on "
                                      "GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                             f"is not None, then it must have the same shape as the input "
                             f"({input.shape})")
    xp = get_array_module(weight._data)
    _check_indices(input, weight.shape[0])
    flat, bag, nb = _bags(input, offsets, include_last_offset, xp)
    if padding_idx is not None:
        padding_idx = padding_idx % weight.shape[0]
        keep = flat != padding_idx
        flat, bag = flat[keep], bag[keep]
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)[_make(xp.nonzero(keep)[0])]
    if max_norm is not None:
        _renorm_(weight, flat, max_norm, norm_type)
    if scale_grad_by_freq and mode != "max":
        # the row gather of Embedding, whose backward divides by each index's frequency
        rows = Embedding.apply(weight, flat, None, True)
    else:
        rows = _Gather.apply(weight, flat)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    if mode == "max":
        return _SegmentMax.apply(rows, bag, nb)
    out = _ScatterRows.apply(rows, bag, nb)
    if mode == "mean":
        counts = xp.bincount(bag, minlength=nb).astype(weight._data.dtype)
        out = out / _make(xp.maximum(counts, 1)[:, None])
    return out


class _SegmentMax(Function):
    """Max over each bag's rows (empty bags give 0); the gradient goes to the argmax row."""

    _array_forward = True

    @staticmethod
    def forward(ctx, rows, bag, nb):
        xp = get_array_module(rows)
        d = rows.shape[1]
        out = xp.full((nb, d), -xp.inf, dtype=rows.dtype)
        xp.maximum.at(out, bag, rows)
        # the first row of its bag that attains the max (PyTorch's tie rule)
        hit = rows == out[bag]
        pos = xp.where(hit, xp.arange(len(bag))[:, None], len(bag))
        first = xp.full((nb, d), len(bag), dtype=xp.int64)
        xp.minimum.at(first, bag, pos)
        ctx.first, ctx.n = first, len(bag)
        out[first == len(bag)] = 0
        return out

    @staticmethod
    def backward(ctx, grad):
        # d max = dx at the (first) argmax row of each bag and column
        first, n = ctx.first, ctx.n
        xp = get_array_module(first)
        has = first < n
        r = first[has]
        c = xp.nonzero(has)[1]
        g = grad[_make(xp.nonzero(has)[0]), _make(c)]
        return _ScatterPoints.apply(g, r, c, (n, grad.shape[1])), None, None


class _ScatterPoints(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, g, r, c, shape):
        xp = get_array_module(g)
        ctx.rc = (r, c)
        out = xp.zeros(shape, dtype=g.dtype)
        xp.add.at(out, (r, c), g)
        return out

    @staticmethod
    def backward(ctx, grad):
        # adjoint of a point scatter is the point gather
        r, c = ctx.rc
        return grad[_make(r), _make(c)], None, None, None

"""Mappings of view, reshape, indexing, concatenation and copy primitives.

Sizes that depend on a dynamic axis arrive as ``DynInt``; a reshape keeps the batch symbolic
with ONNX's 0 (copy this dim) and -1 (infer) codes where it can, else from ``Shape`` ops.
"""
import numpy as np

from ..nn._functional import sparse as _sparse
from ._graph import INT64_MAX, INT64_MIN, host, is_dyn
from ._registry import op, ops_module
from .errors import UnsupportedOperatorError

_mv, _sh, _ix, _cr, _pad = (ops_module(n) for n in (
    "movement", "shape", "indexing", "creation", "pad"))


def _same(a, b):
    if is_dyn(a) or is_dyn(b):
        return is_dyn(a) and is_dyn(b) and a.expr == b.expr
    return int(a) == int(b)


def reshape(cx, x, in_shape, out_shape):
    """Reshape ``x`` (symbolic shape ``in_shape``) to ``out_shape`` (ints/DynInts), as
    Squeeze/Unsqueeze when only unit dims change, else with 0/-1 codes or a computed shape."""
    if [d for d in in_shape if not (not is_dyn(d) and d == 1)] == \
            [d for d in out_shape if not (not is_dyn(d) and d == 1)] and \
            all(_same(a, b) for a, b in zip([d for d in in_shape if is_dyn(d) or d != 1],
                                            [d for d in out_shape if is_dyn(d) or d != 1])):
        return _squeeze_unsqueeze(cx, x, in_shape, out_shape)
    codes = []
    for i, d in enumerate(out_shape):
        if is_dyn(d) and i < len(in_shape) and _same(in_shape[i], d):
            codes.append(0)
        elif not is_dyn(d) and d == 0:
            return cx.op("Reshape", [x, cx.g.shape(out_shape)], allowzero=1)
        else:
            codes.append(d)
    dyn = [i for i, d in enumerate(codes) if is_dyn(d)]
    if len(dyn) == 1:
        codes[dyn[0]] = -1
    elif len(dyn) > 1:
        codes = [0 if c == 0 else c for c in codes]
        return cx.op("Reshape", [x, cx.g.shape(codes)])
    return cx.op("Reshape", [x, cx.g.i64([int(c) for c in codes])])


def _squeeze_unsqueeze(cx, x, in_shape, out_shape):
    """The reshape only removes and/or inserts size-1 dims."""
    keep_in = [i for i, d in enumerate(in_shape) if is_dyn(d) or d != 1]
    keep_out = [i for i, d in enumerate(out_shape) if is_dyn(d) or d != 1]
    drop = [i for i in range(len(in_shape)) if i not in keep_in]
    # dims of 1 that stay at the same relative place could be kept; simplest: drop all, re-add
    if len(in_shape) == len(out_shape) and all(_same(a, b) for a, b in zip(in_shape, out_shape)):
        return cx.op("Identity", [x])
    y = cx.op("Squeeze", [x, cx.g.i64(drop)]) if drop else x
    add = [i for i in range(len(out_shape)) if i not in keep_out]
    return cx.op("Unsqueeze", [y, cx.g.i64(add)]) if add else y


@op(_mv.Reshape)
def _reshape(cx):
    return reshape(cx, cx.x(0), cx.shape(0), list(cx.param(1)))


@op(_mv.Permute)
def _permute(cx):
    return cx.op("Transpose", [cx.x(0)], perm=[int(d) for d in cx.param(1)])


@op(_mv.Alias, _mv.Clone)
def _identity(cx):
    return cx.op("Identity", [cx.x(0)])


@op(_mv.Expand)
def _expand(cx):
    in_shape = cx.shape(0)
    target = list(cx.param(1))
    lead = len(target) - len(in_shape)
    dims = []
    for i, d in enumerate(target):
        j = i - lead
        if j >= 0 and _same(in_shape[j], d):
            dims.append(1)  # Expand broadcasts: 1 keeps the input's (maybe symbolic) size
        else:
            dims.append(d)
    return cx.op("Expand", [cx.x(0), cx.g.shape(dims)])


@op(_cr.ToCopy)
def _to_copy(cx):
    from onnx import helper

    npdt = cx.param(1)
    if npdt is None or np.dtype(npdt) == cx.dtype(0):
        return cx.op("Identity", [cx.x(0)])
    return cx.op("Cast", [cx.x(0)], to=helper.np_dtype_to_tensor_dtype(np.dtype(npdt)))


@op(_sh.Cat)
def _cat(cx):
    names = [cx.x(i) for i in range(cx.n())]
    dim = cx.kw("dim", 0)
    return cx.op("Concat", names, axis=int(dim) % max(cx.tensor(0).ndim, 1))


@op(_sh.Stack)
def _stack(cx):
    dim = int(cx.kw("dim", 0))
    nd = cx.tensor(0).ndim + 1
    names = [cx.op("Unsqueeze", [cx.x(i), cx.g.i64([dim % nd])]) for i in range(cx.n())]
    return cx.op("Concat", names, axis=dim % nd)


@op(*[c for c in vars(_sh).values() if isinstance(c, type) and issubclass(c, _sh.SplitViews)])
def _split_views(cx):
    x = cx.x(0)
    shape = cx.shape(0)
    return [index(cx, x, shape, idx) for idx in cx.param(1)]


@op(_ix.GetItem)
def _getitem(cx):
    return index(cx, cx.x(0), cx.shape(0), cx.param(1))


def index(cx, x, shape, idx):
    """``x[idx]`` for basic indices (ints, slices, None, Ellipsis) and one integer array."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    n_used = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if any(i is Ellipsis for i in idx):
        k = idx.index(Ellipsis)
        idx = idx[:k] + (slice(None),) * (len(shape) - n_used) + idx[k + 1:]
    cur, axis = x, 0
    starts, ends, axes, steps = [], [], [], []
    post = []  # (kind, value) applied after the slice, in order
    for i in idx:
        if isinstance(i, slice):
            if i != slice(None) and not (i.start in (None, 0) and i.stop is None and
                                         i.step in (None, 1)):
                step = 1 if i.step is None else i.step
                start = i.start if i.start is not None else (0 if step > 0 else INT64_MAX)
                stop = i.stop if i.stop is not None else (INT64_MAX if step > 0 else INT64_MIN)
                starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
            post.append(("keep", axis))
            axis += 1
        elif i is None:
            post.append(("new", None))
        elif isinstance(i, (int, np.integer)):
            post.append(("int", (axis, i)))
            axis += 1
        elif hasattr(i, "dtype") and i.dtype.kind in "iu":
            post.append(("array", (axis, i)))
            axis += 1
        else:
            raise UnsupportedOperatorError(f"indexing with {type(i).__name__} "
                                           f"({getattr(i, 'dtype', '')}) is not supported")
    if starts:
        cur = cx.op("Slice", [cur, cx.g.shape(starts), cx.g.shape(ends), cx.g.i64(axes),
                              cx.g.i64(steps)])
    # integer/array indices, then new axes, walking the output positions
    removed = 0
    out_pos = 0
    arrays = [p for p in post if p[0] == "array"]
    if len(arrays) > 1:
        raise UnsupportedOperatorError("indexing with more than one index array is not "
                                       "supported")
    for kind, v in post:
        if kind == "keep":
            out_pos += 1
        elif kind == "int":
            cur = cx.op("Gather", [cur, cx.g.const(np.asarray(int(v[1]), np.int64))],
                        axis=out_pos)
            removed += 1
        elif kind == "array":
            arr = host(v[1]).astype(np.int64)
            cur = cx.op("Gather", [cur, cx.g.const(arr)], axis=out_pos)
            out_pos += arr.ndim
        else:
            cur = cx.op("Unsqueeze", [cur, cx.g.i64([out_pos])])
            out_pos += 1
    if cur == x:
        cur = cx.op("Identity", [x])
    return cur


@op(getattr(_sparse, "Embedding", None))
def _embedding(cx):
    return cx.op("Gather", [cx.x(0), cx.x(1)], axis=0)


if hasattr(_sparse, "_Gather"):
    @op(getattr(_sparse, "_Gather", None))
    def _gather_rows(cx):
        return cx.op("Gather", [cx.x(0), cx.x(1)], axis=0)


@op(_pad.ConstantPad)
def _constant_pad(cx):
    pads = cx.param(1)
    if any(is_dyn(p) for pr in pads for p in pr):
        raise UnsupportedOperatorError("padding depends on a dynamic axis")
    lo = [int(p[0]) for p in pads]
    hi = [int(p[1]) for p in pads]
    value = cx.g.const(np.asarray(cx.param(2), dtype=cx.dtype(0)))
    return cx.op("Pad", [cx.x(0), cx.g.i64(lo + hi), value], mode="constant")


@op(_pad.AxisGather)
def _axis_gather(cx):
    """``take(idx, axis)`` with a constant index (reflect/replicate padding, nearest
    upsampling): a Gather; the index depends on the axis size, so that axis must be static."""
    idx = cx.rec.args[1]
    idx_b = cx.rec_b.args[1] if cx.rec_b is not None else idx
    idx, idx_b = host(idx), host(idx_b)
    if idx.shape != idx_b.shape or not np.array_equal(idx, idx_b):
        raise UnsupportedOperatorError("an index gather along a dynamic axis")
    axis = int(cx.param(2)) % cx.tensor(0).ndim
    return cx.op("Gather", [cx.x(0), cx.g.const(np.asarray(idx, dtype=np.int64))], axis=axis)

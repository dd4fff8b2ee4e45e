"""Selection by index or mask: ``where``, ``gather``/``scatter``, ``index_*``, ``masked_*``,
``nonzero``, ``take``.

Everything here reduces to two primitives of ``indexing``: a read ``x[idx]`` (``GetItem``,
whose adjoint scatter-adds) and a write ``x[idx] = v`` / ``x[idx] += v`` (``IndexPut``). The
ops only build the index: e.g. ``gather`` along ``dim`` is ``x[i0, ..., index, ..., ik]`` with
``arange`` grids on the other dims.
"""
import numpy as np

from .._dtype import result_type
from ._util import Function, Tensor, _make, broadcast_shapes, get_array_module, inplace, \
    register, unbroadcast, wrap_dim
from .indexing import GetItem, IndexPut
from .movement import expand, reshape

__all__ = ["where", "gather", "scatter", "scatter_add", "index_select", "index_add",
           "index_fill", "index_copy", "masked_fill", "masked_select", "masked_scatter",
           "nonzero", "argwhere", "take", "take_along_dim"]


class Where(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, cond, x, y):
        xp = get_array_module(cond, x, y)
        ctx.cond = cond
        ctx.shapes = (np.shape(x), np.shape(y))
        return xp.where(cond, x, y)

    @staticmethod
    def backward(ctx, grad):
        # d where(c, x, y) = c dx + (1 - c) dy
        c = _make(ctx.cond)
        sx, sy = ctx.shapes
        zero = grad.new_zeros(())
        gx = unbroadcast(where(c, grad, zero), sx) if ctx.needs_input_grad[1] else None
        gy = unbroadcast(where(c, zero, grad), sy) if ctx.needs_input_grad[2] else None
        return None, gx, gy


def where(condition, input=None, other=None, *, out=None):
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (tensors or scalars).

    With only ``condition``, the tuple of indices where it is true (like ``nonzero``).

    Example:
        >>> import ember
        >>> ember.where(ember.tensor([True, False]), ember.tensor([1., 2.]), 0.)
        tensor([1., 0.])
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    c = condition._data
    if c.dtype != np.bool_:
        if c.dtype == np.uint8:
            c = c.astype(bool)
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {condition._type_name()[6:-6]}")
    xp = get_array_module(c)
    dt = result_type(input, other)
    x = input.to(dt) if isinstance(input, Tensor) else _make(xp.asarray(input, dtype=dt.np))
    y = other.to(dt) if isinstance(other, Tensor) else _make(xp.asarray(other, dtype=dt.np))
    return Where.apply(_make(c), x, y)


# --- gather / scatter -------------------------------------------------------------------------
def _int_index(index, name):
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        dt = index.dtype if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {dt}")
    return index._data


def _check_bounds(idx, n, dim, allow_negative=False):
    if idx.size == 0:
        return
    lo, hi = int(idx.min()), int(idx.max())
    if hi >= n or lo < (-n if allow_negative else 0):
        bad = hi if hi >= n else lo
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {n}")


def _grid_index(input, index, dim, name, src=None):
    """The full advanced index ``(ar0, ..., index, ..., ark)`` of gather/scatter along ``dim``."""
    x = input._data
    idx = _int_index(index, name)
    nd = x.ndim
    d = wrap_dim(dim, nd)
    if idx.ndim != max(nd, 1) and not (nd == 0 and idx.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input "
                           "tensor")
    if nd == 0:
        _check_bounds(idx, 1, d)
        return (), idx
    for k in range(nd):
        if k != d and idx.shape[k] > x.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(idx.shape)} to be no larger than self {list(x.shape)} "
                               f"apart from dimension {d}")
        if src is not None and idx.shape[k] > src._data.shape[k]:
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self "
                               f"{list(x.shape)} apart from dimension {d} and to be no larger "
                               f"size than src {list(src.shape)}")
    _check_bounds(idx, x.shape[d], d)
    xp = get_array_module(idx)
    grid = []
    for k in range(nd):
        if k == d:
            grid.append(idx.astype(np.intp, copy=False))
        else:
            shape = [1] * nd
            shape[k] = idx.shape[k]
            grid.append(xp.arange(idx.shape[k]).reshape(shape))
    return tuple(grid), idx


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """``out[i][j] = input[i][index[i][j]]`` (for ``dim=1``); repeated indices accumulate grads.

    Example:
        >>> import ember
        >>> ember.tensor([[1, 2], [3, 4]]).gather(1, ember.tensor([[1], [0]]))
        tensor([[2],
                [3]])
    """
    grid, idx = _grid_index(input, index, dim, "gather")
    if input._data.ndim == 0:
        return GetItem.apply(reshape(input, (1,)), (idx,)).reshape(idx.shape)
    return GetItem.apply(input, grid)


def _src_block(src, shape):
    """``src`` cut down to the index's shape (scatter reads only that corner)."""
    if tuple(src._data.shape) == tuple(shape):
        return src
    return src[tuple(slice(0, n) for n in shape)]


def _value_tensor(input, value):
    if isinstance(value, Tensor):
        return value if value.dtype is input.dtype else value.to(input.dtype)
    return _make(get_array_module(input._data).asarray(value, dtype=input._data.dtype))


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """Write ``src`` (or a scalar ``value``) into a copy of ``input`` at ``index`` along ``dim``.

    Example:
        >>> import ember
        >>> ember.zeros(2, 3).scatter(1, ember.tensor([[2], [0]]), 1.0)
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    if src is None:
        src = value
    is_tensor = isinstance(src, Tensor)
    if input._data.ndim == 0:
        flat = reshape(input, (1,))
        s = reshape(src, (-1,)) if is_tensor else src
        return scatter(flat, 0, reshape(index, (-1,)), s, reduce=reduce).reshape(())
    grid, idx = _grid_index(input, index, dim, "scatter", src if is_tensor else None)
    v = _value_tensor(input, _src_block(src, idx.shape) if is_tensor else src)
    if reduce is None:
        return IndexPut.apply(input, v, grid, False)
    if reduce == "add":
        return IndexPut.apply(input, v, grid, True)
    if reduce == "multiply":
        return ScatterMul.apply(input, v, grid)
    raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")


class ScatterMul(Function):
    """``scatter(..., reduce='multiply')``: forward only, as in PyTorch."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, v, idx):
        out = x.copy()
        get_array_module(x).multiply.at(out, idx, v)
        return out

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::scatter is not implemented")


def scatter_add(input, dim, index, src):
    """Add ``src`` into a copy of ``input`` at ``index`` along ``dim`` (repeats accumulate)."""
    return scatter(input, dim, index, src, reduce="add")


# --- index_* along one dimension --------------------------------------------------------------
def _dim_index(input, dim, index, name):
    x = input._data
    d = wrap_dim(dim, x.ndim)
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    idx = index._data
    if idx.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int32 or int64 for index")
    idx = idx.reshape(-1)
    n = x.shape[d] if x.ndim else 1
    lo = 0 if name in ("index_select", "index_add") else -n
    if idx.size and (int(idx.max()) >= n or int(idx.min()) < lo):
        bad = int(idx.max()) if int(idx.max()) >= n else int(idx.min())
        msg = f"index {bad} is out of bounds for dimension {d} with size {n}"
        if name == "index_select":
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} "
                               f"axis_dim={n}")
        if name == "index_add":
            raise RuntimeError(msg)
        raise IndexError(("index_copy_(): " if name == "index_copy" else "") + msg)
    return (slice(None),) * d + (idx,), d


def index_select(input, dim, index, *, out=None):
    """The entries of ``input`` along ``dim`` at positions ``index`` (a 1-d int tensor).

    Example:
        >>> import ember
        >>> ember.arange(6).reshape(2, 3).index_select(1, ember.tensor([2, 0]))
        tensor([[2, 0],
                [5, 3]])
    """
    if input._data.ndim == 0:
        return GetItem.apply(reshape(input, (1,)), (index._data.reshape(-1),)).reshape(())
    idx, _ = _dim_index(input, dim, index, "index_select")
    return GetItem.apply(input, idx)


def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeats add up)."""
    idx, d = _dim_index(input, dim, index, "index_add")
    src = source if alpha == 1 else source * alpha
    return IndexPut.apply(input, _value_tensor(input, src), idx, True)


def index_fill(input, dim, index, value):
    """``input`` with the entries at ``index`` along ``dim`` set to ``value``."""
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    idx, _ = _dim_index(input, dim, index, "index_fill")
    return IndexPut.apply(input, _value_tensor(input, value), idx, False)


def index_copy(input, dim, index, source):
    """``input`` with the slices at ``index`` along ``dim`` replaced by ``source``'s."""
    idx, _ = _dim_index(input, dim, index, "index_copy")
    return IndexPut.apply(input, _value_tensor(input, source), idx, False)


# --- masks ------------------------------------------------------------------------------------
def _bool_mask(mask, name):
    m = mask._data
    if m.dtype != np.bool_:
        if m.dtype == np.uint8:
            return m.astype(bool)
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name.replace('float32', 'float')}")
    return m


def masked_fill(input, mask, value):
    """``input`` with ``value`` (a number or 0-d tensor) where ``mask`` is True.

    Example:
        >>> import ember
        >>> ember.zeros(3).masked_fill(ember.tensor([True, False, True]), 2.)
        tensor([2., 0., 2.])
    """
    m = _bool_mask(mask, "masked_fill_")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    broadcast_shapes(input._data.shape, m.shape)
    return Where.apply(_make(m), _value_tensor(input, value), input)


def masked_select(input, mask):
    """The 1-d tensor of elements where ``mask`` (broadcast with ``input``) is True."""
    m = mask._data
    if m.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(input._data.shape, m.shape)
    x = input if input._data.shape == shape else expand(input, shape)
    xp = get_array_module(m)
    return GetItem.apply(x, (xp.broadcast_to(m, shape),))


def masked_scatter(input, mask, source):
    """``input`` with the True positions of ``mask`` filled by ``source``'s first elements."""
    m = _bool_mask(mask, "masked_scatter_")
    shape = broadcast_shapes(input._data.shape, m.shape)
    x = input if input._data.shape == shape else expand(input, shape).contiguous()
    m = get_array_module(m).broadcast_to(m, shape)
    n = int(m.sum())
    if source._data.size < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    v = reshape(source, (-1,))
    if v._data.shape[0] != n:
        v = v[:n]
    return IndexPut.apply(x, _value_tensor(input, v), (m,), False)


# --- positions --------------------------------------------------------------------------------
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or a tuple of 1-d ones.

    Example:
        >>> import ember
        >>> ember.tensor([0, 3, 0, 4]).nonzero()
        tensor([[1],
                [3]])
    """
    x = input._data
    xp = get_array_module(x)
    if as_tuple:
        return tuple(_make(i.astype(np.int64)) for i in xp.nonzero(x.reshape(-1) if x.ndim == 0
                                                                     else x))
    return _make(xp.argwhere(x).astype(np.int64, copy=False))


def argwhere(input):
    """Same as ``nonzero(input)``."""
    return nonzero(input)


def take(input, index):
    """``input.flatten()[index]`` (negative indices count from the end)."""
    idx = index._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype}")
    n = input._data.size
    if idx.size and (int(idx.max()) >= n or int(idx.min()) < -n):
        bad = int(idx.max()) if int(idx.max()) >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return GetItem.apply(reshape(input, (-1,)), (idx,))


def take_along_dim(input, indices, dim=None, *, out=None):
    """Gather along ``dim`` with ``indices`` broadcast against ``input`` (flattened if None)."""
    if dim is None:
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    if indices._data.ndim != nd:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {nd} dimensions for input, and "
                           f"{indices._data.ndim} dimensions for indices")
    si, sx = list(indices._data.shape), list(input._data.shape)
    si[d] = sx[d] = 1
    b = list(broadcast_shapes(tuple(si), tuple(sx)))
    bx, bi = list(b), list(b)
    bx[d], bi[d] = input._data.shape[d], indices._data.shape[d]
    x = input if list(input._data.shape) == bx else expand(input, bx)
    i = indices if list(indices._data.shape) == bi else expand(indices, bi)
    return gather(x, d, i)


def _ip(fn):
    return lambda self, *args, **kwargs: inplace(self, fn, *args, **kwargs)


register(
    where=lambda self, condition, other: where(condition, self, other),
    gather=gather, scatter=scatter, scatter_add=scatter_add, index_select=index_select,
    index_add=index_add, index_fill=index_fill, index_copy=index_copy, masked_fill=masked_fill,
    masked_select=masked_select, masked_scatter=masked_scatter, nonzero=nonzero,
    argwhere=argwhere, take=take, take_along_dim=take_along_dim,
    scatter_=_ip(scatter), scatter_add_=_ip(scatter_add), index_add_=_ip(index_add),
    index_fill_=_ip(index_fill), index_copy_=_ip(index_copy), masked_fill_=_ip(masked_fill),
    masked_scatter_=_ip(masked_scatter),
)

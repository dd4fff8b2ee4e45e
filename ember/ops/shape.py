"""Joining, splitting and rearranging: cat/stack, split/chunk/unbind/narrow (views), flip,
roll, tril/triu, repeat/tile, diagonals, meshgrid and broadcasting helpers.

``cat``/``stack`` and the splits are primitives whose backwards are each other; the rest are
primitives with a one-line adjoint, or composites of views.
"""
import numpy as np

from .. import _dtype
from ._diag import diag, diag_embed, diagonal, diagonal_scatter, trace
from ._util import (
    Function,
    Tensor,
    _make,
    broadcast_shapes,
    fwd,
    get_array_module,
    make_view,
    register,
    wrap_dim,
)
from .indexing import GetItem, basic_view
from .movement import _shape_arg, expand, reshape

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack",
           "column_stack", "split", "chunk", "unbind", "narrow", "select", "flip", "fliplr",
           "flipud", "roll", "tril", "triu", "repeat_interleave", "tile", "diag", "diagonal",
           "diag_embed", "trace", "meshgrid", "broadcast_tensors", "atleast_1d", "atleast_2d",
           "atleast_3d", "rot90", "tensor_split", "hsplit", "vsplit", "dsplit", "block_diag",
           "cartesian_prod", "tril_indices", "triu_indices", "select_scatter", "slice_scatter",
           "diagonal_scatter"]


# --- cat / stack ------------------------------------------------------------------------------
class Cat(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, *xs, dim):
        # PyTorch's legacy rule: 1-d empty tensors are skipped (they get an empty gradient)
        skip = None
        for x in xs:
            if x.ndim == 1 and x.shape[0] == 0:
                skip = [x.ndim == 1 and x.shape[0] == 0 for x in xs]
                xs = [x for x, s in zip(xs, skip) if not s]
                break
        ctx.skip, ctx.dim = skip, dim
        ctx.sizes = [x.shape[dim] for x in xs]
        return get_array_module(*xs).concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        # each input receives its slice of the gradient
        parts = split(grad, ctx.sizes, ctx.dim)
        if ctx.skip is None:
            return tuple(parts)
        parts = iter(parts)
        return tuple(grad.new_zeros((0,)) if s else next(parts) for s in ctx.skip)


def _common(tensors, name):
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    npdt = tensors[0]._data.dtype
    if all(t._data.dtype == npdt for t in tensors):
        return tensors
    dt = None
    for t in tensors:
        dt = t.dtype if dt is None else _dtype.promote_types(dt, t.dtype)
    return [t if t.dtype is dt else t.to(dt) for t in tensors]


def cat(tensors, dim=0, *, out=None):
    """Concatenate tensors along an existing dimension ``dim``.

    Example:
        >>> import ember
        >>> ember.cat([ember.ones(1, 2), ember.zeros(1, 2)]).shape
        ember.Size([2, 2])
    """
    if len(tensors) == 0:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    ts = _common(tensors, "cat")
    t0 = ts[0]._data
    if len(ts) > 1 and t0.ndim and not (t0.ndim == 1 and t0.shape[0] == 0):
        d = wrap_dim(dim, t0.ndim)
        try:
            return fwd(Cat, *ts, dim=d)
        except ValueError:
            pass  # NumPy refused: find the reason and say it PyTorch's way
    d = _check_cat(ts, dim)
    if len(ts) == 1 or all(t._data.ndim == 1 and t._data.shape[0] == 0 for t in ts):
        return ts[0].clone()
    return fwd(Cat, *ts, dim=d)


def _check_cat(ts, dim):
    for i, t in enumerate(ts):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    # PyTorch's legacy rule: 1-d empty tensors are skipped
    kept = [t for t in ts if not (t._data.ndim == 1 and t._data.shape[0] == 0)]
    ref = kept[0]._data.shape if kept else (0,)
    d = wrap_dim(dim, len(ref))
    for i, t in enumerate(ts):
        s = t._data.shape
        if len(s) == 1 and s[0] == 0:
            continue
        if len(s) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} "
                               f"and {len(s)}")
        for k in range(len(ref)):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref[k]} but got size {s[k]} for tensor number {i} in the list.")
    return d


concat = concatenate = cat


class Stack(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        return get_array_module(*xs).stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        # each input receives its slice of the gradient
        return tuple(unbind(grad, ctx.dim))


def stack(tensors, dim=0, *, out=None):
    """Join tensors of equal shape along a new dimension ``dim``.

    Example:
        >>> import ember
        >>> ember.stack([ember.ones(2), ember.zeros(2)], dim=1)
        tensor([[1., 0.],
                [1., 0.]])
    """
    if len(tensors) == 0:
        raise RuntimeError("stack expects a non-empty TensorList")
    ts = _common(tensors, "stack")
    ref = ts[0]._data.shape
    for i, t in enumerate(ts):
        if t._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(ref)} at entry 0 and {list(t._data.shape)} at entry {i}")
    return fwd(Stack, *ts, dim=wrap_dim(dim, len(ref) + 1))


def atleast_1d(*tensors):
    """Reshape 0-d tensors to 1-d (others unchanged)."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    """View inputs with at least two dimensions (new dims in front)."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    """View inputs with at least three dimensions."""
    return _atleast(tensors, 3)


def _atleast(tensors, n):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    ts = tensors[0] if len(tensors) == 1 and not single else tensors
    out = []
    for t in ts:
        s = t._data.shape
        if len(s) < n:
            if n == 3 and len(s) == 2:
                s = s + (1,)
            elif n == 3 and len(s) == 1:
                s = (1,) + s + (1,)
            else:
                s = (1,) * (n - len(s)) + s
            t = reshape(t, s)
        out.append(t)
    return out[0] if single else tuple(out)


def hstack(tensors, *, out=None):
    """Concatenate column-wise (along dim 1; along dim 0 for 1-d inputs)."""
    ts = atleast_1d(*tensors)
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


def vstack(tensors, *, out=None):
    """Concatenate row-wise, after making inputs at least 2-d."""
    return cat(atleast_2d(*tensors), 0)


def dstack(tensors, *, out=None):
    """Concatenate depth-wise (dim 2), after making inputs at least 3-d."""
    return cat(atleast_3d(*tensors), 2)


def column_stack(tensors, *, out=None):
    """Stack 1-d tensors as columns of a matrix; concatenate others along dim 1."""
    ts = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in tensors]
    return cat(ts, 1)


# --- splitting (views) ------------------------------------------------------------------------
class SplitViews(Function):
    """Several basic-index views of one input; the backward assembles their gradients."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, idxs, dim, sizes):
        ctx.dim, ctx.sizes = dim, sizes
        return tuple(x[i] for i in idxs)

    @staticmethod
    def backward(ctx, *grads):
        # the views tile the input: concatenate (or stack, for unbind) their gradients
        if ctx.sizes is None:
            return stack(grads, ctx.dim)
        return cat(grads, ctx.dim)


class Split(SplitViews):
    pass


class SplitWithSizes(SplitViews):
    pass


class Unbind(SplitViews):
    pass


def _split_views(input, idxs, dim, sizes, cls):
    outs = cls.apply(input, idxs, dim, sizes)
    for o in outs:
        # PyTorch forbids in-place writes (under autograd) into outputs of multi-view ops
        make_view(o, input, None)
    return outs


def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of ``split_size`` (an int) or of the given sizes (a list); views.

    Example:
        >>> import ember
        >>> [t.tolist() for t in ember.arange(5).split(2)]
        [[0, 1], [2, 3], [4]]
    """
    x = tensor._data
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, int) or hasattr(split_size_or_sections, "__index__"):
        s = int(split_size_or_sections)
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if s == 0:
            if n != 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                                   f"dimension size of {n}")
            sizes = [0]
        else:
            sizes = [s] * (n // s) + ([n % s] if n % s or n == 0 else [])
        cls = Split
    else:
        cls = SplitWithSizes
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    pre = (slice(None),) * d
    idxs, start = [], 0
    for s in sizes:
        idxs.append(pre + (slice(start, start + s),))
        start += s
    return _split_views(tensor, idxs, d, sizes, cls)


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` nearly equal views (the last may be smaller; maybe fewer)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        return split(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


def unbind(input, dim=0):
    """The slices along ``dim`` (each a view without that dimension).

    Example:
        >>> import ember
        >>> a, b = ember.tensor([[1, 2], [3, 4]]).unbind(1)
        >>> a
        tensor([1, 3])
    """
    x = input._data
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, x.ndim)
    pre = (slice(None),) * d
    return _split_views(input, [pre + (i,) for i in range(x.shape[d])], d, None, Unbind)


def narrow(input, dim, start, length):
    """The view ``input[..., start:start+length, ...]`` along ``dim``."""
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but "
                         f"got {start})")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({n}).")
    return basic_view(input, (slice(None),) * d + (slice(start, start + length),))


def select(input, dim, index):
    """The view ``input[..., index, ...]``, removing dimension ``dim``."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}")
    return basic_view(input, (slice(None),) * d + (index,))


def tensor_split(input, indices_or_sections, dim=0):
    """Split into ``sections`` near-equal views (the first ones one larger), or at the given
    ``indices`` (out-of-range indices give empty pieces), as NumPy's ``array_split``.

    Example:
        >>> import ember
        >>> [t.tolist() for t in ember.arange(7).tensor_split(3)]
        [[0, 1, 2], [3, 4], [5, 6]]
    """
    x = input._data
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = ios.tolist()
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(n, ios)
        sizes = [q + 1] * r + [q] * (ios - r)
        bounds = [0]
        for k in sizes:
            bounds.append(bounds[-1] + k)
    else:
        bounds = [0] + [min(max(int(i) if i >= 0 else n + int(i), 0), n) for i in ios] + [n]
    pre = (slice(None),) * d
    return tuple(basic_view(input, pre + (slice(a, max(a, b)),))
                 for a, b in zip(bounds[:-1], bounds[1:]))


def _nsplit(input, ios, dim, name):
    if isinstance(ios, int):
        n = input._data.shape[dim]
        if ios == 0 or n % ios:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {n} is not divisible by the split_size "
                               f"{ios}!")
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    """Split along dim 1 (dim 0 for 1-d inputs)."""
    if input._data.ndim < 1:
        raise RuntimeError("torch.hsplit requires a tensor with at least 1 dimension, but got "
                           "a tensor with 0 dimensions!")
    return _nsplit(input, indices_or_sections, 1 if input._data.ndim > 1 else 0, "hsplit")


def vsplit(input, indices_or_sections):
    """Split along dim 0 (inputs of at least 2 dims)."""
    if input._data.ndim < 2:
        raise RuntimeError(f"torch.vsplit requires a tensor with at least 2 dimension, but got "
                           f"a tensor with {input._data.ndim} dimensions!")
    return _nsplit(input, indices_or_sections, 0, "vsplit")


def dsplit(input, indices_or_sections):
    """Split along dim 2 (inputs of at least 3 dims)."""
    if input._data.ndim < 3:
        raise RuntimeError(f"torch.dsplit requires a tensor with at least 3 dimension, but got "
                           f"a tensor with {input._data.ndim} dimensions!")
    return _nsplit(input, indices_or_sections, 2, "dsplit")


def block_diag(*tensors):
    """A block-diagonal matrix of the inputs (0-d and 1-d inputs count as one row)."""
    ts = _common([reshape(t, (1, -1)) if t._data.ndim < 2 else t for t in tensors],
                 "block_diag")
    for i, t in enumerate(ts):
        if t._data.ndim != 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t._data.ndim} dimensions")
    total = sum(t._data.shape[1] for t in ts)
    rows, left = [], 0
    xp = get_array_module(ts[0]._data)
    for t in ts:
        r, c = t._data.shape
        pad_l = _make(xp.zeros((r, left), dtype=t._data.dtype))
        pad_r = _make(xp.zeros((r, total - left - c), dtype=t._data.dtype))
        rows.append(cat([pad_l, t, pad_r], 1))
        left += c
    return cat(rows, 0)


def cartesian_prod(*tensors):
    """All combinations of the elements of 1-d tensors, as rows."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def tril_indices(row, col, offset=0, *, dtype=None, layout=None, device=None):
    """The (2, N) coordinates of the lower triangle of a ``row x col`` matrix."""
    return _tri_indices(row, col, offset, dtype, device, False)


def triu_indices(row, col, offset=0, *, dtype=None, layout=None, device=None):
    """The (2, N) coordinates of the upper triangle of a ``row x col`` matrix."""
    return _tri_indices(row, col, offset, dtype, device, True)


def _tri_indices(row, col, offset, dtype, device, upper):
    from .creation import tensor as _tensor

    i, j = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    return _tensor(np.stack([i, j]).astype(np.int64), dtype=dtype or _dtype.int64,
                   device=device)


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    return _basic_scatter(input, src, select(input, dim, index)._data.shape,
                          (slice(None),) * wrap_dim(dim, input._data.ndim) + (int(index),))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) set to
    ``src``."""
    d = wrap_dim(dim, input._data.ndim)
    idx = (slice(None),) * d + (slice(start, end, step),)
    return _basic_scatter(input, src, input._data[idx].shape, idx)


def _basic_scatter(input, src, region, idx):
    from .indexing import IndexPut

    if tuple(src.shape) != tuple(region):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(region)}")
    return fwd(IndexPut, input, src.to(input.dtype), idx, False)


# --- flips, rolls, triangles ------------------------------------------------------------------
def _dims_list(dims, ndim, what="dims"):
    dims = [dims] if isinstance(dims, int) else list(dims)
    out = [wrap_dim(d, ndim) for d in dims]
    for d in out:
        if out.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(out)


class Flip(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        # PyTorch's flip copies (NumPy's is a negative-stride view)
        return get_array_module(x).flip(x, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        # flip is its own inverse
        return flip(grad, ctx.dims)


def flip(input, dims):
    """Reverse the order of elements along ``dims`` (a copy, as in PyTorch).

    Example:
        >>> import ember
        >>> ember.tensor([1, 2, 3]).flip(0)
        tensor([3, 2, 1])
    """
    dims = _dims_list(dims, input._data.ndim)
    return fwd(Flip, input, dims)


def fliplr(input):
    """Flip along dim 1."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """Flip along dim 0."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims``."""
    d0, d1 = _dims_list(dims, input._data.ndim)
    k %= 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input.clone()


class Roll(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return get_array_module(x).roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        # roll back by the opposite shifts
        neg = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(grad, neg, ctx.dims)


def roll(input, shifts, dims=None):
    """Shift elements cyclically along ``dims`` (the flattened tensor if None)."""
    if dims is None:
        if not isinstance(shifts, int):
            shifts = tuple(shifts)
            if len(shifts) != 1:
                raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                                   "dims:0")
            shifts = shifts[0]
        flat = reshape(input, (-1,))
        return reshape(fwd(Roll, flat, int(shifts), None), input._data.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    dims = tuple(wrap_dim(d, input._data.ndim) for d in dims)
    return fwd(Roll, input, tuple(int(s) for s in shifts), dims)


class Tri(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, k, upper):
        ctx.k, ctx.upper = k, upper
        xp = get_array_module(x)
        return xp.triu(x, k) if upper else xp.tril(x, k)

    @staticmethod
    def backward(ctx, grad):
        # masking is linear: the gradient is masked the same way
        return Tri.apply(grad, ctx.k, ctx.upper)


def tril(input, diagonal=0, *, out=None):
    """The lower triangle (on and below ``diagonal``) of the last two dims; zeros elsewhere.

    Example:
        >>> import ember
        >>> ember.ones(2, 2).tril()
        tensor([[1., 0.],
                [1., 1.]])
    """
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return fwd(Tri, input, int(diagonal), False)


def triu(input, diagonal=0, *, out=None):
    """The upper triangle (on and above ``diagonal``) of the last two dims; zeros elsewhere."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return fwd(Tri, input, int(diagonal), True)


# --- repetition -------------------------------------------------------------------------------
def repeat(input, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dimension (a copy).

    Composite: view as ``(1, s0, 1, s1, ...)``, expand to ``(r0, s0, r1, s1, ...)``, reshape;
    the expand's backward sums the copies.

    Example:
        >>> import ember
        >>> ember.tensor([1, 2]).repeat(2)
        tensor([1, 2, 1, 2])
    """
    sizes = _shape_arg(sizes)
    x = input._data
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    inter, big, final = [], [], []
    for r, s in zip(sizes, shape):
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {r}: "
                               f"{list(sizes)}")
        inter += [1, s]
        big += [r, s]
        final.append(r * s)
    return _fresh(reshape(expand(reshape(input, tuple(inter)), tuple(big)), tuple(final)), input)


def _fresh(out, input):
    """``out`` as a contiguous tensor with its own memory (repeat never returns a view)."""
    if out._base is not None and get_array_module(out._data).may_share_memory(out._data,
                                                                              input._data):
        return out.clone()
    return out.contiguous()


def tile(input, dims):
    """Like :meth:`repeat`, with ``dims`` padded with leading ones to the input's rank."""
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times (an int, or a tensor of per-element counts).

    Example:
        >>> import ember
        >>> ember.tensor([1, 2]).repeat_interleave(2)
        tensor([1, 1, 2, 2])
    """
    if repeats is None:  # repeat_interleave(repeats): indices repeated by their counts
        r = input._data
        xp = get_array_module(r)
        return _make(xp.repeat(xp.arange(r.shape[0], dtype=r.dtype), r))
    if dim is None:
        input = reshape(input, (-1,))
        dim = 0
    x = input._data
    d = wrap_dim(dim, x.ndim)
    xp = get_array_module(x)
    if isinstance(repeats, Tensor) and repeats._data.size != 1:
        r = repeats._data
        if r.ndim != 1 or r.shape[0] != x.shape[d]:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {r.shape[0] if r.ndim else 1} and "
                               f"input.size({d}) = {x.shape[d]}")
        idx = xp.repeat(xp.arange(x.shape[d]), r)
        return fwd(GetItem, input, (slice(None),) * d + (idx,))
    r = int(repeats)
    if r < 0:
        raise RuntimeError("repeats can not be negative")
    s = x.shape
    t = reshape(input, s[:d + 1] + (1,) + s[d + 1:])
    t = expand(t, s[:d + 1] + (r,) + s[d + 1:])
    return _fresh(reshape(t, s[:d] + (s[d] * r,) + s[d + 1:]), input)


# --- grids and broadcasting -------------------------------------------------------------------
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-d tensors (``indexing='ij'`` by default, or ``'xy'``)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = indexing or "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t}")
    ts = [reshape(t, (-1,)) for t in tensors]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.shape[0] for t in ts)
    n = len(ts)
    out = []
    for i, t in enumerate(ts):
        v = reshape(t, (1,) * i + (-1,) + (1,) * (n - i - 1))
        out.append(expand(v, shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def broadcast_tensors(*tensors):
    """Expand tensors to their common broadcast shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t._data.shape for t in tensors))
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def _split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


register(
    split=_split_method, chunk=chunk, tensor_split=tensor_split, hsplit=hsplit, vsplit=vsplit,
    dsplit=dsplit, unbind=unbind, narrow=narrow, select=select,
    flip=flip, fliplr=fliplr, flipud=flipud, roll=roll, tril=tril, triu=triu, repeat=repeat,
    tile=tile, repeat_interleave=repeat_interleave, diag=diag, diagonal=diagonal,
    diag_embed=diag_embed, trace=trace, rot90=rot90,
)

"""Diagonals: ``diagonal`` (a writable strided view), ``diag``, ``diag_embed``, ``trace``.

Re-exported by :mod:`ember.ops.shape`.
"""
from ._util import _NULL, Function, _make, fwd, get_array_module, make_view, wrap_dim

__all__ = ["diag", "diagonal", "diag_embed", "trace", "diagonal_scatter"]


# --- diagonals --------------------------------------------------------------------------------
def _diag_len(shape, offset, d1, d2):
    """The length of the diagonal ``offset`` of dims (d1, d2)."""
    n1, n2 = shape[d1], shape[d2]
    return max(min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2), 0)


class Diagonal(Function):
    """The diagonal as a strided view (writable, unlike NumPy's ``diagonal``)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.args = x.shape, (offset, d1, d2)
        xp = get_array_module(x)
        # move the data pointer to the diagonal's first element by slicing, then restride
        d, o = (d2, offset) if offset >= 0 else (d1, -offset)
        start = x[(slice(None),) * d + (slice(min(o, x.shape[d]), None),)]
        keep = [k for k in range(x.ndim) if k not in (d1, d2)]
        st = x.strides
        shape = tuple(x.shape[k] for k in keep) + (_diag_len(x.shape, offset, d1, d2),)
        strides = tuple(st[k] for k in keep) + (st[d1] + st[d2],)
        return xp.lib.stride_tricks.as_strided(start, shape, strides)

    @staticmethod
    def backward(ctx, grad):
        # place the gradient on the diagonal of zeros of the input's shape
        return DiagScatter.apply(grad, ctx.shape, *ctx.args)


class DiagScatter(Function):
    """Zeros of ``shape`` with ``g`` written on the diagonal ``offset`` of (d1, d2)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        Diagonal.forward(_NULL, out, offset, d1, d2)[...] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        # adjoint of placing on the diagonal is reading the diagonal
        return Diagonal.apply(grad, *ctx.args), None


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of dims (dim1, dim2), appended as the last dim (a view).

    Example:
        >>> import ember
        >>> ember.arange(4).reshape(2, 2).diagonal()
        tensor([0, 3])
    """
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    out = fwd(Diagonal, input, int(offset), d1, d2)
    return make_view(out, input, lambda b: diagonal(b, offset, d1, d2))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Tensors whose diagonals (of dims dim1, dim2) are the last dim of ``input``."""
    nd = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input._data.shape[-1] + abs(offset)
    rest = list(input._data.shape[:-1])
    shape = []
    for k in range(nd):
        shape.append(n if k in (d1, d2) else rest.pop(0))
    return fwd(DiagScatter, input, tuple(shape), int(offset), d1, d2)


def diag(input, diagonal=0):
    """A 1-d input's square diagonal matrix, or a 2-d input's ``diagonal``-th diagonal."""
    nd = input._data.ndim
    if nd == 1:
        n = input._data.shape[0] + abs(diagonal)
        return fwd(DiagScatter, input, (n, n), int(diagonal), 0, 1)
    if nd != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")
    return globals()["diagonal"](input, diagonal).clone()


def trace(input):
    """Sum of the main diagonal of a matrix."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    return diagonal(input).sum()


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` whose diagonal (``offset``, dims ``dim1``/``dim2``) is ``src``."""
    from .selection import Where

    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    shape = input._data.shape
    xp = get_array_module(input._data)
    region = Diagonal.forward(_NULL, xp.empty(shape, dtype=input._data.dtype), offset, d1, d2)
    if tuple(src.shape) != region.shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(region.shape)}")
    mask = fwd(DiagScatter, _ones(region, xp), shape, int(offset), d1, d2)._data.astype(bool)
    placed = fwd(DiagScatter, src.to(input.dtype), shape, int(offset), d1, d2)
    return fwd(Where, _make(mask), placed, input)


def _ones(like, xp):
    return _make(xp.ones(like.shape, dtype=like.dtype))

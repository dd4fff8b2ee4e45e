"""Shape and movement primitives that return views: view/reshape, transpose/permute, expand,
squeeze/unsqueeze, flatten; plus clone/contiguous.

A view shares memory (and the version counter) with its base, as in PyTorch; ``make_view``
records how to re-derive it from the base so in-place writes through it reach the base's graph.
"""

from ._util import Function, fwd, get_array_module, make_view, register, wrap_dim

__all__ = ["reshape", "view", "transpose", "swapaxes", "swapdims", "permute", "t", "expand",
           "squeeze", "unsqueeze", "flatten", "clone", "contiguous", "movedim", "moveaxis",
           "broadcast_to"]


def _infer_shape(shape, numel):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape}")
            known *= s
    if neg:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {shape} because "
                               "the unspecified dimension size -1 can be any value and is "
                               "ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size "
                               f"{numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:
        return tuple(s if s.__class__ is int else s.__index__() for s in shape)
    except (AttributeError, TypeError):
        bad = next(s for s in shape if not hasattr(s, "__index__"))
        raise TypeError(f"argument 'size' must be tuple of ints, but found element of type "
                        f"{type(bad).__name__}") from None


class Reshape(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        # reshape is a permutation of memory order: reshape the gradient back
        return grad.reshape(ctx.shape)


def reshape(input, *shape):
    """A tensor with the same data and a new shape (a view when possible).

    Example:
        >>> import ember
        >>> ember.arange(6).reshape(2, -1).shape
        ember.Size([2, 3])
    """
    return _reshape(input, _infer_shape(_shape_arg(shape), input._data.size))


def _reshape(input, shape):
    if shape == input._data.shape:
        return _alias_view(input)
    out = fwd(Reshape, input, shape)
    x, ob = input._data, out._data.base
    if ob is not None and (ob is x or ob is x.base):  # NumPy gave a view, not a copy
        make_view(out, input, lambda b: reshape(b, shape))
    return out


def view(input, *shape):
    """Like :func:`reshape` but never copies; raises if the strides do not allow a view."""
    if len(shape) == 1 and shape[0].__class__ is not int and \
            not isinstance(shape[0], (tuple, list)) and not hasattr(shape[0], "__index__"):
        return _view_dtype(input, shape[0])
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    x = input._data
    if not _viewable(x, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return _reshape(input, shape)


def _view_dtype(input, dtype):
    """The same bytes reinterpreted as ``dtype`` (same element size only; not differentiable)."""
    from .._dtype import to_dtype
    from ._util import _make

    dt = to_dtype(dtype)
    x = input._data
    if dt.np.itemsize != x.dtype.itemsize:
        raise RuntimeError(f"view(dtype): only dtypes of the same element size are supported "
                           f"here, got {input.dtype} -> {dt}")
    out = _make(x.view(dt.np))
    out._version_counter = input._version_counter
    return out


def _viewable(x, shape):
    if x.flags.c_contiguous or x.size <= 1:
        return True
    try:
        v = x.view()
        v.shape = shape  # NumPy refuses (AttributeError) when a copy would be needed
        return True
    except AttributeError:
        return False


def _alias_view(input):
    out = fwd(Alias, input)
    return make_view(out, input, _alias_plain)


def _alias_plain(b):
    return fwd(Alias, b)


class Alias(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, grad):
        # identity
        return grad


class Permute(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        # permute back with the inverse permutation
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return grad.permute(*inv)


def permute(input, *dims):
    """Reorder the dimensions (a view)."""
    dims = _shape_arg(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    for d in dims:
        if not 0 <= d < n:
            dims = tuple(wrap_dim(d, n) for d in dims)
            break
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permute(input, dims)


def _permute(input, dims):
    out = fwd(Permute, input, dims)
    return make_view(out, input, lambda b: _permute(b, dims))


def transpose(input, dim0, dim1):
    """Swap two dimensions (a view)."""
    n = input._data.ndim
    if n == 0:
        return _alias_view(input)
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return _permute(input, tuple(dims))


swapaxes = swapdims = transpose


def t(input):
    """Transpose of a <= 2-d tensor."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    return transpose(input, 0, 1) if input._data.ndim == 2 else _alias_view(input)


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination`` (a view)."""
    n = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    src = [wrap_dim(s, n) for s in src]
    dst = [wrap_dim(d, n) for d in dst]
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


class Expand(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        xp = get_array_module(x)
        return xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        # the broadcast's backward sums over the expanded dimensions
        from ._util import unbroadcast

        return unbroadcast(grad, ctx.shape)


def expand(input, *sizes):
    """Broadcast to a larger shape without copying (-1 keeps a size)."""
    sizes = _shape_arg(sizes)
    x = input._data
    if len(sizes) < x.ndim:
        raise RuntimeError(f"expand({input._type_name()}{{{list(x.shape)}}}, "
                           f"size={list(sizes)}): the number of sizes provided ({len(sizes)}) "
                           "must be greater or equal to the number of dimensions in the tensor "
                           f"({x.ndim})")
    lead = len(sizes) - x.ndim
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            shape.append(s)
        else:
            cur = x.shape[i - lead]
            if s == -1:
                s = cur
            if cur != s and cur != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size "
                    f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                    f"Tensor sizes: {list(x.shape)}")
            shape.append(s)
    shape = tuple(shape)
    if shape == x.shape:
        return _alias_view(input)
    out = fwd(Expand, input, shape)
    return make_view(out, input, lambda b: b.expand(*shape))


def broadcast_to(input, size):
    """Broadcast to ``size`` without copying (as :func:`expand`)."""
    return expand(input, *size)


def squeeze(input, dim=None):
    """Remove dimensions of size 1 (all, or those in ``dim``)."""
    x = input._data
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {wrap_dim(d, x.ndim) for d in dims}
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return reshape(input, shape)


def unsqueeze(input, dim):
    """Insert a dimension of size 1 at ``dim``."""
    x = input._data
    d = wrap_dim(dim, x.ndim + 1)
    shape = x.shape[:d] + (1,) + x.shape[d:]
    return reshape(input, shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one."""
    x = input._data
    if x.ndim == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, x.ndim), wrap_dim(end_dim, x.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    n = 1
    for k in x.shape[s:e + 1]:
        n *= k
    return reshape(input, x.shape[:s] + (n,) + x.shape[e + 1:])


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one entry may be -1)."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    try:
        sizes = _infer_shape(tuple(sizes), x.shape[d])
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({x.shape[d]}) in the input tensor") from None
    return reshape(input, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


class Unfold(Function):
    """Sliding windows of ``size`` every ``step`` along ``dim``, as a strided view; the
    windows become a new last dimension."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.shape, ctx.args = x.shape, (dim, size, step)
        xp = get_array_module(x)
        if x.ndim == 0:
            return x.reshape(1)
        n = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
        st = x.strides
        strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
        # overlapping windows: read-only where the backend supports it (NumPy)
        kw = {"writeable": False} if xp.__name__ == "numpy" else {}
        return xp.lib.stride_tricks.as_strided(x, shape, strides, **kw)

    @staticmethod
    def backward(ctx, grad):
        # windows overlap: add each window offset's gradient back where it was read
        return UnfoldBackward.apply(grad, ctx.shape, *ctx.args)


class UnfoldBackward(Function):
    """The adjoint of :class:`Unfold`: sum the windows back into an array of ``shape``."""

    _array_forward = True

    @staticmethod
    def forward(ctx, g, shape, dim, size, step):
        ctx.args = (dim, size, step)
        xp = get_array_module(g)
        if len(shape) == 0:
            return g.reshape(())
        out = xp.zeros(shape, dtype=g.dtype)
        n = g.shape[dim]
        pre = (slice(None),) * dim
        for k in range(size):  # a loop over window offsets, not elements
            out[pre + (slice(k, k + step * (n - 1) + 1, step),)] += g[..., k]
        return out

    @staticmethod
    def backward(ctx, grad):
        # the adjoint of the adjoint is the windowing itself
        return Unfold.apply(grad, *ctx.args), None, None, None, None


def unfold(input, dimension, size, step):
    """All windows of ``size`` elements every ``step`` along ``dimension`` (a new last dim).

    Example:
        >>> import ember
        >>> ember.arange(5).unfold(0, 2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    x = input._data
    d = wrap_dim(dimension, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    size, step = int(size), int(step)
    out = fwd(Unfold, input, d, size, step)
    return make_view(out, input, lambda b: unfold(b, d, size, step))


class Clone(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        # identity
        return grad


def clone(input, *, memory_format=None):
    """A copy with its own storage (differentiable)."""
    return fwd(Clone, input)


def contiguous(input, memory_format=None):
    """``input`` itself if C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return fwd(Clone, input)


def view_as(input, other):
    """``view(other.shape)``."""
    return view(input, other.shape)


def reshape_as(input, other):
    """``reshape(other.shape)``."""
    return reshape(input, other.shape)


def expand_as(input, other):
    """``expand(other.shape)``."""
    return expand(input, other.shape)


def _T(self):
    n = self._data.ndim
    return permute(self, tuple(range(n - 1, -1, -1))) if n > 1 else self


def _matrix_transpose(name):
    # PyTorch: a 1-d tensor has no matrix transpose; a 0-d one is its own
    def prop(self):
        n = self._data.ndim
        if n == 1:
            raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of "
                               "matrices. Got 1-D tensor.")
        return transpose(self, -2, -1) if n else self

    return property(prop)


def _H(self):
    n = self._data.ndim
    if n not in (0, 2):
        hint = " For batches of matrices, consider using tensor.mH" if n > 2 else ""
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{n}-D tensor.{hint}")
    return _T(self)


register(
    reshape=reshape, view=view, view_as=view_as, reshape_as=reshape_as, transpose=transpose,
    swapaxes=swapaxes, swapdims=swapdims, permute=permute, t=t, expand=expand,
    expand_as=expand_as, squeeze=squeeze, unsqueeze=unsqueeze, flatten=flatten,
    unflatten=unflatten, clone=clone, contiguous=contiguous, movedim=movedim,
    moveaxis=moveaxis, broadcast_to=broadcast_to, unfold=unfold,
    T=property(_T), mT=_matrix_transpose("mT"), H=property(_H), mH=_matrix_transpose("mH"),
)
__all__ += ["unflatten", "view_as", "reshape_as", "expand_as"]

"""Shared machinery for ops: undoing broadcasts, in-place writes under autograd, views,
argument normalisation, and attaching Tensor methods."""
from weakref import ref as _weakref

from .._dtype import _FROM_NP, can_cast, result_type
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Function
from ..backends import _blas, get_array_module  # noqa: F401  (_blas: BLAS thread policy)

_state = grad_mode._state
_make = Tensor._make

__all__ = ["Tensor", "Function", "get_array_module", "unbroadcast", "as_tensor_args",
           "inplace", "make_view", "register", "normalize_dims", "wrap_dim", "result_type",
           "broadcast_shapes", "fwd"]


class _NullCtx:
    """A throwaway ctx for forward-only calls (nothing is recorded)."""

    __slots__ = ()

    def save_for_backward(self, *a):
        pass

    def __setattr__(self, k, v):
        pass


_NULL = _NullCtx()


def fwd(cls, *args, **kwargs):
    """``cls.apply(*args)``, skipping the graph node when nothing needs a gradient.

    ``Function.apply`` builds a ctx object even when it records nothing; shape and indexing
    ops are called so often (``x[i]``, ``x.t()``) that the forward-only path matters.
    """
    if _state.enabled:
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                return cls.apply(*args, **kwargs)
    out = cls.forward(_NULL, *[a._data if isinstance(a, Tensor) else a for a in args],
                      **kwargs)
    if out.__class__ is tuple:
        return tuple(_make(o) for o in out)
    return _make(out)


def register(**methods):
    """Attach functions as Tensor methods (each ops family calls this once at import)."""
    for name, fn in methods.items():
        setattr(Tensor, name, fn)


def wrap_dim(dim, ndim):
    """Normalise a possibly negative ``dim`` for a tensor of ``ndim`` dims (0-d counts as 1)."""
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n if ndim else 0


def normalize_dims(dim, ndim):
    """``dim`` (None, int, or sequence) as a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        return tuple(sorted({wrap_dim(d, ndim) for d in dim}))
    return (wrap_dim(dim, ndim),)


def broadcast_shapes(*shapes):
    """The broadcast of several shapes, with PyTorch's error on a mismatch.

    Folded pairwise and compared from the last dimension, as PyTorch does, so the message
    names the same two sizes and dimension.
    """
    out = tuple(shapes[0]) if shapes else ()
    for s in shapes[1:]:
        if tuple(s) == out:
            continue
        n = max(len(out), len(s))
        res = [1] * n
        for i in range(n - 1, -1, -1):
            oa, ob = i - n + len(out), i - n + len(s)
            a = out[oa] if oa >= 0 else 1
            b = s[ob] if ob >= 0 else 1
            if a != b and a != 1 and b != 1:
                raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor "
                                   f"b ({b}) at non-singleton dimension {i}")
            res[i] = b if a == 1 else a
        out = tuple(res)
    return out


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the backward of broadcasting, used by every binary op."""
    gshape = grad.shape
    if tuple(gshape) == tuple(shape):
        return grad
    lead = len(gshape) - len(shape)
    axes = list(range(lead))
    for i, n in enumerate(shape):
        if n == 1 and gshape[lead + i] != 1:
            axes.append(lead + i)
    if axes:
        grad = grad.sum(dim=tuple(axes), keepdim=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


def as_tensor_args(a, b):
    """Promote two operands (tensors or Python scalars) to PyTorch's common dtype.

    Tensors are cast (a differentiable cast when needed); Python scalars stay Python scalars
    so NumPy treats them as weakly typed and keeps the tensor's dtype.
    """
    dt = result_type(a, b)
    npdt = dt.np
    if isinstance(a, Tensor):
        if a._data.dtype != npdt:
            a = a.to(dt)
    else:
        a = _scalar_tensor(a, dt, b)
    if isinstance(b, Tensor):
        if b._data.dtype != npdt:
            b = b.to(dt)
    else:
        b = _scalar_tensor(b, dt, a)
    return a, b


def _scalar_tensor(x, dt, other):
    xp = get_array_module(other)
    return _make(xp.asarray(x, dtype=dt.np))


def inplace(self, fn, *args, **kwargs):
    """Run the out-of-place ``fn(self, *args)`` and write its result into ``self``.

    Without autograd this is a plain write. With autograd, ``self`` takes the new node as its
    ``grad_fn``; the node sees a snapshot of the old values (so a backward that needs them is
    right), and if ``self`` is a view, its base gets a node that routes the gradient of the
    written region to the new values and the rest to the old base.
    """
    from .._tensor import Tensor as T

    need_grad = _state.enabled and (self._requires_grad or any(
        isinstance(a, T) and a._requires_grad for a in args))
    if not need_grad:
        prev = _state.enabled
        _state.enabled = False
        try:
            out = fn(self, *args, **kwargs)
        finally:
            _state.enabled = prev
        _write(self, out)
        return self
    if self._grad_fn is None and self._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = self._base
    if base is not None and base._grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if base is not None and self._view_fn is None:
        fn = self._grad_fn
        raise RuntimeError(
            f"Output {self._output_nr} of {fn.name() if fn is not None else 'a function'} is a "
            "view and is being modified inplace. This view is the output of a function that "
            "returns multiple views. Such functions do not allow the output views to be "
            "modified inplace. You should replace the inplace operation by an out-of-place one.")
    old = _make(self._data.copy())
    old._requires_grad = self._requires_grad
    old._grad_fn = self._grad_fn
    old._output_nr = self._output_nr
    out = fn(old, *args, **kwargs)
    _write(self, out)
    if base is not None:
        view_fn = self._view_fn
        base_old = _make(base._data)  # values unused by the backward; only the graph identity
        base_old._requires_grad = base._requires_grad
        base_old._grad_fn = base._grad_fn
        base_old._output_nr = base._output_nr
        new_base = _ViewWrite.apply(base_old, out, view_fn=view_fn, result=base._data)
        base._grad_fn, base._output_nr = new_base._grad_fn, 0
        base._requires_grad = True
        v = view_fn(base)
        self._grad_fn, self._output_nr = v._grad_fn, v._output_nr
    else:
        self._grad_fn, self._output_nr = out._grad_fn, out._output_nr
    self._requires_grad = out._requires_grad or self._requires_grad
    _refresh_views(base if base is not None else self, self)
    return self


def _refresh_views(root, written):
    """Re-derive the autograd history of the other live views of ``root`` after an in-place
    write, so they see the new values' history (PyTorch regenerates a view's grad_fn when its
    base changes). Multi-output views (no ``_view_fn``) keep theirs."""
    refs = root.__dict__.get("_view_refs")
    if not refs:
        return
    for r in refs:
        v = r()
        if v is None or v is written or v._view_fn is None:
            continue
        try:
            nv = v._view_fn(root)
        except (IndexError, RuntimeError, ValueError):
            continue  # the base's storage was swapped (``.data = ...``): the view is detached
        v._grad_fn, v._output_nr, v._requires_grad = nv._grad_fn, nv._output_nr, \
            nv._requires_grad


def _write(self, out):
    src = out._data
    dst = self._data
    if src.dtype != dst.dtype:
        so, do = _FROM_NP[src.dtype], _FROM_NP[dst.dtype]
        if not can_cast(so, do):
            raise RuntimeError(f"result type {_short(so)} can't be cast to the desired output "
                               f"type {_short(do)}")
    if src is not dst:
        xp = get_array_module(dst)
        if dst.ndim == 0 and type(dst) is not xp.ndarray:
            raise RuntimeError("cannot write into a scalar")
        if src.shape != dst.shape and broadcast_shapes(src.shape, dst.shape) != dst.shape:
            raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the "
                               f"broadcast shape {list(broadcast_shapes(src.shape, dst.shape))}")
        if not dst.flags.writeable:
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.")
        xp.copyto(dst, src, casting="unsafe")
    self._version_counter[0] += 1


def _short(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "bool": "Bool", "uint8": "Byte", "int8": "Char",
            "int16": "Short"}.get(dt.name, dt.name)


class _ViewWrite(Function):
    """The base of a view after an in-place write through the view.

    Forward returns the (already updated) base storage; backward sends the gradient of the
    view region to the written values, and the rest to the old base.
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, base, value, view_fn, result):
        ctx.view_fn = view_fn
        ctx.shape = base.shape
        return result

    @staticmethod
    def backward(ctx, grad):
        # d base_new / d base_old = 1 outside the view region, 0 inside; d/d value = view_fn
        xp = get_array_module(grad._data)
        mask = xp.ones(ctx.shape, dtype=grad._data.dtype)
        region = ctx.view_fn(_make(mask))
        region._data[...] = 0
        return grad * _make(mask), ctx.view_fn(grad)


def make_view(out, parent, fn):
    """Mark ``out`` as a view of ``parent``: shared version counter and a way to re-derive
    it from the root base (``fn(parent_tensor) -> view``), for in-place writes through it."""
    out._version_counter = parent._version_counter
    pbase = parent._base
    if pbase is None:
        root = out._base = parent
        out._view_fn = fn
    else:
        pfn = parent._view_fn
        root = out._base = pbase
        out._view_fn = (lambda b: fn(pfn(b))) if pfn is not None and fn is not None else None
    # remember live views (weakly) so an in-place write can refresh their history
    d = root.__dict__
    refs = d.get("_view_refs")
    if refs is None:
        refs = d["_view_refs"] = []
    refs.append(_weakref(out))
    if len(refs) >= d.get("_view_cap", 16):
        refs[:] = [r for r in refs if r() is not None]
        d["_view_cap"] = 2 * len(refs) + 16
    return out

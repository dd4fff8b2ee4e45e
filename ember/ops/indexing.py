"""Indexing: ``tensor[idx]`` and ``tensor[idx] = value`` with NumPy/PyTorch semantics, and the
in-place writers ``fill_``, ``zero_``, ``copy_``.

Basic indices (ints, slices, None, Ellipsis) give views; integer-tensor, list and bool-mask
indices give copies. The backward of a read is a scatter-add (repeated indices accumulate);
the backward of a write sends the written region's gradient to the value and the rest to the
old contents.
"""
import numpy as np

from .._dtype import _FROM_NP
from ._util import (
    Function,
    Tensor,
    _make,
    _state,
    broadcast_shapes,
    fwd,
    get_array_module,
    inplace,
    make_view,
    register,
    unbroadcast,
)

__all__ = ["index_put"]

_BASIC = (int, slice, type(None), type(Ellipsis))
_INDEX_TYPE_MSG = ("tensors used as indices must be long, int, byte or bool tensors")


def _is_seq_tuple(lst):
    """PyTorch's legacy rule: a list holding slices, None, Ellipsis, tensors or sequences is a
    tuple of indices, not one index."""
    for v in lst:
        if isinstance(v, (Tensor, list, tuple, slice)) or v is None or v is Ellipsis:
            return True
    return False


def _convert_index(idx, xp):
    """Turn ember Tensors and lists inside an index into arrays; report if it is basic."""
    if isinstance(idx, tuple):
        pass
    elif isinstance(idx, list) and _is_seq_tuple(idx):
        idx = tuple(idx)
    else:
        idx = (idx,)
    out = []
    basic = True
    for i in idx:
        if i.__class__ is int or i is None or i is Ellipsis:
            out.append(i)
        elif i.__class__ is slice:
            if i.step is not None and _index(i.step) <= 0:
                if _index(i.step) == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            out.append(slice(_opt_index(i.start), _opt_index(i.stop), _opt_index(i.step)))
        elif isinstance(i, Tensor):
            a = i._data
            if a.dtype.kind not in "iub":
                raise IndexError(_INDEX_TYPE_MSG)
            if a.ndim == 0 and a.dtype.kind in "iu":
                out.append(int(a))
                continue
            basic = False
            out.append(a.astype(bool) if a.dtype == np.uint8 else a)  # byte masks (legacy)
        elif isinstance(i, bool):
            basic = False
            out.append(i)
        elif isinstance(i, (list, tuple)) or (hasattr(i, "dtype") and hasattr(i, "shape")
                                              and not isinstance(i, np.generic)):
            basic = False
            a = xp.asarray(_tolist(i) if isinstance(i, (list, tuple)) else i)
            if a.dtype.kind not in "iub":
                if a.size == 0:
                    a = a.astype(np.int64)
                else:
                    raise IndexError(_INDEX_TYPE_MSG)
            out.append(a)
        elif hasattr(i, "__index__") and not isinstance(i, float):
            out.append(i.__index__())
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(i).__name__})")
    if not basic and any(e.__class__ is int for e in out) and \
            any(hasattr(e, "ndim") for e in out):
        return _two_stage(out), False
    return tuple(out), basic


class _TwoStage:
    """An index mixing integers with advanced (array) indices, applied as PyTorch does:
    integers first, as basic selections (``s1``), then the rest (``s2``). NumPy would treat
    the integers as advanced indices too, which moves dimensions differently."""

    __slots__ = ("s1", "s2")

    def __init__(self, s1, s2):
        self.s1, self.s2 = s1, s2

    def __iter__(self):
        return iter(self.s2)


def _two_stage(out):
    s1, s2 = [], []
    for e in out:
        if e.__class__ is int:
            s1.append(e)
        elif e is None or isinstance(e, bool):
            s2.append(e)
        elif e is Ellipsis:
            s1.append(e)
            s2.append(e)
        elif e.__class__ is slice:
            s1.append(slice(None))
            s2.append(e)
        else:  # an array: a bool mask consumes one dimension per mask dimension
            s1.extend([slice(None)] * (e.ndim if e.dtype == np.bool_ else 1))
            s2.append(e)
    return _TwoStage(tuple(s1), tuple(s2))


def _get(a, idx):
    if idx.__class__ is _TwoStage:
        return a[idx.s1][idx.s2]
    return a[idx]


def _set(a, idx, v):
    if idx.__class__ is _TwoStage:
        a[idx.s1][idx.s2] = v
    else:
        a[idx] = v


def _add_at(a, idx, v):
    xp = get_array_module(a)
    if idx.__class__ is _TwoStage:
        xp.add.at(a[idx.s1], idx.s2, v)
    else:
        xp.add.at(a, idx, v)


def _index(v):
    return v if v.__class__ is int else v.__index__()


def _opt_index(v):
    return None if v is None else _index(v)


def _tolist(v):
    if isinstance(v, Tensor):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return [_tolist(u) for u in v]
    return v


def _index_error(e, shape, idx):
    """Rephrase NumPy's indexing errors as PyTorch's."""
    msg = str(e)
    if msg.startswith("too many indices"):
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if msg.startswith("boolean index did not match"):
        dim = 0
        for i in idx:
            if getattr(i, "dtype", None) == np.bool_ and i.ndim:
                for k in range(i.ndim):
                    if dim + k >= len(shape) or i.shape[k] != shape[dim + k]:
                        return IndexError(
                            f"The shape of the mask {list(i.shape)} at index {k} does not "
                            f"match the shape of the indexed tensor {list(shape)} at index "
                            f"{dim + k}")
                dim += i.ndim
            elif i is not None and i is not Ellipsis and not isinstance(i, bool):
                dim += 1
    return IndexError(msg.replace("axis", "dimension"))


class GetItem(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, idx):
        ctx.shape, ctx.idx = x.shape, idx
        try:
            return _get(x, idx)
        except IndexError as e:
            raise _index_error(e, x.shape, idx) from None

    @staticmethod
    def backward(ctx, grad):
        # the read's adjoint: scatter-add the gradient into zeros of the input's shape
        return IndexAddInto.apply(grad, ctx.idx, ctx.shape), None


def _needs_accumulate(idx):
    """Only integer-array indices can repeat positions; bool masks and basic ones cannot."""
    for i in idx:
        if getattr(i, "dtype", None) is not None and i.dtype.kind in "iu":
            return True
    return False


class IndexAddInto(Function):
    """``zeros(shape)[idx] += g`` (accumulating repeated indices); adjoint of GetItem."""

    _array_forward = True

    @staticmethod
    def forward(ctx, g, idx, shape):
        ctx.idx = idx
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        if _needs_accumulate(idx):
            _add_at(out, idx, g)
        else:
            _set(out, idx, g)
        return out

    @staticmethod
    def backward(ctx, grad):
        # adjoint of a scatter-add is the gather
        return GetItem.apply(grad, ctx.idx), None, None


def basic_view(input, idx):
    """``input[idx]`` for an already-converted basic index: a view sharing memory."""
    out = fwd(GetItem, input, idx)
    return make_view(out, input, lambda b: basic_view(b, idx))


def getitem(self, idx):
    """``self[idx]``: views for basic indices, copies for advanced ones (NumPy semantics).

    Example:
        >>> import ember
        >>> x = ember.arange(6).reshape(2, 3)
        >>> x[:, 1], x[x > 3], x[[1, 0], [0, 2]]
        (tensor([1, 4]), tensor([4, 5]), tensor([3, 2]))
    """
    idx, basic = _convert_index(idx, get_array_module(self._data))
    if basic:
        return basic_view(self, idx)
    return fwd(GetItem, self, idx)


class IndexPut(Function):
    """``out = x.clone(); out[idx] = v`` (or ``+= v`` when accumulating); out of place.

    In-place writes go through ``inplace``, which runs this on a snapshot of the old values.
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, x, v, idx, accumulate=False):
        ctx.idx, ctx.acc = idx, accumulate
        ctx.vshape = np.shape(v)
        out = x.copy()
        try:
            if accumulate:
                _add_at(out, idx, v)
            else:
                _set(out, idx, v)
        except IndexError as e:
            raise _index_error(e, x.shape, idx) from None
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} "
                               "cannot be broadcast to indexing result of shape "
                               f"{list(_get(x, idx).shape)}") from None
        return out

    @staticmethod
    def backward(ctx, grad):
        # written region -> value (summed over its broadcast); the rest -> old contents
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = grad if ctx.acc else IndexPut.apply(grad, 0.0, ctx.idx)
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(GetItem.apply(grad, ctx.idx), ctx.vshape)
        return gx, gv, None


def index_put(input, indices, values, accumulate=False):
    """Out-of-place ``input[indices] = values`` (``+=`` with ``accumulate=True``); ``indices``
    is a tuple of index tensors."""
    return _put(input, tuple(indices) if isinstance(indices, list) else indices, values,
                accumulate)


def _put(input, idx, values, accumulate=False):
    """``input[idx] = values`` out of place, ``idx`` as written in ``input[idx]``."""
    xp = get_array_module(input._data)
    idx, _ = _convert_index(idx, xp)
    if not isinstance(values, Tensor):
        values = _make(xp.asarray(values, dtype=input._data.dtype))
    elif values._data.dtype != input._data.dtype:
        values = values.to(input.dtype)
    if accumulate and not _needs_accumulate(idx):
        accumulate = False
        values = values + fwd(GetItem, input, idx)
    return fwd(IndexPut, input, values, idx, accumulate)


def setitem(self, idx, value):
    """``self[idx] = value``; recorded by autograd when ``self`` or ``value`` requires grad."""
    if not _state.enabled or not (self._requires_grad or getattr(value, "_requires_grad", False)):
        xp = get_array_module(self._data)
        cidx, _ = _convert_index(idx, xp)
        v = value._data if isinstance(value, Tensor) else value
        try:
            _set(self._data, cidx, v)
        except IndexError as e:
            raise _index_error(e, self._data.shape, cidx) from None
        except ValueError as e:
            if not self._data.flags.writeable:
                raise _overlap_error() from None
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} "
                               f"cannot be broadcast to indexing result of shape "
                               f"{list(_get(self._data, cidx).shape)}") from e
        self._version_counter[0] += 1
        return
    if self._grad_fn is None and self._requires_grad:
        _, basic = _convert_index(idx, get_array_module(self._data))
        if basic:  # PyTorch writes basic indices through a view
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
    inplace(self, _put, idx, value)


def _overlap_error():
    return RuntimeError("unsupported operation: more than one element of the written-to tensor "
                        "refers to a single memory location. Please clone() the tensor before "
                        "performing the operation.")


# --- fill_, zero_, copy_ ----------------------------------------------------------------------
class Fill(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, value):
        return get_array_module(x).full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        # the old values are overwritten (zero gradient); a tensor value gets the sum
        gx = grad.new_zeros(grad.shape) if ctx.needs_input_grad[0] else None
        gv = grad.sum() if ctx.needs_input_grad[1] else None
        return gx, gv


def _fill(x, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        if value._data.dtype != x._data.dtype:
            value = value.to(x.dtype)
    return fwd(Fill, x, value)


def fill_(self, value):
    """Fill with ``value`` (a number or a 0-d tensor), in place.

    Example:
        >>> import ember
        >>> ember.zeros(2).fill_(3)
        tensor([3., 3.])
    """
    if not _state.enabled or not (self._requires_grad or getattr(value, "_requires_grad", False)):
        if isinstance(value, Tensor) and value._data.ndim:
            _fill(self, value)  # raises
        if not self._data.flags.writeable:
            raise _overlap_error()
        self._data[...] = value._data if isinstance(value, Tensor) else value
        self._version_counter[0] += 1
        return self
    return inplace(self, _fill, value)


def zero_(self):
    """Fill with zeros, in place."""
    return fill_(self, 0)


class CopyFrom(Function):
    """``src`` cast to the destination's dtype and broadcast to its shape."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, src):
        ctx.src_dtype, ctx.src_shape = _FROM_NP[src.dtype], src.shape
        xp = get_array_module(x)
        return xp.broadcast_to(src.astype(x.dtype, copy=False), x.shape)

    @staticmethod
    def backward(ctx, grad):
        # the old values are overwritten; the source gets the (un-broadcast, cast-back) grad
        gx = grad.new_zeros(grad.shape) if ctx.needs_input_grad[0] else None
        gs = None
        if ctx.needs_input_grad[1]:
            gs = unbroadcast(grad, ctx.src_shape).to(ctx.src_dtype)
        return gx, gs


def _copy_from(x, src):
    return fwd(CopyFrom, x, src)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast to this dtype) into this tensor; grads flow to ``src``.

    Example:
        >>> import ember
        >>> ember.zeros(2, 2).copy_(ember.tensor([1, 2]))
        tensor([[1., 2.],
                [1., 2.]])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    shape = broadcast_shapes(self._data.shape, src._data.shape)
    if shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                           f"broadcast shape {list(shape)}")
    if not _state.enabled or not (self._requires_grad or src._requires_grad):
        if not self._data.flags.writeable:
            raise _overlap_error()
        xp = get_array_module(self._data)
        xp.copyto(self._data, _on_device(src._data, self._data), casting="unsafe")
        self._version_counter[0] += 1
        return self
    if src.device != self.device:
        src = src.to(self.device)
    return inplace(self, _copy_from, src)


def _on_device(a, like):
    if type(a) is type(like):
        return a
    from ..backends import device_of, to_device

    return to_device(a, device_of(like))


register(__getitem__=getitem, __setitem__=setitem, index_put=index_put,
         index_put_=lambda self, indices, values, accumulate=False:
         inplace(self, index_put, indices, values, accumulate),
         fill_=fill_, zero_=zero_, copy_=copy_)

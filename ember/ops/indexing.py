"""Indexing: ``tensor[idx]`` and ``tensor[idx] = value`` with NumPy/PyTorch semantics.

Basic indices (ints, slices, None, Ellipsis) give views; integer-tensor, list and bool-mask
indices give copies. The backward of a read is a scatter-add (repeated indices accumulate);
the backward of a write sends the written region's gradient to the value and the rest to the
old contents.
"""
import numpy as np

from ._util import Function, Tensor, _make, _state, get_array_module, inplace, make_view, \
    register, unbroadcast

__all__ = ["index_put"]

_BASIC = (int, slice, type(None), type(Ellipsis))


def _convert_index(idx, xp):
    """Turn ember Tensors and lists inside an index into arrays; report if it is basic."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    basic = True
    for i in idx:
        if isinstance(i, Tensor):
            a = i._data
            if a.dtype.kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            if a.ndim == 0 and a.dtype.kind in "iu":
                out.append(int(a))
                continue
            basic = False
            out.append(a)
        elif isinstance(i, (list,)) or (hasattr(i, "dtype") and not isinstance(i, np.generic)):
            basic = False
            a = xp.asarray([_tolist(v) for v in i] if isinstance(i, list) else i)
            if a.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            out.append(a)
        elif isinstance(i, bool):
            basic = False
            out.append(i)
        elif isinstance(i, _BASIC) or hasattr(i, "__index__"):
            out.append(i if isinstance(i, _BASIC) else i.__index__())
        else:
            raise TypeError(f"invalid index type {type(i).__name__}")
    return tuple(out), basic


def _tolist(v):
    return v.tolist() if isinstance(v, Tensor) else v


class GetItem(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, idx):
        ctx.shape, ctx.idx = x.shape, idx
        try:
            return x[idx]
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None

    @staticmethod
    def backward(ctx, grad):
        # the read's adjoint: scatter-add the gradient into zeros of the input's shape
        return IndexAddInto.apply(grad, ctx.idx, ctx.shape), None


class IndexAddInto(Function):
    """``zeros(shape)[idx] += g`` (accumulating repeated indices); adjoint of GetItem."""

    _array_forward = True

    @staticmethod
    def forward(ctx, g, idx, shape):
        ctx.idx = idx
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        if all(isinstance(i, _BASIC) for i in idx):
            out[idx] = g
        else:
            xp.add.at(out, idx, g)
        return out

    @staticmethod
    def backward(ctx, grad):
        # adjoint of a scatter-add is the gather
        return GetItem.apply(grad, ctx.idx), None, None


def getitem(self, idx):
    xp = get_array_module(self._data)
    idx, basic = _convert_index(idx, xp)
    out = GetItem.apply(self, idx)
    if basic:
        make_view(out, self, lambda b: b[idx])
    return out


class IndexPut(Function):
    """``out = x.clone(); out[idx] = v`` (out of place; in-place writes go through ``inplace``)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, v, idx):
        ctx.idx = idx
        ctx.vshape = np.shape(v)
        out = x.copy()
        out[idx] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        # written region -> value (summed over its broadcast); the rest -> old contents
        gx = IndexPut.apply(grad, 0.0, ctx.idx) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(GetItem.apply(grad, ctx.idx), ctx.vshape)
        return gx, gv, None


def index_put(input, idx, value):
    xp = get_array_module(input._data)
    idx, _ = _convert_index(idx, xp)
    if not isinstance(value, Tensor):
        value = _make(xp.asarray(value, dtype=input._data.dtype))
    elif value._data.dtype != input._data.dtype:
        value = value.to(input.dtype)
    return IndexPut.apply(input, value, idx)


def setitem(self, idx, value):
    if not _state[0] or not (self._requires_grad or getattr(value, "_requires_grad", False)):
        xp = get_array_module(self._data)
        cidx, _ = _convert_index(idx, xp)
        v = value._data if isinstance(value, Tensor) else value
        try:
            self._data[cidx] = v
        except ValueError as e:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} "
                               f"cannot be broadcast to indexing result ({e})") from None
        self._version[0] += 1
        return
    inplace(self, index_put, idx, value)


register(__getitem__=getitem, __setitem__=setitem,
         index_put=index_put,
         index_put_=lambda self, indices, values, accumulate=False:
         inplace(self, index_put, tuple(indices), values))

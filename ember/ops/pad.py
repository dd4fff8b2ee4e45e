"""Padding and index-along-an-axis primitives (``F.pad``, nearest upsampling).

``ConstantPad`` pads (or, with negative widths, crops) with a constant; its backward is the
same op with the widths negated. ``AxisGather`` reads ``x.take(idx, axis)`` for an index vector
with repeats (reflect/replicate/circular padding, nearest-neighbour resampling); its adjoint
``AxisScatter`` adds back with one ``add.reduceat`` over the sorted index, no Python loop over
positions.
"""
import numpy as np

from ._util import Function, get_array_module

__all__ = []


class ConstantPad(Function):
    """Pad each dim by ``pads[d] = (lo, hi)`` with ``value``; negative widths crop."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, pads, value):
        xp = get_array_module(x)
        src = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, pads))
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pads))
        if value == 0:
            out = xp.zeros(shape, dtype=x.dtype)
        else:
            out = xp.full(shape, value, dtype=x.dtype)
        dst = tuple(slice(max(lo, 0), max(lo, 0) + (s.stop - s.start)) for s, (lo, _) in
                    zip(src, pads))
        if all(s.stop > s.start for s in src):
            out[dst] = x[src]
        ctx.pads = pads
        return out

    @staticmethod
    def backward(ctx, grad):
        # d pad = crop: the gradient of the kept elements, i.e. pad by the negated widths
        return ConstantPad.apply(grad, tuple((-lo, -hi) for lo, hi in ctx.pads), 0)


class AxisGather(Function):
    """``x.take(idx, axis)`` for a 1-d integer index (repeats allowed)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, idx, axis):
        xp = get_array_module(x)
        ctx.idx, ctx.axis, ctx.size = idx, axis, x.shape[axis]
        return xp.take(x, xp.asarray(idx), axis=axis)

    @staticmethod
    def backward(ctx, grad):
        # adjoint of the gather: add each position's gradient to the index it read
        return AxisScatter.apply(grad, ctx.idx, ctx.axis, ctx.size)


class AxisScatter(Function):
    """Adjoint of :class:`AxisGather`: ``out.take(idx, axis) += g`` into zeros of ``size``."""

    _array_forward = True

    @staticmethod
    def forward(ctx, g, idx, axis, size):
        xp = get_array_module(g)
        # the index is host-side geometry (built by F.pad/F.interpolate), sorted on the host
        idx_h = np.asarray(idx.get() if hasattr(idx, "get") else idx)
        order = np.argsort(idx_h, kind="stable")
        sidx = idx_h[order]
        uniq, starts = np.unique(sidx, return_index=True)
        shape = list(g.shape)
        shape[axis] = size
        out = xp.zeros(shape, dtype=g.dtype)
        gs = xp.take(g, xp.asarray(order), axis=axis)
        if len(uniq) == len(sidx):
            sums = gs
        elif hasattr(xp.add, "reduceat"):
            sums = xp.add.reduceat(gs, xp.asarray(starts), axis=axis)
        else:  # CuPy: a loop-free fallback through a scatter-add
            moved = xp.moveaxis(out, axis, 0)
            xp.add.at(moved, xp.asarray(sidx), xp.moveaxis(gs, axis, 0))
            ctx.idx, ctx.axis = idx, axis
            return out
        sl = [slice(None)] * g.ndim
        sl[axis] = xp.asarray(uniq)
        out[tuple(sl)] = sums
        ctx.idx, ctx.axis = idx, axis
        return out

    @staticmethod
    def backward(ctx, grad):
        # adjoint of the scatter-add: gather from the same indices
        return AxisGather.apply(grad, ctx.idx, ctx.axis), None

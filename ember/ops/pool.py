"""Pooling primitives over the trailing spatial dims of (N, C, *S) arrays.

A pooling window is visited one kernel offset at a time: for each offset the strided view
``xpad[..., o*d : o*d + s*(P-1) + 1 : s]`` holds that tap of every window. Max pooling keeps a
running maximum and the offset where it was reached (``>`` keeps the first maximum on ties, as
PyTorch); average pooling adds the views. This is ``prod(K)`` vectorised passes and never copies
the windows out (for the common 2x2/stride-2 window it is three ``maximum`` calls on quarter
sized views).

When the windows tile the input (kernel == stride, no padding or dilation: the common 2x2/2)
``MaxPool`` reduces one window axis at a time (``TiledArgmax``): each pass reads its input once
in long runs, inference computes the maximum alone, and training keeps one small bool array
per window axis instead of an index per window.

Pairs of mutually adjoint primitives (each one's backward is the other) give gradients of any
order: ``MaxPool`` / ``MaxPoolScatter`` / ``MaxPoolGather`` and ``WindowSum`` /
``WindowSumT``; ``TakePlane`` / ``PutPlane`` gather and scatter by flat plane indices
(adaptive max pooling, ``max_unpool``).
"""
import math
import sys

import numpy as np

from ._util import Function, get_array_module
from .conv import _crop, _offset_slices, pad_zeros

__all__ = []


class PoolGeom:
    """Geometry of one pooling call: kernel, stride, dilation, pads ((lo, hi)...), output."""

    __slots__ = ("ksize", "stride", "dilation", "pads", "osize", "shape")

    def __init__(self, shape, ksize, stride, dilation, pads, osize):
        self.shape, self.ksize, self.stride = tuple(shape), tuple(ksize), tuple(stride)
        self.dilation, self.osize = tuple(dilation), tuple(osize)
        # extend the high side so that every (ceil_mode) window lies inside the buffer
        self.pads = tuple((lo, max(hi, (p - 1) * s + d * (k - 1) + 1 - n - lo))
                          for n, k, s, d, (lo, hi), p in
                          zip(shape[2:], ksize, stride, dilation, pads, osize))

    def offsets(self):
        """Yield (j, slices) for every kernel offset: the strided view of that tap."""
        taps = _offset_slices(self.ksize, self.stride, self.dilation, self.osize)
        for j, (_, sl) in enumerate(taps):
            yield j, sl

    def disjoint(self):
        """Whether the windows never overlap (each input element in at most one window)."""
        return all(d * (k - 1) < s for k, s, d in zip(self.ksize, self.stride, self.dilation)) \
            and all(d == 1 or k == 1 for k, d in zip(self.ksize, self.dilation))

    def tiled(self):
        """Whether the windows tile the input: kernel == stride, no padding, no dilation
        (rows and columns past the last whole window belong to no window)."""
        return all(k == s and (d == 1 or k == 1) and lo == 0 and hi == 0 for k, s, d, (lo, hi)
                   in zip(self.ksize, self.stride, self.dilation, self.pads))

    def padded(self, x, value=0):
        return pad_zeros(x, self.pads, value)

    def crop(self, buf):
        return _crop(buf, self.shape[2:], self.pads)

    def zeros_padded(self, like):
        xp = get_array_module(like)
        shape = self.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in
                                       zip(self.shape[2:], self.pads))
        return xp.zeros(shape, dtype=like.dtype)

    def flat_indices(self, local):
        """Window-local argmax -> flat index into the unpadded input plane (PyTorch's)."""
        xp = get_array_module(local)
        taps = xp.unravel_index(local.astype(xp.int64), self.ksize)
        flat = 0
        for i, (t, s, d, (lo, _), n) in enumerate(zip(taps, self.stride, self.dilation,
                                                        self.pads, self.shape[2:])):
            nd = len(self.osize)
            shape = [1] * nd
            shape[i] = self.osize[i]
            pos = xp.arange(self.osize[i]).reshape(shape) * s + t * d - lo
            flat = flat * n + pos
        return flat


# float dtype -> (unsigned integer of its size, and of twice its size): ``_scatter_pairs``,
# whose shifts assume the first of two adjacent elements is the low half of the wide integer
_LITTLE = sys.byteorder == "little"
_PAIRS = {np.dtype(np.float32): (np.uint32, np.uint64),
          np.dtype(np.float16): (np.uint16, np.uint32)}


def _idx_dtype(geom):
    return np.uint8 if math.prod(geom.ksize) < 256 else np.int32


def _axis_taps(a, axis, k):
    """The ``k`` taps along ``axis`` of windows that tile it (length a multiple of ``k``)."""
    return [a[(slice(None),) * axis + (slice(j, None, k),)] for j in range(k)]


def _stage_max(taps, nan_aware, ranks=None):
    """Running maximum over the taps of one window axis, and which tap holds it: a bool for
    two taps (the second), else uint8. The first maximum wins a tie, or with ``ranks`` (per
    tap: the row each candidate came from) the one of lowest rank, then the first; with
    ``nan_aware`` the last NaN wins (PyTorch's scan keeps ``v > max or isnan(v)``)."""
    xp = get_array_module(taps[0])
    m = idx = rank = None
    for j, v in enumerate(taps[1:], 1):
        prev = taps[0] if m is None else m
        gt = v > prev
        if ranks is not None:
            prev_rank = ranks[0] if rank is None else rank
            gt |= (v == prev) & (ranks[j] < prev_rank)
            if len(taps) > 2:
                rank = xp.where(gt, ranks[j], prev_rank)
        if nan_aware:
            gt |= xp.isnan(v)
        if idx is None:
            idx = gt if len(taps) == 2 else gt.astype(np.uint8)
        else:
            idx = xp.where(gt, np.uint8(j), idx)
        m = xp.maximum(taps[0], v) if m is None else xp.maximum(m, v, out=m)
    return m, idx


def _rows_first(geom):
    """Whether to reduce the rows before the columns (2-d windows): when the last axis is
    cropped (its length not a multiple of the window), its taps cannot merge with the rows
    into long runs (measured 2x slower on 11x11 planes); otherwise columns first."""
    return len(geom.ksize) == 2 and geom.shape[-1] != geom.osize[-1] * geom.ksize[-1]


class TiledArgmax:
    """Where each window of a tiled max pool (kernel == stride, no padding or dilation) has
    its maximum, one window axis at a time from the last: the position of the first maximum in
    row-major order is the first maximum along the last axis within each line, then the first
    line (of those maxima) holding the window's maximum, and so on (PyTorch's tie rule; a
    window with a NaN picks its last NaN, as PyTorch). Every pass reads its input once, in
    long runs, where a pass per kernel tap would re-read the input ``prod(K)`` times.

    A 2-d window whose last axis is cropped goes rows first instead (``_rows_first``): the
    columns then compete by value, ties going to the lower row, then the first column.

    ``idx[i]`` says which tap of window axis ``i`` was chosen (bool for two taps, else uint8),
    at the resolution of that stage; ``order`` lists the axes in the order they were reduced
    (``scatter`` expands them in reverse).
    """

    __slots__ = ("geom", "idx", "xp", "order")

    def __init__(self, geom, idx, xp, order):
        self.geom, self.idx, self.xp, self.order = geom, idx, xp, order

    @staticmethod
    def reduce(x, geom, with_argmax):
        """(max, TiledArgmax or None) of ``x`` over the tiled windows."""
        xp = get_array_module(x)
        nd = len(geom.ksize)
        cur = x[(slice(None), slice(None)) + tuple(slice(0, p * k) for p, k in
                                                   zip(geom.osize, geom.ksize))]
        rows_first = _rows_first(geom)
        order = tuple(range(nd)) if rows_first else tuple(reversed(range(nd)))
        if not with_argmax:  # any order gives the maximum
            for i in order:
                taps = _axis_taps(cur, 2 + i, geom.ksize[i])
                cur = taps[0].copy() if len(taps) == 1 else xp.maximum(taps[0], taps[1])
                for v in taps[2:]:
                    xp.maximum(cur, v, out=cur)
            return cur, None
        start = cur
        if rows_first:  # rows, then columns ranked by the row they hold (the tie rule)
            idx = [None, None]
            r, idx[0] = _stage_max(_axis_taps(start, 2, geom.ksize[0]), False) \
                if geom.ksize[0] > 1 else (start, None)
            ranks = None if idx[0] is None else _axis_taps(idx[0], 3, geom.ksize[1])
            taps = _axis_taps(r, 3, geom.ksize[1])
            m, idx[1] = _stage_max(taps, False, ranks) if len(taps) > 1 else \
                (taps[0].copy(), None)
            if not xp.isnan(m).any():
                return m, TiledArgmax(geom, idx, xp, order)
        order = tuple(reversed(range(nd)))
        for nan_aware in (False, True):
            cur, idx = start, [None] * nd
            for i in order:
                taps = _axis_taps(cur, 2 + i, geom.ksize[i])
                cur, idx[i] = (taps[0].copy(), None) if len(taps) == 1 else \
                    _stage_max(taps, nan_aware)
            if nan_aware or not xp.isnan(cur).any():
                return cur, TiledArgmax(geom, idx, xp, order)

    def scatter(self, g):
        """Each window's value to the position of its maximum; zeros elsewhere."""
        xp = get_array_module(g)
        geom = self.geom
        if geom.ksize == (2, 2) and self.order == (1, 0) and g.dtype in _PAIRS and \
                xp is np and _LITTLE and geom.shape[2:] == tuple(2 * p for p in geom.osize):
            return self._scatter_pairs(g)
        buf = xp.empty(geom.shape, dtype=g.dtype)
        full = tuple(p * k for p, k in zip(geom.osize, geom.ksize))
        for i, n in enumerate(full):  # rows/columns past the last whole window
            if n < geom.shape[2 + i]:
                buf[(slice(None),) * (2 + i) + (slice(n, None),)] = 0
        steps = [i for i in reversed(self.order) if self.idx[i] is not None]
        last = steps[-1] if steps else -1
        cur = g
        for i in steps:
            k, idx = geom.ksize[i], self.idx[i]
            shape = cur.shape[:2 + i] + (cur.shape[2 + i] * k,) + cur.shape[3 + i:]
            out = buf[(slice(None), slice(None)) + tuple(slice(0, n) for n in full)] \
                if i == last else xp.empty(shape, dtype=g.dtype)
            for j, o in enumerate(_axis_taps(out, 2 + i, k)):
                mask = (idx if j else ~idx) if idx.dtype == bool else idx == j
                xp.multiply(cur, mask, out=o)
            cur = out
        if last < 0:  # a 1x1 window: the identity
            buf[(slice(None), slice(None)) + tuple(slice(0, n) for n in full)] = g
        return buf

    def _scatter_pairs(self, g):
        """``scatter`` for 2x2 windows reduced columns first, of 2- or 4-byte floats, in one
        pass over the output: two adjacent columns are one integer twice as wide, so a window
        row holding the maximum is its gradient's bits shifted by 0 or by one element's width
        (first or second column), and the other row is shifted out entirely (NumPy gives 0 for
        a shift by the whole width). Measured ~1.5x faster than two stages of masked products,
        whose last writes every other element; and exact: an inf or nan gradient leaves zeros
        elsewhere (a product with a zero mask would give nan there)."""
        (ho, wo), (n, c) = self.geom.osize, self.geom.shape[:2]
        narrow, wide = _PAIRS[g.dtype]
        bits = np.uint8(np.dtype(narrow).itemsize * 8)
        rows, cols = self.idx  # (n, c, ho, wo): the second row; (n, c, 2ho, wo): second column
        # shift[n, c, i, r, j] = bits * (column chosen in row 2i+r) + 2 bits * (row r dropped),
        # built with contiguous uint8 products and sums (broadcasting ones ran ~10x slower)
        shift = np.empty((n, c, ho, 2, wo), dtype=np.uint8)
        shift[:, :, :, 0] = rows
        np.logical_not(rows, out=shift[:, :, :, 1].view(np.bool_))
        np.multiply(shift, np.uint8(2 * bits), out=shift)
        np.add(shift, cols.view(np.uint8).reshape(shift.shape) * bits, out=shift)
        out = np.empty((n, c, 2 * ho, 2 * wo), dtype=g.dtype)
        np.left_shift(g.view(narrow)[:, :, :, None, :], shift, dtype=wide,
                      out=out.view(wide).reshape(shift.shape))
        return out

    def gather(self, x):
        """Each window's element at the position of its maximum (adjoint of ``scatter``)."""
        xp = get_array_module(x)
        geom = self.geom
        cur = x[(slice(None), slice(None)) + tuple(slice(0, p * k) for p, k in
                                                   zip(geom.osize, geom.ksize))]
        for i in self.order:
            idx = self.idx[i]
            taps = _axis_taps(cur, 2 + i, geom.ksize[i])
            if idx is None:
                cur = taps[0]
            elif idx.dtype == bool:
                cur = xp.where(idx, taps[1], taps[0])
            else:
                out = taps[0]
                for j, v in enumerate(taps[1:], 1):
                    out = xp.where(idx == j, v, out)
                cur = out
        return xp.ascontiguousarray(cur)

    def local(self):
        """The window-local (row-major) index of each window's chosen maximum."""
        xp = self.xp
        k = self.geom.ksize
        tile = xp.arange(math.prod(k), dtype=np.int32).reshape(k)
        full = xp.tile(tile, tuple(self.geom.osize))
        full = xp.broadcast_to(full, tuple(self.geom.shape[:2]) + full.shape)
        return self.gather(full).astype(_idx_dtype(self.geom))


class MaxPool(Function):
    """Max over each window; also returns the window-local index of the (first) maximum."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, geom, with_indices=True):
        xp = get_array_module(x)
        if geom.tiled():  # see TiledArgmax: no index array, and none when no grad is needed
            m, arg = TiledArgmax.reduce(x, geom, with_indices or ctx.needs_input_grad[0])
            ctx.geom, ctx.local = geom, arg
            if not with_indices:
                return m, None
            idx = arg.local()
            ctx.mark_non_differentiable(idx)
            return m, idx
        xpad = geom.padded(x, -xp.inf)
        m = idx = None
        for j, sl in geom.offsets():
            v = xpad[sl]
            if m is None:
                m = v.copy()
                idx = xp.zeros(m.shape, dtype=_idx_dtype(geom))
                continue
            gt = v > m  # strictly greater: the first maximum wins ties, as in PyTorch
            idx *= ~gt  # branch-free update (~30% faster than putmask on random masks)
            idx += gt * idx.dtype.type(j)
            xp.maximum(m, v, out=m)
        ctx.geom, ctx.local = geom, idx
        ctx.mark_non_differentiable(idx)
        return m, idx

    @staticmethod
    def backward(ctx, grad, _):
        # d max = 1 at the (first) maximum of each window, 0 elsewhere
        return MaxPoolScatter.apply(grad, ctx.local, ctx.geom)


class MaxPoolScatter(Function):
    """Send each window's value to the position of its maximum (adds where windows overlap).

    ``local`` is the window-local index array, or a ``TiledArgmax``."""

    _array_forward = True

    @staticmethod
    def forward(ctx, g, local, geom):
        xp = get_array_module(g)
        ctx.geom, ctx.local = geom, local
        if isinstance(local, TiledArgmax):
            return local.scatter(g)
        buf = geom.zeros_padded(g)
        disjoint = geom.disjoint()
        for j, sl in geom.offsets():
            if disjoint:  # every input element belongs to at most one window: write, not add
                xp.multiply(g, local == j, out=buf[sl])
            else:
                buf[sl] += xp.where(local == j, g, 0)
        return xp.ascontiguousarray(geom.crop(buf))

    @staticmethod
    def backward(ctx, grad):
        # adjoint of a scatter is the gather at the same positions
        return MaxPoolGather.apply(grad, ctx.local, ctx.geom), None


class MaxPoolGather(Function):
    """Read each window's value at the position of its maximum (adjoint of the scatter)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, local, geom):
        xp = get_array_module(x)
        ctx.geom, ctx.local = geom, local
        out = None
        if isinstance(local, TiledArgmax):
            return local.gather(x)
        xpad = geom.padded(x)
        for j, sl in geom.offsets():
            out = xp.where(local == j, xpad[sl], 0 if out is None else out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        # adjoint of a gather is the scatter to the same positions
        return MaxPoolScatter.apply(grad, ctx.local, ctx.geom), None


class WindowSum(Function):
    """Sum over each window (zeros outside the input)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, geom):
        xpad = geom.padded(x)
        out = None
        for _, sl in geom.offsets():
            out = xpad[sl].copy() if out is None else out.__iadd__(xpad[sl])
        ctx.geom = geom
        return out

    @staticmethod
    def backward(ctx, grad):
        # d window_sum = 1 for every element of the window
        return WindowSumT.apply(grad, ctx.geom)


class WindowSumT(Function):
    """Adjoint of ``WindowSum``: add each window's value to all its elements."""

    _array_forward = True

    @staticmethod
    def forward(ctx, g, geom):
        xp = get_array_module(g)
        buf = geom.zeros_padded(g)
        for _, sl in geom.offsets():
            buf[sl] += g
        ctx.geom = geom
        return xp.ascontiguousarray(geom.crop(buf))

    @staticmethod
    def backward(ctx, grad):
        # adjoint of the broadcast back is the window sum
        return WindowSum.apply(grad, ctx.geom)


class TakePlane(Function):
    """out[n, c, i] = x[n, c, idx[n, c, i]] for x of shape (N, C, L)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, idx):
        xp = get_array_module(x)
        ctx.size = x.shape[-1]
        ctx.save_for_backward(idx)
        return xp.take_along_axis(x, idx, axis=-1)

    @staticmethod
    def backward(ctx, grad):
        # adjoint of the gather: scatter-add to the same indices
        idx, = ctx.saved_tensors
        return PutPlane.apply(grad, idx, ctx.size), None


class PutPlane(Function):
    """out[n, c, idx[n, c, i]] += g[n, c, i] into zeros of shape (N, C, size).

    With ``accumulate=False`` repeated indices keep one value instead (``max_unpool``, where
    repeats carry equal values); the backward is the gather either way, as in PyTorch.
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, g, idx, size, accumulate=True):
        xp = get_array_module(g)
        n, c = g.shape[:2]
        if not accumulate:
            out = xp.zeros((n, c, size), dtype=g.dtype)
            xp.put_along_axis(out, xp.broadcast_to(idx, g.shape), g, axis=-1)
            ctx.save_for_backward(idx)
            return out
        rows = xp.arange(n * c, dtype=xp.int64).reshape(n, c, 1) * size
        flat = (idx + rows).ravel()
        out = xp.bincount(flat, weights=g.ravel(), minlength=n * c * size)
        ctx.save_for_backward(idx)
        return out.astype(g.dtype).reshape(n, c, size)

    @staticmethod
    def backward(ctx, grad):
        # adjoint of the scatter: gather from the same indices
        idx, = ctx.saved_tensors
        return TakePlane.apply(grad, idx), None

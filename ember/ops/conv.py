"""Convolution primitives: im2col windows plus one BLAS matrix product per call.

One trilinear form ties the three primitives together,

    T(x, w, y) = sum x[n, c, p*s + k*d - pad] * w[o, c, k] * y[n, o, p]

(``c`` and ``o`` within one group). ``conv`` is dT/dy, ``conv_transpose`` (the input gradient
of a convolution) is dT/dx and ``conv_weight`` (its weight gradient) is dT/dw. The backward of
each is the other two, so gradients of any order come from these three forwards.

Layouts are chosen for BLAS (few, large products; measured per shape on one OpenBLAS thread):

* a stride-1 convolution with output planes of 64 positions or more, in inference (or with
  fewer window rows C*K than output channels), copies its windows once into an
  (N, C*prod(K), prod(P)) matrix and runs one ``(O, C*K) @ (C*K, P)`` product per sample,
  which writes the (N, O, *P) output in place, no transpose; its weight gradient is the
  per-sample products summed over the batch;
* strided convolutions, small output planes and stride-1 ones whose weight needs a gradient
  build the windows batch-last (see ``_batch_last``): one ``(P*N, C*K) @ (C*K, O)`` product,
  one for the weight gradient;
* a bias rides in the forward product as a row of ones under the windows, whose column of the
  weight gradient's product is then the bias gradient;
* the input gradient (``ConvTranspose``) is one ``(C*K, O) @ (O, P*N)`` product whose taps are
  added into their strided slices of a batch-last buffer (the loop runs over kernel taps);
* a convolution whose single window covers the input is one matrix product (``_dense``).

These are private: ``ember.nn.functional`` exposes them as ``conv1d/2d/3d`` and
``conv_transpose1d/2d/3d``.
"""
import itertools
import math

import numpy as np

from ._util import Function, _make, _state, get_array_module

__all__ = []

def out_size(size, k, s, d, lo, hi):
    """Output length of a window of ``k`` taps (dilation ``d``, stride ``s``) over ``size``."""
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def pad_zeros(x, pads, value=0):
    """``x`` (N, C, *S) with ``pads`` ((lo, hi), ...) of ``value`` around the spatial dims."""
    if not any(lo or hi for lo, hi in pads):
        return x
    xp = get_array_module(x)
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    out = xp.full(shape, value, dtype=x.dtype) if value else xp.zeros(shape, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in
                                           zip(x.shape[2:], pads))] = x
    return out


def windows(xpad, ksize, stride, dilation, osize):
    """A strided view of every window of the padded input, no copy: (N, C, *K, *P)."""
    xp = get_array_module(xpad)
    st = xpad.strides
    kst = tuple(a * d for a, d in zip(st[2:], dilation))
    pst = tuple(a * s for a, s in zip(st[2:], stride))
    shape = xpad.shape[:2] + tuple(ksize) + tuple(osize)
    return xp.lib.stride_tricks.as_strided(xpad, shape, st[:2] + kst + pst)


def _osize(x, ksize, stride, dilation, pads):
    return tuple(out_size(n, k, s, d, lo, hi) for n, k, s, d, (lo, hi) in
                 zip(x.shape[2:], ksize, stride, dilation, pads))


def im2col(x, ksize, stride, dilation, pads, osize=None):
    """The (N, C*prod(K), prod(P)) window matrix of ``x`` (N, C, *S) (``F.unfold``'s layout),
    and P (the first ``osize`` windows if given)."""
    xp = get_array_module(x)
    osize = tuple(osize) if osize is not None else _osize(x, ksize, stride, dilation, pads)
    cols = xp.ascontiguousarray(windows(pad_zeros(x, pads), ksize, stride, dilation, osize))
    return cols.reshape(x.shape[0], x.shape[1] * math.prod(ksize), -1), osize


def _offset_slices(ksize, stride, dilation, osize, lead=2):
    """(offsets, slices) of the strided output region every kernel offset touches."""
    full = (slice(None),) * lead
    for offs in itertools.product(*(range(k) for k in ksize)):
        yield offs, full + tuple(slice(o * d, o * d + s * (p - 1) + 1, s)
                                 for o, d, s, p in zip(offs, dilation, stride, osize))


def _add_taps(buf, taps, slices):
    """``buf[sl] += tap`` for each pair: the col2im adds of kernel taps into strided slices.

    NumPy's ufuncs stage a non-contiguous output through buffers of ``np.getbufsize()``
    elements; at the default 8192 floats (three 32 KB buffers: more than L1) these adds ran
    2.3x slower than the same adds into a contiguous array, at 2048 about as fast (measured on
    the seed CNN's 3x3 input gradient, runs of 704 floats)."""
    old = np.setbufsize(2048) if buf.__class__ is np.ndarray else None
    try:
        for tap, sl in zip(taps, slices):
            buf[sl] += tap
    finally:
        if old is not None:
            np.setbufsize(old)
    return buf


def _crop(buf, size, pads):
    if not any(lo or hi for lo, hi in pads):
        return buf
    return buf[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in
                                                  zip(size, pads))]


def col2im(cols, shape, ksize, stride, dilation, pads):
    """Adjoint of ``im2col``: add (N, C, *K, *P) columns back into (N, C, *S)."""
    xp = get_array_module(cols)
    spad = tuple(s + lo + hi for s, (lo, hi) in zip(shape[2:], pads))
    osize = cols.shape[2 + len(ksize):]
    buf = xp.zeros(tuple(shape[:2]) + spad, dtype=cols.dtype)
    for offs, sl in _offset_slices(ksize, stride, dilation, osize):
        buf[sl] += cols[(slice(None), slice(None)) + offs]
    return xp.ascontiguousarray(_crop(buf, shape[2:], pads))


def _to_nchw(y, b, xp):
    """A contiguous copy of the (N, C, *S) view ``y``, adding the bias in the same pass."""
    if b is None:
        return xp.ascontiguousarray(y)
    out = xp.empty(y.shape, dtype=y.dtype)
    xp.add(y, b.reshape((-1,) + (1,) * (y.ndim - 2)), out=out)
    return out


# --- the batch-last layout --------------------------------------------------------------
# Strided windows and the col2im of ConvTranspose are slow in (N, C, *S) order: their inner
# runs are one output row, read or written with a step (stride 2: 7 elements 8 bytes apart),
# and NumPy's per-run overhead dominates (measured 3-5x the cost of the same bytes in long
# runs). With the batch axis last, (C, *S, N), every run is N (or a whole row times N)
# elements long. Moving N across the other axes costs a copy each way; it pays for strided
# convolutions and every col2im, not for the forward of stride-1 convolutions (whose output
# would have to move N back across a large array).

def _batch_last(stride, osize, ck, o, train=False):
    """Whether a convolution (``ck`` = C*prod(K) window rows, ``o`` output channels) builds
    its windows batch-last: when the output planes are small (the batch-first layout runs one
    GEMM per sample, which degenerates to matrix-vector products for a 1x1 output: measured
    20x slower than one GEMM), and when strided or ``train`` (its weight gradient will be
    needed) unless the window matrix is smaller than the output (then moving the output's
    batch axis back costs more than the short runs save: DCGAN's last layer, 1 channel in and
    64 out, ran ~2x faster batch-first; the seed CNN's first convolution 4x slower).

    For a stride-1 convolution batch-last pays only in training: its window copy runs in long
    rows and its weight gradient is one GEMM with the gradient's batch-last rows (which the
    input gradient needs too), where batch-first runs one per sample and sums them (measured
    on the seed CNN's Conv2d(32, 64, 3): 0.75 ms of 6.8 saved); inference keeps batch-first
    (no output copy back)."""
    return math.prod(osize) < 64 or ((train or any(s != 1 for s in stride)) and ck >= o)


def _nlast(x, pads):
    """(N, C, *S) -> contiguous (C, *S_padded, N), zeros in the padding."""
    xp = get_array_module(x)
    n, c = x.shape[:2]
    spad = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads))
    padded = any(lo or hi for lo, hi in pads)
    out = (xp.zeros if padded else xp.empty)((c,) + spad + (n,), dtype=x.dtype)
    out[(slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in
                               zip(x.shape[2:], pads))] = xp.moveaxis(x, 0, -1)
    return out


def _from_nlast(a, b, xp):
    """(C, *S, N) view -> contiguous (N, C, *S) plus the bias: two copies (N to axis 1, then
    swap the two leading axes); one copy moving N across every axis ran ~6x slower."""
    t = xp.ascontiguousarray(xp.moveaxis(a, -1, 1))
    return _to_nchw(t.swapaxes(0, 1), b, xp)


def _rows(y, batch_last):
    """The (O, L) matrix of an (N, O, *P) gradient or input: L = (*P, N) or (N, *P)."""
    xp = get_array_module(y)
    if batch_last:
        return xp.ascontiguousarray(xp.moveaxis(y, 0, -1)).reshape(y.shape[1], -1)
    return xp.ascontiguousarray(y.swapaxes(0, 1)).reshape(y.shape[1], -1)


def _cols(x, ksize, stride, dilation, pads, osize, batch_last, ones_row=False):
    """The window matrix of ``x``: (C*prod(K), prod(P)*N) batch-last, else (N, C*prod(K),
    prod(P)) (a stride-1 forward then writes (N, O, P) directly, one GEMM per sample).

    ``ones_row`` appends a row of ones, so that the product with the weight and the bias
    side by side adds the bias (no pass over the output for it), and the weight gradient's
    product yields the bias gradient (no pass over the gradient for it)."""
    xp = get_array_module(x)
    if not batch_last:
        if not ones_row:
            return im2col(x, ksize, stride, dilation, pads, osize=osize)[0]
        n, ck = x.shape[0], x.shape[1] * math.prod(ksize)
        out = xp.empty((n, ck + 1, math.prod(osize)), dtype=x.dtype)
        out[:, ck] = 1
        view = out[:, :ck].reshape(x.shape[:2] + tuple(ksize) + tuple(osize))  # a view
        view[...] = windows(pad_zeros(x, pads), ksize, stride, dilation, osize)
        return out
    xt = _nlast(x, pads)
    st = xt.strides
    shape = (xt.shape[0],) + tuple(ksize) + tuple(osize) + (xt.shape[-1],)
    strides = (st[0],) + tuple(a * d for a, d in zip(st[1:-1], dilation)) + \
        tuple(a * s for a, s in zip(st[1:-1], stride)) + (st[-1],)
    win = xp.lib.stride_tricks.as_strided(xt, shape, strides)
    ck = xt.shape[0] * math.prod(ksize)
    out = xp.empty((ck + ones_row, math.prod(osize) * xt.shape[-1]), dtype=x.dtype)
    if ones_row:
        out[ck] = 1
    out[:ck].reshape(shape)[...] = win  # (a view: the rows before the ones)
    return out


def _conv_out(w, cols, b, groups, n, osize, batch_last, folded=False):
    """The forward product of the weight and the window matrix, as contiguous (N, O, *P)
    (``folded``: ``cols`` carries the bias's row of ones)."""
    xp = get_array_module(cols)
    o = w.shape[0]
    wg = w.reshape(groups, o // groups, -1)
    if batch_last:
        if groups == 1:
            # cols^T W^T: OpenBLAS ran this orientation 5-10% faster than W cols (the seed
            # CNN's second convolution, DCGAN's input gradients); its (P, N, O) rows reach
            # (N, O, P) in two cache-friendly copies, as _from_nlast's
            wt = _with_bias(wg[0], b, xp) if folded else wg[0]
            y = (cols.T @ wt.T).reshape(math.prod(osize), n, o)
            t = xp.ascontiguousarray(y.swapaxes(0, 1))  # (N, P, O)
            return _to_nchw(t.swapaxes(1, 2), None if folded else b, xp).reshape(
                (n, o) + tuple(osize))
        y = xp.matmul(wg, cols.reshape(groups, -1, cols.shape[-1]))
        return _from_nlast(y.reshape((o,) + osize + (n,)), b, xp)
    if folded:  # a row of ones: the bias rides in the product
        return xp.matmul(_with_bias(wg[0], b, xp), cols).reshape((n, o) + tuple(osize))
    y = xp.matmul(wg[0], cols) if groups == 1 else \
        xp.matmul(wg, cols.reshape(n, groups, -1, cols.shape[-1]))
    y = y.reshape((n, o) + tuple(osize))
    if b is not None:
        y += b.reshape((-1,) + (1,) * len(osize))
    return y


def _with_bias(w2, b, xp):
    """[W | b]: the (O, C*K) weight matrix and the bias as one more column."""
    return xp.concatenate([w2, b.reshape(-1, 1).astype(w2.dtype, copy=False)], axis=1)


def _weight_out(cols, y, rows, groups, batch_last):
    """The weight gradient product: (O, C/groups * prod(K)), contiguous."""
    xp = get_array_module(cols)
    n, o = y.shape[:2]
    if batch_last:  # rows (O, P*N), cols (CK, P*N)
        ck, m = cols.shape
        r = rows.reshape(groups, o // groups, m)
        c = cols.reshape(groups, ck // groups, m)
        if ck // groups > o // groups and m > ck // groups:
            # measured: OpenBLAS runs this shape ~20% faster as (cols @ rows.T).T
            w = xp.matmul(c, r.swapaxes(1, 2)).swapaxes(1, 2)
        else:
            w = xp.matmul(r, c.swapaxes(1, 2))
    else:  # one product per sample, then the sum over the batch
        yg = y.reshape(n, groups, o // groups, -1)
        cg = cols.reshape(n, groups, -1, cols.shape[-1])
        w = xp.matmul(cg, yg.swapaxes(2, 3)).sum(0).swapaxes(1, 2)
    return xp.ascontiguousarray(w).reshape(o, -1)


def _dense(size, ksize, pads, dilation, groups, osize):
    """Whether the convolution is one matrix product: a single window covering the whole
    unpadded input (a DCGAN generator's first layer, a discriminator's last)."""
    return groups == 1 and tuple(size) == tuple(ksize) and all(p == 1 for p in osize) and \
        not any(lo or hi for lo, hi in pads) and all(d == 1 or k == 1 for d, k in
                                                      zip(dilation, ksize))


def _dense_bias(out, b):
    if b is not None:
        out += b.reshape((-1,) + (1,) * (out.ndim - 2))
    return out


def _bias_grad(grad):
    """Sum of ``grad`` (N, O, *P) over all but the channel axis: one einsum on the array
    (measured 1.5-2x faster than a matrix-vector product and a sum, and 3-6x faster than
    NumPy's sum over the non-adjacent axes), in Tensor ops when the backward is recorded
    (create_graph: the sum must be differentiable)."""
    n, o = grad.shape[:2]
    if not _state[0]:
        g = grad._data
        return _make(get_array_module(g).einsum("nop->o", g.reshape(n, o, -1)))
    return grad.reshape(n, o, -1).sum((0, 2))


class Conv(Function):
    """y = conv(x, w) + b.

    ``osize`` limits the output to the first windows: as the adjoint of a ``ConvTranspose``
    whose ``output_padding`` is not smaller than the stride, ``x`` has trailing rows that no
    window of ``y`` reads. ``cols`` passes the window matrix when the caller has it.
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups, osize=None, cols=None, nl=None):
        osize = tuple(osize) if osize is not None else \
            _osize(x, w.shape[2:], stride, dilation, pads)
        ctx.geom = (stride, pads, dilation, groups)
        ctx.save_for_backward(x, w)
        n, o = x.shape[0], w.shape[0]
        if _dense(x.shape[2:], w.shape[2:], pads, dilation, groups, osize):
            ctx.cols, ctx.folded, ctx.nl = None, False, False
            y = x.reshape(n, -1) @ w.reshape(o, -1).T
            return _dense_bias(y.reshape((n, o) + osize), b)
        if nl is None:  # (a caller passing ``cols`` passes their layout)
            nl = _batch_last(stride, osize, x.shape[1] * math.prod(w.shape[2:]), w.shape[0],
                             ctx.needs_input_grad[1])
        ctx.nl = nl
        fold = False
        if cols is None:
            fold = b is not None and groups == 1
            cols = _cols(x, w.shape[2:], stride, dilation, pads, osize, nl, fold)
        y = _conv_out(w, cols, b, groups, n, osize, nl, fold)
        # reused by the weight gradient (a function of x alone); with the bias's row of ones,
        # the same product gives the bias gradient
        ctx.cols, ctx.folded = cols, fold
        return y

    @staticmethod
    def backward(ctx, grad):
        # dT/dx = conv_transpose(g, w); dT/dw = conv_weight(x, g); db = sum of g
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        stride, pads, dilation, groups = ctx.geom
        nl = ctx.nl  # the layout of ctx.cols
        gx = gw = gb = None
        rows = None
        if (need[0] or (need[1] and nl)) and not _dense(
                x.shape[2:], w.shape[2:], pads, dilation, groups, grad.shape[2:]):
            rows = _rows(grad._data, True)
        if need[0]:
            gx = ConvTranspose.apply(grad, w, None, *ctx.geom, tuple(x.shape[2:]), rows=rows)
        need_b = len(need) > 2 and need[2]
        cols, sums = ctx.cols, None
        if ctx.folded and cols is not None:  # (None after a first backward: recomputed)
            # the bias gradient from the weight product's row of ones, unless it must be
            # differentiable itself (create_graph)
            if need_b and need[1] and not grad.requires_grad:
                sums = []
            else:
                cols = cols[:-1] if nl else cols[:, :-1]
        if need[1]:
            gw = ConvWeight.apply(x, grad, *ctx.geom, tuple(w.shape[2:]), cols=cols,
                                  rows=rows if nl else None, bias_sum=sums, nl=nl)
        if need_b:
            gb = _make(sums[0]) if sums else _bias_grad(grad)
        ctx.cols = None
        return gx, gw, gb


class ConvTranspose(Function):
    """x = conv_transpose(y, w) + b: the input gradient of ``Conv``, as a forward.

    One GEMM gives every kernel tap's contribution (batch-last, see ``_batch_last``); each
    tap is added into its strided slice of the output (a col2im over kernel taps only).
    ``rows`` passes ``_rows(y, True)`` when the caller has it.
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, y, w, b, stride, pads, dilation, groups, size, rows=None):
        xp = get_array_module(y)
        ksize = w.shape[2:]
        n, o = y.shape[:2]
        c, g = w.shape[1] * groups, groups
        ctx.geom = (stride, pads, dilation, groups)
        ctx.save_for_backward(y, w)
        if _dense(size, ksize, pads, dilation, groups, y.shape[2:]):
            ctx.rows = None
            x = y.reshape(n, o) @ w.reshape(o, -1)
            return _dense_bias(x.reshape((n, c) + tuple(size)), b)
        if rows is None:
            rows = _rows(y, True)  # (O, P*N)
        k = math.prod(ksize)
        # (g, K*C/g, O/g): the (K*C, O) matrix of each group, tap-major so that each tap's
        # block of the product is contiguous (its adds ran ~1.7x faster than C-major ones)
        wt = xp.moveaxis(w.reshape(g, o // g, w.shape[1], k), 3, 1)
        wt = wt.swapaxes(2, 3).reshape(g, k * w.shape[1], o // g)
        gcols = xp.matmul(wt, rows.reshape(g, o // g, -1)).reshape(g, k, -1)
        shape = (c,) + y.shape[2:] + (n,)
        spad = tuple(s + lo + hi for s, (lo, hi) in zip(size, pads))
        buf = xp.zeros((c,) + spad + (n,), dtype=y.dtype)
        _add_taps(buf, (gcols[:, j].reshape(shape) for j in range(k)),
                  (sl for _, sl in _offset_slices(ksize, stride, dilation, y.shape[2:], lead=1)))
        inner = buf[(slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in
                                           zip(size, pads))]
        ctx.rows = rows if ctx.needs_input_grad[1] else None  # the weight gradient's rows
        return _from_nlast(inner, b, xp)

    @staticmethod
    def backward(ctx, grad):
        # dT/dy = conv(g, w); dT/dw = conv_weight(g, y); db = sum of g
        y, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        stride, pads, dilation, groups = ctx.geom
        ksize, osize = tuple(w.shape[2:]), tuple(y.shape[2:])
        nl = _batch_last(stride, osize, grad.shape[1] * math.prod(ksize), y.shape[1])
        gy = gw = gb = None
        cols = None
        if (need[0] or need[1]) and not _dense(grad.shape[2:], ksize, pads, dilation, groups,
                                               osize):  # the windows of g serve both products
            cols = _cols(grad._data, ksize, stride, dilation, pads, osize, nl)
        if need[0]:
            gy = Conv.apply(grad, w, None, *ctx.geom, osize, cols=cols, nl=nl)
        if need[1]:
            gw = ConvWeight.apply(grad, y, *ctx.geom, ksize, cols=cols,
                                  rows=ctx.rows if nl else None, nl=nl)
        if len(need) > 2 and need[2]:
            gb = _bias_grad(grad)
        ctx.rows = None
        return gy, gw, gb


class ConvWeight(Function):
    """w = conv_weight(x, y): the weight gradient of ``Conv``, as a forward (``cols`` and
    ``rows`` pass the window matrix of ``x`` and the rows of ``y`` when the caller has them,
    ``nl`` their layout: see ``_batch_last``)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, y, stride, pads, dilation, groups, ksize, cols=None, rows=None,
                bias_sum=None, nl=None):
        ctx.geom = (stride, pads, dilation, groups)
        ctx.save_for_backward(x, y)
        n, o = y.shape[:2]
        if _dense(x.shape[2:], ksize, pads, dilation, groups, y.shape[2:]):
            w = y.reshape(n, o).T @ x.reshape(n, -1)
            return w.reshape((o, x.shape[1]) + tuple(ksize))
        if nl is None:  # (a caller passing ``cols`` passes their layout)
            nl = _batch_last(stride, y.shape[2:], x.shape[1] * math.prod(ksize), o)
        if cols is None:
            cols = _cols(x, ksize, stride, dilation, pads, y.shape[2:], nl)
        if rows is None and nl:
            rows = _rows(y, True)
        w = _weight_out(cols, y, rows, groups, nl)
        if bias_sum is not None:  # cols ends with a row of ones: its column sums y
            bias_sum.append(w[:, -1].copy())
            w = w[:, :-1].copy()
        return w.reshape((y.shape[1], x.shape[1] // groups) + tuple(ksize))

    @staticmethod
    def backward(ctx, grad):
        # dT/dx = conv_transpose(y, g); dT/dy = conv(x, g)
        x, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = gy = None
        if need[0]:
            gx = ConvTranspose.apply(y, grad, None, *ctx.geom, tuple(x.shape[2:]))
        if need[1]:
            gy = Conv.apply(x, grad, None, *ctx.geom, tuple(y.shape[2:]))
        return gx, gy


class Unfold(Function):
    """im2col in PyTorch's ``F.unfold`` layout: (N, C, *S) -> (N, C*prod(K), prod(P))."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, ksize, stride, dilation, pads, osize):
        ctx.args = (tuple(x.shape[2:]), ksize, stride, dilation, pads, osize)
        return im2col(x, ksize, stride, dilation, pads)[0]

    @staticmethod
    def backward(ctx, grad):
        # adjoint of copying windows out: add them back (fold)
        return Fold.apply(grad, *ctx.args)


class Fold(Function):
    """col2im in PyTorch's ``F.fold`` layout: (N, C*prod(K), prod(P)) -> (N, C, *S)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, cols, size, ksize, stride, dilation, pads, osize):
        n = cols.shape[0]
        c = cols.shape[1] // math.prod(ksize)
        arr = cols.reshape((n, c) + tuple(ksize) + tuple(osize))
        ctx.args = (ksize, stride, dilation, pads, osize)
        return col2im(arr, (n, c) + tuple(size), ksize, stride, dilation, pads)

    @staticmethod
    def backward(ctx, grad):
        # adjoint of adding windows back is copying them out (unfold)
        return Unfold.apply(grad, *ctx.args)

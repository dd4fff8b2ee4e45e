"""Convolution primitives: im2col windows plus one BLAS matrix product per call.

One trilinear form ties the three primitives together,

    T(x, w, y) = sum x[n, c, p*s + k*d - pad] * w[o, c, k] * y[n, o, p]

(``c`` and ``o`` within one group). ``conv`` is dT/dy, ``conv_transpose`` (the input gradient
of a convolution) is dT/dx and ``conv_weight`` (its weight gradient) is dT/dw. The backward of
each is the other two, so gradients of any order come from these three forwards.

Layouts are chosen for BLAS, and for few BLAS calls (with threads on a busy machine every
call is a synchronisation point, and many small calls were measured up to 10x slower than one
big one): the windows are copied once into a contiguous (C*prod(K), N*prod(P)) matrix, the
batch folded into the GEMM's long dimension, so the forward is a single
``(O, C*K) @ (C*K, N*P)`` product per group and the weight gradient a single
``(O, N*P) @ (N*P, C*K)``. The input gradient is one ``(C, O) @ (O, N*P)`` product per kernel
offset added straight into that offset's strided slice of the output (a col2im without the
column matrix) when BLAS runs single-threaded, else one product and a col2im; the loop runs
over kernel offsets only.

These are private: ``ember.nn.functional`` exposes them as ``conv1d/2d/3d`` and
``conv_transpose1d/2d/3d``.
"""
import itertools
import math

from ._util import Function, get_array_module

__all__ = []

def _single_threaded_blas():
    """With a multi-threaded BLAS every call is a synchronisation point, and on a busy machine
    many small calls were measured several times slower than one big one; with one thread
    (ember's default, see backends/_blas.py) the per-offset products of ConvTranspose win."""
    from ..backends import _blas

    return _blas.get_num_threads() == 1


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


def windows(xpad, ksize, stride, dilation, osize, order="ckn"):
    """A strided view of every window of the padded input, no copy: (C, *K, N, *P) for
    ``order="ckn"`` (the GEMM layout), (N, C, *K, *P) for ``"nck"`` (``F.unfold``'s)."""
    xp = get_array_module(xpad)
    st = xpad.strides
    kst = tuple(a * d for a, d in zip(st[2:], dilation))
    pst = tuple(a * s for a, s in zip(st[2:], stride))
    if order == "ckn":
        shape = (xpad.shape[1],) + tuple(ksize) + (xpad.shape[0],) + tuple(osize)
        strides = (st[1],) + kst + (st[0],) + pst
    else:
        shape = xpad.shape[:2] + tuple(ksize) + tuple(osize)
        strides = st[:2] + kst + pst
    return xp.lib.stride_tricks.as_strided(xpad, shape, strides)


def _osize(x, ksize, stride, dilation, pads):
    return tuple(out_size(n, k, s, d, lo, hi) for n, k, s, d, (lo, hi) in
                 zip(x.shape[2:], ksize, stride, dilation, pads))


def im2col(x, ksize, stride, dilation, pads, order="ckn", osize=None):
    """The window matrix of ``x`` (N, C, *S): (C*prod(K), N*prod(P)) for ``order="ckn"``,
    (N, C*prod(K), prod(P)) for ``"nck"``; and P (the first ``osize`` windows if given)."""
    xp = get_array_module(x)
    osize = tuple(osize) if osize is not None else _osize(x, ksize, stride, dilation, pads)
    cols = xp.ascontiguousarray(windows(pad_zeros(x, pads), ksize, stride, dilation, osize,
                                        order))
    n, ck, p = x.shape[0], x.shape[1] * math.prod(ksize), math.prod(osize)
    return (cols.reshape(ck, n * p) if order == "ckn" else cols.reshape(n, ck, p)), osize


def _offset_slices(ksize, stride, dilation, osize, lead=2):
    """(offsets, slices) of the strided output region every kernel offset touches."""
    full = (slice(None),) * lead
    for offs in itertools.product(*(range(k) for k in ksize)):
        yield offs, full + tuple(slice(o * d, o * d + s * (p - 1) + 1, s)
                                 for o, d, s, p in zip(offs, dilation, stride, osize))


def _crop(buf, size, pads):
    if not any(lo or hi for lo, hi in pads):
        return buf
    return buf[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in
                                                  zip(size, pads))]


def col2im(cols, shape, ksize, stride, dilation, pads):
    """Adjoint of ``im2col(order="nck")``: add (N, C, *K, *P) columns back into (N, C, *S)."""
    xp = get_array_module(cols)
    spad = tuple(s + lo + hi for s, (lo, hi) in zip(shape[2:], pads))
    osize = cols.shape[2 + len(ksize):]
    buf = xp.zeros(tuple(shape[:2]) + spad, dtype=cols.dtype)
    for offs, sl in _offset_slices(ksize, stride, dilation, osize):
        buf[sl] += cols[(slice(None), slice(None)) + offs]
    return xp.ascontiguousarray(_crop(buf, shape[2:], pads))


def _to_rows(y, groups):
    """(N, O, *P) -> (groups, O/groups, N*prod(P)), contiguous (channels first)."""
    xp = get_array_module(y)
    o = y.shape[1]
    return xp.ascontiguousarray(y.swapaxes(0, 1)).reshape(groups, o // groups, -1)


def _to_nchw(y, b, xp):
    """A contiguous copy of the (N, C, *S) view ``y``, adding the bias in the same pass."""
    if b is None:
        return xp.ascontiguousarray(y)
    out = xp.empty(y.shape, dtype=y.dtype)
    xp.add(y, b.reshape((-1,) + (1,) * (y.ndim - 2)), out=out)
    return out


def _bias_grad(grad):
    return grad.sum(dim=(0,) + tuple(range(2, grad.dim())))


class Conv(Function):
    """y = conv(x, w) + b.

    ``osize`` limits the output to the first windows: as the adjoint of a ``ConvTranspose``
    whose ``output_padding`` is not smaller than the stride, ``x`` has trailing rows that no
    window of ``y`` reads.
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups, osize=None):
        xp = get_array_module(x)
        cols, osize = im2col(x, w.shape[2:], stride, dilation, pads, osize=osize)
        o = w.shape[0]
        if groups == 1:
            y = w.reshape(o, -1) @ cols
        else:
            y = xp.matmul(w.reshape(groups, o // groups, -1),
                          cols.reshape(groups, -1, cols.shape[1]))
        y = y.reshape((o, x.shape[0]) + osize).swapaxes(0, 1)
        ctx.geom = (stride, pads, dilation, groups)
        ctx.cols = cols  # reused by the weight gradient (it is a function of x alone)
        ctx.save_for_backward(x, w)
        return _to_nchw(y, b, xp)

    @staticmethod
    def backward(ctx, grad):
        # dT/dx = conv_transpose(g, w); dT/dw = conv_weight(x, g); db = sum of g
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gx = ConvTranspose.apply(grad, w, None, *ctx.geom, tuple(x.shape[2:]))
        if need[1]:
            gw = ConvWeight.apply(x, grad, *ctx.geom, tuple(w.shape[2:]), cols=ctx.cols)
        if len(need) > 2 and need[2]:
            gb = _bias_grad(grad)
        ctx.cols = None
        return gx, gw, gb


class ConvTranspose(Function):
    """x = conv_transpose(y, w) + b: the input gradient of ``Conv``, as a forward."""

    _array_forward = True

    @staticmethod
    def forward(ctx, y, w, b, stride, pads, dilation, groups, size):
        xp = get_array_module(y)
        ksize = w.shape[2:]
        n, o = y.shape[:2]
        c, g = w.shape[1] * groups, groups
        rows = _to_rows(y, g)  # (g, O/g, N*P)
        nk = len(ksize)
        # (g, *K, C/g, O/g): the (C, O) matrix of every kernel offset
        wt = xp.moveaxis(w.reshape((g, o // g, w.shape[1]) + ksize), (1, 2), (nk + 2, nk + 1))
        if _single_threaded_blas():  # one product per offset: no column matrix (~25% faster)
            def part(offs):
                return xp.matmul(wt[(slice(None),) + offs], rows)
        else:  # one product in all: each threaded BLAS call is a sync point
            k = math.prod(ksize)
            gcols = xp.matmul(wt.reshape(g, k * w.shape[1], o // g), rows)
            gcols = gcols.reshape((g,) + ksize + (w.shape[1], rows.shape[2]))

            def part(offs):
                return gcols[(slice(None),) + offs]
        spad = tuple(s + lo + hi for s, (lo, hi) in zip(size, pads))
        buf = xp.zeros((c, n) + spad, dtype=y.dtype)
        shape = (c, n) + y.shape[2:]
        for offs, sl in _offset_slices(ksize, stride, dilation, y.shape[2:]):
            buf[sl] += part(offs).reshape(shape)
        x = _to_nchw(_crop(buf, size, pads).swapaxes(0, 1), b, xp)
        ctx.geom = (stride, pads, dilation, groups)
        ctx.save_for_backward(y, w)
        return x

    @staticmethod
    def backward(ctx, grad):
        # dT/dy = conv(g, w); dT/dw = conv_weight(g, y); db = sum of g
        y, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gy = gw = gb = None
        if need[0]:
            gy = Conv.apply(grad, w, None, *ctx.geom, tuple(y.shape[2:]))
        if need[1]:
            gw = ConvWeight.apply(grad, y, *ctx.geom, tuple(w.shape[2:]))
        if len(need) > 2 and need[2]:
            gb = _bias_grad(grad)
        return gy, gw, gb


class ConvWeight(Function):
    """w = conv_weight(x, y): the weight gradient of ``Conv``, as a forward."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, y, stride, pads, dilation, groups, ksize, cols=None):
        xp = get_array_module(x)
        if cols is None:
            cols, _ = im2col(x, ksize, stride, dilation, pads, osize=y.shape[2:])
        rows = _to_rows(y, groups)
        if groups == 1:
            w = rows[0] @ cols.T
        else:
            w = xp.matmul(rows, cols.reshape(groups, -1, cols.shape[1]).swapaxes(1, 2))
        ctx.geom = (stride, pads, dilation, groups)
        ctx.save_for_backward(x, y)
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
        return im2col(x, ksize, stride, dilation, pads, order="nck")[0]

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

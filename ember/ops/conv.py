"""Convolution primitives: im2col windows plus one BLAS matrix product per call.

One trilinear form ties the three primitives together,

    T(x, w, y) = sum x[n, c, p*s + k*d - pad] * w[o, c, k] * y[n, o, p]

(``c`` and ``o`` within one group). ``conv`` is dT/dy, ``conv_transpose`` (the input gradient
of a convolution) is dT/dx and ``conv_weight`` (its weight gradient) is dT/dw. The backward of
each is the other two, so gradients of any order come from these three forwards.

Layouts are chosen for BLAS: the windows are copied once into a contiguous
``(C*prod(K), N*prod(P))`` matrix (batch folded into the GEMM's long dimension), so the
forward is a single ``(O, C*K) @ (C*K, N*P)`` product per group. The input gradient scatters
``W^T @ g`` back with ``prod(K)`` strided adds (col2im), a loop over kernel offsets only.

These are private: ``ember.nn.functional`` exposes them as ``conv1d/2d/3d`` and
``conv_transpose1d/2d/3d``.
"""
import itertools
import math

from ._util import Function, get_array_module

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


def windows(xpad, ksize, stride, dilation, osize, order="ckn"):
    """A strided view of every window of the padded input, no copy.

    ``order="ckn"`` gives (C, *K, N, *P) (the im2col layout), ``"nck"`` gives (N, C, *K, *P)
    (``F.unfold``'s layout).
    """
    xp = get_array_module(xpad)
    st = xpad.strides
    sp = st[2:]
    kst = tuple(a * d for a, d in zip(sp, dilation))
    pst = tuple(a * s for a, s in zip(sp, stride))
    if order == "ckn":
        shape = (xpad.shape[1],) + tuple(ksize) + (xpad.shape[0],) + tuple(osize)
        strides = (st[1],) + kst + (st[0],) + pst
    else:
        shape = xpad.shape[:2] + tuple(ksize) + tuple(osize)
        strides = st[:2] + kst + pst
    return xp.lib.stride_tricks.as_strided(xpad, shape, strides)


def im2col(x, ksize, stride, dilation, pads):
    """The (C*prod(K), N*prod(P)) window matrix of ``x`` (N, C, *S), and P."""
    xp = get_array_module(x)
    osize = tuple(out_size(n, k, s, d, lo, hi) for n, k, s, d, (lo, hi) in
                  zip(x.shape[2:], ksize, stride, dilation, pads))
    win = windows(pad_zeros(x, pads), ksize, stride, dilation, osize)
    cols = xp.ascontiguousarray(win)
    return cols.reshape(x.shape[1] * math.prod(ksize), x.shape[0] * math.prod(osize)), osize


def col2im(cols, shape, ksize, stride, dilation, pads):
    """Adjoint of :func:`im2col`: add the (C, *K, N, *P) columns back into (N, C, *S)."""
    xp = get_array_module(cols)
    n, c = shape[:2]
    spad = tuple(s + lo + hi for s, (lo, hi) in zip(shape[2:], pads))
    osize = cols.shape[2 + len(ksize):]
    buf = xp.zeros((c, n) + spad, dtype=cols.dtype)
    full = (slice(None), slice(None))
    for offs in itertools.product(*(range(k) for k in ksize)):
        sl = tuple(slice(o * d, o * d + s * (p - 1) + 1, s)
                   for o, d, s, p in zip(offs, dilation, stride, osize))
        buf[full + sl] += cols[(slice(None),) + offs]
    crop = tuple(slice(lo, lo + s) for s, (lo, _) in zip(shape[2:], pads))
    return xp.ascontiguousarray(buf[full + crop].swapaxes(0, 1))


def _to_rows(y, groups):
    """(N, O, *P) -> (groups, O/groups, N*prod(P)), contiguous (channels first)."""
    xp = get_array_module(y)
    o = y.shape[1]
    return xp.ascontiguousarray(y.swapaxes(0, 1)).reshape(groups, o // groups, -1)


def _bias_grad(grad):
    return grad.sum(dim=(0,) + tuple(range(2, grad.dim())))


class Conv(Function):
    """y = conv(x, w) + b."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups):
        xp = get_array_module(x)
        ksize = w.shape[2:]
        cols, osize = im2col(x, ksize, stride, dilation, pads)
        o = w.shape[0]
        if groups == 1:
            y = w.reshape(o, -1) @ cols
        else:
            y = xp.matmul(w.reshape(groups, o // groups, -1),
                          cols.reshape(groups, -1, cols.shape[1]))
        y = y.reshape((o, x.shape[0]) + osize)
        if b is not None:
            y += b.reshape((o,) + (1,) * (len(osize) + 1))
        ctx.geom = (stride, pads, dilation, groups)
        ctx.cols = cols  # reused by the weight gradient (it is a function of x alone)
        ctx.save_for_backward(x, w)
        return xp.ascontiguousarray(y.swapaxes(0, 1))

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
        rows = _to_rows(y, groups)
        wm = w.reshape(groups, w.shape[0] // groups, -1)
        if groups == 1:
            gcols = wm[0].T @ rows[0]
        else:
            gcols = xp.matmul(wm.swapaxes(1, 2), rows)
        c = w.shape[1] * groups
        gcols = gcols.reshape((c,) + ksize + (y.shape[0],) + y.shape[2:])
        x = col2im(gcols, (y.shape[0], c) + tuple(size), ksize, stride, dilation, pads)
        if b is not None:
            x += b.reshape((c,) + (1,) * len(size))
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
            gy = Conv.apply(grad, w, None, *ctx.geom)
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
            cols, _ = im2col(x, ksize, stride, dilation, pads)
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
            gy = Conv.apply(x, grad, None, *ctx.geom)
        return gx, gy


class Unfold(Function):
    """im2col in PyTorch's ``F.unfold`` layout: (N, C, *S) -> (N, C*prod(K), prod(P))."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, ksize, stride, dilation, pads, osize):
        xp = get_array_module(x)
        win = windows(pad_zeros(x, pads), ksize, stride, dilation, osize, order="nck")
        ctx.args = (tuple(x.shape[2:]), ksize, stride, dilation, pads, osize)
        return xp.ascontiguousarray(win).reshape(x.shape[0], -1, math.prod(osize))

    @staticmethod
    def backward(ctx, grad):
        # adjoint of copying windows out: add them back (fold)
        return Fold.apply(grad, *ctx.args)


class Fold(Function):
    """col2im in PyTorch's ``F.fold`` layout: (N, C*prod(K), prod(P)) -> (N, C, *S)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, cols, size, ksize, stride, dilation, pads, osize):
        xp = get_array_module(cols)
        n = cols.shape[0]
        c = cols.shape[1] // math.prod(ksize)
        arr = cols.reshape((n, c) + tuple(ksize) + tuple(osize))
        ctx.args = (ksize, stride, dilation, pads, osize)
        return col2im(xp.moveaxis(arr, 0, 1 + len(ksize)), (n, c) + tuple(size), ksize, stride,
                      dilation, pads)

    @staticmethod
    def backward(ctx, grad):
        # adjoint of adding windows back is copying them out (unfold)
        return Unfold.apply(grad, *ctx.args)

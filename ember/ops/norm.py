"""Fused normalisation primitive: ``(x - mean) / sqrt(var + eps) * w + b`` over some axes.

One primitive serves batch, layer, group and instance normalisation (they differ only in the
reduced axes and the shape of ``w``/``b``). It is fused for speed (two passes over ``x`` instead
of eight composite ops) and numerics (the variance of the centred values).

Backward, with ``xhat`` the normalised input, ``gh = g * w`` and ``R`` the reduced axes:

    dx = invstd * (gh - mean_R(gh) - xhat * mean_R(gh * xhat)),  dw = sum(g * xhat),  db = sum(g)

When the engine records the backward (``create_graph=True``) the same formula is written in
Tensor ops with the statistics recomputed from ``x``, so it is itself differentiable; otherwise
it runs directly on arrays.
"""
from ..autograd import grad_mode
from ._util import Function, _make, get_array_module, unbroadcast

__all__ = []


def _sum_to(a, shape):
    """Sum an array down to a broadcastable ``shape`` (array version of ``unbroadcast``)."""
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and a.shape[lead + i] != 1)
    out = a.sum(axis=axes, keepdims=True) if axes else a
    return out.reshape(shape)


class Normalize(Function):
    """Returns (out, mean, var) (biased variance); the statistics keep the reduced axes as size 1."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, w, b, axes, eps):
        xp = get_array_module(x)
        mean = x.mean(axis=axes, keepdims=True)
        xhat = x - mean
        var = xp.mean(xp.square(xhat), axis=axes, keepdims=True)
        invstd = 1.0 / xp.sqrt(var + x.dtype.type(eps))
        xhat *= invstd
        if w is not None:
            out = xhat * w
            if b is not None:
                out += b
        elif b is not None:
            out = xhat + b
        else:
            out = xhat.copy()
        ctx.axes, ctx.eps, ctx.xhat, ctx.invstd = axes, eps, xhat, invstd
        ctx.wshape = None if w is None else w.shape
        ctx.bshape = None if b is None else b.shape
        ctx.save_for_backward(x, w)
        ctx.mark_non_differentiable(mean, var)
        return out, mean, var

    @staticmethod
    def backward(ctx, grad, _m, _s):
        need = ctx.needs_input_grad
        if grad_mode._state[0]:
            return _backward_graph(ctx, grad)
        x, w = ctx.saved_tensors
        g = grad._data
        xhat, invstd, axes = ctx.xhat, ctx.invstd, ctx.axes
        gx = gw = gb = None
        if need[0]:
            gh = g * w._data if w is not None else g
            m1 = gh.mean(axis=axes, keepdims=True)
            m2 = (gh * xhat).mean(axis=axes, keepdims=True)
            gx = _make((gh - m1 - xhat * m2) * invstd)
        if need[1]:
            gw = _make(_sum_to(g * xhat, ctx.wshape))
        if need[2]:
            gb = _make(_sum_to(g, ctx.bshape))
        return gx, gw, gb


def _backward_graph(ctx, grad):
    """The backward in Tensor ops (statistics recomputed from x) for higher-order gradients."""
    x, w = ctx.saved_tensors
    axes = ctx.axes
    need = ctx.needs_input_grad
    mean = x.mean(dim=axes, keepdim=True)
    xc = x - mean
    invstd = ((xc * xc).mean(dim=axes, keepdim=True) + ctx.eps) ** -0.5
    xhat = xc * invstd
    gx = gw = gb = None
    if need[0]:
        gh = grad * w if w is not None else grad
        gx = invstd * (gh - gh.mean(dim=axes, keepdim=True)
                       - xhat * (gh * xhat).mean(dim=axes, keepdim=True))
    if need[1]:
        gw = unbroadcast(grad * xhat, ctx.wshape)
    if need[2]:
        gb = unbroadcast(grad, ctx.bshape)
    return gx, gw, gb


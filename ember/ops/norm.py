"""Fused normalisation primitive: ``(x - mean) / sqrt(var + eps) * w + b`` over some axes.

One primitive serves batch, layer, group and instance normalisation (they differ only in the
reduced axes and the shape of ``w``/``b``). It is fused for speed (the centred input, its
variance and one scale-and-shift, instead of eight composite ops) and numerics (the variance of
the centred values).

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


def _rsum(a, axes, b=None):
    """sum(a * b) over ``axes`` keeping them as size 1, in one pass (einsum, no temporary)."""
    xp = get_array_module(a)
    letters = "abcdefghijklmnopqrstuvwxyz"[:a.ndim]
    keep = "".join(c for i, c in enumerate(letters) if i not in axes)
    kept = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
    if b is None:
        return xp.einsum(f"{letters}->{keep}", a).reshape(kept)
    return xp.einsum(f"{letters},{letters}->{keep}", a, b).reshape(kept)


def _wide(f, shape, axes):
    """A per-group factor ``f`` (size 1 on the reduced ``axes``) spread as a contiguous array
    over every axis but the first, when the batch axis is among the reduced ones (batch norm):
    ``(N, C, H, W) * (1, C, H, W)`` then runs one long inner loop where ``(1, C, 1, 1)`` runs
    one per ``H * W`` row (~30% faster here), and the spread factor is only ``1/N`` of ``x``."""
    if f is None or 0 not in axes or f.ndim != len(shape) or shape[0] == 1 or f.ndim < 3:
        return f
    xp = get_array_module(f)
    return xp.ascontiguousarray(xp.broadcast_to(f, (1,) + tuple(shape[1:])))


class Normalize(Function):
    """Returns (out, mean, var), the biased variance; statistics keep reduced axes as size 1."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, w, b, axes, eps):
        xp = get_array_module(x)
        count = 1
        for i in axes:
            count *= x.shape[i]
        inv_n = x.dtype.type(1.0 / count)
        shape = x.shape
        mean = _rsum(x, axes) * inv_n
        xc = x - _wide(mean, shape, axes)
        var = _rsum(xc, axes, xc) * inv_n
        invstd = 1.0 / xp.sqrt(var + x.dtype.type(eps))
        # out = xc * (invstd * w) + b: the scale is per group, so the normalised input itself
        # is never formed (one pass fewer); the backward works from xc and invstd as well
        per_group_w = w is not None and _reduces_to(invstd.shape, w.shape)
        out = xc * _wide(invstd * w if per_group_w else invstd, shape, axes)
        if w is not None and not per_group_w:
            out *= w
        if b is not None:
            out += _wide(b, shape, axes) if _reduces_to(invstd.shape, b.shape) else b
        ctx.axes, ctx.eps, ctx.xc, ctx.invstd, ctx.inv_n = axes, eps, xc, invstd, inv_n
        ctx.wshape = None if w is None else w.shape
        ctx.bshape = None if b is None else b.shape
        ctx.save_for_backward(x, w)
        ctx.mark_non_differentiable(mean, var)
        return out, mean, var

    @staticmethod
    def backward(ctx, grad, _m, _s):
        if grad_mode._state[0]:
            return _backward_graph(ctx, grad)
        need = ctx.needs_input_grad
        x, w = ctx.saved_tensors
        g = grad._data
        xc, invstd, axes = ctx.xc, ctx.invstd, ctx.axes
        kept = tuple(1 if i in axes else n for i, n in enumerate(g.shape))
        per_group_w = w is None or _reduces_to(kept, ctx.wshape)
        sg = _rsum(g, axes)  # per-group sum(g) and sum(g * xhat): all that dx needs
        sgx = _rsum(g, axes, xc) * invstd
        gx = gw = gb = None
        if need[0]:
            inv_n = ctx.inv_n
            if per_group_w:
                # dx = k (g - mean(g) - xhat mean(g xhat)), k = invstd w, xhat = xc invstd
                k = invstd * w._data if w is not None else invstd
                gx = g * _wide(k, g.shape, axes)
                gx -= xc * _wide(k * invstd * (sgx * inv_n), g.shape, axes)
                gx -= _wide(k * (sg * inv_n), g.shape, axes)
            else:  # w varies inside a group (layer norm): work with gh = g * w
                gh = g * w._data
                gx = gh - xc * (invstd * invstd * _rsum(gh, axes, xc) * inv_n)
                gx -= _rsum(gh, axes) * inv_n
                gx *= invstd
            gx = _make(gx)
        if need[1]:
            gw = _make(_sum_to(sgx, ctx.wshape) if per_group_w
                       else _sum_to(g * xc * invstd, ctx.wshape))
        if need[2]:
            gb = _make(_sum_to(sg, ctx.bshape) if _reduces_to(kept, ctx.bshape)
                       else _sum_to(g, ctx.bshape))
        return gx, gw, gb


def _reduces_to(stat_shape, pshape):
    """Whether the parameter's broadcast dims are all among the statistics' reduced dims
    (then its gradient is a sum of the per-group statistics)."""
    lead = len(stat_shape) - len(pshape)
    return all(n == 1 for n in stat_shape[:lead]) and all(
        p == 1 or s == p for s, p in zip(stat_shape[lead:], pshape))


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


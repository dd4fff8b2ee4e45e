"""Private primitives the nn functions need that the core ops do not provide (or not with
PyTorch's exact behaviour at the kinks, e.g. hardtanh's strict bounds).

Each is a ``Function`` with an array forward and a backward in Tensor ops (so double backward
works), with the local derivative in a comment. They are kept small; when the core grows an
equivalent public op, the F functions can switch to it.
"""
import math

from ..._tensor import Tensor
from ...autograd.function import Function
from ...backends import get_array_module
from ...ops.pointwise import sigmoid

_make = Tensor._make


def _const(mask, like):
    """A constant (no-grad) tensor from a boolean/float array, in ``like``'s dtype."""
    return _make(mask.astype(like._data.dtype, copy=False))


class Clamp(Function):
    """``min(max(x, lo), hi)`` with scalar bounds (Hardtanh, ReLU6, clamp_min)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, lo, hi, strict=True):
        xp = get_array_module(x)
        ctx.mask = ((x > lo) & (x < hi)) if strict else ((x >= lo) & (x <= hi))
        return xp.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        # d clamp(x) = [lo < x < hi] dx; hardtanh excludes the bounds, clamp includes them
        return grad * _const(ctx.mask, grad)


class Elu(Function):
    """``scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1))``: ELU, SELU, CELU."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        xp = get_array_module(x)
        neg = alpha * xp.expm1(xp.minimum(x, 0) * input_scale)
        out = (scale * xp.where(x > 0, x, neg)).astype(x.dtype, copy=False)
        ctx.params = (alpha, scale, input_scale)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d elu = scale dx for x > 0, else input_scale * (out + scale * alpha) dx
        alpha, scale, input_scale = ctx.params
        x, out = ctx.saved_tensors
        pos = _const(x._data > 0, grad)
        neg_d = (out + scale * alpha) * input_scale
        return grad * (pos * scale + (1 - pos) * neg_d)


class Softplus(Function):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold`` (stable for large x)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = get_array_module(x)
        bx = x * beta
        lin = bx > threshold
        # log1p(exp(bx)) without overflow: max(bx, 0) + log1p(exp(-|bx|))
        sp = (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / beta
        ctx.params = (beta, lin)
        ctx.save_for_backward(x)
        return xp.where(lin, x, sp).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        # d softplus(x) = sigmoid(beta x) dx (1 in the linear region)
        beta, lin = ctx.params
        (x,) = ctx.saved_tensors
        lin = _const(lin, grad)
        return grad * (lin + (1 - lin) * sigmoid(x * beta))


class Hardswish(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        return (x * xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        # d hardswish = 0 (x <= -3), x/3 + 1/2 (-3 < x < 3), 1 (x >= 3): PyTorch's kinks
        (x,) = ctx.saved_tensors
        xa = x._data
        mid = _const((xa > -3) & (xa < 3), grad)
        hi = _const(xa >= 3, grad)
        return grad * (mid * (x / 3 + 0.5) + hi)


class Abs(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        # d |x| = sign(x) dx (0 at 0)
        (x,) = ctx.saved_tensors
        return grad * _make(get_array_module(x._data).sign(x._data))


class PNorm(Function):
    """``(sum |x|^p)^(1/p)`` over ``dim`` (p > 0, finite); zero vectors get a zero gradient."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, p, dim, keepdim):
        xp = get_array_module(x)
        a = xp.abs(x)
        if p == 2:
            out = xp.sqrt((x * x).sum(axis=dim, keepdims=True))
        elif p == 1:
            out = a.sum(axis=dim, keepdims=True)
        else:
            out = (a ** p).sum(axis=dim, keepdims=True) ** (1.0 / p)
        ctx.params = (p, dim, keepdim)
        if not keepdim:
            out = out.squeeze(axis=dim)
        # save the returned array itself, so double backward sees the output's graph
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d ||x||_p = sign(x) |x|^(p-1) / ||x||^(p-1) dx  (0 where ||x|| == 0)
        p, dim, keepdim = ctx.params
        x, out = ctx.saved_tensors
        if not keepdim:
            grad = grad.unsqueeze(dim)
            out = out.unsqueeze(dim)
        safe = out + _const(out._data == 0, out)
        if p == 1:
            return grad * _make(get_array_module(x._data).sign(x._data)).to(x.dtype)
        if p == 2:
            return grad * x / safe
        sgn = _make(get_array_module(x._data).sign(x._data)).to(x.dtype)
        return grad * sgn * Abs.apply(x) ** (p - 1) / safe ** (p - 1)


def clamp_min(x, lo):
    """``max(x, lo)`` for a scalar ``lo``, gradient 1 where x >= lo (PyTorch's clamp)."""
    return Clamp.apply(x, lo, math.inf, False)

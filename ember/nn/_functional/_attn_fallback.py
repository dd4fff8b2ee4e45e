"""Stand-ins used by attention and the transformer layers until the shared ones land.

``pick(name)`` returns ``ember.nn.functional.<name>`` when another family provides it, else the
private version here (softmax, dropout, layer_norm, relu, gelu). Each private one is correct and
differentiable; the shared implementations replace them without any change at the call sites.
"""
import math

import numpy as np

from ...autograd.function import Function
from ...backends import get_array_module
from ...ops import rnn as _rnn


class _Softmax(Function):
    # a primitive for stability: exp(x - max) never overflows, and -inf entries give 0
    _array_forward = True

    @staticmethod
    def forward(ctx, x, dim):
        xp = get_array_module(x)
        with np.errstate(invalid="ignore"):
            m = x.max(axis=dim, keepdims=True)
            e = xp.exp(x - m)
            out = e / e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d softmax = y * (g - sum(g * y))
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True)), None


class _Erf(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        from scipy.special import erf  # CPU-only stand-in until ember.erf exists

        ctx.save_for_backward(x)
        return erf(x).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        # d erf(x) = 2/sqrt(pi) exp(-x^2)
        (x,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _Softmax.apply(input, dim % input.ndim)


def dropout(input, p=0.5, training=True, inplace=False):
    if not training or p == 0:
        return input
    import ember

    if p == 1:
        return input * 0
    keep = (ember.rand(*input.shape, dtype=input.dtype) >= p).to(input.dtype)
    return input * keep / (1 - p)


def relu(input, inplace=False):
    return _rnn.relu(input)


def gelu(input, approximate="none"):
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (input + 0.044715 * input ** 3)
        return 0.5 * input * (1 + _rnn.tanh(inner))
    return 0.5 * input * (1 + _Erf.apply(input / math.sqrt(2)))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    dims = tuple(range(-len(normalized_shape), 0))
    mu = input.mean(dims, keepdim=True)
    xc = input - mu
    var = (xc * xc).mean(dims, keepdim=True)
    out = xc * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def linear(input, weight, bias=None):
    return _rnn.linear(input, weight, bias)


def pick(name):
    """``ember.nn.functional.<name>`` if provided by its family, else the stand-in here."""
    from ... import nn

    fn = getattr(nn.functional, name, None)
    return fn if fn is not None else globals()[name]

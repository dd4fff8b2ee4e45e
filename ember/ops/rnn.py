"""Fused recurrent-cell primitives: one time step of an RNN/LSTM/GRU as a single Function.

``forward`` computes the hidden-state matrix product and the gate nonlinearities in one pass
over raw arrays (in place, into the gate buffer), ``backward`` returns the gradients of the
step's inputs and of ``weight_hh``. The backward formula is written once (``_lstm_vjp`` ...)
with operators only (``*``, ``-``, ``@``, ``.T``), so the same code runs on raw arrays (the
fast path: plain ``backward``) and on ember Tensors (``create_graph=True``: the activations are
recomputed from the saved inputs with ember ops, so double backward works).
"""
import numpy as np

from ._util import Function, Tensor, _make, _state, get_array_module
from .pointwise import _sigmoid, relu, sigmoid, tanh
from .shape import cat

__all__ = []


# --- in-place sigmoid for the fused kernels ---------------------------------------------------
# ``ember.sigmoid``'s kernel allocates; these write into a slice of the gate buffer instead.
def _np_sigmoid(x, out=None):
    # 1 / (1 + e^-x); exp overflows to inf for very negative x, which gives the exact limit 0
    with np.errstate(over="ignore"):
        out = np.negative(x, out=out)
        np.exp(out, out=out)
        out += 1
        return np.reciprocal(out, out=out)


def _xp_sigmoid(xp, x, out=None):
    if xp is np:
        return _np_sigmoid(x, out)
    r = _sigmoid(xp, x)
    if out is not None:
        out[...] = r
        return out
    return r


# --- fused recurrent steps ----------------------------------------------------------------------
# Each step's vjp is written once with operators only, so it runs on raw arrays (fast path) and
# on ember Tensors (create_graph=True, with activations recomputed differentiably by ember ops).
def _cat1(parts):
    if not isinstance(parts[0], Tensor):
        return get_array_module(parts[0]).concatenate(parts, axis=1)
    return cat(parts, 1)


def _rnn_vjp(dh2, h2, h, w, relu_):
    # h2 = act(gx + h W^T): d pre = dh2 act'(pre); dgx = d pre, dh = d pre W, dW = d pre^T h
    dpre = dh2 * (h2 > 0) if relu_ else dh2 * (1 - h2 * h2)
    return dpre, dpre @ w, dpre.T @ h


def _lstm_vjp(dh2, dc2, i, f, g, o, tc, c, h, w):
    # c2 = f c + i g, h2 = o tanh(c2); gates (i, f, g, o) = (sig, sig, tanh, sig)(gx + h W^T)
    dc = dc2 + dh2 * o * (1 - tc * tc)
    dgates = _cat1([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g),
                    dh2 * tc * o * (1 - o)])
    return dgates, dgates @ w, dc * f, dgates.T @ h


def _gru_vjp(dh2, r, z, n, ghn, h, w):
    # r, z = sig(gx_rz + gh_rz); n = tanh(gx_n + r gh_n); h2 = (1 - z) n + z h; gh = h W^T + b
    dn = dh2 * (1 - z) * (1 - n * n)
    dr = dn * ghn * r * (1 - r)
    dz = dh2 * (h - n) * z * (1 - z)
    dgx = _cat1([dr, dz, dn])
    dgh = _cat1([dr, dz, dn * r])
    return dgx, dh2 * z + dgh @ w, dgh.T @ h, dgh


# Tensor-op vjps of one step (create_graph): the activations are recomputed from the step's
# inputs with ember ops, so the gradients are themselves differentiable. Used by the step
# primitives below and by the sequence primitive's replay (``_rnn_seq.py``).
def rnn_step_vjp(gx, h, w, relu_, dh2):
    """``(dgx, dh, dW)`` of ``h2 = act(gx + h W^T)``."""
    h2 = (relu if relu_ else tanh)(gx + h @ w.T)
    return _rnn_vjp(dh2, h2, h, w, relu_)


def lstm_step_vjp(gx, h, c, w, dh2, dc2):
    """``(dgx, dh, dc, dW)`` of one LSTM step."""
    n = c.shape[1]
    if dc2 is None:
        dc2 = dh2 * 0
    gates = gx + h @ w.T
    i, f = sigmoid(gates[:, :n]), sigmoid(gates[:, n:2 * n])
    g, o = tanh(gates[:, 2 * n:3 * n]), sigmoid(gates[:, 3 * n:])
    tc = tanh(f * c + i * g)
    return _lstm_vjp(dh2, dc2, i, f, g, o, tc, c, h, w)


def gru_step_vjp(gx, h, w, b, dh2):
    """``(dgx, dh, dW, dgh)`` of one GRU step (``db_hh = dgh.sum(0)``)."""
    k = h.shape[1]
    gh = h @ w.T
    if b is not None:
        gh = gh + b
    r = sigmoid(gx[:, :k] + gh[:, :k])
    z = sigmoid(gx[:, k:2 * k] + gh[:, k:2 * k])
    ghn = gh[:, 2 * k:]
    nn_ = tanh(gx[:, 2 * k:] + r * ghn)
    return _gru_vjp(dh2, r, z, nn_, ghn, h, w)


def _wrap(*xs):
    return tuple(x if x is None or isinstance(x, Tensor) else _make(x) for x in xs)


class RNNStep(Function):
    """``h2 = act(gx + h @ w.T)``, act tanh or relu; ``gx`` holds ``x W_ih^T`` plus the biases."""

    _array_forward = True

    @staticmethod
    def forward(ctx, gx, h, w, relu=False):
        xp = get_array_module(gx)
        pre = gx + h @ w.T
        h2 = xp.maximum(pre, 0, out=pre) if relu else xp.tanh(pre, out=pre)
        ctx.relu = relu
        ctx.h2 = h2
        ctx.save_for_backward(gx, h, w)
        return h2

    @staticmethod
    def backward(ctx, dh2):
        gx, h, w = ctx.saved_tensors
        if _state[0]:  # create_graph: h2 rebuilt with ember ops, so act' is differentiable
            return rnn_step_vjp(gx, h, w, ctx.relu, dh2)
        return _wrap(*_rnn_vjp(dh2._data, ctx.h2, h._data, w._data, ctx.relu))


def _lstm_acts(xp, gx, h, w):
    gates = gx + h @ w.T
    n = gates.shape[1] // 4
    _xp_sigmoid(xp, gates[:, :2 * n], out=gates[:, :2 * n])
    xp.tanh(gates[:, 2 * n:3 * n], out=gates[:, 2 * n:3 * n])
    _xp_sigmoid(xp, gates[:, 3 * n:], out=gates[:, 3 * n:])
    return gates


class LSTMStep(Function):
    """One LSTM step: ``(h2, c2)`` from ``gx = x W_ih^T + b_ih + b_hh``, ``h``, ``c``, ``W_hh``.

    Gate order i, f, g, o (PyTorch's): ``c2 = f c + i g``, ``h2 = o tanh(c2)``.
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, gx, h, c, w):
        xp = get_array_module(gx)
        a = _lstm_acts(xp, gx, h, w)
        n = c.shape[1]
        c2 = a[:, n:2 * n] * c
        c2 += a[:, :n] * a[:, 2 * n:3 * n]
        tc = xp.tanh(c2)
        h2 = a[:, 3 * n:] * tc
        ctx.acts, ctx.tc = a, tc
        ctx.save_for_backward(gx, h, c, w)
        return h2, c2

    @staticmethod
    def backward(ctx, dh2, dc2):
        gx, h, c, w = ctx.saved_tensors
        if _state[0]:  # create_graph: recompute the gates with ember ops
            return lstm_step_vjp(gx, h, c, w, dh2, dc2)
        n = c.shape[1]
        a, tc = ctx.acts, ctx.tc
        i, f, g, o = a[:, :n], a[:, n:2 * n], a[:, 2 * n:3 * n], a[:, 3 * n:]
        return _wrap(*_lstm_vjp(dh2._data, dc2._data, i, f, g, o, tc, c._data, h._data,
                                w._data))


class GRUStep(Function):
    """One GRU step with PyTorch's formula (gate order r, z, n)::

        r = sig(gx_r + gh_r), z = sig(gx_z + gh_z), n = tanh(gx_n + r * gh_n),
        h2 = (1 - z) * n + z * h,   gh = h W_hh^T + b_hh,   gx = x W_ih^T + b_ih
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, gx, h, w, b=None):
        xp = get_array_module(gx)
        gh = h @ w.T
        if b is not None:
            gh += b
        k = h.shape[1]
        rz = _xp_sigmoid(xp, gx[:, :2 * k] + gh[:, :2 * k])
        r, z = rz[:, :k], rz[:, k:]
        ghn = gh[:, 2 * k:]
        nn_ = xp.tanh(gx[:, 2 * k:] + r * ghn)
        h2 = nn_ + z * (h - nn_)
        ctx.vals = (r, z, nn_, ghn)
        ctx.has_b = b is not None
        ctx.save_for_backward(gx, h, w, b)
        return h2

    @staticmethod
    def backward(ctx, dh2):
        gx, h, w, b = ctx.saved_tensors
        if _state[0]:  # create_graph: recompute the gates with ember ops
            dgx, dh, dw, dgh = gru_step_vjp(gx, h, w, b, dh2)
        else:
            r, z, nn_, ghn = ctx.vals
            dgx, dh, dw, dgh = _gru_vjp(dh2._data, r, z, nn_, ghn, h._data, w._data)
        db = dgh.sum(0) if ctx.has_b and ctx.needs_input_grad[3] else None
        return _wrap(dgx, dh, dw, db)


def step(mode, gx, h, c, w, b=None):
    """One step of ``mode`` (``'LSTM'``, ``'GRU'``, ``'RNN_TANH'``, ``'RNN_RELU'``):
    ``(h2, c2 or None)``. ``b`` is GRU's ``b_hh``; the other modes fold it into ``gx``."""
    if mode == "LSTM":
        return LSTMStep.apply(gx, h, c, w)
    if mode == "GRU":
        return GRUStep.apply(gx, h, w, b), None
    return RNNStep.apply(gx, h, w, mode == "RNN_RELU"), None

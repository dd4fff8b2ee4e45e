"""Fused recurrent-cell primitives, and the few helpers the recurrent layers need.

One time step of an RNN/LSTM/GRU is a single Function: ``forward`` computes the hidden-state
matrix product and the gate nonlinearities in one pass over raw arrays, ``backward`` returns
the gradients of the step's inputs and of ``weight_hh``. The backward formula is written once
(``_lstm_vjp`` ...) with operators only (``*``, ``-``, ``@``, ``.T``), so the same code runs on
raw arrays (the fast path: plain ``backward``) and on ember Tensors (``create_graph=True``:
the activations are recomputed from the saved inputs with ember ops, so double backward works).

The private ``_tanh``/``_sigmoid``/``_relu``/``_cat``/``_split`` primitives stand in until the
public ``ember.tanh``/``ember.cat``/... land; the recurrent code prefers the public ones when
they exist (see ``tanh``/``sigmoid``/``relu``/``cat`` below).
"""
import numpy as np

from ._util import Function, Tensor, _make, _state, get_array_module

__all__ = []


# --- elementwise activations ------------------------------------------------------------------
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
    r = 1 / (1 + xp.exp(-x))
    if out is not None:
        out[...] = r
        return out
    return r


class _Tanh(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        out = get_array_module(x).tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d tanh(x) = 1 - tanh(x)**2
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class _Sigmoid(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        out = _xp_sigmoid(get_array_module(x), x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d sigmoid(x) = sigmoid(x) (1 - sigmoid(x))
        (out,) = ctx.saved_tensors
        return grad * (out * (1 - out))


class _Relu(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        out = get_array_module(x).maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d relu(x) = 1 where x > 0, else 0 (0 at the kink, as PyTorch)
        (out,) = ctx.saved_tensors
        return grad * (out > 0)


def _public(name, fallback):
    import ember

    fn = getattr(ember, name, None)
    return fn if fn is not None else fallback


def tanh(x):
    return _public("tanh", _Tanh.apply)(x)


def sigmoid(x):
    return _public("sigmoid", _Sigmoid.apply)(x)


def relu(x):
    return _public("relu", _Relu.apply)(x)


# --- concatenation and splitting ----------------------------------------------------------------
class _Cat(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.sizes = [a.shape[dim] for a in arrays]
        ctx.dim = dim
        return get_array_module(arrays[0]).concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        # the adjoint of concatenation is splitting the gradient into the same pieces
        return _Split.apply(grad, sizes=tuple(ctx.sizes), dim=ctx.dim)


class _Split(Function):
    """Split along ``dim`` into pieces of the given ``sizes`` (several outputs)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, sizes, dim=0):
        ctx.dim = dim
        offs = np.cumsum(sizes)[:-1].tolist()
        pieces = get_array_module(x).split(x, offs, axis=dim)
        return tuple(pieces) if len(pieces) > 1 else (pieces[0],)

    @staticmethod
    def backward(ctx, *grads):
        # the adjoint of splitting is concatenating the pieces' gradients
        return _Cat.apply(*grads, dim=ctx.dim)


def cat(tensors, dim=0):
    """Concatenate along ``dim`` (the public ``ember.cat`` when it exists)."""
    import ember

    fn = getattr(ember, "cat", None)
    if fn is not None:
        return fn(list(tensors), dim)
    tensors = list(tensors)
    if len(tensors) == 1:
        return tensors[0]
    return _Cat.apply(*tensors, dim=dim % tensors[0].ndim)


def split_sizes(x, sizes, dim=0):
    """Split ``x`` along ``dim`` into pieces of ``sizes`` (one primitive, several outputs)."""
    if len(sizes) == 1:
        return (x,)
    out = _Split.apply(x, tuple(int(s) for s in sizes), dim % x.ndim)
    return out if isinstance(out, tuple) else (out,)


# --- linear (x @ W^T + b, fused so the projection is one node) ----------------------------------
class _Linear(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        out = x @ w.T
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx, grad):
        # d(x W^T + b) = dx W^T + x dW^T + db
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = grad @ w if need[0] else None
        g2 = grad.reshape(-1, grad.shape[-1])
        gw = g2.T @ x.reshape(-1, x.shape[-1]) if need[1] else None
        gb = g2.sum(0) if len(need) > 2 and need[2] else None
        return gx, gw, gb


def linear(x, w, b=None):
    """``x @ w.T + b`` (``ember.nn.functional.linear`` when it exists)."""
    if x.shape[-1] != w.shape[-1]:
        a = x.reshape(-1, x.shape[-1]).shape
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and "
                           f"{w.shape[1]}x{w.shape[0]})")
    return _Linear.apply(x, w, b) if b is not None else _Linear.apply(x, w)


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
            act = relu if ctx.relu else tanh
            h2 = act(gx + h @ w.T)
        else:
            dh2, h, w, h2 = dh2._data, h._data, w._data, ctx.h2
        return _wrap(*_rnn_vjp(dh2, h2, h, w, ctx.relu))


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
        n = c.shape[1]
        if _state[0]:  # create_graph: recompute the gates with ember ops
            gates = gx + h @ w.T
            i, f = sigmoid(gates[:, :n]), sigmoid(gates[:, n:2 * n])
            g, o = tanh(gates[:, 2 * n:3 * n]), sigmoid(gates[:, 3 * n:])
            tc = tanh(f * c + i * g)
        else:
            a, tc = ctx.acts, ctx.tc
            i, f, g, o = a[:, :n], a[:, n:2 * n], a[:, 2 * n:3 * n], a[:, 3 * n:]
            dh2, dc2, c, h, w = dh2._data, dc2._data, c._data, h._data, w._data
        dgx, dh, dc, dw = _lstm_vjp(dh2, dc2, i, f, g, o, tc, c, h, w)
        return _wrap(dgx, dh, dc, dw)


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
        k = h.shape[1]
        if _state[0]:  # create_graph: recompute the gates with ember ops
            gh = h @ w.T
            if b is not None:
                gh = gh + b
            r = sigmoid(gx[:, :k] + gh[:, :k])
            z = sigmoid(gx[:, k:2 * k] + gh[:, k:2 * k])
            ghn = gh[:, 2 * k:]
            nn_ = tanh(gx[:, 2 * k:] + r * ghn)
        else:
            r, z, nn_, ghn = ctx.vals
            dh2, h, w = dh2._data, h._data, w._data
        dgx, dh, dw, dgh = _gru_vjp(dh2, r, z, nn_, ghn, h, w)
        db = dgh.sum(0) if ctx.has_b and ctx.needs_input_grad[3] else None
        return _wrap(dgx, dh, dw, db)

"""ONNX nn operators on ember: convolution, pooling, Gemm, normalisation, RNN/LSTM/GRU."""
import math

import numpy as np

import ember
import ember.nn.functional as F

from ._rt_ops import OPS, _make, _np, kernel

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONVT = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}


def _pads(at, nd, spatial=None, k=None, s=None, d=None):
    """(lo, hi) per spatial dim, from ``pads`` or ``auto_pad``."""
    ap = at.get("auto_pad", "NOTSET")
    ap = ap.decode() if isinstance(ap, bytes) else ap
    if ap in ("SAME_UPPER", "SAME_LOWER") and spatial is not None:
        out = []
        for n, kk, ss, dd in zip(spatial, k, s, d):
            total = max((-(-n // ss) - 1) * ss + (kk - 1) * dd + 1 - n, 0)
            lo = total // 2 if ap == "SAME_UPPER" else total - total // 2
            out.append((lo, total - lo))
        return out
    p = list(at.get("pads", [0] * (2 * nd)))
    return list(zip(p[:nd], p[nd:]))


def _pad_input(x, pads, value=0.0):
    if not any(lo or hi for lo, hi in pads):
        return x
    tp = []
    for lo, hi in reversed(pads):
        tp += [lo, hi]
    return F.pad(x, tp, value=value)


@kernel("Conv")
def _conv(a, at, o):
    x, w = a[0], a[1]
    b = a[2] if len(a) > 2 else None
    nd = x.ndim - 2
    k = list(at.get("kernel_shape", w.shape[2:]))
    s = list(at.get("strides", [1] * nd))
    d = list(at.get("dilations", [1] * nd))
    pads = _pads(at, nd, x.shape[2:], k, s, d)
    sym = all(lo == hi for lo, hi in pads)
    if not sym:
        x = _pad_input(x, pads)
    return _CONV[nd](x, w, b, s, [lo for lo, _ in pads] if sym else 0, d, at.get("group", 1))


@kernel("ConvTranspose")
def _conv_t(a, at, o):
    x, w = a[0], a[1]
    b = a[2] if len(a) > 2 else None
    nd = x.ndim - 2
    s = list(at.get("strides", [1] * nd))
    d = list(at.get("dilations", [1] * nd))
    op = list(at.get("output_padding", [0] * nd))
    pads = _pads(at, nd)
    if "output_shape" in at:
        raise NotImplementedError("ConvTranspose with output_shape")
    if all(lo == hi for lo, hi in pads):
        return _CONVT[nd](x, w, b, s, [lo for lo, _ in pads], op, at.get("group", 1), d)
    y = _CONVT[nd](x, w, b, s, 0, op, at.get("group", 1), d)
    idx = (slice(None), slice(None)) + tuple(slice(lo, n - hi) for (lo, hi), n in
                                             zip(pads, y.shape[2:]))
    return y[idx]


@kernel("MaxPool")
def _max_pool(a, at, o):
    x = a[0]
    nd = x.ndim - 2
    k = list(at["kernel_shape"])
    s = list(at.get("strides", [1] * nd))
    d = list(at.get("dilations", [1] * nd))
    pads = _pads(at, nd, x.shape[2:], k, s, d)
    ceil = bool(at.get("ceil_mode", 0))
    if all(lo == hi and 2 * lo <= d_ * (kk - 1) + 1 for (lo, hi), kk, d_ in zip(pads, k, d)):
        return _MAX[nd](x, k, s, [lo for lo, _ in pads], d, ceil)
    x = _pad_input(x, pads, -math.inf)
    return _MAX[nd](x, k, s, 0, d, ceil)


@kernel("AveragePool")
def _avg_pool(a, at, o):
    x = a[0]
    nd = x.ndim - 2
    k = list(at["kernel_shape"])
    s = list(at.get("strides", [1] * nd))
    pads = _pads(at, nd, x.shape[2:], k, s, [1] * nd)
    ceil = bool(at.get("ceil_mode", 0))
    cip = bool(at.get("count_include_pad", 0))
    if all(lo == hi and 2 * lo <= kk for (lo, hi), kk in zip(pads, k)):
        return _AVG[nd](x, k, s, [lo for lo, _ in pads], ceil, cip)
    xp = _pad_input(x, pads)
    total = _AVG[nd](xp, k, s, 0, ceil, True) * math.prod(k)
    if cip:
        return total / math.prod(k)
    ones = _pad_input(ember.ones(1, 1, *x.shape[2:], dtype=x.dtype), pads)
    return total / (_AVG[nd](ones, k, s, 0, ceil, True) * math.prod(k))


@kernel("GlobalAveragePool")
def _gap(a, at, o):
    x = a[0]
    return x.mean(tuple(range(2, x.ndim)), keepdim=True)


@kernel("GlobalMaxPool")
def _gmp(a, at, o):
    x = a[0]
    return ember.amax(x, tuple(range(2, x.ndim)), keepdim=True)


@kernel("Gemm")
def _gemm(a, at, o):
    x, w = a[0], a[1]
    c = a[2] if len(a) > 2 else None
    if at.get("transA", 0):
        x = x.t()
    if at.get("transB", 0):
        w = w.t()
    y = x @ w
    alpha, beta = at.get("alpha", 1.0), at.get("beta", 1.0)
    if alpha != 1.0:
        y = y * alpha
    if c is not None:
        y = y + (c * beta if beta != 1.0 else c)
    return y


@kernel("BatchNormalization")
def _batch_norm(a, at, o):
    x, scale, bias, mean, var = a[:5]
    return F.batch_norm(x, mean, var, scale, bias, False, 0.0, at.get("epsilon", 1e-5))


@kernel("LayerNormalization")
def _layer_norm(a, at, o):
    x, scale = a[0], a[1]
    b = a[2] if len(a) > 2 else None
    ax = at.get("axis", -1) % x.ndim
    return F.layer_norm(x, tuple(x.shape[ax:]), scale, b, at.get("epsilon", 1e-5))


# --- recurrent layers (ONNX gate order: LSTM i,o,f,c; GRU z,r,h) -----------------------------
def _act(name):
    name = name.decode() if isinstance(name, bytes) else name
    return {"Tanh": ember.tanh, "Sigmoid": ember.sigmoid, "Relu": F.relu}[name]


def _rnn_common(a, at, mode):
    x, w, r = a[0], a[1], a[2]
    b = a[3] if len(a) > 3 else None
    if len(a) > 4 and a[4] is not None:
        lens = _np(a[4])
        if (lens != x.shape[0]).any():
            raise NotImplementedError(f"{mode} with sequence_lens shorter than the input")
    h0 = a[5] if len(a) > 5 else None
    c0 = a[6] if len(a) > 6 else None
    if at.get("layout", 0):
        x = x.transpose(0, 1)
        h0 = h0.transpose(0, 1) if h0 is not None else None
        c0 = c0.transpose(0, 1) if c0 is not None else None
    direction = at.get("direction", "forward")
    direction = direction.decode() if isinstance(direction, bytes) else direction
    return x, w, r, b, h0, c0, direction


@kernel("LSTM", "GRU", "RNN")
def _rnn(a, at, o):
    mode = at["_op"]
    x, w, r, b, h0, c0, direction = _rnn_common(a, at, mode)
    hsz = at["hidden_size"]
    dirs = 2 if direction == "bidirectional" else 1
    t_len, batch = x.shape[0], x.shape[1]
    ys, hs, cs = [], [], []
    acts = at.get("activations")
    for d in range(dirs):
        rev = direction == "reverse" or d == 1
        wd, rd = w[d], r[d]
        bd = b[d] if b is not None else ember.zeros(2 * wd.shape[0], dtype=x.dtype)
        wb, rb = bd[:wd.shape[0]], bd[wd.shape[0]:]
        h = h0[d] if h0 is not None else ember.zeros(batch, hsz, dtype=x.dtype)
        c = c0[d] if c0 is not None else ember.zeros(batch, hsz, dtype=x.dtype)
        gx = (x.reshape(t_len * batch, -1) @ wd.t() + wb).reshape(t_len, batch, -1)
        outs = [None] * t_len
        for step in (range(t_len - 1, -1, -1) if rev else range(t_len)):
            g = gx[step]
            if mode == "LSTM":
                z = g + h @ rd.t() + rb
                i, oo, f, cc = ember.split(z, hsz, 1)
                c = ember.sigmoid(f) * c + ember.sigmoid(i) * ember.tanh(cc)
                h = ember.sigmoid(oo) * ember.tanh(c)
            elif mode == "GRU":
                gz, gr, gh = ember.split(g, hsz, 1)
                rz, rr, rh = ember.split(h @ rd.t(), hsz, 1)
                bz, br, bh = ember.split(rb, hsz, 0)
                zt = ember.sigmoid(gz + rz + bz)
                rt = ember.sigmoid(gr + rr + br)
                if at.get("linear_before_reset", 0):
                    ht = ember.tanh(gh + rt * (rh + bh))
                else:
                    ht = ember.tanh(gh + (rt * h) @ rd[2 * hsz:].t() + bh)
                h = (1 - zt) * ht + zt * h
            else:
                f = _act(acts[d] if acts else "Tanh")
                h = f(g + h @ rd.t() + rb)
            outs[step] = h
        ys.append(ember.stack(outs, 0))
        hs.append(h)
        cs.append(c)
    y = ember.stack(ys, 1)
    h_n, c_n = ember.stack(hs, 0), ember.stack(cs, 0)
    if at.get("layout", 0):
        y = y.permute(2, 0, 1, 3)
        h_n, c_n = h_n.transpose(0, 1), c_n.transpose(0, 1)
    return [y, h_n, c_n] if mode == "LSTM" else [y, h_n]


__all__ = ["OPS", "_make", "np"]

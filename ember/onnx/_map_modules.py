"""Whole-module mappings: modules ONNX has one node (or a short pattern) for.

A module listed in ``APPLIES`` (when its predicate holds) is recorded as one op by the tracer;
its inner primitives are not. RNN/LSTM/GRU become ONNX's RNN/LSTM/GRU nodes, one per layer,
with PyTorch's gate blocks reordered (LSTM i,f,g,o -> ONNX i,o,f,c; GRU r,z,n -> z,r,h with
``linear_before_reset=1``).
"""
import math

import numpy as np

from ._graph import host
from ._registry import module

_BN = lambda m: not m.training and getattr(m, "running_mean", None) is not None  # noqa: E731
APPLIES = {
    "RNN": lambda m: getattr(m, "proj_size", 0) == 0, "LSTM": lambda m: m.proj_size == 0,
    "GRU": lambda m: True, "BatchNorm1d": _BN, "BatchNorm2d": _BN, "BatchNorm3d": _BN,
    "LeakyReLU": lambda m: True, "PReLU": lambda m: True, "GELU": lambda m: True,
    "Hardsigmoid": lambda m: True, "Flatten": lambda m: m.start_dim in (1, -3) and
    m.end_dim == -1,
    "AvgPool1d": lambda m: not m.ceil_mode, "AvgPool2d": lambda m: not m.ceil_mode and
    m.divisor_override is None, "AvgPool3d": lambda m: not m.ceil_mode and
    m.divisor_override is None,
    "AdaptiveAvgPool1d": lambda m: _global(m), "AdaptiveAvgPool2d": lambda m: _global(m),
    "AdaptiveAvgPool3d": lambda m: _global(m), "AdaptiveMaxPool2d": lambda m: _global(m) and
    not m.return_indices,
}


def _global(m):
    o = m.output_size
    o = o if isinstance(o, (tuple, list)) else (o,)
    return all(v == 1 for v in o)


def _arr(t):
    return host(t._data)


@module("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
def _batch_norm(cx):
    m = cx.module
    c = m.num_features
    dt = cx.dtype(0)
    scale = cx.t(m.weight) if m.weight is not None else cx.g.const(np.ones(c, dt))
    bias = cx.t(m.bias) if m.bias is not None else cx.g.const(np.zeros(c, dt))
    return cx.op("BatchNormalization", [cx.x(0), scale, bias, cx.t(m.running_mean),
                                        cx.t(m.running_var)], epsilon=float(m.eps),
                 momentum=float(1 - m.momentum) if m.momentum is not None else 0.9)


@module("LeakyReLU")
def _leaky(cx):
    return cx.op("LeakyRelu", [cx.x(0)], alpha=float(cx.module.negative_slope))


@module("PReLU")
def _prelu(cx):
    x = cx.tensor(0)
    w = cx.t(cx.module.weight)
    if x.ndim >= 3 and cx.module.num_parameters > 1:
        w = cx.op("Reshape", [w, cx.g.i64([-1] + [1] * (x.ndim - 2))])
    return cx.op("PRelu", [cx.x(0), w])


@module("Hardsigmoid")
def _hardsigmoid(cx):
    return cx.op("HardSigmoid", [cx.x(0)], alpha=1.0 / 6, beta=0.5)


@module("GELU")
def _gelu(cx):
    approx = getattr(cx.module, "approximate", "none")
    x = cx.x(0)
    dt = cx.dtype(0)
    c = lambda v: cx.g.const(np.asarray(v, dtype=dt))  # noqa: E731
    if cx.opset >= 20:
        return cx.op("Gelu", [x], approximate=approx)
    if approx == "tanh":
        x3 = cx.op("Mul", [cx.op("Mul", [x, x]), x])
        inner = cx.op("Mul", [cx.op("Add", [x, cx.op("Mul", [x3, c(0.044715)])]),
                              c(math.sqrt(2 / math.pi))])
        t = cx.op("Add", [cx.op("Tanh", [inner]), c(1.0)])
    else:
        t = cx.op("Add", [cx.op("Erf", [cx.op("Div", [x, c(math.sqrt(2.0))])]), c(1.0)])
    return cx.op("Mul", [cx.op("Mul", [x, t]), c(0.5)])


@module("Flatten")
def _flatten(cx):
    return cx.op("Flatten", [cx.x(0)], axis=1)


@module("AvgPool1d", "AvgPool2d", "AvgPool3d")
def _avg_pool(cx):
    m = cx.module
    nd = int(type(m).__name__[-2])
    tup = lambda v: list(v) if isinstance(v, (tuple, list)) else [v] * nd  # noqa: E731
    k = tup(m.kernel_size)
    s = tup(m.stride if m.stride is not None and m.stride != [] else m.kernel_size)
    p = tup(m.padding)
    x = cx.x(0)
    unbatched = cx.tensor(0).ndim == nd + 1
    if unbatched:
        x = cx.op("Unsqueeze", [x, cx.g.i64([0])])
    y = cx.op("AveragePool", [x], kernel_shape=k, strides=s, pads=p + p,
              count_include_pad=int(bool(m.count_include_pad)))
    return cx.op("Squeeze", [y, cx.g.i64([0])]) if unbatched else y


@module("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d")
def _global_avg(cx):
    return _global_pool(cx, "GlobalAveragePool")


@module("AdaptiveMaxPool2d")
def _global_max(cx):
    return _global_pool(cx, "GlobalMaxPool")


def _global_pool(cx, kind):
    m = cx.module
    nd = int(type(m).__name__[-2])
    x = cx.x(0)
    if cx.tensor(0).ndim == nd + 1:
        y = cx.op(kind, [cx.op("Unsqueeze", [x, cx.g.i64([0])])])
        return cx.op("Squeeze", [y, cx.g.i64([0])])
    return cx.op(kind, [x])


# --- recurrent layers ---------------------------------------------------------------------
_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}


def _reorder(a, mode, h):
    blocks = [a[i * h:(i + 1) * h] for i in range(a.shape[0] // h)]
    return np.concatenate([blocks[i] for i in _ORDER[mode]], axis=0)


@module("RNN", "LSTM", "GRU")
def _rnn(cx):
    m = cx.module
    kind = type(m).__name__
    mode = "RNN" if kind == "RNN" else kind
    h, dirs = m.hidden_size, 2 if m.bidirectional else 1
    x_t = cx.tensor(0)
    if not hasattr(x_t, "ndim") or x_t.ndim not in (2, 3):
        from .errors import UnsupportedOperatorError

        raise UnsupportedOperatorError(f"{kind} export needs a 2-D or 3-D tensor input "
                                       "(packed sequences are not supported)")
    unbatched = x_t.ndim == 2
    x = cx.x(0)
    if unbatched:  # (L, H_in) -> (L, 1, H_in); states (D*layers, H) -> (D*layers, 1, H)
        x = cx.op("Unsqueeze", [x, cx.g.i64([1])])
    elif m.batch_first:
        x = cx.op("Transpose", [x], perm=[1, 0, 2])
    hx = cx.rec.args[1] if len(cx.rec.args) > 1 else None
    h0 = c0 = None
    if hx is not None:
        h0_t, c0_t = hx if mode == "LSTM" else (hx, None)
        h0 = cx.t(h0_t, cx.rec_b.args[1][0] if mode == "LSTM" and cx.rec_b else None) \
            if mode == "LSTM" else cx.x(1)
        if c0_t is not None:
            c0 = cx.t(c0_t, cx.rec_b.args[1][1] if cx.rec_b else None)
        if unbatched:
            h0 = cx.op("Unsqueeze", [h0, cx.g.i64([1])])
            c0 = cx.op("Unsqueeze", [c0, cx.g.i64([1])]) if c0 is not None else None
    hs, cs = [], []
    for layer in range(m.num_layers):
        y, yh, yc = _rnn_layer(cx, m, mode, layer, x, h0, c0, h, dirs)
        hs.append(yh)
        if yc is not None:
            cs.append(yc)
        # Y (seq, dirs, batch, h) -> (seq, batch, dirs * h)
        y = cx.op("Transpose", [y], perm=[0, 2, 1, 3])
        x = cx.op("Reshape", [y, cx.g.i64([0, 0, -1])])
    out = cx.op("Transpose", [x], perm=[1, 0, 2]) if m.batch_first and not unbatched else x
    h_n = hs[0] if len(hs) == 1 else cx.op("Concat", hs, axis=0)
    c_n = (cs[0] if len(cs) == 1 else cx.op("Concat", cs, axis=0)) if mode == "LSTM" else None
    if unbatched:
        sq = lambda t: cx.op("Squeeze", [t, cx.g.i64([1])])  # noqa: E731
        out, h_n = sq(out), sq(h_n)
        c_n = sq(c_n) if c_n is not None else None
    return [out, h_n, c_n] if mode == "LSTM" else [out, h_n]


def _rnn_layer(cx, m, mode, layer, x, h0, c0, h, dirs):
    ws, rs, bs = [], [], []
    for d in range(dirs):
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        ws.append(_reorder(_arr(getattr(m, "weight_ih" + sfx)), mode, h))
        rs.append(_reorder(_arr(getattr(m, "weight_hh" + sfx)), mode, h))
        if m.bias:
            bs.append(np.concatenate([_reorder(_arr(getattr(m, "bias_ih" + sfx)), mode, h),
                                      _reorder(_arr(getattr(m, "bias_hh" + sfx)), mode, h)]))
    g = cx.g
    ins = [x, g.const(np.stack(ws), name=f"onnx::{mode}_W"),
           g.const(np.stack(rs), name=f"onnx::{mode}_R"),
           g.const(np.stack(bs), name=f"onnx::{mode}_B") if bs else "", ""]
    sl = lambda t: cx.op("Slice", [t, g.i64([layer * dirs]), g.i64([(layer + 1) * dirs]),  # noqa
                                   g.i64([0])])
    ins.append(sl(h0) if h0 is not None else "")
    if mode == "LSTM":
        ins.append(sl(c0) if c0 is not None else "")
    while ins[-1] == "":
        ins.pop()
    attrs = {"hidden_size": h, "direction": "bidirectional" if dirs == 2 else "forward"}
    if mode == "GRU":
        attrs["linear_before_reset"] = 1
    if mode == "RNN":
        attrs["activations"] = ["Relu" if m.nonlinearity == "relu" else "Tanh"] * dirs
    outs = cx.op(mode, ins, n_out=3 if mode == "LSTM" else 2, **attrs)
    return (outs[0], outs[1], outs[2] if mode == "LSTM" else None)

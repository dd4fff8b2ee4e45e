"""Mappings of the nn primitives: convolution, pooling, linear, normalisation."""
import math

import numpy as np

from ..nn._functional import linear as _lin
from ._graph import is_dyn
from ._registry import op, ops_module
from .errors import UnsupportedOperatorError

_conv, _norm, _pool = (ops_module(n) for n in ("conv", "norm", "pool"))


def _static(values, what):
    if any(is_dyn(v) for v in values):
        raise UnsupportedOperatorError(f"{what} depends on a dynamic axis")
    return [int(v) for v in values]


def _inputs(cx, n):
    """Names of the first ``n`` positional args, dropping trailing None (optional inputs)."""
    names = []
    for i in range(n):
        names.append(cx.x(i) if cx.rec.args[i] is not None else "")
    while names and names[-1] == "":
        names.pop()
    return names


@op(_conv.Conv)
def _conv_map(cx):
    stride, pads, dilation, groups = cx.param(3), cx.param(4), cx.param(5), cx.param(6)
    w = cx.tensor(1)
    pads = [int(p) for p in _static([p[0] for p in pads], "conv padding")] + \
        [int(p) for p in _static([p[1] for p in pads], "conv padding")]
    return cx.op("Conv", _inputs(cx, 3), kernel_shape=list(w.shape[2:]),
                 strides=_static(stride, "stride"), pads=pads,
                 dilations=_static(dilation, "dilation"), group=int(groups))


@op(_conv.ConvTranspose)
def _conv_t(cx):
    stride, pads, dilation, groups, size = (cx.param(i) for i in range(3, 8))
    y, w = cx.tensor(0), cx.tensor(1)
    k = w.shape[2:]
    lo = _static([p[0] for p in pads], "padding")
    hi = _static([p[1] for p in pads], "padding")
    size = _static(size, "output size")
    natural = [(n - 1) * s - (a + b) + d * (kk - 1) + 1 for n, s, a, b, d, kk in
               zip(y.shape[2:], stride, lo, hi, dilation, k)]
    out_pad = [o - n for o, n in zip(size, natural)]
    return cx.op("ConvTranspose", _inputs(cx, 3), kernel_shape=list(k),
                 strides=[int(s) for s in stride], pads=lo + hi,
                 dilations=[int(d) for d in dilation], group=int(groups),
                 output_padding=out_pad if any(out_pad) else None)


def _geom_attrs(geom):
    return dict(kernel_shape=list(geom.ksize), strides=list(geom.stride),
                pads=[p[0] for p in geom.pads] + [p[1] for p in geom.pads])


@op(_pool.MaxPool)
def _max_pool(cx):
    geom = cx.param(1)
    attrs = _geom_attrs(geom)
    if any(d != 1 for d in geom.dilation):
        attrs["dilations"] = list(geom.dilation)
    return [cx.op("MaxPool", [cx.x(0)], **attrs), None]


@op(_pool.WindowSum)
def _window_sum(cx):
    """Sum over each window = average (padding counted) times the window size."""
    geom = cx.param(1)
    avg = cx.op("AveragePool", [cx.x(0)], count_include_pad=1, **_geom_attrs(geom))
    k = math.prod(geom.ksize)
    return cx.op("Mul", [avg, cx.g.const(np.asarray(k, dtype=cx.dtype(0)))])


@op(getattr(_lin, "Linear", None))
def _linear(cx):
    x = cx.tensor(0)
    has_b = cx.n() > 2 and cx.rec.args[2] is not None
    if x.ndim == 2:
        return cx.op("Gemm", _inputs(cx, 3), transB=1)
    wt = cx.op("Transpose", [cx.x(1)], perm=[1, 0])
    y = cx.op("MatMul", [cx.x(0), wt])
    return cx.op("Add", [y, cx.x(2)]) if has_b else y


@op(_norm.Normalize)
def _normalize(cx):
    x = cx.tensor(0)
    nd = x.ndim
    axes = sorted(a % nd for a in (cx.param(3) if isinstance(cx.param(3), (tuple, list))
                                   else (cx.param(3),)))
    eps = float(cx.param(4))
    w, b = cx.rec.args[1], cx.rec.args[2]
    trailing = axes == list(range(axes[0], nd))
    fits = all(t is None or tuple(t.shape)[-len(axes):] == tuple(x.shape[axes[0]:])
               and t.ndim <= len(axes) for t in (w, b))
    if trailing and fits and cx.opset >= 17:
        scale = cx.x(1) if w is not None else cx.g.const(
            np.ones(_static(cx.shape(0)[axes[0]:], "normalized shape"), dtype=x._data.dtype))
        ins = [cx.x(0), scale] + ([cx.x(2)] if b is not None else [])
        return [cx.op("LayerNormalization", ins, axis=axes[0], epsilon=eps), None, None]
    from ._map_math import reduce

    xn = cx.x(0)
    mean = reduce(cx, "ReduceMean", xn, axes, True)
    d = cx.op("Sub", [xn, mean])
    var = reduce(cx, "ReduceMean", cx.op("Mul", [d, d]), axes, True)
    den = cx.op("Sqrt", [cx.op("Add", [var, cx.g.const(np.asarray(eps, x._data.dtype))])])
    out = cx.op("Div", [d, den])
    if w is not None:
        out = cx.op("Mul", [out, cx.x(1)])
    if b is not None:
        out = cx.op("Add", [out, cx.x(2)])
    return [out, None, None]

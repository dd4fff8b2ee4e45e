"""Mappings of elementwise, reduction, product, softmax and activation primitives."""
import importlib.util
import math

import numpy as np

from ..nn._functional import _prims
from ._registry import op, ops_module
from ._trace import TENSOR_METHODS
from .errors import UnsupportedOperatorError

_el, _la, _red, _sel, _sm, _pw = (ops_module(n) for n in (
    "elementwise", "linalg", "reduce", "selection", "softmax", "pointwise"))

_BINARY = {_el.Add: "Add", _el.Sub: "Sub", _el.Mul: "Mul", _el.Div: "Div", _la.MatMul: "MatMul"}
_UNARY = {_el.Neg: "Neg", _el.Exp: "Exp", _el.Log: "Log"}
for _mod, _names in ((_prims, ("Tanh", "Sigmoid", "Relu", "Erf", "Abs")),
                     (_pw, ("Sqrt", "Sin", "Cos", "Abs", "Tanh", "Sigmoid", "Exp", "Log",
                            "Floor", "Ceil", "Sign", "Reciprocal", "Erf", "Relu"))):
    for _name in _names:
        if hasattr(_mod, _name):
            _UNARY[getattr(_mod, _name)] = _name.lstrip("_")


def _binary(cx):
    a, b = cx.x(0), cx.x(1)
    return cx.op(_BINARY[cx.rec.fn], [a, b])


for _c in _BINARY:
    op(_c)(_binary)


def _unary(cx):
    return cx.op(_UNARY[cx.rec.fn], [cx.x(0)])


for _c in _UNARY:
    op(_c)(_unary)


@op(_pw.LeakyRelu)
def _leaky_relu(cx):
    return cx.op("LeakyRelu", [cx.x(0)], alpha=float(cx.param(1)))


@op(_el.Pow)
def _pow(cx):
    e = cx.rec.args[1]
    if not cx.is_tensor(1):
        if e == 2:
            x = cx.x(0)
            return cx.op("Mul", [x, x])
        if e == 0.5:
            return cx.op("Sqrt", [cx.x(0)])
        if e == -0.5:
            return cx.op("Reciprocal", [cx.op("Sqrt", [cx.x(0)])])
    return cx.op("Pow", [cx.x(0), cx.x(1)])


@op(_el.Cast)
def _cast(cx):
    from onnx import helper

    return cx.op("Cast", [cx.x(0)], to=helper.np_dtype_to_tensor_dtype(np.dtype(cx.param(1))))


# --- reductions ------------------------------------------------------------------------------
def _axes_list(axes, ndim):
    if axes is None:
        return list(range(ndim))
    if isinstance(axes, int):
        return [axes % max(ndim, 1)]
    return [a % max(ndim, 1) for a in axes]


def reduce(cx, op_type, x, axes, keepdim):
    """A Reduce* node with ``axes`` as an input (opset 18+, and ReduceSum from 13) or as an
    attribute (earlier)."""
    keep = int(bool(keepdim))
    if op_type == "ReduceSum" or cx.opset >= 18:
        return cx.op(op_type, [x, cx.g.i64(axes)], keepdims=keep)
    return cx.op(op_type, [x], axes=list(axes), keepdims=keep)


@op(_red.Sum)
def _sum(cx):
    out = reduce(cx, "ReduceSum", cx.x(0), _axes_list(cx.param(1), cx.tensor(0).ndim),
                 cx.param(2))
    if cx.param(3) is not None:
        return _cast_to(cx, out, cx.param(3))
    return out


def _cast_to(cx, name, npdt):
    from onnx import helper

    return cx.op("Cast", [name], to=helper.np_dtype_to_tensor_dtype(np.dtype(npdt)))


@op(_red.Mean)
def _mean(cx):
    return reduce(cx, "ReduceMean", cx.x(0), _axes_list(cx.param(1), cx.tensor(0).ndim),
                  cx.param(2))


@op(_red.Amax)
def _amax(cx):
    kind = "ReduceMax" if cx.param(3) else "ReduceMin"
    return reduce(cx, kind, cx.x(0), _axes_list(cx.param(1), cx.tensor(0).ndim), cx.param(2))


@op(_red.Var)
def _var(cx):
    x = cx.x(0)
    nd = cx.tensor(0).ndim
    axes = _axes_list(cx.param(1), nd)
    keep, corr, take_sqrt = cx.param(2), cx.param(3), cx.param(4)
    n = math.prod(cx.tensor(0).shape[a] for a in axes)
    mean = reduce(cx, "ReduceMean", x, axes, True)
    d = cx.op("Sub", [x, mean])
    ss = reduce(cx, "ReduceSum", cx.op("Mul", [d, d]), axes, keep)
    out = cx.op("Div", [ss, cx.g.const(np.asarray(max(n - corr, 0), dtype=cx.dtype(0)))])
    return cx.op("Sqrt", [out]) if take_sqrt else out


# --- softmax ---------------------------------------------------------------------------------
@op(_sm.Softmax)
def _softmax(cx):
    return cx.op("Softmax", [cx.x(0)], axis=int(cx.param(1)))


@op(_sm.LogSoftmax)
def _log_softmax(cx):
    return cx.op("LogSoftmax", [cx.x(0)], axis=int(cx.param(1)))


@op(_sm.Logsumexp)
def _lse(cx):
    x = cx.x(0)
    axes = _axes_list(cx.param(1), cx.tensor(0).ndim)
    return reduce(cx, "ReduceLogSumExp", x, axes, cx.param(2)) if cx.opset >= 18 else \
        cx.op("ReduceLogSumExp", [x], axes=axes, keepdims=int(bool(cx.param(2))))


# --- activations -----------------------------------------------------------------------------
def _clip(cx, x, lo, hi):
    dt = cx.dtype(0)
    lo_n = cx.g.const(np.asarray(lo, dtype=dt)) if lo is not None and lo != -math.inf else ""
    hi_n = cx.g.const(np.asarray(hi, dtype=dt)) if hi is not None and hi != math.inf else ""
    ins = [x, lo_n, hi_n]
    while ins and ins[-1] == "":
        ins.pop()
    return cx.op("Clip", ins)


@op(getattr(_prims, "Clamp", None), _pw.Clamp)
def _clamp(cx):
    return _clip(cx, cx.x(0), cx.param(1), cx.param(2))


@op(_pw.ClampTensor)
def _clamp_t(cx):
    x = cx.x(0)
    if cx.rec.args[1] is not None:
        x = cx.op("Max", [x, cx.x(1)])
    if cx.rec.args[2] is not None:
        x = cx.op("Min", [x, cx.x(2)])
    return x


@op(getattr(_prims, "Elu", None))
def _elu(cx):
    alpha, scale, input_scale = cx.param(1), cx.param(2), cx.param(3)
    x = cx.x(0)
    if input_scale == 1 and scale == 1:
        return cx.op("Elu", [x], alpha=float(alpha))
    if input_scale == 1 and abs(scale - 1.0507009873554805) < 1e-9 and \
            abs(alpha - 1.6732632423543772) < 1e-9:
        return cx.op("Selu", [x], alpha=float(alpha), gamma=float(scale))
    if scale == 1 and abs(input_scale * alpha - 1) < 1e-12:
        return cx.op("Celu", [x], alpha=float(alpha))
    dt = cx.dtype(0)
    xs = cx.op("Mul", [x, cx.g.const(np.asarray(input_scale, dt))])
    e = cx.op("Elu", [xs], alpha=float(alpha))
    e = cx.op("Div", [e, cx.g.const(np.asarray(input_scale, dt))])
    pos = cx.op("Greater", [x, cx.g.const(np.asarray(0, dt))])
    return cx.op("Mul", [cx.op("Where", [pos, x, e]), cx.g.const(np.asarray(scale, dt))])


@op(getattr(_prims, "Softplus", None))
def _softplus(cx):
    beta, threshold = cx.param(1), cx.param(2)
    x = cx.x(0)
    dt = cx.dtype(0)
    if beta == 1:
        sp = cx.op("Softplus", [x])
        bx = x
    else:
        bx = cx.op("Mul", [x, cx.g.const(np.asarray(beta, dt))])
        sp = cx.op("Div", [cx.op("Softplus", [bx]), cx.g.const(np.asarray(beta, dt))])
    lin = cx.op("Greater", [bx, cx.g.const(np.asarray(threshold, dt))])
    return cx.op("Where", [lin, x, sp])


@op(getattr(_prims, "Hardswish", None))
def _hardswish(cx):
    return cx.op("HardSwish", [cx.x(0)])


@op(_sel.Where)
def _where(cx):
    return cx.op("Where", [cx.x(0), cx.x(1), cx.x(2)])


# --- comparisons recorded from Tensor methods ------------------------------------------------
_CMP = {"__gt__": ("Greater", False), "__lt__": ("Less", False), "__ge__": ("Less", True),
        "__le__": ("Greater", True), "__eq__": ("Equal", False), "__ne__": ("Equal", True)}


def _cmp(cx):
    kind, negate = _CMP[cx.rec.fn.__name__]
    a = cx.x(0)
    b = cx.x(1, like=0)
    out = cx.op(kind, [a, b])
    return cx.op("Not", [out]) if negate else out


def _logic(kind):
    def fn(cx):
        return cx.op(kind, [cx.x(0), cx.x(1, like=0)])
    return fn


for _n, _m in TENSOR_METHODS.items():
    if _n in _CMP:
        op(_m)(_cmp)
op(TENSOR_METHODS["__and__"])(_logic("And"))
op(TENSOR_METHODS["__or__"])(_logic("Or"))
op(TENSOR_METHODS["__invert__"])(lambda cx: cx.op("Not", [cx.x(0)]))


def _arg_reduce(cx):
    """argmax/argmin (first occurrence, as ember/NumPy); ``dim=None`` flattens first."""
    kind = "ArgMax" if cx.rec.fn.__name__ == "argmax" else "ArgMin"
    args = list(cx.rec.args[1:])
    dim = cx.rec.kwargs.get("dim", args[0] if args else None)
    keep = bool(cx.rec.kwargs.get("keepdim", args[1] if len(args) > 1 else False))
    x = cx.x(0)
    nd = cx.tensor(0).ndim
    if dim is None:
        flat = cx.op("Reshape", [x, cx.g.i64([-1])])
        out = cx.op(kind, [flat], axis=0, keepdims=0)
        if keep:
            out = cx.op("Reshape", [out, cx.g.i64([1] * nd)])
        return out
    return cx.op(kind, [x], axis=int(dim) % max(nd, 1), keepdims=int(keep),
                 select_last_index=0)


op(TENSOR_METHODS["argmax"], TENSOR_METHODS["argmin"])(_arg_reduce)


@op(_red._TakeAlong)
def _take_along(cx):
    """max/min(dim) values: ReduceMax/ReduceMin (median/mode have no ONNX reduction)."""
    label = cx.param(4) if cx.n() > 4 else cx.kw("label", "TakeAlong")
    kind = {"Max": "ReduceMax", "Min": "ReduceMin"}.get(label)
    if kind is None:
        raise UnsupportedOperatorError(f"'{label.lower()}' along a dim has no ONNX mapping")
    return reduce(cx, kind, cx.x(0), [int(cx.param(2)) % cx.tensor(0).ndim], cx.param(3))


def _unary_chain(*steps):
    """A composite of unary ONNX ops and (op, constant) pairs applied in order."""
    def fn(cx):
        y = cx.x(0)
        for st in steps:
            if isinstance(st, tuple):
                kind, value = st
                c = cx.g.const(np.asarray(value, dtype=cx.dtype(0)))
                y = cx.op(kind, [y, c] if kind != "RSub" else [c, y]) if kind != "RSub" else \
                    cx.op("Sub", [c, y])
            elif st == "Square":
                y = cx.op("Mul", [y, y])
            else:
                y = cx.op(st, [y])
        return y
    return fn


for _name, _steps in (
        ("Rsqrt", ("Sqrt", "Reciprocal")), ("Square", ("Square",)),
        ("Log1p", (("Add", 1.0), "Log")), ("Expm1", ("Exp", ("Sub", 1.0))),
        ("Log2", ("Log", ("Div", math.log(2.0)))), ("Log10", ("Log", ("Div", math.log(10.0)))),
        ("Exp2", (("Mul", math.log(2.0)), "Exp")), ("Tan", ("Tan",)), ("Atan", ("Atan",)),
        ("Asin", ("Asin",)), ("Acos", ("Acos",)), ("Sinh", ("Sinh",)), ("Cosh", ("Cosh",)),
        ("Asinh", ("Asinh",)), ("Acosh", ("Acosh",)), ("Atanh", ("Atanh",)),
        ("Round", ("Round",)), ("Erfc", ("Erf", ("RSub", 1.0)))):
    if hasattr(_pw, _name):
        op(getattr(_pw, _name))(_unary_chain(*_steps))


@op(getattr(_prims, "PNorm", None))
def _pnorm(cx):
    p, dim, keep = cx.param(1), cx.param(2), cx.param(3)
    axes = [int(dim) % cx.tensor(0).ndim]
    x = cx.x(0)
    if p == 2:
        return reduce(cx, "ReduceL2", x, axes, keep) if cx.opset >= 18 else \
            cx.op("ReduceL2", [x], axes=axes, keepdims=int(bool(keep)))
    if p == 1:
        return reduce(cx, "ReduceL1", x, axes, keep) if cx.opset >= 18 else \
            cx.op("ReduceL1", [x], axes=axes, keepdims=int(bool(keep)))
    c = cx.g.const(np.asarray(p, dtype=cx.dtype(0)))
    s = reduce(cx, "ReduceSum", cx.op("Pow", [cx.op("Abs", [x]), c]), axes, keep)
    return cx.op("Pow", [s, cx.g.const(np.asarray(1.0 / p, dtype=cx.dtype(0)))])


_cum = ops_module("cumulative") if importlib.util.find_spec("ember.ops.cumulative") else _red
if hasattr(_cum, "Cumsum"):
    @op(_cum.Cumsum)
    def _cumsum(cx):
        out = cx.op("CumSum", [cx.x(0), cx.g.const(np.asarray(int(cx.param(1)), np.int64))])
        return _cast_to(cx, out, cx.param(2)) if cx.param(2) is not None else out

__all__ = ["reduce", "UnsupportedOperatorError"]

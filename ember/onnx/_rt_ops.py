"""ONNX operators written with ember ops: the kernels of ``ember.onnx.load`` (and of the
exporter's constant folding). Each takes ember Tensors (None for an omitted optional input)
and the node's attributes, and returns a list of Tensors."""
import math

import numpy as np

import ember
import ember.nn.functional as F

from ._graph import host

_make = ember.Tensor._make
OPS = {}


def _load_nn():
    from . import _rt_nn  # noqa: F401  (registers the nn kernels)


def kernel(*names):
    def deco(fn):
        for n in names:
            OPS[n] = fn
        return fn
    return deco


def run_node(op_type, args, attrs, opset, n_out=1):
    if "Conv" not in OPS:
        _load_nn()
    fn = OPS.get(op_type)
    if fn is None:
        raise NotImplementedError(f"ember.onnx.load: the ONNX operator '{op_type}' is not "
                                  "supported")
    at = dict(attrs)
    at["_op"], at["_n_out"] = op_type, n_out
    out = fn(args, at, opset)
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _np(t):
    return host(t._data)


def _ints(t):
    return [int(v) for v in _np(t).reshape(-1)]


# --- elementwise ------------------------------------------------------------------------------
def _bin(fn):
    return lambda a, at, o: fn(a[0], a[1])


for _n, _f in (("Add", ember.add), ("Sub", ember.sub), ("Mul", ember.mul),
               ("MatMul", ember.matmul), ("Pow", lambda x, y: ember.pow(x, y.to(x.dtype))),
               ("Max", ember.maximum), ("Min", ember.minimum)):
    OPS[_n] = _bin(_f)


@kernel("Div")
def _div(a, at, o):
    x, y = a
    if x.dtype.is_floating_point:
        return ember.div(x, y)
    return ember.div(x, y, rounding_mode="trunc")


for _n, _f in (("Neg", ember.neg), ("Exp", ember.exp), ("Log", ember.log),
               ("Sqrt", ember.sqrt), ("Abs", ember.abs), ("Tanh", ember.tanh),
               ("Sigmoid", ember.sigmoid), ("Relu", F.relu), ("Erf", ember.erf),
               ("Reciprocal", ember.reciprocal), ("Floor", ember.floor), ("Ceil", ember.ceil),
               ("Sin", ember.sin), ("Cos", ember.cos), ("Sign", ember.sign),
               ("Softsign", F.softsign), ("Identity", lambda x: x),
               ("Not", ember.logical_not)):
    OPS[_n] = (lambda f: lambda a, at, o: f(a[0]))(_f)

for _n, _f in (("Greater", ember.gt), ("Less", ember.lt), ("Equal", ember.eq),
               ("GreaterOrEqual", ember.ge), ("LessOrEqual", ember.le),
               ("And", ember.logical_and), ("Or", ember.logical_or)):
    OPS[_n] = _bin(_f)


@kernel("Where")
def _where(a, at, o):
    return ember.where(a[0], a[1], a[2])


@kernel("Clip")
def _clip(a, at, o):
    x = a[0]
    lo = a[1] if len(a) > 1 and a[1] is not None else None
    hi = a[2] if len(a) > 2 and a[2] is not None else None
    if o < 11:
        lo, hi = at.get("min"), at.get("max")
        return ember.clamp(x, lo, hi)
    return ember.clamp(x, None if lo is None else lo.item(), None if hi is None else hi.item())


@kernel("Cast")
def _cast(a, at, o):
    from onnx import helper

    return _make(_np(a[0]).astype(helper.tensor_dtype_to_np_dtype(at["to"])))


# --- activations ------------------------------------------------------------------------------
OPS["LeakyRelu"] = lambda a, at, o: F.leaky_relu(a[0], at.get("alpha", 0.01))
OPS["Elu"] = lambda a, at, o: F.elu(a[0], at.get("alpha", 1.0))
OPS["Celu"] = lambda a, at, o: F.celu(a[0], at.get("alpha", 1.0))
OPS["Softplus"] = lambda a, at, o: F.softplus(a[0])
OPS["HardSwish"] = lambda a, at, o: F.hardswish(a[0])
OPS["Mish"] = lambda a, at, o: F.mish(a[0])


@kernel("Selu")
def _selu(a, at, o):
    alpha, gamma = at.get("alpha", 1.67326319217681884765625), at.get("gamma",
                                                                       1.05070102214813232421875)
    x = a[0]
    return ember.where(x > 0, x, alpha * (ember.exp(x) - 1)) * gamma


@kernel("HardSigmoid")
def _hardsigmoid(a, at, o):
    return ember.clamp(a[0] * at.get("alpha", 0.2) + at.get("beta", 0.5), 0.0, 1.0)


@kernel("PRelu")
def _prelu(a, at, o):
    x, s = a
    return ember.where(x >= 0, x, x * s)


@kernel("Gelu")
def _gelu(a, at, o):
    approx = at.get("approximate", "none")
    return F.gelu(a[0], approximate=approx.decode() if isinstance(approx, bytes) else approx)


def _axis(at, x, default):
    return at.get("axis", default) % max(x.ndim, 1)


@kernel("Softmax", "LogSoftmax")
def _softmax(a, at, o):
    x = a[0]
    fn = F.softmax if at["_op"] == "Softmax" else F.log_softmax
    if o < 13:  # coerced to 2-D at axis
        ax = _axis(at, x, 1)
        y = fn(x.reshape(math.prod(x.shape[:ax]), -1), 1)
        return y.reshape(x.shape)
    return fn(x, _axis(at, x, -1))


# --- reductions -------------------------------------------------------------------------------
@kernel("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
        "ReduceLogSumExp", "ReduceL2", "ReduceSumSquare")
def _reduce(a, at, o):
    x = a[0]
    op = at["_op"]
    if len(a) > 1 and a[1] is not None:
        axes = _ints(a[1])
    else:
        axes = at.get("axes")
    keep = bool(at.get("keepdims", 1))
    if axes is None or len(axes) == 0:
        if at.get("noop_with_empty_axes", 0):
            return x
        axes = list(range(x.ndim))
    axes = tuple(ax % x.ndim for ax in axes)
    if op == "ReduceSum":
        return x.sum(axes, keepdim=keep)
    if op == "ReduceMean":
        return x.mean(axes, keepdim=keep)
    if op == "ReduceMax":
        return ember.amax(x, axes, keepdim=keep)
    if op == "ReduceMin":
        return ember.amin(x, axes, keepdim=keep)
    if op == "ReduceSumSquare":
        return (x * x).sum(axes, keepdim=keep)
    if op == "ReduceL2":
        return (x * x).sum(axes, keepdim=keep).sqrt()
    if op == "ReduceLogSumExp":
        return ember.logsumexp(x, axes, keepdim=keep)
    out = x
    for ax in sorted(axes, reverse=True):
        out = out.prod(ax, keepdim=keep)
    return out


# --- shape and indexing -----------------------------------------------------------------------
@kernel("Shape")
def _shape(a, at, o):
    s = np.asarray(a[0].shape, dtype=np.int64)
    start, end = at.get("start", 0), at.get("end")
    return _make(s[start:end] if end is not None else s[start:])


@kernel("Size")
def _size(a, at, o):
    return _make(np.asarray(a[0].numel(), dtype=np.int64))


@kernel("Reshape")
def _reshape(a, at, o):
    x, shape = a[0], _ints(a[1])
    if not at.get("allowzero", 0):
        shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return x.reshape(shape)


@kernel("Flatten")
def _flatten(a, at, o):
    x = a[0]
    ax = at.get("axis", 1) % (x.ndim + 1) if x.ndim else 0
    return x.reshape(math.prod(x.shape[:ax]), math.prod(x.shape[ax:]))


@kernel("Transpose")
def _transpose(a, at, o):
    x = a[0]
    perm = at.get("perm") or list(range(x.ndim))[::-1]
    return x.permute(*perm)


@kernel("Squeeze")
def _squeeze(a, at, o):
    x = a[0]
    axes = _ints(a[1]) if len(a) > 1 and a[1] is not None else at.get("axes")
    if axes is None:
        axes = [i for i, n in enumerate(x.shape) if n == 1]
    axes = sorted(ax % x.ndim for ax in axes)
    return x.reshape([n for i, n in enumerate(x.shape) if i not in axes])


@kernel("Unsqueeze")
def _unsqueeze(a, at, o):
    x = a[0]
    axes = _ints(a[1]) if len(a) > 1 and a[1] is not None else at["axes"]
    nd = x.ndim + len(axes)
    axes = sorted(ax % nd for ax in axes)
    shape = list(x.shape)
    for ax in axes:
        shape.insert(ax, 1)
    return x.reshape(shape)


@kernel("Concat")
def _concat(a, at, o):
    ts = [t for t in a if t is not None]
    if len(ts) == 1:
        return ts[0]
    return ember.cat(ts, at["axis"] % ts[0].ndim)


@kernel("Split")
def _split(a, at, o):
    x = a[0]
    ax = at.get("axis", 0) % x.ndim
    if len(a) > 1 and a[1] is not None:
        sizes = _ints(a[1])
    elif "split" in at:
        sizes = list(at["split"])
    else:
        n = at.get("num_outputs") or at["_n_out"]
        size = -(-x.shape[ax] // n)
        sizes = [min(size, x.shape[ax] - i * size) for i in range(n)]
    return list(ember.split(x, sizes, ax))


@kernel("Slice")
def _slice(a, at, o):
    x = a[0]
    starts, ends = _ints(a[1]), _ints(a[2])
    axes = _ints(a[3]) if len(a) > 3 and a[3] is not None else list(range(len(starts)))
    steps = _ints(a[4]) if len(a) > 4 and a[4] is not None else [1] * len(starts)
    idx = [slice(None)] * x.ndim
    backwards = []
    for s, e, ax, st in zip(starts, ends, axes, steps):
        n = x.shape[ax % x.ndim]
        s = max(min(s, n), -n - 1) if st > 0 else max(min(s, n - 1), -n - 1)
        e = max(min(e, n), -n - 1)
        if st < 0 and e < -n:
            e = None
        if st < 0:  # ember slices step forward only: gather the positions instead
            backwards.append((ax % x.ndim, np.arange(n)[slice(s, e, st)]))
            continue
        idx[ax % x.ndim] = slice(s, e, st)
    out = x[tuple(idx)]
    for ax, pos in backwards:
        out = ember.index_select(out, ax, _make(pos.astype(np.int64)))
    return out


@kernel("Gather")
def _gather(a, at, o):
    x, idx = a
    ax = at.get("axis", 0) % x.ndim
    i = _np(idx).astype(np.int64)
    i = np.where(i < 0, i + x.shape[ax], i)
    out = ember.index_select(x, ax, _make(i.reshape(-1)))
    return out.reshape(tuple(x.shape[:ax]) + i.shape + tuple(x.shape[ax + 1:]))


@kernel("Expand")
def _expand(a, at, o):
    x, shape = a[0], _ints(a[1])
    nd = max(len(shape), x.ndim)
    xs = [1] * (nd - x.ndim) + list(x.shape)
    ss = [1] * (nd - len(shape)) + shape
    target = [max(p, q) if min(p, q) == 1 else p for p, q in zip(xs, ss)]
    return x.reshape(xs).expand(target)


@kernel("Constant")
def _constant(a, at, o):
    from onnx import numpy_helper

    if "value" in at:
        return _make(numpy_helper.to_array(at["value"]).copy())
    for k, dt in (("value_float", np.float32), ("value_int", np.int64),
                  ("value_floats", np.float32), ("value_ints", np.int64)):
        if k in at:
            return _make(np.asarray(at[k], dtype=dt))
    raise NotImplementedError("Constant: unsupported value attribute")


@kernel("ConstantOfShape")
def _constant_of_shape(a, at, o):
    from onnx import numpy_helper

    v = numpy_helper.to_array(at["value"]) if "value" in at else np.zeros(1, np.float32)
    return _make(np.full(_ints(a[0]), v.reshape(-1)[0], dtype=v.dtype))


@kernel("Range")
def _range(a, at, o):
    s, e, d = (_np(t).item() for t in a)
    return _make(np.arange(s, e, d, dtype=_np(a[0]).dtype))


@kernel("Dropout")
def _dropout(a, at, o):
    return [a[0], _make(np.ones(a[0].shape, dtype=bool))]


@kernel("Pad")
def _pad(a, at, o):
    x = a[0]
    pads = _ints(a[1]) if len(a) > 1 else list(at["pads"])
    value = _np(a[2]).item() if len(a) > 2 and a[2] is not None else 0.0
    mode = at.get("mode", "constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    n = x.ndim
    if len(a) > 3 and a[3] is not None:  # axes (opset 18)
        axes = [ax % n for ax in _ints(a[3])]
        full = [0] * (2 * n)
        for k, ax in enumerate(axes):
            full[ax], full[ax + n] = pads[k], pads[k + len(axes)]
        pads = full
    torch_pads = []
    for ax in reversed(range(n)):
        torch_pads += [pads[ax], pads[ax + n]]
    if mode != "constant":
        while len(torch_pads) > 2 and torch_pads[-2:] == [0, 0]:
            torch_pads = torch_pads[:-2]  # reflect/replicate pad only the trailing dims
    mode = {"edge": "replicate", "wrap": "circular"}.get(mode, mode)
    if mode == "constant":
        return F.pad(x, torch_pads, mode=mode, value=value)
    return F.pad(x, torch_pads, mode=mode)


@kernel("Mod")
def _mod(a, at, o):
    x, y = a
    if at.get("fmod", 0):
        return ember.fmod(x, y)
    return ember.remainder(x, y)


@kernel("Sqrt")
def _sqrt(a, at, o):
    return ember.sqrt(a[0])


@kernel("Tile")
def _tile(a, at, o):
    return a[0].repeat(*_ints(a[1]))


@kernel("Trilu")
def _trilu(a, at, o):
    k = _np(a[1]).item() if len(a) > 1 and a[1] is not None else 0
    return ember.triu(a[0], k) if at.get("upper", 1) else ember.tril(a[0], k)


for _n in ("Tan", "Atan", "Asin", "Acos", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Round"):
    OPS[_n] = (lambda f: lambda a, at, o: f(a[0]))(getattr(ember, _n.lower()))


@kernel("ArgMax", "ArgMin")
def _argmax(a, at, o):
    x = a[0]
    fn = ember.argmax if at["_op"] == "ArgMax" else ember.argmin
    if at.get("select_last_index", 0):
        raise NotImplementedError(f"{at['_op']} with select_last_index=1")
    return fn(x, at.get("axis", 0) % x.ndim, bool(at.get("keepdims", 1)))


@kernel("CumSum")
def _cumsum(a, at, o):
    x = a[0]
    ax = int(_np(a[1]).reshape(-1)[0]) % x.ndim
    if at.get("exclusive", 0) or at.get("reverse", 0):
        raise NotImplementedError("CumSum with exclusive/reverse")
    return ember.cumsum(x, ax)


@kernel("ReduceL1")
def _reduce_l1(a, at, o):
    x = a[0]
    axes = _ints(a[1]) if len(a) > 1 and a[1] is not None else at.get("axes")
    axes = tuple(range(x.ndim)) if not axes else tuple(ax % x.ndim for ax in axes)
    return x.abs().sum(axes, keepdim=bool(at.get("keepdims", 1)))


@kernel("DepthToSpace")
def _depth_to_space(a, at, o):
    x = a[0]
    b = at["blocksize"]
    n, c, h, w = x.shape
    mode = at.get("mode", b"DCR")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode == "DCR":
        y = x.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2)
    else:
        y = x.reshape(n, c // (b * b), b, b, h, w).permute(0, 1, 4, 2, 5, 3)
    return y.reshape(n, c // (b * b), h * b, w * b)


@kernel("SpaceToDepth")
def _space_to_depth(a, at, o):
    x = a[0]
    b = at["blocksize"]
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // b, b, w // b, b).permute(0, 3, 5, 1, 2, 4)
    return y.reshape(n, c * b * b, h // b, w // b)


@kernel("InstanceNormalization")
def _instance_norm(a, at, o):
    x, scale, bias = a
    return F.instance_norm(x, weight=scale, bias=bias, eps=at.get("epsilon", 1e-5))


def _str(v, default):
    v = default if v is None else v
    return v.decode() if isinstance(v, bytes) else v


@kernel("Resize")
def _resize(a, at, o):
    """Nearest and (bi/tri)linear resizing of the spatial dims (N and C unchanged)."""
    x = a[0]
    nd = x.ndim - 2
    scales = a[2] if len(a) > 2 and a[2] is not None and a[2].numel() else None
    sizes = a[3] if len(a) > 3 and a[3] is not None and a[3].numel() else None
    if sizes is not None:
        size = _ints(sizes)[2:]
        scale_f = None
    else:
        sc = [float(v) for v in _np(scales).reshape(-1)]
        if sc[:2] != [1.0, 1.0]:
            raise NotImplementedError("Resize of the batch or channel dims")
        scale_f = sc[2:]
        size = [int(math.floor(n * f)) for n, f in zip(x.shape[2:], scale_f)]
    mode = _str(at.get("mode"), "nearest")
    ct = _str(at.get("coordinate_transformation_mode"), "half_pixel")
    if mode == "nearest":
        nm = _str(at.get("nearest_mode"), "round_prefer_floor")
        out = x
        for i, (n, m) in enumerate(zip(x.shape[2:], size)):
            f = scale_f[i] if scale_f else m / n
            j = np.arange(m, dtype=np.float64)
            src = (j + 0.5) / f - 0.5 if ct in ("half_pixel", "pytorch_half_pixel") else j / f
            if ct == "align_corners":
                src = j * (n - 1) / max(m - 1, 1)
            src = np.floor(src) if nm == "floor" else (
                np.ceil(src) if nm == "ceil" else (
                    np.ceil(src - 0.5) if nm == "round_prefer_floor" else np.floor(src + 0.5)))
            idx = np.clip(src, 0, n - 1).astype(np.int64)
            out = ember.index_select(out, 2 + i, _make(idx))
        return out
    if mode == "linear":
        kind = {1: "linear", 2: "bilinear", 3: "trilinear"}[nd]
        return F.interpolate(x, size=tuple(size), mode=kind,
                             align_corners=ct == "align_corners")
    raise NotImplementedError(f"Resize mode '{mode}'")

"""``ember.onnx.export``: trace the model, map each recorded op to ONNX nodes, write the file."""
import io
import os

import numpy as np

from .._tensor import Tensor
from ..backends import get_array_module
from . import _trace
from ._graph import PRIMES, DynInt, Graph, Symbol, dynamize, dynamize_tree, host, is_dyn
from .errors import UnsupportedOperatorError


class TrainingMode:
    """PyTorch's ``torch.onnx.TrainingMode`` values."""

    EVAL = "EVAL"
    PRESERVE = "PRESERVE"
    TRAINING = "TRAINING"


# --- inputs -----------------------------------------------------------------------------------
def _as_tuple(args):
    if isinstance(args, Tensor):
        return (args,), {}
    args = tuple(args)
    if args and isinstance(args[-1], dict):
        return args[:-1], dict(args[-1])
    return args, {}


def _rebuild(obj, it):
    """The nested structure of ``obj`` with its tensors taken in order from ``it``."""
    if isinstance(obj, Tensor):
        return next(it)
    if isinstance(obj, tuple):
        return tuple(_rebuild(o, it) for o in obj)
    if isinstance(obj, list):
        return [_rebuild(o, it) for o in obj]
    if isinstance(obj, dict):
        return {k: _rebuild(v, it) for k, v in obj.items()}
    return obj


def _leaf(array):
    t = Tensor._make(array)
    if array.dtype.kind in "fc":
        t.requires_grad_(True)
    return t


def _axes_of(spec, name):
    if isinstance(spec, dict):
        return {int(a): str(n) for a, n in spec.items()}
    return {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(spec)}


def _symbols(dynamic_axes, input_names, arrays):
    """One Symbol per distinct dynamic-axis name of the inputs."""
    symbols, by_name = [], {}
    for i, name in enumerate(input_names[:len(arrays)]):
        for axis, sname in _axes_of((dynamic_axes or {}).get(name, {}), name).items():
            axis = axis % arrays[i].ndim
            size = arrays[i].shape[axis]
            if sname in by_name:
                s = by_name[sname]
                if s.size != size:
                    raise ValueError(f"dynamic axis '{sname}' has size {s.size} and {size} in "
                                     "the example inputs")
                continue
            if len(symbols) == len(PRIMES):
                raise ValueError("too many dynamic axes")
            s = Symbol(sname, name, axis, size, PRIMES[len(symbols)])
            by_name[sname] = s
            symbols.append(s)
    return symbols


def _scaled(arrays, input_names, dynamic_axes, symbols):
    """The example inputs with each dynamic axis tiled ``prime`` times (the second trace)."""
    by_name = {s.name: s for s in symbols}
    out = []
    for i, a in enumerate(arrays):
        name = input_names[i] if i < len(input_names) else None
        for axis, sname in _axes_of((dynamic_axes or {}).get(name, {}), name).items():
            a = get_array_module(a).concatenate([a] * by_name[sname].prime, axis=axis % a.ndim)
        out.append(a)
    return out


def _shuffled(arrays):
    rng = np.random.default_rng(0)
    out = []
    for a in arrays:
        perm = get_array_module(a).asarray(rng.permutation(a.size))
        out.append(a.reshape(-1)[perm].reshape(a.shape) if a.size > 1 else a)
    return out


# torch.onnx.export arguments that have no meaning here (accepted for drop-in calls)
_IGNORED_TORCH_ARGS = {"operator_export_type", "custom_opsets", "export_modules_as_functions",
                       "autograd_inlining", "dynamo", "external_data", "report", "verify",
                       "optimize", "profile", "dump_exported_program", "artifacts_dir",
                       "fallback", "kwargs", "dynamic_shapes"}
_exporting = [False]


def is_in_onnx_export():
    """True while ``ember.onnx.export`` runs the model (``torch.onnx.is_in_onnx_export``)."""
    return _exporting[0]


def _run_trace(model, args, kwargs, arrays):
    leaves = [_leaf(a) for a in arrays]
    it = iter(leaves)
    a2 = _rebuild(args, it)
    k2 = _rebuild(kwargs, it)
    _exporting[0] = True
    try:
        with _trace.Tracer(model) as tr:
            out = model(*a2, **k2)
    finally:
        _exporting[0] = False
    return tr, leaves, out


# --- mapping context --------------------------------------------------------------------------
class Ctx:
    """What a mapping sees of one recorded op: its inputs' ONNX names, parameters (with
    dynamic sizes as DynInt), shapes and dtypes."""

    def __init__(self, exporter, rec, rec_b):
        self.ex, self.g, self.rec, self.rec_b = exporter, exporter.g, rec, rec_b
        self.opset = exporter.g.opset

    @property
    def module(self):
        return self.rec.fn

    def _pair(self, i):
        a = self.rec.args[i] if i < len(self.rec.args) else None
        b = self.rec_b.args[i] if self.rec_b is not None and i < len(self.rec_b.args) else a
        return a, b

    def n(self):
        return len(self.rec.args)

    def tensor(self, i):
        return self.rec.args[i]

    def is_tensor(self, i):
        return i < len(self.rec.args) and isinstance(self.rec.args[i], Tensor)

    def x(self, i, like=None):
        """ONNX name of positional argument ``i`` (a tensor, or a scalar made a constant in the
        dtype of ``like`` / the first tensor argument)."""
        a, b = self._pair(i)
        if isinstance(a, Tensor):
            return self.ex.name_of(a, b, self.rec)
        if hasattr(a, "__array_interface__") or hasattr(a, "__cuda_array_interface__"):
            # a primitive handed the raw array of a traced tensor (e.g. embedding indices)
            name = self.ex.arrays.get(id(a))
            return name if name is not None else self.g.const(a)
        ref = self.rec.args[like] if like is not None else next(
            t for t in self.rec.args if isinstance(t, Tensor))
        return self.g.const(np.asarray(a, dtype=ref._data.dtype))

    def t(self, tensor, tensor_b=None):
        return self.ex.name_of(tensor, tensor_b if tensor_b is not None else tensor, self.rec)

    def param(self, i):
        a, b = self._pair(i)
        return dynamize_tree(a, b, self.ex.symbols)

    def kw(self, name, default=None):
        a = self.rec.kwargs.get(name, default)
        b = self.rec_b.kwargs.get(name, default) if self.rec_b is not None else a
        return dynamize_tree(a, b, self.ex.symbols)

    def shape(self, i):
        a, b = self._pair(i)
        return self.ex.sym_shape(a, b)

    def out_shape(self, j=0):
        a = self.rec.outs[j]
        b = self.rec_b.outs[j] if self.rec_b is not None else a
        return self.ex.sym_shape(a, b)

    def dtype(self, i):
        return self.rec.args[i]._data.dtype

    def op(self, *a, **k):
        return self.g.op(*a, **k)


class Exporter:
    def __init__(self, model, opset, symbols):
        self.model = model
        self.g = Graph(opset, symbols)
        self.symbols = symbols
        self.values = {}
        self.arrays = {}        # id(ndarray) -> name: a traced value re-wrapped in a new Tensor
        self.modules = dict(model.named_modules())

    def bind(self, input_names, leaves):
        """Name the graph inputs and the parameters/buffers; returns the latter."""
        for name, leaf in zip(input_names, leaves):
            self.g.reserve(name)
            self.values[_trace.key(leaf)] = name
            self.arrays[id(leaf._data)] = name
        params = _named_tensors(self.model)
        for pid, (pname, _) in params.items():
            self.g.reserve(pname)
            self.values[pid] = pname
        return params

    def wire_outputs(self, output_names, outs_a, outs_b):
        """Make the model's outputs graph outputs: the producing node writes the output name
        (an Identity where that is not possible); returns (name, dtype, shape) of each."""
        g = self.g
        produced = {o for n in g.nodes for o in n[2]}
        renamed, info = {}, []
        for name, ta, tb in zip(output_names, outs_a, outs_b):
            src = self.name_of(ta, tb)
            g.reserve(name)
            if src in produced and src not in renamed:
                renamed[src] = name
            else:
                g.nodes.append(("Identity", [renamed.get(src, src)], [name], {},
                                g.fresh("/Identity")))
            info.append((name, ta._data.dtype, self.sym_shape(ta, tb)))
        if renamed:
            g.nodes = [(t, [renamed.get(i, i) for i in ins], [renamed.get(o, o) for o in outs],
                        a, nm) for t, ins, outs, a, nm in g.nodes]
        return info

    def sym_shape(self, a, b):
        if b is None or not self.symbols:
            return list(a.shape)
        out = []
        for x, y in zip(a.shape, b.shape):
            d = dynamize(x, y, self.symbols)
            if d is None:
                raise UnsupportedOperatorError(
                    f"size {x} (and {y} when the dynamic axes were scaled) is not a product of "
                    "the dynamic axes")
            out.append(d)
        return out

    def name_of(self, a, b, rec=None):
        k = rec.keys.get(id(a)) if rec is not None else None
        if k is None:
            k = _trace.key(a)
        name = self.values.get(k)
        if isinstance(name, tuple):
            raise UnsupportedOperatorError(
                f"an output of ember op '{name[0]}' (in module '{name[1]}') that the ONNX "
                "mapping does not produce (e.g. max-pooling indices, normalisation statistics) "
                "is used later", op=name[0], module_path=name[1])
        if name is not None:
            return name
        name = self.arrays.get(id(a._data))
        if name is not None:
            return name
        return self._constant(a, b)

    def _constant(self, a, b):
        arr = host(a._data)
        if b is not None and b is not a and b.shape != a.shape:
            flat = arr.reshape(-1)
            if flat.size and not (flat == flat[0]).all():
                raise UnsupportedOperatorError(
                    f"a constant of shape {list(a.shape)} depends on the dynamic axes and is not "
                    "uniform; it cannot be exported with dynamic_axes")
            shape = self.sym_shape(a, b)
            from onnx import numpy_helper

            value = numpy_helper.from_array(np.full((1,), flat[0] if flat.size else 0,
                                                    dtype=arr.dtype), "value")
            return self.g.op("ConstantOfShape", [self.g.shape(shape)], value=value)
        if b is not None and b is not a and b.shape == a.shape and \
                not _same_values(arr, host(b._data)):
            raise UnsupportedOperatorError(
                f"a tensor of shape {list(a.shape)} used here depends on the inputs but was "
                "computed outside ember's traced primitives (e.g. argmax/indices, .numpy(), "
                ".item() or random values in forward); exporting it would freeze it as a "
                "constant")
        name = self.g.const(arr)
        self.values[_trace.key(a)] = name
        return name

    def map_record(self, rec, rec_b):
        from ._registry import lookup

        mapping = lookup(rec)
        path = rec.path
        if mapping is None:
            mod = self.modules.get(path)
            where = f"'{path}' ({type(mod).__name__})" if path else \
                f"the top-level module ({type(self.model).__name__})"
            kind = "module" if rec.kind == "module" else "op"
            raise UnsupportedOperatorError(
                f"Exporting the ember {kind} '{rec.op_name}' to ONNX opset version "
                f"{self.g.opset} is not supported: no ONNX mapping for "
                f"{_qual(rec)}; it occurred in module {where}", op=rec.op_name, module_path=path)
        self.g.scope = "/" + path.replace(".", "/") if path else ""
        try:
            names = mapping(Ctx(self, rec, rec_b))
        except UnsupportedOperatorError as e:
            if e.module_path is None:
                mod = self.modules.get(path)
                where = f"'{path}' ({type(mod).__name__})" if path else \
                    f"the top-level module ({type(self.model).__name__})"
                raise UnsupportedOperatorError(f"{e} (ember op '{rec.op_name}' in module "
                                               f"{where})", op=rec.op_name,
                                               module_path=path) from None
            raise
        if not isinstance(names, (list, tuple)):
            names = [names]
        for t, name in zip(rec.outs, names):
            if t is not None and name is None:
                self.values.setdefault(rec.keys[id(t)], (rec.op_name, path))
            elif t is not None:
                self.values[rec.keys[id(t)]] = name
                self.arrays[id(t._data)] = name


def _same_values(a, b):
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def _qual(rec):
    fn = rec.fn if rec.kind == "op" else type(rec.fn)
    return f"{fn.__module__}.{fn.__qualname__}"


# --- the public function ----------------------------------------------------------------------
def export(model, args, f, export_params=True, verbose=False, training=None, input_names=None,
           output_names=None, dynamic_axes=None, opset_version=17, do_constant_folding=True,
           keep_initializers_as_inputs=False, **unused):
    """Export ``model`` to ONNX by tracing one forward run on ``args``; see ``ember.onnx``."""
    import onnx

    from ._write import drop_identities, fold_constants, make_model

    opset = _check_args(opset_version, unused)
    args, kwargs = _as_tuple(args)
    arrays = [get_array_module(t._data).ascontiguousarray(t._data)
              for t in _trace.flatten((args, kwargs))]
    input_names = _default_names(input_names, len(arrays), "input")
    a, b, symbols = _trace_twice(model, args, kwargs, arrays, input_names, dynamic_axes,
                                 training)
    ex = Exporter(model, opset, symbols)
    params = ex.bind(input_names, a[1])
    for rec, rec_b in zip(a[0].records, b[0].records):
        ex.map_record(rec, rec_b)
    outs_a, outs_b = _trace.flatten(a[2]), _trace.flatten(b[2])
    output_names = _default_names(output_names, len(outs_a), "output")
    out_info = ex.wire_outputs(output_names, outs_a, outs_b)
    in_info = [(n, arr.dtype, ex.sym_shape(la, lb))
               for n, arr, la, lb in zip(input_names, arrays, a[1], b[1])]
    used_params = {n: host(p._data) for n, p in params.values()}
    drop_identities(ex.g, set(output_names))
    if do_constant_folding:
        fold_constants(ex.g, used_params if export_params else {})
    proto = make_model(ex.g, in_info, out_info, used_params, export_params,
                       keep_initializers_as_inputs, dynamic_axes, symbols)
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    _save(proto, f)
    return proto


def _check_args(opset_version, unused):
    unknown = set(unused) - _IGNORED_TORCH_ARGS
    if unknown:
        raise TypeError(f"export() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    if unused.get("dynamo"):
        raise ValueError("ember.onnx.export has one exporter (tracing); pass dynamo=False or "
                         "leave it out")
    opset = 17 if opset_version is None else int(opset_version)
    if opset < 13:
        raise ValueError(f"ember.onnx.export supports opset_version >= 13, got {opset}")
    return opset


def _default_names(names, n, base):
    names = list(names or [])
    for i in range(len(names), n):
        names.append(f"{base}_{i}" if n > 1 else base)
    return names


def _trace_twice(model, args, kwargs, arrays, input_names, dynamic_axes, training):
    """Two traces in eval mode: the example inputs, then either the dynamic axes scaled (to
    find the symbolic sizes) or the same shapes with shuffled values (to catch values computed
    outside the traced ops). Returns ((tracer, leaves, out) x 2, symbols)."""
    was_training = getattr(model, "training", False)
    if training in (None, False) or str(training).endswith("EVAL"):
        model.eval()
    elif training is True or str(training).endswith("TRAINING"):
        raise NotImplementedError("ember.onnx.export exports models in eval mode only")
    try:
        a = _run_trace(model, args, kwargs, arrays)
        symbols = _symbols(dynamic_axes, input_names, arrays)
        second = _scaled(arrays, input_names, dynamic_axes, symbols) if symbols else \
            _shuffled(arrays)
        b = _run_trace(model, args, kwargs, second)
        _check_same(a[0].records, b[0].records, bool(symbols))
    finally:
        model.train(was_training)
    return a, b, symbols


def _named_tensors(model):
    """id(tensor) -> (state name, tensor) for the model's parameters and buffers."""
    out = {}
    for name, p in model.named_parameters():
        out.setdefault(id(p), (name, p))
    for name, b in model.named_buffers():
        if b is not None:
            out.setdefault(id(b), (name, b))
    return out


def _check_same(ra, rb, dynamic):
    if len(ra) != len(rb) or any(a.fn is not b.fn and type(a.fn) is not type(b.fn)
                                 for a, b in zip(ra, rb)):
        if dynamic:
            raise RuntimeError("the model ran a different sequence of ops when the dynamic "
                               "axes changed size; its control flow depends on the input "
                               "shape, so it cannot be exported with these dynamic_axes")
        raise RuntimeError("the model ran a different sequence of ops for other input values; "
                           "its control flow depends on the data, which a traced ONNX graph "
                           "cannot express")


def _save(proto, f):
    if f is None:  # only the returned ModelProto is wanted
        return
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(data)
    elif isinstance(f, io.IOBase) or hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"f must be a path or a writable file object, got {type(f).__name__}")


__all__ = ["export", "TrainingMode", "DynInt", "is_dyn"]

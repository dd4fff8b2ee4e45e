"""``ember.onnx.load``: an ONNX inference session whose kernels are ember ops."""
import io
import os

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ._graph import host


class NodeArg:
    """A graph input or output: ``name``, ``shape`` (ints, or str for symbolic dims) and
    ``type`` (onnxruntime's spelling, e.g. ``'tensor(float)'``)."""

    def __init__(self, vi):
        from onnx import helper

        tt = vi.type.tensor_type
        self.name = vi.name
        self.shape = [d.dim_param if d.dim_param else (d.dim_value if d.HasField("dim_value")
                                                         else None)
                      for d in tt.shape.dim]
        self.dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tt.elem_type))
        self.type = f"tensor({_ORT_NAMES.get(self.dtype.name, self.dtype.name)})"

    def __repr__(self):
        return f"NodeArg(name='{self.name}', type='{self.type}', shape={self.shape})"


_ORT_NAMES = {"float32": "float", "float64": "double", "int64": "int64", "int32": "int32",
              "bool": "bool", "float16": "float16", "uint8": "uint8", "int8": "int8"}


def _load_proto(f):
    import onnx

    if isinstance(f, onnx.ModelProto):
        return f
    if isinstance(f, (bytes, bytearray)):
        return onnx.load_from_string(bytes(f))
    if isinstance(f, (str, os.PathLike)):
        return onnx.load(os.fspath(f))
    if isinstance(f, io.IOBase) or hasattr(f, "read"):
        return onnx.load_from_string(f.read())
    raise TypeError(f"cannot load an ONNX model from {type(f).__name__}")


class InferenceSession:
    """Runs an ONNX model with ember ops (onnxruntime's ``InferenceSession`` interface:
    ``run(output_names, input_feed)``, ``get_inputs()``, ``get_outputs()``), and is callable
    with ember tensors or NumPy arrays, returning ember tensors.

    Args:
        f: a path, bytes, a file object or an ``onnx.ModelProto``.
    """

    def __init__(self, f):
        from onnx import helper, numpy_helper

        from ._rt_ops import OPS, _load_nn

        _load_nn()
        self.model = _load_proto(f)
        graph = self.model.graph
        self.opset = next((o.version for o in self.model.opset_import
                           if o.domain in ("", "ai.onnx")),
                          13)
        self.consts = {i.name: Tensor._make(numpy_helper.to_array(i).copy())
                       for i in graph.initializer}
        self._inputs = [NodeArg(v) for v in graph.input if v.name not in self.consts]
        self._outputs = [NodeArg(v) for v in graph.output]
        self.nodes = []
        for n in graph.node:
            if n.domain not in ("", "ai.onnx"):
                raise NotImplementedError(f"ember.onnx.load: operator domain '{n.domain}' "
                                          f"({n.op_type}) is not supported")
            if n.op_type not in OPS:
                raise NotImplementedError(f"ember.onnx.load: the ONNX operator '{n.op_type}' "
                                          f"(node '{n.name}') is not supported")
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            self.nodes.append((n.op_type, list(n.input), list(n.output), attrs))

    def get_inputs(self):
        return list(self._inputs)

    def get_outputs(self):
        return list(self._outputs)

    def _check_feed(self, feed):
        """Every input given, with the declared dtype, rank and static sizes (onnxruntime
        refuses the same), so callers get a clear ValueError rather than a kernel error."""
        out = {}
        for arg in self._inputs:
            if arg.name not in feed:
                raise ValueError(f"missing input '{arg.name}' (expected {arg.type}, shape "
                                 f"{arg.shape})")
            v = feed[arg.name]
            t = v if isinstance(v, Tensor) else Tensor._make(np.asarray(v))
            dt = t._data.dtype
            if dt != arg.dtype:
                raise ValueError(f"input '{arg.name}' has dtype {dt.name}, expected "
                                 f"{arg.dtype.name} ({arg.type})")
            shape = tuple(t.shape)
            if len(shape) != len(arg.shape) or any(
                    isinstance(d, int) and d != n for d, n in zip(arg.shape, shape)):
                raise ValueError(f"input '{arg.name}' has shape {list(shape)}, expected "
                                 f"{arg.shape}")
            out[arg.name] = t
        return out

    def _execute(self, feed):
        from ._rt_ops import run_node

        env = dict(self.consts)
        env.update(self._check_feed(feed))
        with no_grad():
            for op_type, ins, outs, attrs in self.nodes:
                args = [env[i] if i else None for i in ins]
                res = run_node(op_type, args, attrs, self.opset, len(outs))
                for name, r in zip(outs, res):
                    if name:
                        env[name] = r
        return env

    def run(self, output_names, input_feed, run_options=None):
        """Outputs (NumPy arrays) named by ``output_names`` (all when None)."""
        names = output_names or [o.name for o in self._outputs]
        known = {i.name for i in self._inputs}
        for k in input_feed:
            if k not in known:
                raise ValueError(f"input '{k}' is not an input of the model (inputs: "
                                 f"{sorted(known)})")
        env = self._execute(input_feed)
        return [host(env[n]._data) for n in names]

    def __call__(self, *inputs):
        if len(inputs) != len(self._inputs):
            raise TypeError(f"the model takes {len(self._inputs)} inputs "
                            f"({[i.name for i in self._inputs]}), got {len(inputs)}")
        env = self._execute({i.name: v for i, v in zip(self._inputs, inputs)})
        outs = tuple(env[o.name] for o in self._outputs)
        return outs[0] if len(outs) == 1 else outs

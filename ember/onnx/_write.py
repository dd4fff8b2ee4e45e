"""Constant folding and the ModelProto of the built graph."""
import numpy as np


def fold_constants(g, params):
    """Evaluate the nodes whose inputs are all initializers (with ember's ONNX runtime) and
    keep their results as initializers instead."""
    from .._tensor import Tensor
    from ._rt_ops import run_node

    known = dict(params)
    known.update(g.inits)
    kept = []
    for node in g.nodes:
        op_type, inputs, outputs, attrs, name = node
        if op_type in ("Identity",) or not inputs or \
                not all(i == "" or i in known for i in inputs):
            kept.append(node)
            continue
        try:
            args = [Tensor._make(np.asarray(known[i])) if i else None for i in inputs]
            res = run_node(op_type, args, attrs, g.opset, len(outputs))
        except NotImplementedError:
            kept.append(node)
            continue
        for o, r in zip(outputs, res):
            arr = np.asarray(r._data if isinstance(r, Tensor) else r)
            g.inits[o] = arr
            known[o] = arr
    g.nodes = kept


def drop_identities(g, outputs):
    """Remove Identity nodes (dropout in eval, aliases, clones) by wiring their consumers to
    their input; those that write a graph output stay."""
    alias = {}
    kept = []
    for node in g.nodes:
        op_type, ins, outs, attrs, name = node
        ins = [alias.get(i, i) for i in ins]
        if op_type == "Identity" and outs[0] not in outputs:
            alias[outs[0]] = ins[0]
            continue
        kept.append((op_type, ins, outs, attrs, name))
    g.nodes = kept


def _value_info(name, dtype, shape, dim_names):
    from onnx import helper

    dims = []
    for i, d in enumerate(shape):
        if i in dim_names:
            dims.append(dim_names[i])
        elif hasattr(d, "exps"):
            dims.append(None)
        else:
            dims.append(int(d))
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                                         dims)


def _dim_names(shape, given, symbols):
    names = {}
    for i, d in enumerate(shape):
        if i in given:
            names[i] = given[i]
        elif hasattr(d, "exps"):
            if d.coef == 1 and sorted(d.exps) == [0] * (len(d.exps) - 1) + [1]:
                names[i] = symbols[d.exps.index(1)].name
            else:
                parts = [f"{s.name}" + (f"^{e}" if e > 1 else "")
                         for s, e in zip(symbols, d.exps) if e]
                names[i] = "*".join(([str(d.coef)] if d.coef != 1 else []) + parts)
    return names


def make_model(g, in_info, out_info, params, export_params, keep_inits_as_inputs,
               dynamic_axes, symbols):
    from onnx import helper, numpy_helper

    from ._export import _axes_of

    dynamic_axes = dynamic_axes or {}
    nodes = [helper.make_node(op, ins, outs, name=name, **attrs)
             for op, ins, outs, attrs, name in g.nodes]
    used = {i for n in g.nodes for i in n[1]}
    inputs = [_value_info(n, dt, sh, _dim_names(sh, _axes_of(dynamic_axes.get(n, {}), n),
                                                symbols))
              for n, dt, sh in in_info]
    outputs = [_value_info(n, dt, sh, _dim_names(sh, _axes_of(dynamic_axes.get(n, {}), n),
                                                 symbols))
               for n, dt, sh in out_info]
    inits = []
    for name, arr in list(params.items()) + list(g.inits.items()):
        if name not in used:
            continue
        if name in params and not export_params:
            inputs.append(_value_info(name, arr.dtype, arr.shape, {}))
            continue
        inits.append(numpy_helper.from_array(np.array(arr, order="C"), name))
        if keep_inits_as_inputs:
            inputs.append(_value_info(name, arr.dtype, arr.shape, {}))
    graph = helper.make_graph(nodes, "main_graph", inputs, outputs, inits)
    opset = helper.make_opsetid("", g.opset)
    model = helper.make_model(graph, opset_imports=[opset], producer_name="ember",
                              producer_version="0.1")
    model.ir_version = min(model.ir_version, _ir_for(g.opset))
    return model


def _ir_for(opset):
    """The IR version that goes with an opset (onnxruntime refuses IRs newer than it knows)."""
    return 8 if opset <= 18 else 9 if opset <= 20 else 10

"""``ember.onnx``: export ember models to ONNX, and run ONNX models on ember.

``export`` traces the model (in eval mode) and maps each recorded ember primitive to ONNX
nodes, one mapping per primitive; RNN/LSTM/GRU, BatchNorm and a few activations and pools are
mapped per module (``onnx`` is an optional dependency: ``pip install ember[onnx]``). The model
runs twice: the second run scales each dynamic axis by a prime (which sizes follow the axes
becomes ``Shape`` arithmetic) or, without dynamic axes, shuffles the input values (a value
that changes but was not produced by a traced op is refused rather than frozen as a constant).
Data-dependent control flow cannot be exported, as with any tracer.

``load`` returns a session that runs an ONNX graph with ember ops (the exported op set, and
what ``torch.onnx.export(..., dynamo=False)`` writes for the same layers).
"""
from .errors import OnnxExporterError, UnsupportedOperatorError


def export(model, args, f, export_params=True, verbose=False, training=None, input_names=None,
           output_names=None, dynamic_axes=None, opset_version=17, do_constant_folding=True,
           keep_initializers_as_inputs=False, **kwargs):
    """Export ``model`` to an ONNX file by tracing one run on ``args``.

    Args:
        model (Module): the model; it is run in eval mode.
        args (Tensor or tuple): the example inputs: a tensor, or a (nested) tuple of them, as
            passed to ``model(*args)`` (a trailing dict holds keyword inputs).
        f (str, PathLike, file object or None): where to write the model (None: only
            return it).
        export_params (bool): store the parameters as initializers. Default: ``True``.
        verbose (bool): print the graph. Default: ``False``.
        training: ``None``/``TrainingMode.EVAL`` (eval mode) or ``PRESERVE``.
        input_names, output_names (list of str, optional): graph input/output names.
        dynamic_axes (dict, optional): ``{name: {axis: dim_name}}`` (or a list of axes) for the
            dims left symbolic, e.g. the batch. Default: ``None``.
        opset_version (int): the ONNX opset. Default: 17.
        do_constant_folding (bool): precompute nodes whose inputs are all constants.
            Default: ``True``.
        keep_initializers_as_inputs (bool): also list initializers as graph inputs.
            Default: ``False``.

    Returns:
        onnx.ModelProto: the exported model (also written to ``f``).

    Raises:
        UnsupportedOperatorError: an op met while tracing has no ONNX mapping; the message
            names the op and the module path where it occurred.

    Example:
        >>> import io
        >>> import ember
        >>> model = ember.nn.Sequential(ember.nn.Linear(4, 2), ember.nn.ReLU())
        >>> f = io.BytesIO()
        >>> proto = ember.onnx.export(model, ember.randn(3, 4), f, input_names=["x"],
        ...                           dynamic_axes={"x": {0: "batch"}})
        >>> [n.op_type for n in proto.graph.node]
        ['Gemm', 'Relu']
        >>> ember.onnx.load(f.getvalue())(ember.ones(5, 4)).shape
        ember.Size([5, 2])
    """
    from ._export import export as _export

    return _export(model, args, f, export_params=export_params, verbose=verbose,
                   training=training, input_names=input_names, output_names=output_names,
                   dynamic_axes=dynamic_axes, opset_version=opset_version,
                   do_constant_folding=do_constant_folding,
                   keep_initializers_as_inputs=keep_initializers_as_inputs, **kwargs)


def load(f):
    """Load an ONNX model (path, bytes, file object or ``onnx.ModelProto``) as an
    :class:`InferenceSession` that runs it with ember ops."""
    from ._runtime import InferenceSession

    return InferenceSession(f)


def is_in_onnx_export():
    """True while :func:`export` runs the model (to skip, say, Python-side checks)."""
    from ._export import is_in_onnx_export as _f

    return _f()


def __getattr__(name):
    if name == "TrainingMode":
        from ._export import TrainingMode

        return TrainingMode
    if name == "InferenceSession":
        from ._runtime import InferenceSession

        return InferenceSession
    raise AttributeError(f"module 'ember.onnx' has no attribute '{name}'")


__all__ = ["export", "load", "is_in_onnx_export", "UnsupportedOperatorError",
           "OnnxExporterError", "TrainingMode", "InferenceSession"]

"""Errors of ``ember.onnx`` (PyTorch's ``torch.onnx.errors`` names)."""


class OnnxExporterError(RuntimeError):
    """Base of the export errors."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op (or module) met while tracing has no ONNX mapping.

    Attributes:
        op (str): the ember op or module class name.
        module_path (str): where in the model it occurred ('' for the top level).
    """

    def __init__(self, msg, op=None, module_path=None):
        super().__init__(msg)
        self.op, self.module_path = op, module_path

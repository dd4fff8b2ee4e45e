"""Reverse-mode automatic differentiation: ``Function``, ``backward``, ``grad``, grad modes,
gradient checks and anomaly detection."""
from . import engine
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401

__all__ = ["Function", "backward", "grad", "Variable", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "gradcheck",
           "gradgradcheck", "set_detect_anomaly", "detect_anomaly", "once_differentiable",
           "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled",
           "functional"]


def _seq(x):
    from .._tensor import Tensor

    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad``."""
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) or [None] * len(tensors)
    if inputs is not None and not _seq(inputs):
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    if retain_graph is None:
        retain_graph = create_graph
    engine.run_backward(tensors, grads, retain_graph, create_graph, inputs=_seq(inputs),
                        accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned (not accumulated into ``.grad``).

    Example:
        >>> import ember
        >>> x = ember.tensor(3.0, requires_grad=True)
        >>> (g,) = ember.autograd.grad(x ** 2, x, create_graph=True)
        >>> g, ember.autograd.grad(g, x)[0]
        (tensor(6., grad_fn=<MulBackward0>), tensor(2.))
    """
    if is_grads_batched:
        raise NotImplementedError("ember.autograd.grad: is_grads_batched=True is not supported")
    outputs = _seq(outputs)
    inputs_l = _seq(inputs)
    if not inputs_l:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    grads = _seq(grad_outputs) or [None] * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = engine.run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs_l,
                              allow_unused=allow_unused, accumulate=False)
    if materialize_grads:
        from ..ops.creation import zeros_like

        res = [zeros_like(i) if r is None else r for r, i in zip(res, inputs_l)]
    return tuple(res)


def Variable(tensor, requires_grad=False, volatile=False):
    """The deprecated ``Variable`` wrapper: returns the tensor itself."""
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


# Anomaly mode. The engine reads only ``engine._anomaly[0]`` (check backward outputs for NaN),
# which is on when the mode is on with ``check_nan``; the two flags themselves live here.
_anomaly_mode = {"enabled": False, "check_nan": True}


def set_anomaly_enabled(enabled, check_nan=True):
    """Turn anomaly detection on or off (``torch.set_anomaly_enabled``)."""
    _anomaly_mode["enabled"], _anomaly_mode["check_nan"] = bool(enabled), bool(check_nan)
    engine._anomaly[0] = bool(enabled) and bool(check_nan)


def is_anomaly_enabled():
    """Whether anomaly detection is on."""
    return _anomaly_mode["enabled"]


def is_anomaly_check_nan_enabled():
    """Whether anomaly detection checks backward outputs for NaN (True by default)."""
    return _anomaly_mode["check_nan"]


class set_detect_anomaly:
    """Turn anomaly detection on or off (immediately, or for a ``with`` block): a backward
    that produces NaN raises, naming the op, e.g. ``Function 'DivBackward0' returned nan values
    in its 0th output.`` (unless ``check_nan=False``).

    Args:
        mode (bool): enable (True) or disable (False) anomaly detection.
        check_nan (bool): raise when a backward produces NaN. Default: True.
    """

    def __init__(self, mode, check_nan=True):
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class detect_anomaly:
    """Context manager / decorator that enables anomaly detection (with PyTorch's warning).

    Args:
        check_nan (bool): raise when a backward produces NaN. Default: True.

    Example:
        >>> import ember, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     with ember.autograd.detect_anomaly():
        ...         ember.is_anomaly_enabled()
        True
    """

    def __init__(self, check_nan=True):
        import warnings

        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


from . import function, functional, graph  # noqa: E402,F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402

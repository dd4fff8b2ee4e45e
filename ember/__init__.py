"""ember: a deep-learning framework written from scratch in Python, with PyTorch's API.

Tensors on NumPy (CPU) or CuPy (CUDA), reverse-mode autograd, ``ember.nn``, optimizers,
data loading and PyTorch-compatible checkpoints.
"""
from . import _dtype  # noqa: I001  (import order matters: Tensor before ops)
from ._dtype import (bool, cdouble, cfloat, complex64, complex128, double, dtype,  # noqa: F401
                     float, float16, float32, float64, get_default_dtype, half, int, int8,
                     int16, int32, int64, long, promote_types, set_default_dtype, short, uint8)
from ._tensor import Size, Tensor, layout, strided  # noqa: F401
from ._tensor import (channels_last, channels_last_3d, contiguous_format,  # noqa: F401
                      memory_format, preserve_format)
from ._tensor_str import set_printoptions
from .autograd import (enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: F401
                       set_grad_enabled)
from .backends import device
from . import ops
from .ops import *  # noqa: F401,F403
from . import autograd, backends  # noqa: F401
from .backends import _blas  # noqa: F401  (BLAS thread policy: one thread by default)
from .backends import _malloc  # noqa: F401  (keep freed heap mapped: no per-step page faults)
from . import accelerator, cuda  # noqa: F401
from .ops import random  # noqa: F401  (ember.random.manual_seed, fork_rng, ... as torch.random)
from .autograd.grad_mode import is_inference_mode_enabled  # noqa: F401
from .autograd import (is_anomaly_check_nan_enabled, is_anomaly_enabled,  # noqa: F401
                       set_anomaly_enabled)
from .ops.complex import (adjoint, conj, conj_physical, imag, real,  # noqa: F401
                          resolve_conj, resolve_neg)
from ._dtype import can_cast, finfo, iinfo  # noqa: F401
from ._config import (get_float32_matmul_precision, get_num_threads,  # noqa: F401
                      set_float32_matmul_precision, set_num_threads)

__version__ = "0.1.0"


def is_tensor(obj):
    """Whether ``obj`` is an ember Tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def result_type(tensor1, tensor2):
    return _dtype.result_type(tensor1, tensor2)


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def is_nonzero(input):
    """Whether a one-element tensor is nonzero (``bool(input)``; more elements raise)."""
    return input.__bool__()  # (``bool`` is the dtype here)


def is_storage(obj):
    """False: ember has no separate storage objects."""
    return False


def typename(obj):
    """The type name of ``obj``: ``'torch.FloatTensor'`` for a float32 tensor (as
    ``Tensor.type()``), else the qualified class name."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in (None, "builtins") else f"{module}.{cls.__qualname__}"


__all__ = (
    ["Tensor", "Size", "dtype", "device", "layout", "strided", "memory_format",
     "contiguous_format", "preserve_format", "channels_last", "channels_last_3d", "is_tensor",
     "numel", "result_type",
     "is_floating_point", "is_nonzero", "is_storage", "typename", "no_grad", "enable_grad",
     "set_grad_enabled", "inference_mode",
     "is_grad_enabled", "get_default_dtype", "set_default_dtype", "promote_types",
     "set_printoptions", "autograd", "backends", "save", "load", "cuda", "accelerator", "random",
     "is_complex", "is_inference_mode_enabled", "can_cast", "finfo", "iinfo",
     "get_num_threads", "set_num_threads", "get_float32_matmul_precision",
     "set_float32_matmul_precision", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
     "set_anomaly_enabled", "real", "imag", "conj", "conj_physical", "resolve_conj",
     "resolve_neg", "adjoint",
     "float16", "half", "float32", "float", "float64", "double", "int8", "int16", "short",
     "int32", "int", "int64", "long", "uint8", "bool", "complex64", "complex128", "cfloat",
     "cdouble"]
    + ops.__all__
)



def save(obj, f, *args, **kwargs):
    """Save ``obj`` in PyTorch's checkpoint format (see :mod:`ember.serialization`)."""
    from .serialization import save as _save

    return _save(obj, f, *args, **kwargs)


def load(f, *args, **kwargs):
    """Load a checkpoint written by ``ember.save`` or ``torch.save`` (see
    :mod:`ember.serialization`)."""
    from .serialization import load as _load

    return _load(f, *args, **kwargs)


_LAZY = ("nn", "optim", "utils", "serialization", "models", "vision", "onnx", "serve",
         "distributed", "cli")


def __getattr__(name):
    # Subpackages load on first use (``ember.nn`` as an attribute, or ``import ember.nn``),
    # keeping ``import ember`` fast: the core alone is NumPy plus ember's own modules.
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"ember.{name}")
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

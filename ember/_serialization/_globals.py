"""PyTorch's pickle globals, mapped to ember; the weights-only allow-list.

A checkpoint written by ``torch.save`` names functions and classes by their PyTorch paths
(``torch._utils._rebuild_tensor_v2``, ``torch.FloatStorage``, ``torch.Size`` ...). Loading
maps each name to an ember object here; nothing is imported by name. With
``weights_only=True`` only the names in :func:`allowed_globals` and those added with
:func:`add_safe_globals` resolve; any other raises ``pickle.UnpicklingError`` before
anything runs.
"""
import _codecs
import _compat_pickle
import collections
import pickle

import numpy as np

from .. import _dtype
from .._tensor import Size, Tensor
from ..backends import device

# Modules never allowed, even when a user allowlists one of their functions (as PyTorch).
BLOCKED_MODULES = frozenset({"sys", "os", "posix", "nt", "subprocess"})


class StorageType:
    """Stands for ``torch.FloatStorage`` & co. in a checkpoint: the element type of a storage.

    ``np`` is the NumPy dtype of the elements as stored in the file (``uint16`` for bfloat16,
    which loads converted to float32; ``uint8`` for the untyped storage).
    """

    __slots__ = ("name", "np", "bfloat16")

    def __init__(self, name, np_dtype, bfloat16=False):
        self.name, self.np, self.bfloat16 = name, np.dtype(np_dtype), bfloat16

    def __repr__(self):
        return f"StorageType(torch.{self.name})"


# ember dtype name -> PyTorch storage class name.
STORAGE_NAMES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
    "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage",
    "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage",
}
STORAGE_TYPES = {v: StorageType(v, k) for k, v in STORAGE_NAMES.items()}
STORAGE_TYPES["BFloat16Storage"] = StorageType("BFloat16Storage", np.uint16, bfloat16=True)
STORAGE_TYPES["UntypedStorage"] = StorageType("UntypedStorage", np.uint8)

# bfloat16 has no ember dtype: a bfloat16 tensor loads as float32 (exact, a widening cast).
BFLOAT16 = STORAGE_TYPES["BFloat16Storage"]

# PyTorch dtype names (and aliases) -> ember dtypes.
DTYPES = {name: _dtype._NAMES[name] for name in _dtype._NAMES}
DTYPES.update(half=_dtype.float16, float=_dtype.float32, double=_dtype.float64,
              short=_dtype.int16, int=_dtype.int32, long=_dtype.int64,
              cfloat=_dtype.complex64, cdouble=_dtype.complex128, bfloat16=BFLOAT16)


def _strided(storage, dtype, offset, size, stride):
    """A NumPy view of ``storage`` with PyTorch's (element) offset, size and stride,
    checked to lie inside the storage: a hostile file must not read past the buffer."""
    if not callable(getattr(storage, "typed", None)):
        raise pickle.UnpicklingError(f"expected a storage, got {type(storage).__name__}")
    buf = storage.typed(dtype)
    size, stride = tuple(size), tuple(stride)
    if not all(type(v) is int for v in (offset, *size, *stride)) or len(size) != len(stride):
        raise pickle.UnpicklingError(f"invalid tensor geometry: offset={offset!r}, "
                                     f"size={size!r}, stride={stride!r}")
    if min(size, default=0) < 0 or min(stride, default=0) < 0 or offset < 0:
        raise pickle.UnpicklingError(f"negative size, stride or offset: offset={offset}, "
                                     f"size={size}, stride={stride}")
    if 0 in size:
        return np.empty(size, buf.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= buf.size:
        raise pickle.UnpicklingError(
            f"tensor of size {list(size)}, stride {list(stride)} at offset {offset} is out of "
            f"bounds for a storage of size {buf.size}")
    item = buf.itemsize
    return np.ndarray(size, buf.dtype, buffer=buf, offset=offset * item,
                      strides=tuple(s * item for s in stride))


def _finish(array, storage, requires_grad):
    t = Tensor._make(storage.to_device(array))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _finish(_strided(storage, None, storage_offset, size, stride), storage, False)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    arr = _strided(storage, None, storage_offset, size, stride)
    return _finish(arr, storage, bool(requires_grad))


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    arr = _strided(storage, dtype, storage_offset, size, stride)
    return _finish(arr, storage, bool(requires_grad))


def _parameter_class():
    from ..nn.parameter import Parameter

    return Parameter


def _rebuild_parameter(data, requires_grad, backward_hooks):
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"a Parameter wraps a Tensor, got {type(data).__name__}")
    return _parameter_class()(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    param = _rebuild_parameter(data, requires_grad, backward_hooks)
    _set_state(param, state)
    return param


def _set_state(obj, state):
    """PyTorch's ``_set_obj_state``: a dict of attributes, or (dict, slots dict)."""
    if not state:
        return
    slots = {}
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if not isinstance(state or {}, dict) or not isinstance(slots or {}, dict):
        raise pickle.UnpicklingError(f"invalid tensor state {type(state).__name__}")
    for k in (*(state or {}), *(slots or {})):
        if not isinstance(k, str) or k.startswith("__"):
            raise pickle.UnpicklingError(f"refusing to set attribute {k!r} on a tensor")
    for k, v in (slots or {}).items():
        setattr(obj, k, v)
    for k, v in (state or {}).items():
        obj.__dict__[k] = v


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILDERS:
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2 of unrecognized function {func}")
    ret = func(*args)
    if new_type is _TorchParameter and not getattr(ret, "_is_param", False):
        ret = _parameter_class()(ret, ret.requires_grad)
    _set_state(ret, state)
    return ret


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    t = data.to(device=device, dtype=dtype)
    return t.requires_grad_(bool(requires_grad)) if requires_grad else t


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    t = Tensor._make(np.asarray(data)).to(device=device, dtype=dtype)
    return t.requires_grad_(bool(requires_grad)) if requires_grad else t


class _TorchTensor:
    """``torch.Tensor`` as a class name (the type in ``_rebuild_from_type_v2``): not callable,
    so a checkpoint can't allocate tensors of any size through it."""

    def __new__(cls, *args, **kwargs):
        raise pickle.UnpicklingError("torch.Tensor can't be constructed while loading")


class _TorchParameter:
    """``torch.nn.parameter.Parameter`` as a class name: calling it builds an ember Parameter."""

    def __new__(cls, data=None, requires_grad=True):
        return _parameter_class()(data, requires_grad)


def _torch_device(type, index=None):
    return device(type, index)


_REBUILDERS = {_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
               _rebuild_parameter_with_state, _rebuild_device_tensor_from_cpu_tensor,
               _rebuild_device_tensor_from_numpy}


def _build_allowed():
    rc = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "torch.nn.parameter.Parameter": _TorchParameter,
        "torch.Size": Size,
        "torch.Tensor": _TorchTensor,
        "torch.device": _torch_device,
        "_codecs.encode": _codecs.encode,  # bytes, in protocol 2
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    }
    for f in _REBUILDERS:
        rc[f"torch._utils.{f.__name__}"] = f
    for name, d in DTYPES.items():
        rc[f"torch.{name}"] = d
    for name, st in STORAGE_TYPES.items():
        rc[f"torch.{name}"] = st
    rc["torch.storage.UntypedStorage"] = STORAGE_TYPES["UntypedStorage"]
    return rc


ALLOWED = _build_allowed()

_user_globals = {}  # full name -> object


def _full_name(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


def add_safe_globals(safe_globals):
    """Allow ``weights_only`` loads to use these globals, given as objects or as
    ``(object, "module.qualified_name")`` pairs."""
    for g in safe_globals:
        if isinstance(g, tuple):
            if len(g) != 2:
                raise ValueError("Expected tuple of length 2 (global, str of callable full path),"
                                 f" but got tuple of length: {len(g)}")
            if type(g[1]) is not str:
                raise TypeError("Expected second item in tuple to be str of callable full path, "
                                f"but got: {type(g[1])}")
            _user_globals[g[1]] = g[0]
        else:
            _user_globals[_full_name(g)] = g


def remove_safe_globals(safe_globals):
    """Remove globals added by :func:`add_safe_globals`."""
    for g in safe_globals:
        _user_globals.pop(g[1] if isinstance(g, tuple) else _full_name(g), None)


def get_safe_globals():
    """The user-added globals, as given to :func:`add_safe_globals`."""
    return [v if _full_name_or_none(v) == k else (v, k) for k, v in _user_globals.items()]


def _full_name_or_none(v):
    try:
        return _full_name(v)
    except AttributeError:
        return None


def clear_safe_globals():
    """Remove every global added by :func:`add_safe_globals`."""
    _user_globals.clear()


def _aliases(full):
    """NumPy moved ``numpy.core`` to ``numpy._core`` in 2.0; pickles may name either."""
    yield full
    if full.startswith("numpy.core."):
        yield "numpy._core." + full[len("numpy.core."):]
    elif full.startswith("numpy._core."):
        yield "numpy.core." + full[len("numpy._core."):]


def fix_import(module, name):
    """Python 2 names that protocol-2 pickles still write (``__builtin__.set``) -> Python 3."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def resolve_safe(module, name):
    """The object a weights-only load may use for ``module.name``, or UnpicklingError."""
    full = f"{module}.{name}"
    if module.split(".")[0] in BLOCKED_MODULES:
        raise pickle.UnpicklingError(
            f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
    if full in ALLOWED:
        return ALLOWED[full]
    for alias in _aliases(full):
        if alias in _user_globals:
            return _user_globals[alias]
    raise pickle.UnpicklingError(
        f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
        f"`ember.serialization.add_safe_globals([{full}])` or the "
        f"`ember.serialization.safe_globals([{full}])` context manager to allowlist this "
        "global if you trust this class/function.")


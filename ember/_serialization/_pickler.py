"""Pickle ember objects the way ``torch.save`` pickles PyTorch's, without importing torch.

Tensors become ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, OrderedDict())`` (Parameters wrap that in ``torch._utils._rebuild_parameter``);
``ember.Size`` is ``torch.Size``, dtypes are ``torch.float32`` & co., devices ``torch.device``.
Each storage is a persistent id ``('storage', torch.<T>Storage, key, location, numel)`` whose
bytes go to ``data/<key>`` of the zip (or after the pickle, in the legacy format).

Storage sharing: an ember tensor's NumPy array is usually a view of an owning array (its
``.base`` chain). Tensors with the same owner are saved on one storage holding the owner's
whole buffer, at their byte offsets, so PyTorch sees them share memory, as it would.
"""
import collections
import pickle

import numpy as np

from .._dtype import dtype as _dtype_cls
from .._tensor import Size, Tensor
from ..backends import device as _device
from ._globals import STORAGE_NAMES


class Global:
    """A name that pickles as ``GLOBAL module name`` without importing ``module``."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle requires reduce functions to be callable
        raise TypeError(f"{self.module}.{self.name} is a pickle name, not a function")

    def __repr__(self):
        return f"{self.module}.{self.name}"


_GLOBALS = {}


def torch_global(module, name):
    g = _GLOBALS.get((module, name))
    if g is None:
        g = _GLOBALS[(module, name)] = Global(module, name)
    return g


_REBUILD_V2 = torch_global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAM = torch_global("torch._utils", "_rebuild_parameter")
_REBUILD_PARAM_STATE = torch_global("torch._utils", "_rebuild_parameter_with_state")
_REBUILD_FROM_TYPE = torch_global("torch._tensor", "_rebuild_from_type_v2")
_TENSOR = torch_global("torch", "Tensor")
_SIZE = torch_global("torch", "Size")
_DEVICE = torch_global("torch", "device")


class StorageRef:
    """A storage to save: the persistent id and the bytes (a 1-D uint8 array)."""

    __slots__ = ("pid", "data")

    def __init__(self, pid, data):
        self.pid, self.data = pid, data


def _root(arr):
    """The array owning ``arr``'s memory: follow ``.base`` (through as_strided's DummyArray)."""
    root, b = arr, arr.base
    while b is not None:
        if isinstance(b, np.ndarray):
            root = b
        b = getattr(b, "base", None)
    return root


def _ptr(arr):
    return arr.__array_interface__["data"][0]


class StorageTable:
    """Assigns storages to tensors: one per owning buffer, keys "0", "1", ... in order."""

    def __init__(self):
        self.storages = {}  # key -> StorageRef
        self._by_root = {}  # id(root) -> (root, StorageRef, ember dtype)

    def locate(self, t):
        """(StorageRef, storage_offset, stride) for tensor ``t``, in elements."""
        arr = t._data
        if type(arr) is not np.ndarray:  # CuPy: a host copy on its own storage
            return self._own(np.ascontiguousarray(arr.get()), t.dtype, str(t.device))
        root = _root(arr)
        item = arr.itemsize
        geom = _geometry(arr, root) if root.flags.c_contiguous or root.flags.f_contiguous \
            else None
        if geom is None or root.nbytes % item:
            return self._own(np.array(arr, order="C"), t.dtype, "cpu")
        entry = self._by_root.get(id(root))
        if entry is None:
            data = root.ravel(order="K").view(np.uint8)
            ref = self._new_ref(t.dtype, "cpu", root.nbytes // item, data)
            entry = self._by_root[id(root)] = (root, ref, t.dtype)
        elif entry[2] is not t.dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same "
                               f"data as different types ({entry[2]} and {t.dtype})")
        offset, stride = geom
        return entry[1], offset, stride

    def _own(self, arr, dtype, location):
        ref = self._new_ref(dtype, location, arr.size, arr.reshape(-1).view(np.uint8))
        self._by_root[id(arr)] = (arr, ref, dtype)  # keeps arr alive while pickling
        return ref, 0, _contiguous_stride(arr.shape)

    def _new_ref(self, dtype, location, numel, data):
        key = str(len(self.storages))
        stype = torch_global("torch", STORAGE_NAMES[dtype.name])
        ref = StorageRef(("storage", stype, key, location, numel), data)
        self.storages[key] = ref
        return ref


def _geometry(arr, root):
    """``arr``'s element offset and strides inside ``root``'s buffer, or None when PyTorch
    can't express them (negative or misaligned strides, memory outside the root)."""
    item = arr.itemsize
    if arr.size == 0:
        return None
    off = _ptr(arr) - _ptr(root)
    strides = arr.strides
    if off < 0 or off % item or any(s < 0 or s % item for s in strides):
        return None
    end = off + sum((n - 1) * s for n, s in zip(arr.shape, strides)) + item
    if end > root.nbytes:
        return None
    return off // item, tuple(s // item for s in strides)


def _contiguous_stride(shape):
    stride, acc = [], 1
    for n in reversed(shape):
        stride.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(stride))


class TorchPickler(pickle._Pickler):
    """Protocol-2 pickler writing ember objects under PyTorch's names (the pure-Python
    pickler, because it lets a name be written without importing its module)."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, table, protocol=2, legacy=False):
        super().__init__(file, protocol=protocol)
        self.table = table
        self._legacy = legacy

    def persistent_id(self, obj):
        if type(obj) is not StorageRef:
            return None
        # The legacy format's id has a sixth field: view metadata, None since PyTorch 1.x.
        return obj.pid + (None,) if self._legacy else obj.pid

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, Size):
            return _SIZE, (tuple(obj),)
        return NotImplemented

    def _reduce_tensor(self, t):
        # User attributes (ember's own live in __dict__ too, all named with a leading "_").
        state = {k: v for k, v in t.__dict__.items() if not k.startswith("_")}
        if getattr(t, "_is_param", False):
            data = Tensor._make(t._data)
            if state:
                return _REBUILD_PARAM_STATE, (data, t.requires_grad, collections.OrderedDict(),
                                              state)
            return _REBUILD_PARAM, (data, t.requires_grad, collections.OrderedDict())
        ref, offset, stride = self.table.locate(t)
        args = (ref, offset, tuple(t._data.shape), stride, t.requires_grad,
                collections.OrderedDict())
        if state:  # as torch.Tensor.__reduce_ex__ does for tensors with attributes
            return _REBUILD_FROM_TYPE, (_REBUILD_V2, _TENSOR, args, state)
        return _REBUILD_V2, args

    def _save_global_name(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    def _save_dtype(self, obj):
        self.save(torch_global("torch", obj.name))

    def _save_device(self, obj):
        args = (obj.type,) if obj.index is None else (obj.type, obj.index)
        self.save_reduce(_DEVICE, args, obj=obj)

    dispatch[Global] = _save_global_name
    dispatch[_dtype_cls] = _save_dtype
    dispatch[_device] = _save_device

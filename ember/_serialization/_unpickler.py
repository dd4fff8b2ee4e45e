"""Read PyTorch checkpoints (zip and legacy formats) into ember objects, without torch.

Both formats pickle the object graph with each storage replaced by a persistent id
``('storage', storage_type, key, location, numel[, view_metadata])``. Each storage becomes one
writable NumPy byte buffer; every tensor on it is a strided NumPy view of that buffer, so
tensors that shared a storage in PyTorch share memory in ember.
"""
import pickle
import struct
import sys
import zipfile

import numpy as np

from .._dtype import dtype as _dtype_cls
from ..backends import device as _device
from . import _globals as G

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


class LoadedStorage:
    """One storage of a checkpoint: ``raw`` bytes, read as elements of ``stype``."""

    __slots__ = ("raw", "stype", "device", "swap", "_typed", "_pending")

    def __init__(self, raw, stype, device, swap=False):
        self.raw, self.stype, self.device, self.swap = raw, stype, device, swap
        self._typed = {}
        self._pending = None  # (converted, source) pairs filled once the bytes are read

    def typed(self, dtype=None):
        """The storage as a 1-D array of ``dtype`` (default: the storage's own type)."""
        if dtype is None:
            dtype = self.stype
        key = id(dtype)
        arr = self._typed.get(key)
        if arr is None:
            arr = self._typed[key] = self._view(dtype)
        return arr

    def _view(self, dtype):
        bf16 = dtype is G.BFLOAT16
        if not bf16 and not isinstance(dtype, (G.StorageType, _dtype_cls)):
            raise pickle.UnpicklingError(f"invalid storage dtype {dtype!r:.80}")
        np_dt = np.dtype(np.uint16) if bf16 else dtype.np
        if self.raw.nbytes % np_dt.itemsize:
            raise pickle.UnpicklingError(f"storage of {self.raw.nbytes} bytes is not a whole "
                                         f"number of {np_dt} elements")
        arr = self.raw.view(np_dt)
        if not bf16:
            return arr
        out = np.empty(arr.shape, np.float32)
        if self._pending is None:
            _bf16_to_f32(arr, out)
        else:
            self._pending.append((out, arr))
        return out

    def defer(self):
        """Bytes will be read later (legacy format): delay conversions until :meth:`filled`."""
        self._pending = []
        return self

    def filled(self):
        if self.swap:
            self.raw.view(self.stype.np).byteswap(inplace=True)
        for out, src in self._pending or ():
            _bf16_to_f32(src, out)
        self._pending = None

    def to_device(self, array):
        if self.device is None or self.device.type == "cpu":
            return array
        from ..backends import to_device

        return to_device(array, self.device)


def _bf16_to_f32(src, out):
    out.view(np.uint32)[...] = src.astype(np.uint32) << 16


# --- locations ---------------------------------------------------------------------------------
def _restore_device(location, map_location):
    """The ember device a storage saved at ``location`` loads to (PyTorch's rules)."""
    if map_location is None:
        target = location
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
    elif isinstance(map_location, (str, bytes, _device)):
        target = map_location.decode() if isinstance(map_location, bytes) else map_location
    elif callable(map_location):
        target = map_location(None, location)
        target = location if target is None else target
    else:
        raise TypeError(f"map_location must be None, a str, a device, a dict or a callable, "
                        f"got {type(map_location).__name__}")
    dev = _device(str(target)) if not isinstance(target, _device) else target
    if dev.type == "cuda":
        from ..backends import cuda

        if not cuda.is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but ember.cuda.is_available() "
                "is False. If you are running on a CPU-only machine, please use ember.load with "
                "map_location='cpu' to map your storages to the CPU.")
    return dev


# --- unpicklers ---------------------------------------------------------------------------------
class _Unpickler(pickle.Unpickler):
    """Unpickler for any global: PyTorch's names map to ember, others import as usual."""

    def __init__(self, file, load_storage, **kwargs):
        super().__init__(file, **kwargs)
        self._load_storage = load_storage

    def find_class(self, module, name):
        module, name = G.fix_import(module, name)
        full = f"{module}.{name}"
        if full in G.ALLOWED:
            return G.ALLOWED[full]
        if module == "torch" or module.startswith("torch."):
            raise pickle.UnpicklingError(f"ember.load cannot map the PyTorch global {full} to "
                                         "ember")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        if type(pid) is not tuple or len(pid) not in (5, 6) or _ascii(pid[0]) != "storage":
            raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, got "
                                         f"{pid!r:.80}")
        stype, key, location, numel = pid[1:5]
        if not isinstance(stype, G.StorageType) or type(numel) is not int or numel < 0:
            raise pickle.UnpicklingError(f"invalid storage id {pid!r:.120}")
        view = pid[5] if len(pid) == 6 else None
        return self._load_storage(stype, str(_ascii(key)), _ascii(location), numel, view)


class _SafeUnpickler(_Unpickler):
    """Resolves only allowlisted globals; anything else raises before it can run."""

    def find_class(self, module, name):
        return G.resolve_safe(*G.fix_import(module, name))


def _ascii(v):
    return v.decode("ascii") if isinstance(v, bytes) else v


def _unpickle(file, weights_only, load_storage, pickle_load_args):
    cls = _SafeUnpickler if weights_only else _Unpickler
    return cls(file, load_storage, **pickle_load_args).load()


# --- zip format ----------------------------------------------------------------------------------
def load_zip(f, map_location, weights_only, pickle_load_args, mmap_path=None):
    try:
        zf = zipfile.ZipFile(f)
    except zipfile.BadZipFile as e:
        raise RuntimeError(f"failed reading zip archive: {e} (a truncated or corrupt "
                           "checkpoint?)") from None
    names = zf.namelist()
    prefix = names[0].split("/")[0] if names else ""
    if f"{prefix}/data.pkl" not in names:
        pkl = [n for n in names if n.endswith("/data.pkl")]
        if not pkl:
            raise RuntimeError("the zip archive holds no data.pkl: not a PyTorch checkpoint "
                               "(a TorchScript archive is not supported)")
        prefix = pkl[0][: -len("/data.pkl")]
    order = zf.read(f"{prefix}/byteorder").decode() if f"{prefix}/byteorder" in names \
        else "little"
    if order not in ("little", "big"):
        raise ValueError("Unknown endianness type: " + order)
    storages = {}

    def load_storage(stype, key, location, numel, view):
        st = storages.get(key)
        if st is None:
            dev = _restore_device(location, map_location)
            raw = _read_record(zf, f"{prefix}/data/{key}", numel * stype.np.itemsize, mmap_path)
            st = storages[key] = LoadedStorage(raw, stype, dev, order != sys.byteorder)
            st.filled()
        return st if stype is st.stype else _Retyped(st, stype)

    with zf.open(f"{prefix}/data.pkl") as fh:
        return _unpickle(fh, weights_only, load_storage, pickle_load_args)


class _Retyped:
    """The same bytes under another storage type (one storage key pickled with two types)."""

    __slots__ = ("base", "stype", "device")

    def __init__(self, base, stype):
        self.base, self.stype, self.device = base, stype, base.device

    def typed(self, dtype=None):
        return self.base.typed(self.stype if dtype is None else dtype)

    def to_device(self, array):
        return self.base.to_device(array)


def _read_record(zf, name, nbytes, mmap_path):
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise RuntimeError(f"checkpoint has no record {name}") from None
    if info.file_size != nbytes:
        raise RuntimeError(f"record {name} holds {info.file_size} bytes, the storage needs "
                           f"{nbytes}")
    if info.compress_type != zipfile.ZIP_STORED or not nbytes:
        raw = np.empty(nbytes, np.uint8)
        with zf.open(info) as fh:
            _readinto(fh, raw, name)
        return raw
    offset = _data_offset(zf, info)
    if mmap_path is not None:
        return np.memmap(mmap_path, np.uint8, mode="c", offset=offset, shape=(nbytes,))
    # Stored entry: read straight into the buffer (one copy). Like PyTorch's reader, skip the
    # CRC check: it would cost more than the read itself.
    raw = np.empty(nbytes, np.uint8)
    zf.fp.seek(offset)
    _readinto(zf.fp, raw, name)
    return raw


def _data_offset(zf, info):
    """Where an entry's bytes start in the file (after its local header)."""
    fp = zf.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _readinto(fh, raw, what):
    view, pos = memoryview(raw), 0
    while pos < raw.nbytes:
        n = fh.readinto(view[pos:])
        if not n:
            raise RuntimeError(f"unexpected end of file reading {what}")
        pos += n


# --- legacy format -----------------------------------------------------------------------------
def load_legacy(f, map_location, weights_only, pickle_load_args):
    """The format of ``torch.save(..., _use_new_zipfile_serialization=False)``: pickles of
    the magic number, protocol version, system info, the object, the storage keys, then each
    storage's bytes after its element count."""
    def header():
        return _unpickle(f, weights_only, _no_storage, pickle_load_args)

    if header() != LEGACY_MAGIC:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = header()
    if version != LEGACY_PROTOCOL:
        raise RuntimeError(f"Invalid protocol version: {version}")
    sys_info = header()
    here = f.tell()
    left = f.seek(0, 2) - here  # storages can't hold more bytes than the file has left
    f.seek(here)
    little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
    swap = little != (sys.byteorder == "little")
    storages = {}

    def load_storage(stype, key, location, numel, view):
        st = storages.get(key)
        if st is None:
            if numel * stype.np.itemsize > left:
                raise pickle.UnpicklingError(f"storage {key} of {numel} elements is larger "
                                             "than the file")
            raw = np.empty(numel * stype.np.itemsize, np.uint8)
            dev = _restore_device(location, map_location)
            st = storages[key] = LoadedStorage(raw, stype, dev, swap).defer()
        if view is None:
            return st
        view_key, offset, size = view
        sub = storages.get(view_key)
        if sub is None:
            item = stype.np.itemsize
            if offset < 0 or size < 0 or (offset + size) * item > st.raw.nbytes:
                raise pickle.UnpicklingError(f"storage view {view!r} out of bounds")
            sub = storages[view_key] = LoadedStorage(
                st.raw[offset * item:(offset + size) * item], stype, st.device).defer()
        return sub

    result = _unpickle(f, weights_only, load_storage, pickle_load_args)
    keys = _unpickle(f, weights_only, _no_storage, pickle_load_args)
    for key in keys:
        st = storages.get(key)
        if st is None:
            raise RuntimeError(f"storage key {key!r} not found in the checkpoint")
        (numel,) = struct.unpack("<q", _read_exact(f, 8))
        if numel * st.stype.np.itemsize != st.raw.nbytes:
            raise RuntimeError(f"storage {key} holds {numel} elements, expected "
                               f"{st.raw.nbytes // st.stype.np.itemsize}")
        _readinto(f, st.raw, f"storage {key}")
    for st in storages.values():
        st.filled()
    return result


def _no_storage(*args):
    raise pickle.UnpicklingError("unexpected persistent id outside the object pickle")


def _read_exact(f, n):
    b = f.read(n)
    if len(b) != n:
        raise RuntimeError("unexpected end of file")
    return b


"""``ember.save`` / ``ember.load``: PyTorch checkpoint files, read and written without torch.

``save`` writes PyTorch's zip format (``torch.load(f, weights_only=True)`` reads it);
``load`` reads that format and the legacy one (``_use_new_zipfile_serialization=False``).
Loading is safe by default: with ``weights_only=True`` the unpickler resolves only tensors,
storages, containers, primitive types and an allow-list, and refuses any other global
before it can run. Saving to a path is atomic: a temporary file in the same directory is
written, flushed, fsynced, then renamed over the target.
"""
import contextlib
import io
import os
import pickle
import secrets
import sys
import tempfile

from ._serialization import _globals
from ._serialization._pickler import StorageTable, TorchPickler
from ._serialization._unpickler import LEGACY_MAGIC, LEGACY_PROTOCOL, load_legacy, load_zip
from ._serialization._zip import ZipWriter

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
_STORAGE_ALIGNMENT = 64

add_safe_globals = _globals.add_safe_globals
get_safe_globals = _globals.get_safe_globals
clear_safe_globals = _globals.clear_safe_globals


class safe_globals(contextlib.ContextDecorator):
    """Context manager adding ``safe_globals`` to the weights-only allow-list for its body.

    Example:
        >>> import collections, io, ember
        >>> buf = io.BytesIO()
        >>> ember.save({"n": collections.deque([1])}, buf)
        >>> with ember.serialization.safe_globals([collections.deque]):
        ...     _ = buf.seek(0); ember.load(buf)["n"]
        deque([1])
    """

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        _globals.add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _globals.remove_safe_globals(self.safe_globals)


def save(obj, f, pickle_module=None, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save ``obj`` to ``f`` in PyTorch's checkpoint format.

    Tensors that share memory (views of one NumPy buffer) are saved on one storage and stay
    shared when loaded, by ember or by PyTorch.

    Args:
        obj (object): what to save: tensors, state dicts, any picklable object.
        f (str, os.PathLike or file-like): a path (written atomically) or a writable binary
            file object.
        pickle_module: unused; PyTorch's argument, accepted for compatibility.
        pickle_protocol (int): Default: 2, as PyTorch.
        _use_new_zipfile_serialization (bool): False writes the legacy (pre-1.6) format.
            Default: ``True``.

    Example:
        >>> import io, ember
        >>> buf = io.BytesIO()
        >>> x = ember.arange(6.)
        >>> ember.save({"x": x, "tail": x[3:]}, buf)
        >>> _ = buf.seek(0)
        >>> d = ember.load(buf)
        >>> d["tail"][0] = 30.
        >>> d["x"]
        tensor([ 0.,  1.,  2., 30.,  4.,  5.])
    """
    write = _write_zip if _use_new_zipfile_serialization else _write_legacy
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(f))
        _atomic_write(path, lambda fh: write(obj, fh, pickle_protocol, _archive_name(path),
                                             _disable_byteorder_record))
    else:
        write(obj, f, pickle_protocol, "archive", _disable_byteorder_record)
        if hasattr(f, "flush"):
            f.flush()


def _archive_name(path):
    name = os.path.splitext(os.path.basename(path))[0]
    return name or "archive"


def _pickle(obj, protocol, legacy=False):
    table = StorageTable()
    buf = io.BytesIO()
    TorchPickler(buf, table, protocol=protocol, legacy=legacy).dump(obj)
    return buf.getvalue(), table.storages


def _write_zip(obj, fh, protocol, archive, no_byteorder):
    data, storages = _pickle(obj, protocol)
    zw = ZipWriter(fh, _STORAGE_ALIGNMENT)
    p = archive + "/"
    zw.write_record(p + "data.pkl", data)
    zw.write_record(p + ".format_version", "1")
    zw.write_record(p + ".storage_alignment", str(_STORAGE_ALIGNMENT))
    if not no_byteorder:
        zw.write_record(p + "byteorder", sys.byteorder)
    for key, ref in storages.items():
        zw.write_record(f"{p}data/{key}", ref.data)
    zw.write_record(p + "version", "3\n")
    zw.write_record(p + ".data/serialization_id", str(secrets.randbelow(10 ** 40)).zfill(40))
    zw.close()


def _write_legacy(obj, fh, protocol, archive, no_byteorder):
    data, storages = _pickle(obj, protocol, legacy=True)
    sys_info = {"protocol_version": LEGACY_PROTOCOL, "little_endian": sys.byteorder == "little",
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    for header in (LEGACY_MAGIC, LEGACY_PROTOCOL, sys_info):
        pickle.dump(header, fh, protocol=protocol)
    fh.write(data)
    pickle.dump(list(storages), fh, protocol=protocol)
    for ref in storages.values():  # element count, then the bytes
        fh.write(ref.pid[4].to_bytes(8, "little"))
        fh.write(memoryview(ref.data))


def _atomic_write(path, write):
    """Run ``write(fh)`` on a temporary file next to ``path``, then rename it over ``path``:
    readers see the old file or the complete new one, never a partial write."""
    directory, base = os.path.split(path)
    if not os.path.isdir(directory or "."):
        raise RuntimeError(f"Parent directory {directory} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=directory or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError, AttributeError):  # persist the rename (POSIX)
        dfd = os.open(directory or ".", os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=False,
         **pickle_load_args):
    """Load an object saved by :func:`save` or by ``torch.save`` (zip or legacy format).

    Args:
        f (str, os.PathLike or file-like): a path or a readable binary file object.
        map_location (str, device, dict or callable, optional): where storages go: a device,
            a dict from saved locations (``'cuda:0'``) to new ones, or a callable
            ``(storage, location) -> location``. Default: where they were saved.
        pickle_module: unused; PyTorch's argument, accepted for compatibility.
        weights_only (bool, optional): resolve only tensors, containers, primitive types and the
            allow-list (:func:`add_safe_globals`); any other global raises
            ``pickle.UnpicklingError`` before it can run. Default: ``True`` (also for
            ``None``). ``False`` loads
            any pickle: only for files you trust.
        mmap (bool): with a path, map storages from the file (copy-on-write) instead of
            reading them. Default: ``False``.
        **pickle_load_args: passed to the unpickler (e.g. ``encoding``).

    Returns:
        The saved object, with ember tensors in place of PyTorch's.

    Example:
        >>> import io, ember
        >>> buf = io.BytesIO()
        >>> ember.save([ember.tensor([1, 2]), ember.Size([3])], buf)
        >>> _ = buf.seek(0)
        >>> ember.load(buf)
        [tensor([1, 2]), ember.Size([3])]
    """
    pickle_load_args.setdefault("encoding", "utf-8")
    weights_only = True if weights_only is None else weights_only
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(f)
        with open(path, "rb") as fh:
            return _load(fh, map_location, weights_only, pickle_load_args,
                         path if mmap else None)
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    return _load(f, map_location, weights_only, pickle_load_args, None)


def _load(fh, map_location, weights_only, pickle_load_args, mmap_path):
    start = fh.tell()
    magic = fh.read(4)
    fh.seek(start)
    try:
        if magic == b"PK\x03\x04":
            return load_zip(fh, map_location, weights_only, pickle_load_args, mmap_path)
        if not magic:
            raise EOFError("Ran out of input: the checkpoint file is empty")
        return load_legacy(fh, map_location, weights_only, pickle_load_args)
    except pickle.UnpicklingError as e:
        if not weights_only:
            raise
        raise pickle.UnpicklingError(
            "Weights only load failed. Re-running `ember.load` with `weights_only` set to "
            "`False` will likely succeed, but it can result in arbitrary code execution. Do it "
            "only if you trust the source of the checkpoint. " + str(e)) from None

"""The safetensors format: a flat name -> tensor map, readable without any pickle.

Layout: an 8-byte little-endian header length ``N``; ``N`` bytes of JSON (padded with spaces
to a multiple of 8) mapping each name to ``{"dtype", "shape", "data_offsets": [begin, end]}``,
plus an optional ``"__metadata__"`` dict of strings; then the tensors' bytes, C-contiguous
and little-endian, at those offsets. Tensors are laid out in the ``safetensors`` package's
order (wider dtypes first, then by name), so each one is aligned and the bytes match.
BF16 (no ember dtype) loads as float32, an exact widening.
"""
import json
import os
import struct

import numpy as np

from .._tensor import Tensor
from ..serialization import _atomic_write

__all__ = ["save", "load", "save_file", "load_file"]

_CODES = {"float16": "F16", "float32": "F32", "float64": "F64", "int8": "I8", "int16": "I16",
          "int32": "I32", "int64": "I64", "uint8": "U8", "bool": "BOOL", "complex64": "C64"}
_NUMPY = {code: np.dtype(name).newbyteorder("<") for name, code in _CODES.items()}
_NUMPY["BF16"] = np.dtype("<u2")
_MAX_HEADER = 100_000_000
# The safetensors package lays tensors out by its Dtype enum, last first, then by name: wider
# types come first, so every tensor is aligned to its element size.
_RANK = {c: i for i, c in enumerate(["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32",
                                     "U32", "F32", "C64", "F64", "I64", "U64"])}


def _header(tensors, metadata):
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"tensor names must be str, got {type(name).__name__}")
        if not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected ember.Tensor but received "
                             f"{type(t).__name__}")
        if t.dtype.name not in _CODES:
            raise ValueError(f"safetensors does not support dtype {t.dtype} (tensor {name!r})")
    order = sorted(tensors, key=lambda k: (-_RANK[_CODES[tensors[k].dtype.name]], k))
    head, offset = {}, 0
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("metadata must be a dict of str to str")
        head["__metadata__"] = dict(metadata)
    for name in order:
        t = tensors[name]
        n = t.numel() * t.element_size()
        head[name] = {"dtype": _CODES[t.dtype.name], "shape": list(t.shape),
                      "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(head, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, order


def _chunks(tensors, order):
    for name in order:
        a = tensors[name]._data
        a = a if type(a) is np.ndarray else a.get()
        yield np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False)


def save(tensors, metadata=None):
    """The safetensors bytes of ``tensors`` (a dict of name -> Tensor).

    Example:
        >>> import ember
        >>> from ember.utils import safetensors
        >>> b = safetensors.save({"w": ember.ones(2)})
        >>> safetensors.load(b)
        {'w': tensor([1., 1.])}
    """
    head, order = _header(tensors, metadata)
    return head + b"".join(a.tobytes() for a in _chunks(tensors, order))


def save_file(tensors, filename, metadata=None):
    """Write ``tensors`` to ``filename`` in the safetensors format (atomically).

    Args:
        tensors (dict): name -> Tensor.
        filename (str or os.PathLike): the file to write.
        metadata (dict, optional): str -> str, stored in the header's ``__metadata__``.
    """
    head, order = _header(tensors, metadata)

    def write(fh):
        fh.write(head)
        for a in _chunks(tensors, order):
            fh.write(memoryview(a.reshape(-1)).cast("B"))

    _atomic_write(os.path.realpath(os.fspath(filename)), write)


def _parse_header(read, total):
    if total < 8:
        raise ValueError("file too small to be safetensors")
    (n,) = struct.unpack("<Q", read(0, 8))
    if n > _MAX_HEADER or 8 + n > total:
        raise ValueError(f"invalid safetensors header length {n}")
    try:
        head = json.loads(read(8, n))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"invalid safetensors header: {e}") from None
    if not isinstance(head, dict):
        raise ValueError("invalid safetensors header: not a JSON object")
    head.pop("__metadata__", None)
    entries, data_len = [], total - 8 - n
    for name, info in head.items():
        try:
            dt, shape, (begin, end) = _NUMPY[info["dtype"]], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"invalid safetensors entry {name!r}: {info!r:.200}") from None
        if not all(type(v) is int and v >= 0 for v in (*shape, begin, end)):
            raise ValueError(f"invalid shape or offsets for {name!r}")
        numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if end > data_len or begin > end or end - begin != numel * dt.itemsize:
            raise ValueError(f"tensor {name!r} of shape {shape} and dtype {info['dtype']} "
                             f"does not match its data_offsets [{begin}, {end}]")
        entries.append((name, info["dtype"], dt, tuple(shape), 8 + n + begin, end - begin))
    return entries


def _to_tensor(raw, code, dt, shape):
    a = raw.view(dt).reshape(shape)
    if code == "BF16":
        a = (a.astype(np.uint32) << 16).view(np.float32)
    elif not dt.isnative:
        a = a.astype(dt.newbyteorder("="))
    return Tensor._make(a)


def load(data):
    """The dict of tensors in safetensors bytes ``data``."""
    data = memoryview(data).cast("B")
    entries = _parse_header(lambda o, n: bytes(data[o:o + n]), data.nbytes)
    out = {}
    for name, code, dt, shape, start, nbytes in entries:
        raw = np.frombuffer(data, np.uint8, nbytes, start).copy()
        out[name] = _to_tensor(raw, code, dt, shape)
    return out


def load_file(filename, device="cpu"):
    """The dict of tensors in the safetensors file ``filename``, each in its own memory.

    Args:
        filename (str or os.PathLike): the file to read.
        device (str or ember.device): where the tensors go. Default: ``'cpu'``.
    """
    with open(filename, "rb") as fh:
        total = os.fstat(fh.fileno()).st_size

        def read(o, n):
            fh.seek(o)
            b = fh.read(n)
            if len(b) != n:
                raise ValueError("truncated safetensors file")
            return b

        entries = _parse_header(read, total)
        out = {}
        for name, code, dt, shape, start, nbytes in entries:
            raw = np.empty(nbytes, np.uint8)
            fh.seek(start)
            if fh.readinto(memoryview(raw)) != nbytes:
                raise ValueError("truncated safetensors file")
            out[name] = _to_tensor(raw, code, dt, shape)
    if str(device) != "cpu":
        out = {k: v.to(device) for k, v in out.items()}
    return out

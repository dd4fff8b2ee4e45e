"""Turning a list of samples into a batch (``default_collate``) and samples into tensors
(``default_convert``). Tensors and arrays are stacked in one call per field."""
import collections.abc
import re

import numpy as np

from ..._tensor import Tensor
from ...ops.shape import stack

__all__ = ["default_collate", "default_convert"]

_NP_STR_OBJ = re.compile(r"[SaUO]")
_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _is_numpy(elem):
    return type(elem).__module__ == "numpy" and not isinstance(elem, (np.str_, np.bytes_))


def default_collate(batch):
    """Collate a list of samples into a batch, recursively.

    Tensors and NumPy arrays are stacked along a new first dimension; Python floats become a
    float64 tensor, ints an int64 tensor (bools a bool tensor); strings stay a list; dicts,
    named tuples and sequences are collated field by field (tuples and lists give lists).

    Args:
        batch (list): the samples.

    Example:
        >>> import numpy as np
        >>> b = default_collate([{"x": np.zeros(2, np.float32), "y": 1},
        ...                      {"x": np.ones(2, np.float32), "y": 2}])
        >>> b["x"].shape, b["y"]
        (ember.Size([2, 2]), tensor([1, 2]))
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch)
    if _is_numpy(elem):
        if isinstance(elem, np.ndarray):
            if _NP_STR_OBJ.search(elem.dtype.str) is not None:
                raise TypeError(_ERR.format(elem.dtype))
            return Tensor._make(np.stack(batch))
        if elem.shape == ():  # NumPy scalar
            return Tensor._make(np.asarray(batch))
    if isinstance(elem, float):
        return Tensor._make(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, bool):
        return Tensor._make(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor._make(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        out = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """Convert NumPy arrays (and scalars) inside ``data`` to tensors, recursively, without
    batching; the ``collate_fn`` of a DataLoader with ``batch_size=None``.

    Example:
        >>> import numpy as np
        >>> default_convert((np.arange(2), "a"))
        [tensor([0, 1]), 'a']
    """
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if isinstance(data, np.ndarray):
            if _NP_STR_OBJ.search(data.dtype.str) is not None:
                return data
            return Tensor._make(data)
        if data.shape == ():
            return Tensor._make(np.asarray(data))
        return data
    if isinstance(data, collections.abc.Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data



"""Array backends: NumPy on the CPU, CuPy on CUDA devices.

Everything in ember that touches array data asks :func:`get_array_module` for the array
module of its operands (Chainer's ``xp`` idiom), so the same code runs on both. Only
``backends/cuda.py`` imports cupy.
"""
import numpy as np

from . import cpu, cudnn, mps  # noqa: F401

__all__ = ["get_array_module", "device", "cpu", "cudnn", "mps"]


def get_array_module(*arrays):
    """NumPy, or CuPy if any argument is a CuPy array (or an ember Tensor holding one)."""
    for a in arrays:
        a = getattr(a, "_data", a)
        if type(a) is not np.ndarray and type(a).__module__.startswith("cupy"):
            from . import cuda

            return cuda.cupy
    return np


class device:
    """Where a tensor lives: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:1')``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            type, index = "cuda", type
        if ":" in type:
            type, idx = type.split(":")
            index = int(idx)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, meta device type at start of device string: " + type
            )
        self.type, self.index = type, index

    def __repr__(self):
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None
                                              else ")")

    def __str__(self):
        return self.type + (f":{self.index}" if self.index is not None else "")

    def __eq__(self, other):
        # As in PyTorch, a device never equals a string: device('cpu') == 'cpu' is False.
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def device_of(array):
    """The ember device that holds ``array``."""
    if type(array) is np.ndarray:
        return CPU
    from . import cuda

    return cuda.device_of(array)


def to_device(array, dev):
    """Move ``array`` to device ``dev`` (a :class:`device`)."""
    if dev.type == "cpu":
        if type(array) is np.ndarray:
            return array
        return array.get()
    if dev.type == "cuda":
        from . import cuda

        return cuda.to_device(array, dev)
    raise RuntimeError(f"unsupported device {dev}")

"""``ember.cuda``: PyTorch's ``torch.cuda`` surface that programs touch, backed by CuPy.

On a machine without CuPy or a GPU, :func:`is_available` is False, :func:`device_count` is 0,
seeding is accepted (it seeds the generator CUDA tensors would draw from), and anything that
needs the device raises a RuntimeError naming the missing piece.

Example:
    >>> import ember
    >>> ember.cuda.is_available() in (True, False)
    True
"""
from .backends import cuda as _backend
from .backends.cuda import CudaUnavailableError

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize",
           "get_device_name", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "initial_seed", "empty_cache", "memory_allocated", "max_memory_allocated",
           "reset_peak_memory_stats", "is_initialized", "CudaUnavailableError"]


def is_available():
    """Whether CUDA tensors can be created (CuPy installed and a GPU present)."""
    return _backend.is_available()


def device_count():
    """The number of visible CUDA devices."""
    return _backend.device_count()


def is_initialized():
    return _backend.is_available()


def current_device():
    """The index of the current CUDA device."""
    return _backend.current_device()


def set_device(device):
    """Select the current CUDA device (an index or a ``cuda:N`` device)."""
    from .backends import device as _device

    if not isinstance(device, int):
        device = _device(device).index or 0
    _backend.set_device(device)


def synchronize(device=None):
    """Wait for all work on a CUDA device to finish."""
    if device is not None and not isinstance(device, int):
        from .backends import device as _device

        device = _device(device).index
    _backend.synchronize(device)


def get_device_name(device=None):
    return _backend.get_device_name(device)


def manual_seed(seed):
    """Seed the generator of CUDA random ops (works, and does nothing else, without a GPU)."""
    from .ops.random import _cuda_generator

    _cuda_generator().manual_seed(seed)


manual_seed_all = manual_seed


def seed():
    from .ops.random import _cuda_generator

    _cuda_generator().seed()


seed_all = seed


def initial_seed():
    from .ops.random import _cuda_generator

    return _cuda_generator().initial_seed()


def empty_cache():
    """Release cached GPU memory back to the device (no-op without a GPU)."""
    if _backend.is_available():
        _backend.cupy.get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None):
    if not _backend.is_available():
        return 0
    return int(_backend.cupy.get_default_memory_pool().used_bytes())


def max_memory_allocated(device=None):
    if not _backend.is_available():
        return 0
    return int(_backend.cupy.get_default_memory_pool().total_bytes())


def reset_peak_memory_stats(device=None):
    pass

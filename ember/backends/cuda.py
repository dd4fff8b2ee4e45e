"""The CUDA backend: CuPy arrays. The only module in ember that imports cupy.

Without CuPy or without a GPU, :func:`is_available` is False and anything that needs the
device raises :class:`CudaUnavailableError`, naming what is missing.
"""
try:
    import cupy
except ImportError as e:  # pragma: no cover - depends on the machine
    cupy = None
    _import_error = e
else:
    _import_error = None


class _MatmulFlags:
    """``ember.backends.cuda.matmul``: PyTorch's settable matmul precision flags."""

    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built():
    """Whether the CUDA backend's library (CuPy) is installed."""
    return cupy is not None


class CudaUnavailableError(RuntimeError, AssertionError):
    """No usable CUDA backend. A RuntimeError, and an AssertionError as PyTorch raises."""


def is_available():
    """True when CuPy imports and sees at least one CUDA device."""
    if cupy is None:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def device_count():
    """The number of CUDA devices CuPy sees (0 without CuPy or a GPU)."""
    return cupy.cuda.runtime.getDeviceCount() if is_available() else 0


def current_device():
    _require()
    return cupy.cuda.runtime.getDevice()


def set_device(index):
    _require()
    cupy.cuda.runtime.setDevice(index)


def synchronize(index=None):
    _require()
    cupy.cuda.Device(index if index is not None else current_device()).synchronize()


def get_device_name(index=None):
    _require()
    props = cupy.cuda.runtime.getDeviceProperties(index if index is not None else
                                                  current_device())
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else name


def _require():
    if not is_available():
        why = (f"CuPy is not installed ({_import_error})" if cupy is None
               else "CuPy is installed but found no CUDA GPU")
        raise CudaUnavailableError(
            f"ember's CUDA backend is not available: {why}. CUDA tensors need CuPy "
            "(pip install cupy-cuda12x) and an NVIDIA GPU; use device='cpu' otherwise."
        )


def device_of(array):
    from . import device

    return device("cuda", array.device.id)


def to_device(array, dev):
    _require()
    with cupy.cuda.Device(dev.index or 0):
        return cupy.asarray(array)

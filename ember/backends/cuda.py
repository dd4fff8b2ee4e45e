"""The CUDA backend: CuPy arrays. The only module in ember that imports cupy."""
try:
    import cupy
except ImportError as e:  # pragma: no cover - depends on the machine
    cupy = None
    _import_error = e
else:
    _import_error = None


def is_available():
    """True when CuPy imports and sees at least one CUDA device."""
    if cupy is None:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def device_count():
    return cupy.cuda.runtime.getDeviceCount() if is_available() else 0


def _require():
    if not is_available():
        why = (f"CuPy is not installed ({_import_error})" if cupy is None
               else "CuPy found no CUDA device")
        raise RuntimeError(
            "Torch not compiled with CUDA enabled: ember's CUDA backend needs CuPy and a GPU "
            f"({why}). Install the 'cuda' extra (cupy-cuda12x) on a machine with a GPU."
        )


def device_of(array):
    from . import device

    return device("cuda", array.device.id)


def to_device(array, dev):
    _require()
    with cupy.cuda.Device(dev.index or 0):
        return cupy.asarray(array)

"""Process-wide settings PyTorch programs call: thread count and float32 matmul precision."""
import os

__all__ = ["get_num_threads", "set_num_threads", "get_float32_matmul_precision",
           "set_float32_matmul_precision"]

_threads = [None]
_precision = ["highest"]


def get_num_threads():
    """Threads used for intra-op parallelism (BLAS). Defaults to the CPU count."""
    return _threads[0] or os.cpu_count() or 1


def set_num_threads(n):
    """Set the BLAS thread count (through threadpoolctl when installed)."""
    n = int(n)
    if n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads[0] = n
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(n)


def get_float32_matmul_precision():
    return _precision[0]


def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium' (accepted; NumPy matmul is always full float32)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision: {precision}")
    _precision[0] = precision

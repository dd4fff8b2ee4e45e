"""Process-wide settings PyTorch programs call: thread count and float32 matmul precision."""

__all__ = ["get_num_threads", "set_num_threads", "get_float32_matmul_precision",
           "set_float32_matmul_precision"]

_precision = ["highest"]


def get_num_threads():
    """Threads used for BLAS products (see ``ember/backends/_blas.py``: one by default)."""
    from .backends import _blas

    return _blas.get_num_threads()


def set_num_threads(n):
    """Set the BLAS thread count used for every product."""
    from .backends import _blas

    _blas.set_num_threads(int(n))


def get_float32_matmul_precision():
    return _precision[0]


def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium' (accepted; NumPy matmul is always full float32)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision: {precision}")
    _precision[0] = precision

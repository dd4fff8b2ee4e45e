"""Process-wide settings PyTorch programs call: thread count and float32 matmul precision."""

__all__ = ["get_num_threads", "set_num_threads", "get_float32_matmul_precision",
           "set_float32_matmul_precision"]

_precision = ["highest"]


def get_num_threads():
    """The number of threads for intra-op parallelism, as ``torch.get_num_threads()``: the
    count set by :func:`set_num_threads` (or ``OMP_NUM_THREADS``), else every core.

    Large elementwise ops use this many threads (``ember/backends/_parallel.py``); BLAS products
    follow ``ember/backends/_blas.py``: one thread for small ones and every core for large ones
    unless a count was set, then that count for all.

    Example:
        >>> import ember
        >>> ember.get_num_threads() >= 1
        True
    """
    from .backends import _parallel

    return _parallel.num_threads()


def set_num_threads(n):
    """Set the number of threads for intra-op parallelism: large elementwise ops and every
    BLAS product.

    Args:
        n (int): the number of threads, at least 1.
    """
    from .backends import _blas, _parallel

    if not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    _blas.set_num_threads(n)
    _parallel.refresh()


def get_float32_matmul_precision():
    return _precision[0]


def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium' (accepted; NumPy matmul is always full float32)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision: {precision}")
    _precision[0] = precision

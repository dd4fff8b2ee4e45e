"""How many threads the BLAS under NumPy uses (``ember.set_num_threads``/``get_num_threads``).

Why ember sets a policy at all: NumPy's wheels ship OpenBLAS, whose worker threads busy-wait
and hand work back and forth for every GEMM. For the small and medium products of an eager
training step (a 64x784 batch times a 784x512 weight: 51 MFLOP) one core already runs at
110-150 GFLOP/s, while two threads on a machine whose cores are shared with other processes
stall on the scheduler: measured here under load, 0.45 ms on one thread against 48 ms on two.
So ember runs OpenBLAS on one thread by default, and :func:`gemm_threads` lets a call site
give a large product (where the hand-off cost amortizes) every core.

The library is reached with ctypes, the way threadpoolctl does it, without a dependency:
the OpenBLAS that NumPy already loaded is found among the process's shared objects. Other
BLAS builds (MKL, Accelerate) are left alone. A thread count the user chose through
``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS`` is respected: then ember changes nothing unless
:func:`set_num_threads` is called.
"""
import os

__all__ = ["set_num_threads", "get_num_threads", "gemm_threads", "axpy"]

_ENV = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
# products of at least this many flops may use every core (2 ms and more on one core)
BIG_GEMM_FLOPS = 1 << 28

_set = _get = None
_threads = [1]     # the count ember keeps between large products
_user = [False]    # True once the user chose a count (environment or set_num_threads)


def _loaded_openblas():
    """Paths of the OpenBLAS shared objects loaded in this process (NumPy's first)."""
    import numpy

    paths = []
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
        # only the few lines naming OpenBLAS are split (a Python loop over every mapping
        # took several ms of `import ember`)
        low, start = maps.lower(), 0
        while (i := low.find("openblas", start)) >= 0:
            end = maps.find("\n", i)
            end = len(maps) if end < 0 else end
            path = maps[maps.rfind("\n", 0, i) + 1:end].split()[-1]
            if path.startswith("/") and "openblas" in os.path.basename(path).lower() \
                    and path not in paths:
                paths.append(path)
            start = end
    except OSError:  # not Linux: look where NumPy's wheels keep their libraries
        import glob

        base = os.path.dirname(numpy.__file__)
        for pat in ("../numpy.libs/*openblas*", ".dylibs/*openblas*"):
            paths += glob.glob(os.path.join(base, pat))
    return paths


def _bind():
    """Find ``openblas_set_num_threads`` (any of the wheel's symbol spellings), and the same
    library's ``cblas_saxpy``/``cblas_daxpy`` for :func:`axpy`."""
    global _set, _get
    import ctypes

    mode = getattr(os, "RTLD_NOLOAD", 0) | ctypes.RTLD_LOCAL
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path, mode=mode)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                s = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                g = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if s is not None and g is not None:
                    s.argtypes, s.restype, g.restype = [ctypes.c_int], None, ctypes.c_int
                    _set, _get = s, g
                    _bind_axpy(lib, "scipy_" if prefix.startswith("scipy") else "", suffix)
                    return


_axpy = {}  # numpy dtype char -> cblas_?axpy
_AXPY_MAX = [2 ** 31]  # element count the bound axpy takes (2**63 for the ILP64 build)


def _bind_axpy(lib, prefix, suffix):
    import ctypes

    n_t = ctypes.c_int64 if suffix == "64_" else ctypes.c_int
    _AXPY_MAX[0] = 2 ** 63 if suffix == "64_" else 2 ** 31
    for char, name, scalar in (("f", "s", ctypes.c_float), ("d", "d", ctypes.c_double)):
        f = getattr(lib, f"{prefix}cblas_{name}axpy{suffix}", None)
        if f is not None:
            f.argtypes = [n_t, scalar, ctypes.c_void_p, n_t, ctypes.c_void_p, n_t]
            f.restype = None
            _axpy[char] = f


def axpy(alpha, x, y):
    """``y += alpha * x`` in place by BLAS: one pass, and on CPUs with FMA one rounding per
    element as in PyTorch's ``y.add_(x, alpha=alpha)`` (NumPy needs a temporary, two passes and
    two roundings). Returns False, doing nothing, unless ``x`` and ``y`` are C-contiguous NumPy
    arrays of the same float32/float64 dtype and size, ``y`` writeable and not overlapping ``x``
    (the caller then does it with NumPy)."""
    from numpy import may_share_memory as _may_share_memory
    from numpy import ndarray

    f = _axpy.get(getattr(y, "dtype", None) and y.dtype.char)
    if f is None or alpha.__class__ not in (float, int) or y.size >= _AXPY_MAX[0] or \
            x.__class__ is not ndarray or y.__class__ is not ndarray or \
            x.dtype != y.dtype or x.size != y.size or not (
                x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable) or \
            _may_share_memory(x, y):
        return False
    f(y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
    return True


def _init():
    """At import: bind OpenBLAS and, unless the user chose a thread count, use one thread."""
    try:
        _bind()
    except Exception:  # no ctypes, an odd platform: leave the BLAS as it is
        return
    if _set is None:
        return
    if any(os.environ.get(v) for v in _ENV):
        _user[0] = True
        _threads[0] = _get()
        return
    _set(1)


def _cores():
    """The CPUs this process may run on (its affinity mask, where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def set_num_threads(n):
    """Use ``n`` threads for BLAS products (all of them, large or small).

    Args:
        n (int): the number of threads, at least 1.
    """
    if not isinstance(n, int) or n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    _user[0] = True
    _threads[0] = n
    if _set is not None:
        _set(n)


def get_num_threads():
    """The number of threads BLAS products use (1 unless the user chose more)."""
    return _threads[0] if _set is not None else _cores()


class gemm_threads:
    """Context for one product of ``flops`` flops: every core when it is large, unless the user
    chose a count. Costs two calls of well under a microsecond each."""

    __slots__ = ("_on",)

    def __init__(self, flops):
        self._on = flops >= BIG_GEMM_FLOPS and _set is not None and not _user[0]

    def __enter__(self):
        if self._on:
            _set(_cores())

    def __exit__(self, *exc):
        if self._on:
            _set(_threads[0])


_init()

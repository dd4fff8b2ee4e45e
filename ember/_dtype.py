"""dtypes with PyTorch's names, and PyTorch's type-promotion rules.

An :class:`dtype` wraps a NumPy dtype (CuPy uses the same dtype objects), so the array
engine never sees ember's objects. Promotion follows PyTorch, which differs from NumPy:
``int64 tensor * 1.5`` is float32 (the default dtype), not float64, and an ``int tensor +
float16 tensor`` is float16.
"""
import numpy as np

__all__ = [
    "dtype", "float16", "half", "float32", "float", "float64", "double", "bfloat16",
    "int8", "int16", "short", "int32", "int", "int64", "long", "uint8", "bool",
    "complex64", "cfloat", "complex128", "cdouble",
    "get_default_dtype", "set_default_dtype", "promote_types", "can_cast", "finfo", "iinfo",
]


class dtype:
    """A tensor element type, e.g. ``ember.float32``.

    Attributes:
        is_floating_point (bool): True for float16/32/64.
        is_signed (bool): True unless unsigned or bool.
        itemsize (int): bytes per element.
    """

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "_cat")

    def __init__(self, name, np_dtype, cat):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = cat == 2
        self.is_complex = cat == 3
        self.is_signed = self.np.kind in "fic"
        self.itemsize = self.np.itemsize
        self._cat = cat  # 0 bool, 1 integer, 2 floating, 3 complex

    def __repr__(self):
        return "ember." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)


def _by_name(name):
    return _NAMES[name]


float16 = half = dtype("float16", np.float16, 2)
float32 = float = dtype("float32", np.float32, 2)
float64 = double = dtype("float64", np.float64, 2)
int8 = dtype("int8", np.int8, 1)
int16 = short = dtype("int16", np.int16, 1)
int32 = int = dtype("int32", np.int32, 1)
int64 = long = dtype("int64", np.int64, 1)
uint8 = dtype("uint8", np.uint8, 1)
bool = dtype("bool", np.bool_, 0)
complex64 = cfloat = dtype("complex64", np.complex64, 3)
complex128 = cdouble = dtype("complex128", np.complex128, 3)
bfloat16 = None  # NumPy has no bfloat16; kept as a name so `ember.bfloat16` imports fail loudly

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool, complex64, complex128)
_NAMES = {d.name: d for d in _ALL}
_FROM_NP = {d.np: d for d in _ALL}

_default = [float32]


def get_default_dtype():
    """The dtype of Python floats turned into tensors (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d):
    """Set the default floating point dtype (float32 or float64 or float16)."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def to_dtype(d):
    """Normalise a dtype-like (ember dtype, NumPy dtype, Python type, string) to an ember dtype."""
    if d.__class__ is dtype:
        return d
    if d is builtins_float:  # a Python float is a double: torch maps ``float`` to float64
        return float64
    if d is builtins_complex:
        return complex128
    if d is builtins_int:
        return int64
    if d is builtins_bool:
        return bool
    if isinstance(d, str) and d in _NAMES:
        return _NAMES[d]
    try:
        return _FROM_NP[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"unsupported dtype {d!r}") from None


def from_numpy_dtype(npd):
    try:
        return _FROM_NP[npd]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {npd}. The only supported types are: float64, "
            "float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
        ) from None


import builtins  # noqa: E402

builtins_float, builtins_int, builtins_bool = builtins.float, builtins.int, builtins.bool
builtins_complex = builtins.complex

_promote_cache = {}


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` cast to safely, by PyTorch's table."""
    key = (a, b)
    r = _promote_cache.get(key)
    if r is None:
        if a._cat != b._cat:
            hi, lo = (a, b) if a._cat > b._cat else (b, a)
            if hi._cat == 3 and lo is float64:
                r = complex128
            else:
                r = hi  # int + float16 -> float16, bool + int8 -> int8
        else:
            r = _FROM_NP[np.promote_types(a.np, b.np)]
        _promote_cache[key] = r
    return r


def can_cast(from_, to):
    """Whether ``from_`` may be cast to ``to`` under PyTorch's same-kind rules."""
    return from_._cat <= to._cat


def _scalar_cat(x):
    c = x.__class__
    if c is builtins_bool:
        return 0
    if c is builtins_int:
        return 1
    if c is builtins_float:
        return 2
    if c is complex:
        return 3
    if isinstance(x, np.generic):
        return from_numpy_dtype(x.dtype)._cat
    return 2


def _cat_default(cat):
    return (bool, int64, _default[0], complex64 if _default[0] is not float64 else complex128)[cat]


def _combine(higher, lower):
    """PyTorch's ``combine_categories``: a lower priority tier wins only with a higher
    category; a complex lower tier keeps a floating higher tier's precision."""
    if higher is None:
        return lower
    if lower is None or higher._cat == 3:
        return higher
    if lower._cat == 3:
        if higher._cat == 2:
            return complex128 if higher is float64 else complex64
        return lower
    if higher._cat == 2:
        return higher
    if higher._cat == 0 or lower._cat == 2:
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """PyTorch's result type for a mix of tensors (dimensioned or 0-d) and Python scalars.

    Three tiers, in priority: tensors with dimensions, zero-dim tensors, scalars. A lower tier
    changes the result only when it has a higher category (bool < int < float < complex).

    Example:
        >>> import ember
        >>> ember.result_type(ember.tensor([1, 2]), 1.5)
        ember.float32
    """
    dim_t = zero_t = None
    scal_cat = -1
    for o in operands:
        d = getattr(o, "_data", None)
        if d is None:
            c = _scalar_cat(o)
            if c > scal_cat:
                scal_cat = c
            continue
        dt = _FROM_NP[d.dtype]
        if d.ndim:
            dim_t = dt if dim_t is None else promote_types(dim_t, dt)
        else:
            zero_t = dt if zero_t is None else promote_types(zero_t, dt)
    wrapped = _cat_default(scal_cat) if scal_cat >= 0 else None
    return _combine(dim_t, _combine(zero_t, wrapped))


class finfo:
    """Machine limits of a floating dtype (PyTorch's ``torch.finfo``).

    Attributes:
        bits (int), eps (float), max (float), min (float), tiny (float),
        smallest_normal (float), resolution (float), dtype (str).

    Example:
        >>> import ember
        >>> ember.finfo(ember.float32).eps
        1.1920928955078125e-07
    """

    def __init__(self, type=None):
        d = to_dtype(type) if type is not None else _default[0]
        if d._cat != 2:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        fi = np.finfo(d.np)
        self.bits = fi.bits
        self.eps = builtins_float(fi.eps)
        self.max = builtins_float(fi.max)
        self.min = builtins_float(fi.min)
        self.tiny = self.smallest_normal = builtins_float(fi.smallest_normal)
        self.resolution = 10.0 ** -fi.precision
        self.dtype = d.name

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (PyTorch's ``torch.iinfo``): ``bits``, ``min``, ``max``.

    Example:
        >>> import ember
        >>> ember.iinfo(ember.uint8).max
        255
    """

    def __init__(self, type):
        d = to_dtype(type)
        if d._cat not in (0, 1):
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo "
                            "to handle 'torch.iinfo'")
        ii = np.iinfo(np.uint8 if d._cat == 0 else d.np)
        self.bits = ii.bits
        self.min = builtins_int(ii.min) if d._cat else 0
        self.max = builtins_int(ii.max) if d._cat else 1
        self.dtype = d.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

"""Tensor creation: from data (``tensor``, ``as_tensor``, ``from_numpy``) and by shape
(``zeros``, ``ones``, ``full``, ``empty``, ``arange``, ``linspace``, ``eye``, ``*_like``)."""
import builtins
import math

import numpy as np

from .. import _dtype
from .._dtype import _FROM_NP, get_default_dtype, to_dtype
from ..backends import device as _device
from ..backends import device_of, to_device
from ._util import Function, Tensor, _make, register

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "range",
           "linspace", "logspace", "eye", "scalar_tensor", "empty_strided"]


def _infer_dtype(data):
    """PyTorch's dtype for nested data: the promotion of every element's own dtype, where a
    Python bool/int/float/complex counts as bool/int64/default float/default complex and
    NumPy scalars, arrays and tensors bring their dtype."""
    result = None
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        dt = _scalar_dtype(x)
        result = dt if result is None else _dtype.promote_types(result, dt)
    return result if result is not None else get_default_dtype()


def _scalar_dtype(x):
    if isinstance(x, Tensor):
        return _FROM_NP[x._data.dtype]
    if isinstance(x, (np.ndarray, np.generic)):
        return _dtype.from_numpy_dtype(x.dtype)
    c = x.__class__
    if c is builtins.bool:
        return _dtype.bool
    if isinstance(x, builtins.int):
        return _dtype.int64
    if isinstance(x, builtins.float):
        return get_default_dtype()
    if isinstance(x, complex):
        return _dtype._cat_default(3)
    if isinstance(x, str):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if hasattr(x, "__array__"):
        return _dtype.from_numpy_dtype(np.asarray(x).dtype)
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _to_array(data, dtype):
    if isinstance(data, Tensor):
        a = data._data
        return a.astype(dtype.np) if dtype is not None else a.copy()
    if isinstance(data, np.ndarray):
        _dtype.from_numpy_dtype(data.dtype)
        return data.astype(dtype.np if dtype is not None else data.dtype, copy=True)
    if isinstance(data, (list, tuple)):
        _check_ragged(data)
    dt = dtype if dtype is not None else _infer_dtype(data)
    if isinstance(data, (list, tuple)) and _has_tensor(data):
        data = _tensors_to_lists(data)
    try:
        with np.errstate(over="ignore"):  # 1e100 -> float32 is inf, silently (PyTorch)
            return np.array(data, dtype=dt.np)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None


def _check_ragged(data):
    """PyTorch's errors for nested sequences of unequal lengths (checked level by level)."""
    level, dim = [data], 0
    while level:
        seqs = [isinstance(x, (list, tuple)) for x in level]
        if not any(seqs):
            return
        if not all(seqs):
            raise TypeError("not a sequence")
        n = len(level[0])
        for x in level:
            if len(x) != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim} "
                                 f"(got {len(x)})")
        level = [y for x in level for y in x]
        dim += 1


def _has_tensor(data):
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _has_tensor(x))
               for x in data)


def _tensors_to_lists(data):
    return [x._scalar() if isinstance(x, Tensor) else
            _tensors_to_lists(x) if isinstance(x, (list, tuple)) else x for x in data]


def _finish(arr, device, requires_grad):
    if device is not None:
        dev = _device(device) if not isinstance(device, _device) else device
        if dev.type != "cpu":
            arr = to_device(arr, dev)
    t = _make(arr)
    if requires_grad:
        _require_grad(t)
    return t


def _require_grad(t):
    if t._data.dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    t._requires_grad = True


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, scalars, arrays, tensors).

    Python floats become the default dtype (float32), ints int64, bools bool.

    Example:
        >>> import ember
        >>> ember.tensor([1, 2]).dtype, ember.tensor([1.0]).dtype
        (ember.int64, ember.float32)
    """
    if isinstance(data, Tensor):
        _warn_copy_construct("ember.tensor(sourceTensor)")
    dt = to_dtype(dtype) if dtype is not None else None
    return _finish(_to_array(data, dt), device, requires_grad)


def _warn_copy_construct(call):
    import warnings

    warnings.warn("To copy construct from a tensor, it is recommended to use "
                  "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                  f"requires_grad_(True), rather than {call}.", UserWarning, stacklevel=3)


def as_tensor(data, dtype=None, device=None):
    """Like :func:`tensor`, but shares memory with a tensor or NumPy array when it can."""
    dt = to_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        out = data if dt is None else data.to(dt)
        return out.to(device) if device is not None else out
    if isinstance(data, np.ndarray) and (dt is None or dt.np == data.dtype):
        return _finish(data, device, False)
    return _finish(_to_array(data, dt), device, False)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    t = as_tensor(obj, dtype=dtype, device=device) if not copy else tensor(obj, dtype=dtype,
                                                                          device=device)
    if requires_grad:
        _require_grad(t)
    return t


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (float64 stays float64)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return _make(ndarray)


def _size(size, name, kw=None):
    """The shape from ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))`` (``kw``:
    the factory's extra keywords), with PyTorch's TypeErrors for non-integer sizes."""
    kw_size = None
    if kw:
        for k in kw:
            if k != "size":
                raise TypeError(f"{name}() got an unexpected keyword argument '{k}'")
        kw_size = kw["size"]
    if kw_size is not None:
        if size:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        size = (kw_size,)
    pos = "argument 'size' (position 1) must be tuple of ints"
    if len(size) == 1 and not _is_index(size[0]):
        if not isinstance(size[0], (tuple, list)):
            raise TypeError(f"{name}(): {pos}, not {_type_name(size[0])}")
        size = size[0]
        if size and not _is_index(size[0]):
            raise TypeError(f"{name}(): {pos}, but found element of type "
                            f"{_type_name(size[0])} at pos 0")
    elif size and not _is_index(size[0]):
        raise TypeError(f"{name}() takes 1 positional argument but {len(size)} were given")
    for i, s in enumerate(size):
        if not _is_index(s):
            raise TypeError(f"{name}(): argument 'size' failed to unpack the object at pos "
                            f"{i + 1} with error \"type must be tuple of ints,but got "
                            f"{_type_name(s)}\"")
    out = tuple(builtins.int(s) for s in size)
    for s in out:
        if s < 0:
            if name == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(out)}")
    return out


def _is_index(s):
    if isinstance(s, Tensor):
        return s._data.dtype.kind in "iu" and s._data.ndim == 0
    return isinstance(s, (builtins.int, np.integer)) and not isinstance(s, (builtins.bool,
                                                                             np.bool_))


def _type_name(x):
    return "Tensor" if isinstance(x, Tensor) else type(x).__name__


def _out_dtype(dtype, out):
    """The dtype of a factory called with ``out=``: ``out``'s, which ``dtype`` must match."""
    if out is None:
        return dtype
    if dtype is not None and to_dtype(dtype) != out.dtype:
        from ._util import _short

        raise RuntimeError(f"dtype {_short(to_dtype(dtype))} does not match dtype of out "
                           f"parameter ({_short(out.dtype)})")
    return out.dtype


def _into(result, out, name):
    """Write a factory's ``result`` into ``out`` (resized if its shape differs) and return
    ``out``, as PyTorch's ``out=`` variants do; they refuse tensors that require grad."""
    if out is None:
        return result
    if out._requires_grad or result._requires_grad:
        raise RuntimeError(f"aten::{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    if out._data.shape == result._data.shape:
        out._data[...] = result._data
    else:
        out._data = result._data.astype(out._data.dtype, copy=False)
    out._version_counter[0] += 1
    return out


def _dt(dtype):
    return to_dtype(dtype) if dtype is not None else get_default_dtype()


def _xp_for(device):
    if device is None:
        return np, None
    dev = device if isinstance(device, _device) else _device(device)
    if dev.type == "cpu":
        return np, None
    from ..backends import cuda

    cuda._require()
    return cuda.cupy, dev


def _filled(fill, size, dtype, device, requires_grad):
    if device is None and fill == 0 and fill.__class__ is builtins.int:
        arr = np.zeros(size, dtype=(to_dtype(dtype) if dtype is not None
                                    else get_default_dtype()).np)
        t = _make(arr)
        if requires_grad:
            _require_grad(t)
        return t
    xp, dev = _xp_for(device)
    dt = _dt(dtype)
    if dev is not None:
        with xp.cuda.Device(dev.index or 0):
            arr = xp.full(size, fill, dtype=dt.np)
    else:
        arr = xp.full(size, fill, dtype=dt.np)
    t = _make(arr)
    if requires_grad:
        _require_grad(t)
    return t


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    """A tensor of zeros of the given size (``zeros(2, 3)``, ``zeros((2, 3))`` or
    ``zeros(size=(2, 3))``)."""
    shape = _size(size, "zeros", kw)
    return _into(_filled(0, shape, _out_dtype(dtype, out), device, requires_grad), out, "zeros")


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    """A tensor of ones of the given size."""
    shape = _size(size, "ones", kw)
    return _into(_filled(1, shape, _out_dtype(dtype, out), device, requires_grad), out, "ones")


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None, **kw):
    """An uninitialised tensor (ember fills it with zeros)."""
    shape = _size(size, "empty", kw)
    return _into(_filled(0, shape, _out_dtype(dtype, out), device, requires_grad), out, "empty")


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    """A tensor filled with ``fill_value``; its dtype is inferred from the value.

    Example:
        >>> import ember
        >>> ember.full((2,), 7)
        tensor([7, 7])
    """
    t = _full(size, fill_value, _out_dtype(dtype, out), device, requires_grad, "full")
    return _into(t, out, "full")


def _full(size, fill_value, dtype, device, requires_grad, name):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (builtins.int, builtins.float, complex, np.generic)):
        raise TypeError(f"{name}(): argument 'fill_value' (position 2) must be Number, not "
                        f"{_type_name(fill_value)}")
    if dtype is None:
        dtype = _infer_dtype(fill_value)
    if isinstance(size, (builtins.int, np.integer)) and not isinstance(size, builtins.bool):
        raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, not int")
    return _filled(fill_value, _size((size,), name), dtype, device, requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return full((), s, dtype=_dt(dtype), device=device, requires_grad=requires_grad)


def _like(input, dtype, device):
    return (dtype if dtype is not None else input.dtype,
            device if device is not None else input.device)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    dt, dev = _like(input, dtype, device)
    return _filled(0, input._data.shape, dt, dev, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    dt, dev = _like(input, dtype, device)
    return _filled(1, input._data.shape, dt, dev, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    dt, dev = _like(input, dtype, device)
    return _filled(fill_value, input._data.shape, dt, dev, requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless any is a float.

    Example:
        >>> import ember
        >>> ember.arange(3)
        tensor([0, 1, 2])
    """
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dtype = _out_dtype(dtype, out)
    if dtype is None:
        dtype = _infer_dtype([start, end, step])
    dt = to_dtype(dtype)
    if dt._cat == 0:
        raise NotImplementedError('"arange_cpu" not implemented for \'Bool\'')
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    n = builtins.max(0, math.ceil((end - start) / step))
    xp, _ = _xp_for(device)
    if dt._cat == 1 and all(isinstance(v, builtins.int) for v in (start, end, step)):
        arr = xp.arange(start, end, step, dtype=dt.np)
    else:
        # computed in float64 then cast, as PyTorch computes start + i * step in double
        arr = (start + xp.arange(n, dtype=np.float64) * step).astype(dt.np)
    return _into(_finish(arr, device, requires_grad), out, "arange")


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated inclusive range (``end`` included), default dtype float."""
    import warnings

    warnings.warn("ember.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "ember.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if end is None:
        start, end = 0, start
    n = builtins.int(math.floor((end - start) / step)) + 1
    xp, _ = _xp_for(device)
    arr = (start + xp.arange(n, dtype=np.float64) * step).astype(_dt(dtype).np)
    return _finish(arr, None, requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if not _is_index(steps):
        raise TypeError(f"linspace(): argument 'steps' (position 3) must be int, not "
                        f"{_type_name(steps)}")
    steps = builtins.int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    for label, v in (("start", start), ("end", end)):
        if isinstance(v, Tensor) and v._data.ndim:
            raise RuntimeError("linspace only supports 0-dimensional start and end tensors, "
                               f"but got {label} with {v._data.ndim} dimension(s).")
    xp, _ = _xp_for(device)
    start, end = _num(start), _num(end)
    dtype = _out_dtype(dtype, out)
    if dtype is None and (isinstance(start, complex) or isinstance(end, complex)):
        dtype = _dtype._cat_default(3)
    dt = _dt(dtype)
    if dt._cat < 2:  # integer outputs: PyTorch truncates the ends to the dtype first
        start, end = builtins.int(start), builtins.int(end)
    t = _finish(_linspace(xp, start, end, steps, dt.np), device, requires_grad)
    return _into(t, out, "linspace")


def _linspace(xp, start, end, steps, npdt):
    """PyTorch's kernel: the first half counts up from ``start``, the second half down from
    ``end``, in the output dtype (double for integer outputs), so both ends are exact."""
    if steps <= 1:
        return xp.full((steps,), start, dtype=npdt)
    w = np.dtype(npdt) if np.dtype(npdt).kind in "fc" else np.dtype(np.float64)
    start_, end_ = w.type(start), w.type(end)
    step = (end_ - start_) / w.type(steps - 1)
    idx = xp.arange(steps, dtype=w)
    up = start_ + step * idx
    down = end_ - step * (w.type(steps - 1) - idx)
    out = xp.where(xp.arange(steps) < steps // 2, up, down)
    return out.astype(npdt, copy=False)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    xp, _ = _xp_for(device)
    arr = base ** xp.linspace(_num(start), _num(end), builtins.int(steps), dtype=np.float64)
    t = _finish(arr.astype(_dt(_out_dtype(dtype, out)).np), device, requires_grad)
    return _into(t, out, "logspace")


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The identity matrix (``n x m``).

    Example:
        >>> import ember
        >>> ember.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
    """
    for arg, v, pos in (("n", n, 1), ("m", m, 2)):
        if v is not None and not _is_index(v):
            raise TypeError(f"eye(): argument '{arg}' (position {pos}) must be int, not "
                            f"{_type_name(v)}")
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    xp, _ = _xp_for(device)
    arr = xp.eye(n, m if m is not None else n, dtype=_dt(_out_dtype(dtype, out)).np)
    return _into(_finish(arr, device, requires_grad), out, "eye")


class ToCopy(Function):
    """``Tensor.to``: a dtype cast and/or a device move (PyTorch's ``_to_copy``)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, npdt, dev):
        ctx.src_dtype, ctx.src_dev = x.dtype, device_of(x)
        if dev is not None:
            x = to_device(x, dev)
        if npdt is None:
            return x
        if x.dtype.kind in "fc" and np.dtype(npdt).kind in "biu":
            with np.errstate(invalid="ignore", over="ignore"):  # nan/inf -> int: silent (torch)
                return x.astype(npdt, copy=False)
        return x.astype(npdt, copy=False)

    @staticmethod
    def backward(ctx, grad):
        # d to(x) = to^-1(dx): the gradient goes back to the source dtype and device
        src = ctx.src_dtype
        if src.kind not in "fc":
            return None
        dev = ctx.src_dev if ctx.src_dev != device_of(grad._data) else None
        npdt = src if grad._data.dtype != src else None
        if dev is None and npdt is None:
            return grad
        return ToCopy.apply(grad, npdt, dev)


def _to_copy(t, dtype=None, dev=None):
    """Cast ``t`` to ember dtype ``dtype`` and/or move it to device ``dev`` (None: keep)."""
    return ToCopy.apply(t, dtype.np if dtype is not None else None, dev)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    if isinstance(data, Tensor):
        _warn_copy_construct("tensor.new_tensor(sourceTensor)")
        data = data.detach()  # (no second warning from tensor())
        return _finish(_to_array(data, to_dtype(dtype or self.dtype)), device or self.device,
                       requires_grad)
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)


def _new_factory(fill, name):
    def method(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False, **kw):
        return _filled(fill, _size(size, name, kw), dtype or self.dtype, device or self.device,
                       requires_grad)

    method.__name__ = method.__qualname__ = name
    return method


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
              layout=None, pin_memory=False):
    return _full(size, fill_value, dtype or self.dtype, device or self.device, requires_grad,
                 "new_full")


register(new_tensor=_new_tensor, new_zeros=_new_factory(0, "new_zeros"),
         new_ones=_new_factory(1, "new_ones"), new_empty=_new_factory(0, "new_empty"),
         new_full=_new_full)

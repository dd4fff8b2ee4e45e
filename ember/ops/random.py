"""Random number generation: ``Generator``, ``manual_seed`` and the random creation functions.

A NumPy ``Generator`` (PCG64) is the source; ``manual_seed`` reseeds the CPU generator and the
CUDA one, so a seed fixes every random op in ember (the values differ from PyTorch's, whose
generator is mt19937). Samples are drawn in the target float dtype where NumPy can (float32),
otherwise in float64 and cast; never left as float64.
"""
import builtins
import json

import numpy as np

from .._dtype import _FROM_NP, get_default_dtype, to_dtype
from ..backends import device as _device
from ._util import Tensor, _make, _state, broadcast_shapes, register
from .creation import _into, _out_dtype

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "default_generator", "rand", "randn", "randint", "randperm",
           "normal", "multinomial", "bernoulli", "rand_like", "randn_like", "randint_like",
           "poisson"]

_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers; pass it as ``generator=`` to random ops.

    Example:
        >>> import ember
        >>> g = ember.Generator().manual_seed(0)
        >>> a = ember.rand(3, generator=g)
        >>> g.manual_seed(0)  # doctest: +ELLIPSIS
        <ember.ops.random.Generator object at ...>
        >>> ember.equal(a, ember.rand(3, generator=g))
        True
    """

    def __init__(self, device="cpu"):
        self.device = _device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Reseed with an integer in [-2**63, 2**64) (kept modulo 2**64, as PyTorch's
        ``initial_seed()`` shows it); returns the generator."""
        if not isinstance(seed, (builtins.int, np.integer)) or isinstance(seed, builtins.bool):
            raise RuntimeError(f"manual_seed expected a long, but got {_type_name(seed)}")
        seed = builtins.int(seed)
        if not -2 ** 63 <= seed < 2 ** 64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & 0xFFFFFFFFFFFFFFFF
        self._bits = None  # the NumPy generator is built on first use (see ``_rng``)
        return self

    @property
    def _rng(self):
        # numpy.random takes ~10 ms to import: the default generator made at `import ember`
        # builds its NumPy generator only when something first draws from it
        if self._bits is None:
            self._bits = np.random.default_rng(self._seed)
        return self._bits

    def seed(self):
        """Reseed from OS entropy; returns the new seed."""
        s = builtins.int(np.random.SeedSequence().entropy) & 0x7FFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed last set (by ``manual_seed`` or ``seed``)."""
        return self._seed

    def get_state(self):
        """The generator state as a uint8 tensor (JSON of NumPy's PCG64 state; PyTorch's
        mt19937 states are not interchangeable with it)."""
        raw = json.dumps([self._seed, self._rng.bit_generator.state]).encode()
        return _make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from :meth:`get_state`; returns the generator."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {_type_name(new_state)}")
        if new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        try:
            seed, state = json.loads(_host(new_state._data).tobytes())
            self._rng.bit_generator.state = state
        except (ValueError, TypeError, KeyError) as e:
            raise RuntimeError("Invalid RNG state: expected the bytes of an ember Generator "
                               f"state ({e})") from None
        self._seed = seed
        return self


def _type_name(x):
    return "Tensor" if isinstance(x, Tensor) else type(x).__name__


def _host(a):
    return a if type(a) is np.ndarray else a.get()


default_generator = Generator()
_cuda_gen = []


def _cuda_generator():
    if not _cuda_gen:
        _cuda_gen.append(Generator("cuda"))
    return _cuda_gen[0]


def manual_seed(seed):
    """Seed the CPU generator and CUDA's; returns the CPU generator.

    Example:
        >>> import ember
        >>> _ = ember.manual_seed(0); a = ember.randn(2)
        >>> _ = ember.manual_seed(0); ember.equal(a, ember.randn(2))
        True
    """
    seed = builtins.int(seed)  # PyTorch's manual_seed accepts anything int() takes
    _cuda_generator().manual_seed(seed)
    return default_generator.manual_seed(seed)


def seed():
    s = default_generator.seed()
    _cuda_generator().manual_seed(s)
    return s


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


class fork_rng:
    """Context manager (and decorator) that restores the random state on exit, so draws
    inside do not change what follows (PyTorch's ``torch.random.fork_rng``).

    Example:
        >>> import ember
        >>> _ = ember.manual_seed(0)
        >>> with ember.random.fork_rng():
        ...     _ = ember.rand(5)
        >>> a = ember.rand(2); _ = ember.manual_seed(0); ember.equal(a, ember.rand(2))
        True
    """

    def __init__(self, devices=None, enabled=True, _caller="fork_rng",
                 _devices_kw="devices", device_type="cuda"):
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self._states = (default_generator.get_state(), _cuda_generator().get_state())
        return self

    def __exit__(self, *exc):
        if self.enabled:
            default_generator.set_state(self._states[0])
            _cuda_generator().set_state(self._states[1])
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with fork_rng(enabled=self.enabled):
                return fn(*args, **kwargs)

        return wrapper


def _rng(generator, device=None):
    if generator is not None:
        return generator._rng
    if device is not None and _device(device).type == "cuda":
        return _cuda_generator()._rng
    return default_generator._rng


def _size(size, name="rand", kw=None):
    from .creation import _size as size_of

    return size_of(size, name, kw)


def _finish(arr, dtype, device, requires_grad):
    t = _make(arr.astype(dtype.np, copy=False))
    if device is not None and _device(device).type != "cpu":
        t = t.to(device)
    if requires_grad:
        if dtype._cat < 2:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


def _float_dtype(dtype, kernel):
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    if not dt.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_short_name(dt)}'")
    return dt


def _short_name(dt):
    from ._util import _short

    return _short(dt)


def _draw_dtype(dt):
    return np.float32 if dt.np == np.float32 else np.float64


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kw):
    """Uniform samples in [0, 1)."""
    dt = _float_dtype(_out_dtype(dtype, out), "check_uniform_bounds")
    arr = _rng(generator, device).random(_size(size, "rand", kw), dtype=_draw_dtype(dt))
    return _into(_finish(arr, dt, device, requires_grad), out, "rand")


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kw):
    """Standard normal samples.

    Example:
        >>> import ember
        >>> ember.randn(2, 3).shape
        ember.Size([2, 3])
    """
    dt = _float_dtype(_out_dtype(dtype, out), "normal_kernel_cpu")
    arr = _rng(generator, device).standard_normal(_size(size, "randn", kw),
                                                  dtype=_draw_dtype(dt))
    return _into(_finish(arr, dt, device, requires_grad), out, "randn")


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False):
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``;
    int64 unless ``dtype`` (or ``out``) says otherwise.

    Example:
        >>> import ember
        >>> ember.randint(3, 5, (4,)).dtype
        ember.int64
    """
    low, high, size = _randint_args(low, high, size)
    dt = _out_dtype(dtype, out)
    dt = to_dtype(dt) if dt is not None else to_dtype("int64")
    _check_randint_bounds(low, high, dt)
    arr = _rng(generator, device).integers(low, high, size=_size((size,), "randint"),
                                           dtype=np.int64)
    return _into(_finish(arr, dt, device, requires_grad), out, "randint")


_RANDINT_FORMS = ("\n * (int high, tuple of ints size, *, torch.Generator generator, Tensor out "
                  "= None, torch.dtype dtype = None, torch.layout layout = None, torch.device "
                  "device = None, bool pin_memory = False, bool requires_grad = False)\n * (int "
                  "low, int high, tuple of ints size, *, torch.Generator generator, Tensor out "
                  "= None, torch.dtype dtype = None, torch.layout layout = None, torch.device "
                  "device = None, bool pin_memory = False, bool requires_grad = False)\n")


def _randint_args(low, high, size):
    """(low, high, size) from PyTorch's two forms, with its TypeErrors."""
    given = [a for a in (low, high, size) if a is not None]
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        if not _is_int(low):
            raise TypeError("randint(): argument 'high' (position 1) must be int, not "
                            f"{_type_name(low)}")
        return 0, builtins.int(low), high
    if size is not None and high is None:  # randint(high, size=...)
        low, high = 0, low
    if size is None and high is not None and len(given) == 2 and _is_int(high):
        raise TypeError("randint(): argument 'size' (position 2) must be tuple of ints, not "
                        f"{_type_name(high)}")
    if size is None or not isinstance(size, (tuple, list)) or not (_is_int(low)
                                                                 and _is_int(high)):
        got = ", ".join(_type_name(a) for a in given)
        raise TypeError(f"randint() received an invalid combination of arguments - got "
                        f"({got}), but expected one of:{_RANDINT_FORMS}")
    return builtins.int(low), builtins.int(high), size


def _is_int(x):
    if isinstance(x, Tensor):
        return x._data.ndim == 0 and x._data.dtype.kind in "iu"
    return isinstance(x, (builtins.int, np.integer)) and not isinstance(x, builtins.bool)


def _check_randint_bounds(low, high, dt):
    if not -2 ** 63 <= low < 2 ** 63 or not -2 ** 63 <= high < 2 ** 63:
        raise ValueError("Overflow when unpacking long long")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    if dt._cat == 0:
        lo, hi = 0, 1
    elif dt._cat == 1:
        info = np.iinfo(dt.np)
        lo, hi = builtins.int(info.min), builtins.int(info.max)
    elif dt.np == np.float16:
        lo, hi = -65504, 65504
    else:
        return
    from .._tensor import _cpp_name

    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {_cpp_name(dt)}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {_cpp_name(dt)}")


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of ``0 .. n-1`` (int64 by default)."""
    n = builtins.int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = _out_dtype(dtype, out)
    dt = to_dtype(dt) if dt is not None else to_dtype("int64")
    t = _finish(_rng(generator, device).permutation(n), dt, device, requires_grad)
    return _into(t, out, "randperm")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """Normal samples; ``mean``/``std`` may be tensors (broadcast together) or numbers."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        _check_std(s)
        shape = broadcast_shapes(np.shape(m), np.shape(s))
        npdt = ref._data.dtype
        z = _rng(generator, ref.device).standard_normal(shape, dtype=_draw_dtype(_FROM_NP[npdt]))
        arr = (m + s * z).astype(npdt, copy=False)
        if type(ref._data) is not np.ndarray:
            from ..backends import to_device

            arr = to_device(arr, ref.device)
        return _into(_make(arr), out, "normal")
    _check_std(std)
    dt = _float_dtype(_out_dtype(dtype, out), "normal_kernel_cpu")
    z = _rng(generator, device).standard_normal(_size((size,), "normal") if size is not None
                                                else (), dtype=_draw_dtype(dt))
    t = _finish(np.asarray(mean + std * z), dt, device, requires_grad)
    return _into(t, out, "normal")


def _check_std(s):
    smin = float(np.min(s)) if np.size(s) else 0.0
    if smin < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {smin:g}")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Sample ``num_samples`` category indices from rows of non-negative weights (1-d or 2-d).

    Without replacement it is one vectorised Gumbel top-k over all rows.
    """
    from ..backends import get_array_module

    xp = get_array_module(input._data)
    if input._data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input._data.dtype.kind != "f":
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{_short_name(input.dtype)}")
    if not _is_int(num_samples):
        raise TypeError("multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{_type_name(num_samples)}")
    num_samples = builtins.int(num_samples)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input._data.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if out is not None and out._data.dtype != np.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {_short_name(out.dtype)}")
    p = xp.asarray(input._data, dtype=np.float64)
    single = p.ndim == 1
    p2 = p[None] if single else p
    if bool((p2 < 0).any()) or not bool(xp.isfinite(p2).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    sums = p2.sum(-1, keepdims=True)
    if bool((sums <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator, input.device)
    u = rng.random((p2.shape[0], num_samples) if replacement else p2.shape)
    u = xp.asarray(u)
    p2 = p2 / sums
    if replacement:
        cdf = xp.cumsum(p2, -1)
        cdf[:, -1] = 1.0
        idx = (u[:, :, None] >= cdf[:, None, :]).sum(-1)
    else:
        with np.errstate(divide="ignore"):
            keys = xp.log(p2) - xp.log(-xp.log(u))
        idx = xp.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64)
    return _into(_make(idx[0] if single else idx), out, "multinomial")


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities ``input`` (or a scalar ``p``), in ``input``'s dtype."""
    probs = input._data if p is None else p
    u = _rng(generator, input.device).random(input._data.shape)
    return _make((u < probs).astype(input._data.dtype))


def poisson(input, generator=None):
    return _make(_rng(generator, input.device).poisson(input._data).astype(input._data.dtype))


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return rand(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return randn(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=device or input.device, requires_grad=requires_grad)


def _fill_(self, arr):
    from ..backends import get_array_module

    if self._requires_grad and self._grad_fn is None and _state.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    xp = get_array_module(self._data)
    xp.copyto(self._data, xp.asarray(arr), casting="unsafe")
    self._version_counter[0] += 1
    return self


def _uniform_(self, from_=0.0, to=1.0, *, generator=None):
    return _fill_(self, _rng(generator, self.device).uniform(from_, to, self._data.shape))


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    z = _rng(generator, self.device).standard_normal(self._data.shape)
    return _fill_(self, mean + std * z)


def _bernoulli_(self, p=0.5, *, generator=None):
    pp = p._data if isinstance(p, Tensor) else p
    return _fill_(self, _rng(generator, self.device).random(self._data.shape) < pp)


def _random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        from_, to = 0, from_
    return _fill_(self, _rng(generator, self.device).integers(from_, to, self._data.shape))


def _exponential_(self, lambd=1.0, *, generator=None):
    return _fill_(self, _rng(generator, self.device).exponential(1.0 / lambd,
                                                                 self._data.shape))


register(uniform_=_uniform_, normal_=_normal_, bernoulli_=_bernoulli_, random_=_random_,
         exponential_=_exponential_, multinomial=multinomial,
         bernoulli=lambda self, p=None, *, generator=None: bernoulli(self, p,
                                                                     generator=generator))

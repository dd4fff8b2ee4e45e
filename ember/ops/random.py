"""Random number generation: ``Generator``, ``manual_seed`` and the random creation functions.

One NumPy ``Generator`` (PCG64) is the default source; ``manual_seed`` reseeds it, so a seed
fixes every random op in ember (values differ from PyTorch's, whose generator is mt19937).
Arrays are drawn in float64 where NumPy needs it and cast, never left as float64.
"""
import builtins

import numpy as np

from .._dtype import get_default_dtype, to_dtype
from ._util import Tensor, _make, register

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "default_generator", "rand", "randn", "randint", "randperm",
           "normal", "multinomial", "bernoulli", "rand_like", "randn_like", "randint_like",
           "poisson"]


class Generator:
    """A source of random numbers (``ember.Generator().manual_seed(0)``)."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = builtins.int(seed)
        self._rng = np.random.default_rng(self._seed & 0xFFFFFFFFFFFFFFFF)
        return self

    def seed(self):
        s = builtins.int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        import pickle

        return _make(np.frombuffer(pickle.dumps(self._rng.bit_generator.state),
                                   dtype=np.uint8).copy())

    def set_state(self, state):
        import pickle

        self._rng.bit_generator.state = pickle.loads(np.asarray(state._data).tobytes())
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (and CUDA's, when present); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _rng(generator):
    return (generator or default_generator)._rng


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(builtins.int(s) for s in size)


def _finish(arr, dtype, device, requires_grad):
    t = _make(arr.astype(dtype.np, copy=False))
    if device is not None and str(device) != "cpu":
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Uniform samples in [0, 1)."""
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    arr = _rng(generator).random(_size(size), dtype=np.float64 if dt.np != np.float32
                                 else np.float32)
    return _finish(arr, dt, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Standard normal samples."""
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    arr = _rng(generator).standard_normal(_size(size), dtype=np.float64 if dt.np != np.float32
                                          else np.float32)
    return _finish(arr, dt, device, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform in [low, high); int64 by default."""
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing 1 required positional argument: 'size'")
    dt = to_dtype(dtype) if dtype is not None else to_dtype("int64")
    arr = _rng(generator).integers(low, high, size=tuple(size), dtype=np.int64)
    return _finish(arr, dt, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1."""
    dt = to_dtype(dtype) if dtype is not None else to_dtype("int64")
    return _finish(_rng(generator).permutation(builtins.int(n)), dt, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False, out=None):
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or numbers."""
    rng = _rng(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        ref = mean if isinstance(mean, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        arr = m + s * rng.standard_normal(shape)
        return _finish(np.asarray(arr), ref.dtype, None, requires_grad)
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    arr = mean + std * rng.standard_normal(tuple(size) if size is not None else ())
    return _finish(np.asarray(arr), dt, device, requires_grad)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Sample indices from rows of non-negative weights (1-d or 2-d)."""
    p = np.asarray(input._data, dtype=np.float64)
    single = p.ndim == 1
    p2 = p[None] if single else p
    if (p2 < 0).any() or not np.isfinite(p2).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    sums = p2.sum(-1, keepdims=True)
    if (sums <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > p2.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    rng = _rng(generator)
    p2 = p2 / sums
    if replacement:
        u = rng.random((p2.shape[0], num_samples))
        cdf = np.cumsum(p2, -1)
        cdf[:, -1] = 1.0
        idx = (u[:, :, None] > cdf[:, None, :]).sum(-1)
    else:
        # Gumbel top-k: sampling without replacement in one vectorised step
        with np.errstate(divide="ignore"):
            keys = np.log(p2) - np.log(-np.log(rng.random(p2.shape)))
        idx = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64)
    return _make(idx[0] if single else idx)


def bernoulli(input, p=None, *, generator=None):
    """0/1 samples with probabilities ``input`` (or a scalar ``p``)."""
    probs = input._data if p is None else p
    u = _rng(generator).random(input._data.shape)
    return _make((u < probs).astype(input._data.dtype))


def poisson(input, generator=None):
    return _make(_rng(generator).poisson(input._data).astype(input._data.dtype))


def rand_like(input, *, dtype=None, device=None, requires_grad=False, **kw):
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, **kw):
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)


def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    self._data[...] = _rng(generator).uniform(a, b, self._data.shape)
    self._version[0] += 1
    return self


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    self._data[...] = mean + std * _rng(generator).standard_normal(self._data.shape)
    self._version[0] += 1
    return self


def _bernoulli_(self, p=0.5, *, generator=None):
    pp = p._data if isinstance(p, Tensor) else p
    self._data[...] = _rng(generator).random(self._data.shape) < pp
    self._version[0] += 1
    return self


def _random_(self, low=0, high=None, *, generator=None):
    if high is None:
        low, high = 0, low
    self._data[...] = _rng(generator).integers(low, high, self._data.shape)
    self._version[0] += 1
    return self


def _exponential_(self, lambd=1.0, *, generator=None):
    self._data[...] = _rng(generator).exponential(1.0 / lambd, self._data.shape)
    self._version[0] += 1
    return self


register(uniform_=_uniform_, normal_=_normal_, bernoulli_=_bernoulli_, random_=_random_,
         exponential_=_exponential_, multinomial=multinomial,
         bernoulli=lambda self, p=None, *, generator=None: bernoulli(self, p,
                                                                     generator=generator))

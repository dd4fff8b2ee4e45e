"""A small OpInfo-style registry for op tests: one entry per op drives parity with torch over
shapes (broadcasting pairs, non-contiguous, empty and 0-d inputs), dtype checks, and float64
gradcheck/gradgradcheck.

An entry's ``fn(mod, *xs)`` is written once for both frameworks (``mod`` is ``ember`` or
``torch``: the APIs are the same), unless ``tfn`` gives torch its own version.
"""
import numpy as np
import pytest
import torch
from helpers import assert_close, check, check_grad

import ember


# --- input domains: each maps (rng, shape) to a float64 array ------------------------------
def _away_from(points, spread=3.0, gap=0.1):
    """Values that keep ``gap`` away from the given kink points (e.g. 0 for abs)."""
    def gen(rng, shape):
        x = rng.uniform(-spread, spread, shape)
        for p in points:
            near = np.abs(x - p) < gap
            x = np.where(near, p + np.sign(x - p + 1e-12) * gap * 2, x)
        return x
    return gen


def _frac_safe(rng, shape):
    """Away from integers and half-integers (the jumps of floor/ceil/round/trunc/frac)."""
    k = rng.integers(-3, 3, shape)
    return k + rng.uniform(0.1, 0.4, shape) * rng.choice([1, -1], shape)


DOMAINS = {
    "real": lambda rng, shape: rng.standard_normal(shape),
    "pos": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, shape),
    "gt1": lambda rng, shape: rng.uniform(1.2, 3.0, shape),
    "gtm1": lambda rng, shape: rng.uniform(-0.8, 2.0, shape),
    "nonzero": _away_from([0.0]),
    "frac": _frac_safe,
    "small": lambda rng, shape: rng.uniform(-2.0, 2.0, shape),
    "special": lambda rng, shape: np.where(
        rng.uniform(size=shape) < 0.3, rng.choice([np.nan, np.inf, -np.inf], shape),
        rng.standard_normal(shape)),
}

UNARY_SHAPES = [(), (0,), (5,), (3, 4), (2, 3, 4)]
BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)),
                 ((5,), ()), ((0, 3), (1, 3))]


class OpInfo:
    """One op: how to call it, on which inputs, and what to check.

    Args:
        name: test id.
        fn: ``fn(mod, *xs)`` for ``mod`` in (ember, torch).
        tfn: torch's version when it differs (``tfn(torch, *xs)``).
        domains: one domain name per tensor argument (its length is the arity).
        grad: differentiable (parity of input grads + gradcheck); gradgrad: gradgradcheck too.
        ints: also run on int64/int32 inputs and compare dtypes (torch must accept them).
        shapes: shapes (unary) or tuples of shapes (n-ary) for parity.
        grad_shapes: the (smaller) shapes for gradcheck.
    """

    def __init__(self, name, fn, tfn=None, *, domains=("real",), grad=True, gradgrad=True,
                 ints=True, shapes=None, grad_shapes=None, rtol=1e-5, atol=1e-6,
                 noncontig=True):
        self.name, self.fn, self.tfn = name, fn, tfn or fn
        self.domains = domains
        self.nargs = len(domains)
        self.grad, self.gradgrad, self.ints = grad, gradgrad, ints
        if shapes is None:
            shapes = UNARY_SHAPES if self.nargs == 1 else BINARY_SHAPES
            if self.nargs == 3:
                shapes = [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)),
                          ((), (2, 3), (3,))]
        self.shapes = [s if self.nargs > 1 else (s,) for s in shapes]
        if grad_shapes is None:
            grad_shapes = [((2, 3),) * self.nargs] + (
                [((2, 3),) + ((3,),) * (self.nargs - 1)] if self.nargs > 1 else [])
        self.grad_shapes = grad_shapes
        self.rtol, self.atol, self.noncontig = rtol, atol, noncontig

    def __repr__(self):
        return self.name

    def inputs(self, shapes, seed=0, dtype=np.float32):
        rng = np.random.default_rng(seed)
        return [DOMAINS[d](rng, s).astype(dtype) for d, s in zip(self.domains, shapes)]

    def ember(self, *xs):
        return self.fn(ember, *xs)

    def torch(self, *xs):
        return self.tfn(torch, *xs)


def ids(ops):
    return [o.name for o in ops]


# --- the generic tests, parametrised over a registry by each test module ------------------
def run_parity(op, dtype=np.float32):
    for i, shapes in enumerate(op.shapes):
        arrays = op.inputs(shapes, seed=i, dtype=dtype)
        check(op.ember, op.torch, *arrays, grad=op.grad, rtol=op.rtol, atol=op.atol)


def run_noncontiguous(op):
    """Transposed views (autograd through the view) and strided NumPy arrays."""
    if not op.noncontig:
        pytest.skip("shape-specific op")
    shapes = [(4, 3)] * op.nargs
    arrays = op.inputs(shapes, seed=7)
    check(lambda *xs: op.ember(*[x.transpose(0, 1) for x in xs]),
          lambda *xs: op.torch(*[x.transpose(0, 1) for x in xs]),
          *arrays, grad=op.grad, rtol=op.rtol, atol=op.atol)
    strided = [a.T for a in op.inputs([(3, 4)] * op.nargs, seed=8)]
    e = op.ember(*[ember.from_numpy(a) for a in strided])
    t = op.torch(*[torch.from_numpy(a) for a in strided])
    assert_close(e, t, op.rtol, op.atol)


def run_int_dtypes(op):
    if not op.ints:
        pytest.skip("torch rejects integer inputs for this op")
    for npdt in (np.int64, np.int32):
        rng = np.random.default_rng(3)
        arrays = [rng.integers(1, 5, s).astype(npdt) * (1 if d in ("pos", "gt1", "gtm1",
                                                                   "special") else
                                                          rng.choice([1, -1], s).astype(npdt))
                  for d, s in zip(op.domains, op.shapes[2 if len(op.shapes) > 2 else 0])]
        check(op.ember, op.torch, *arrays, grad=False, rtol=op.rtol, atol=op.atol)


def run_gradcheck(op):
    if not op.grad:
        pytest.skip("not differentiable")
    for i, shapes in enumerate(op.grad_shapes):
        arrays = op.inputs(shapes, seed=10 + i, dtype=np.float64)
        check_grad(op.ember, *arrays, gradgrad=op.gradgrad)

"""softmax, log_softmax, softmin and logsumexp against torch: registry parity over dims and
shapes, dtype argument, extreme inputs (stability), gradcheck and gradgradcheck, invariants."""
import warnings

import numpy as np
import pytest
import torch
from _opinfo import OpInfo, ids, run_gradcheck, run_int_dtypes, run_noncontiguous, run_parity
from helpers import assert_close, check
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

SHAPES = [(), (5,), (3, 4), (2, 3, 4), (0, 3)]
MULTI = [(3, 4), (2, 3, 4), (0, 3)]


def S(name, fn, shapes=SHAPES, **kw):
    kw.setdefault("ints", False)
    kw.setdefault("grad_shapes", [((2, 3),)])
    return OpInfo(name, fn, shapes=shapes, **kw)


OPS = [
    S("softmax_last", lambda m, x: m.softmax(x, -1)),
    S("softmax_dim0", lambda m, x: x.softmax(0)),
    S("softmax_dim1", lambda m, x: m.softmax(x, dim=1), MULTI),
    S("log_softmax_last", lambda m, x: m.log_softmax(x, -1)),
    S("log_softmax_dim0", lambda m, x: x.log_softmax(dim=0)),
    S("softmin", lambda m, x: m.softmin(x, -1), tfn=lambda m, x: m.nn.functional.softmin(x, -1)),
    S("softmax_dtype", lambda m, x: m.softmax(x, -1, dtype=m.float64), grad=False),
    S("log_softmax_dtype", lambda m, x: x.log_softmax(-1, dtype=m.float64), grad=False),
    S("logsumexp_last", lambda m, x: m.logsumexp(x, -1)),
    S("logsumexp_keep", lambda m, x: x.logsumexp(0, keepdim=True)),
    S("logsumexp_dims", lambda m, x: m.logsumexp(x, (0, -1)), MULTI),
    S("logsumexp_int", lambda m, x: m.logsumexp(x, 0), [(3, 4)], ints=True),
    S("softmax_then_log", lambda m, x: (m.softmax(x * 3, -1) + 1e-3).log().sum(-1)),
]


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
def test_parity(op):
    run_parity(op)


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
def test_parity_float64(op):
    run_parity(op, np.float64)


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
def test_noncontiguous(op):
    run_noncontiguous(op)


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
def test_int_dtypes(op):
    run_int_dtypes(op)


@pytest.mark.parametrize("op", OPS, ids=ids(OPS))
def test_gradcheck(op):
    run_gradcheck(op)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp", "softmin"])
def test_extreme_inputs_are_stable(name):
    x = np.array([[1000.0, 1000.0, -1000.0], [-1e30, 0.0, 1e30], [-np.inf, 0.0, 1.0],
                  [-np.inf, -np.inf, -np.inf]], np.float32)
    def fe(t):
        return getattr(ember, name)(t, 1)

    def ft(t):
        f = torch.nn.functional.softmin if name == "softmin" else getattr(torch, name)
        return f(t, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = fe(ember.tensor(x))
    assert_close(e, ft(torch.tensor(x)))
    g = np.array([[1000.0, 999.0, 0.0], [3.0, 1.0, -2.0]], np.float32)
    check(fe, ft, g)


def test_rows_sum_to_one_and_log_consistency():
    x = ember.tensor(np.random.default_rng(0).standard_normal((4, 7)).astype(np.float32) * 30)
    np.testing.assert_allclose(x.softmax(1).sum(1).numpy(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(x.log_softmax(1).exp().numpy(), x.softmax(1).numpy(),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose((x - x.logsumexp(1, keepdim=True)).numpy(),
                               x.log_softmax(1).numpy(), rtol=1e-5, atol=1e-5)


def test_implicit_dim_warns_like_torch():
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        e = ember.softmax(ember.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.functional.softmax(torch.tensor(x))
    assert_close(e, t)


def test_errors_and_dtypes():
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        ember.softmax(ember.tensor([1, 2]), 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.softmax(ember.ones(2, 3), 2)
    assert ember.softmax(ember.tensor([1, 2]), 0, dtype=ember.float32).dtype == ember.float32
    assert ember.logsumexp(ember.tensor([1, 2]), 0).dtype == ember.float32
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert x.softmax(0).grad_fn.name() == "SoftmaxBackward0"
    assert x.log_softmax(0).grad_fn.name() == "LogSoftmaxBackward0"


def test_double_backward_matches_torch():
    a = np.random.default_rng(2).standard_normal((3, 5))

    def hvp(mod, fn):
        x = mod.tensor(a, requires_grad=True)
        y = fn(x)
        w = mod.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))
        (g,) = mod.autograd.grad((y * w).sum(), [x], create_graph=True)
        (h,) = mod.autograd.grad((g * g).sum(), [x])
        return h.numpy()
    for name in ("softmax", "log_softmax", "logsumexp"):
        np.testing.assert_allclose(hvp(ember, lambda x, n=name: getattr(ember, n)(x, 1)),
                                   hvp(torch, lambda x, n=name: getattr(torch, n)(x, 1)),
                                   rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                    elements=st.floats(-80, 80, width=32)),
       data=st.data())
def test_softmax_invariants_hypothesis(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    t = ember.tensor(x)
    y = ember.softmax(t, dim)
    assert tuple(y.shape) == x.shape
    assert (y.numpy() >= 0).all() and (y.numpy() <= 1).all()
    np.testing.assert_allclose(y.sum(dim).numpy(), 1.0, rtol=1e-5)
    # shift invariance: softmax(x + c) == softmax(x)
    np.testing.assert_allclose(ember.softmax(t + 7.5, dim).numpy(), y.numpy(), atol=1e-6)
    assert_close(ember.log_softmax(t, dim), torch.log_softmax(torch.tensor(x), dim),
                 rtol=1e-5, atol=1e-5)

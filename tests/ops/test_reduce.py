"""Reductions against torch: an OpInfo registry over dims (int, tuple, negative), keepdim,
0-d and empty inputs; float64 gradcheck and gradgradcheck; ties and zeros with exact
gradients; named-tuple results; errors."""
import warnings

import numpy as np
import pytest
import torch
from _opinfo import (
    DOMAINS,
    OpInfo,
    ids,
    run_gradcheck,
    run_int_dtypes,
    run_noncontiguous,
    run_parity,
)
from helpers import assert_close, check
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember


def _with_zeros(rng, shape):
    x = rng.standard_normal(shape)
    if x.size:
        flat = x.reshape(-1)
        flat[rng.choice(flat.size, size=max(1, flat.size // 5), replace=False)] = 0.0
    return x


DOMAINS["zeros"] = _with_zeros
GLOBAL = [(), (5,), (3, 4), (2, 3, 4)]
WITH_EMPTY = GLOBAL + [(0,), (2, 0)]
DIMS = [(), (3, 4), (2, 3, 4)]     # dim=-1 or dim=0 work on all of these
MULTI = [(3, 4), (2, 3, 4)]        # dim=(0, -1)
G1 = [((3, 4),)]                   # gradcheck shapes


def R(name, fn, shapes, **kw):
    kw.setdefault("grad_shapes", [((2, 3),)])
    return OpInfo(name, fn, shapes=shapes, **kw)


REDUCTIONS = [
    R("sum", lambda m, x: x.sum(), WITH_EMPTY),
    R("sum_dims_keep", lambda m, x: x.sum((0, -1), keepdim=True), MULTI),
    R("mean_dim", lambda m, x: x.mean(-1), DIMS, ints=False),
    R("prod", lambda m, x: x.prod(), WITH_EMPTY),
    R("prod_dim", lambda m, x: m.prod(x, -1), DIMS),
    R("prod_dim_keep", lambda m, x: x.prod(0, keepdim=True), DIMS),
    R("prod_zeros", lambda m, x: x.prod(1), [(4, 5)], domains=("zeros",),
      grad_shapes=[((3, 4),)]),
    R("prod_zeros_all", lambda m, x: x.prod(), [(4, 5)], domains=("zeros",),
      grad_shapes=[((2, 3),)]),
    R("amax", lambda m, x: x.amax(), GLOBAL),
    R("amax_dims", lambda m, x: m.amax(x, (0, -1), keepdim=True), MULTI),
    R("amin_dim", lambda m, x: x.amin(-1), DIMS),
    R("max_all", lambda m, x: x.max(), GLOBAL),
    R("min_all", lambda m, x: m.min(x), GLOBAL),
    R("max_dim", lambda m, x: tuple(x.max(-1)), DIMS),
    R("max_dim_keep", lambda m, x: tuple(m.max(x, 0, keepdim=True)), DIMS),
    R("min_dim", lambda m, x: tuple(x.min(dim=1)), MULTI),
    R("argmax", lambda m, x: x.argmax(), GLOBAL, grad=False),
    R("argmax_dim", lambda m, x: m.argmax(x, -1, keepdim=True), DIMS, grad=False),
    R("argmin_dim", lambda m, x: x.argmin(0), DIMS, grad=False),
    R("var", lambda m, x: x.var(), GLOBAL[1:], ints=False),
    R("var_dim", lambda m, x: x.var(-1), MULTI, ints=False),
    R("var_unbiased_false", lambda m, x: m.var(x, 0, unbiased=False, keepdim=True), DIMS,
      ints=False),
    R("var_correction", lambda m, x: x.var((0, -1), correction=2), MULTI, ints=False),
    R("std", lambda m, x: x.std(), GLOBAL[1:], ints=False),
    R("std_dim", lambda m, x: m.std(x, -1, keepdim=True), MULTI, ints=False),
    R("std_correction0", lambda m, x: x.std(0, correction=0), DIMS, ints=False),
    R("var_mean", lambda m, x: m.var_mean(x, 1), MULTI, ints=False),
    R("std_mean", lambda m, x: m.std_mean(x, (0, -1), keepdim=True), MULTI, ints=False),
    R("norm", lambda m, x: x.norm(), WITH_EMPTY, ints=False),
    R("norm_dim", lambda m, x: m.norm(x, dim=-1, keepdim=True), DIMS, ints=False),
    R("norm_p1", lambda m, x: x.norm(1, dim=-1), DIMS, ints=False, domains=("nonzero",)),
    R("norm_p3", lambda m, x: x.norm(3), GLOBAL, ints=False, domains=("nonzero",)),
    R("norm_p0.5", lambda m, x: x.norm(0.5, dim=(0, -1)), MULTI, ints=False,
      domains=("nonzero",)),
    R("norm_inf", lambda m, x: x.norm(float("inf"), dim=-1), DIMS, ints=False),
    R("norm_ninf", lambda m, x: x.norm(-float("inf")), GLOBAL, ints=False),
    R("norm_p0", lambda m, x: x.norm(0), GLOBAL, ints=False, domains=("zeros",)),
    R("norm_fro", lambda m, x: x.norm("fro", dim=(0, 1)), [(3, 4)], ints=False),
    R("cumsum", lambda m, x: x.cumsum(-1), DIMS + [(0, 3)]),
    R("cumsum_dim0", lambda m, x: m.cumsum(x, 0), DIMS),
    R("cumprod", lambda m, x: x.cumprod(-1), DIMS + [(0, 3)]),
    R("cumprod_zeros", lambda m, x: m.cumprod(x, 1), [(4, 6)], domains=("zeros",),
      grad_shapes=[((3, 5),)]),
    R("median_all", lambda m, x: x.median(), GLOBAL),
    R("median_dim", lambda m, x: tuple(x.median(-1)), [(3, 4), (2, 3, 5), ()]),
    R("median_dim_keep", lambda m, x: tuple(m.median(x, 0, keepdim=True)), DIMS),
    R("mode", lambda m, x: tuple(m.mode(m.round(x * 2), -1)), [(3, 7), (2, 3, 5), ()],
      grad=False),
    R("all", lambda m, x: (x > 0).all(), WITH_EMPTY, grad=False),
    R("all_dim", lambda m, x: m.all(x > 0, dim=-1, keepdim=True), DIMS, grad=False),
    R("any_dims", lambda m, x: (x > 0).any((0, -1)), MULTI, grad=False),
    R("count_nonzero", lambda m, x: m.count_nonzero(m.round(x)), WITH_EMPTY, grad=False),
    R("count_nonzero_dims", lambda m, x: m.count_nonzero(m.round(x), dim=(0, -1)), MULTI,
      grad=False),
]


@pytest.mark.parametrize("op", REDUCTIONS, ids=ids(REDUCTIONS))
def test_parity(op):
    run_parity(op)


@pytest.mark.parametrize("op", REDUCTIONS, ids=ids(REDUCTIONS))
def test_parity_float64(op):
    run_parity(op, np.float64)


@pytest.mark.parametrize("op", REDUCTIONS, ids=ids(REDUCTIONS))
def test_noncontiguous(op):
    run_noncontiguous(op)


@pytest.mark.parametrize("op", REDUCTIONS, ids=ids(REDUCTIONS))
def test_int_dtypes(op):
    run_int_dtypes(op)


@pytest.mark.parametrize("op", REDUCTIONS, ids=ids(REDUCTIONS))
def test_gradcheck(op):
    run_gradcheck(op)


# --- ties, zeros and kinks: exact gradients ---------------------------------------------------
def _grad(fn, vals, mod):
    x = mod.tensor(vals, requires_grad=True)
    out = fn(x)
    out = out.values if hasattr(out, "values") and not callable(out.values) else out
    (out * mod.arange(1, out.numel() + 1, dtype=x.dtype).reshape(out.shape)).sum().backward()
    return x.grad


@pytest.mark.parametrize("fn,vals", [
    (lambda x: x.amax(), [[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]]),
    (lambda x: x.amax(1), [[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]]),
    (lambda x: x.amin(0), [[1.0, 3.0, 3.0], [1.0, 0.0, 3.0]]),
    (lambda x: x.max(), [[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]]),
    (lambda x: x.min(), [[1.0, 0.0, 3.0], [0.0, 0.0, 2.0]]),
    (lambda x: x.max(), [1.0, float("nan"), 3.0]),
    (lambda x: x.median(), [1.0, 2.0, 2.0, 5.0, 2.0]),
    (lambda x: x.norm(), [0.0, 0.0, 0.0]),
    (lambda x: x.norm(dim=1), [[0.0, 0.0], [3.0, 4.0]]),
    (lambda x: x.norm(1), [0.0, -2.0, 3.0]),
    (lambda x: x.norm(float("inf")), [-3.0, 1.0, 3.0]),
    (lambda x: x.std(), [2.0, 2.0, 2.0]),
    (lambda x: x.std(1), [[2.0, 2.0], [1.0, 3.0]]),
    (lambda x: x.prod(), [2.0, 0.0, 3.0]),
    (lambda x: x.prod(), [2.0, 0.0, 0.0]),
    (lambda x: x.prod(1), [[2.0, 0.0, 3.0], [1.0, 2.0, 3.0]]),
    (lambda x: x.cumprod(0), [2.0, 0.0, 3.0, 0.0, 4.0]),
    (lambda x: x.cumprod(1), [[0.0, 2.0, 3.0], [1.0, 2.0, 0.0]]),
    (lambda x: x.logsumexp(0), [-float("inf"), 0.0, 1.0]),
])
def test_exact_gradients(fn, vals):
    np.testing.assert_allclose(_grad(fn, vals, ember).numpy(), _grad(fn, vals, torch).numpy(),
                               rtol=1e-6, atol=0)


def test_prod_cumprod_zeros_double_backward():
    """Second derivatives through the zero-safe products, against torch."""
    vals = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 1.5, 2.0], [1.0, 2.0, 3.0, 4.0]])

    def hess_diag(mod, f):
        x = mod.tensor(vals, requires_grad=True)
        (g,) = mod.autograd.grad(f(x).sum(), [x], create_graph=True)
        (h,) = mod.autograd.grad((g * g).sum(), [x])
        return h.numpy()
    for f in (lambda x: x.prod(1), lambda x: x.cumprod(1), lambda x: x.prod()):
        np.testing.assert_allclose(hess_diag(ember, f), hess_diag(torch, f), rtol=1e-6)


def test_named_tuples():
    x = ember.tensor([[1.0, 5.0], [3.0, 2.0]])
    r = x.max(dim=1)
    assert type(r).__name__ == "max" and type(r) is ember.return_types.max
    assert r.values.tolist() == [5.0, 3.0] and r.indices.tolist() == [1, 0]
    values, indices = x.min(0)
    assert values.tolist() == [1.0, 2.0] and indices.dtype == ember.int64
    assert isinstance(x.median(1), ember.return_types.median)
    assert isinstance(x.mode(1), ember.return_types.mode)
    assert repr(r).startswith("ember.return_types.max(\nvalues=tensor([5., 3.])")


def test_max_binary_form_and_dtypes():
    a = ember.tensor([1, 5])
    assert ember.max(a, ember.tensor([3, 2])).tolist() == [3, 5]
    assert a.max().dtype == ember.int64
    assert ember.tensor([True, False]).sum().dtype == ember.int64
    assert ember.tensor([1, 2], dtype=ember.int32).prod().dtype == ember.int64
    assert ember.tensor([1, 2], dtype=ember.int32).cumsum(0).dtype == ember.int64
    assert ember.tensor([1, 2], dtype=ember.uint8).all().dtype == ember.uint8
    assert ember.tensor([1.0, 2.0]).cumsum(0, dtype=ember.float64).dtype == ember.float64
    assert ember.tensor([1, 2]).prod(dtype=ember.float32).dtype == ember.float32


def test_median_nan_and_lower_middle():
    check(lambda x: x.median(), lambda x: x.median(), np.array([4.0, 1.0, 3.0, 2.0]),
          grad=False)
    nan = np.array([[1.0, np.nan, 2.0], [3.0, 1.0, 2.0]], np.float32)
    check(lambda x: tuple(x.median(1)), lambda x: tuple(x.median(1)), nan, grad=False)
    check(lambda x: x.median(), lambda x: x.median(), nan, grad=False)
    check(lambda x: x.max(), lambda x: x.max(), nan, grad=False)
    check(lambda x: tuple(x.max(1)), lambda x: tuple(x.max(1)), nan, grad=False)


def test_var_edge_cases():
    one = np.array([3.0], np.float32)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        ember.tensor(one).var()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda x: x.var(), lambda x: x.var(), one, grad=False)       # 0/0 = nan
    check(lambda x: x.var(correction=0), lambda x: x.var(correction=0), one)
    check(lambda x: x.std(unbiased=False), lambda x: x.std(unbiased=False), one)
    check(lambda x: x.var(0, False), lambda x: x.var(0, False), np.ones((2, 3), np.float32))
    check(lambda x: x.var(False), lambda x: x.var(False), np.arange(4, dtype=np.float32))


def test_logical_and_count():
    a = np.array([[0, 1, 2], [0, 0, 3]])
    check(lambda x: x.all(), lambda x: x.all(), a, grad=False)
    check(lambda x: x.any(1), lambda x: x.any(1), a, grad=False)
    check(lambda x: x.count_nonzero(1), lambda x: x.count_nonzero(1), a, grad=False)
    f = np.array([0.0, np.nan, 1.0], np.float32)
    check(lambda x: x.all(), lambda x: x.all(), f, grad=False)


def test_errors_match_torch():
    empty = ember.tensor([])
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        empty.max()
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        empty.max(0)
    with pytest.raises(IndexError, match="argmax"):  # torch: IndexError
        empty.argmax()
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        ember.tensor([1, 2]).var()
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor"):
        ember.tensor([1, 2]).norm()
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range "
                                         r"of \[-2, 1\], but got 2\)"):
        ember.ones(2, 3).amax(2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.ones(2, 3).cumsum(-3)


# --- hypothesis: random shapes, dims and keepdim -------------------------------------------
@st.composite
def _shape_and_dims(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    nd = len(shape)
    dims = draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd,
                         unique_by=lambda d: d % nd))
    return shape, tuple(dims), draw(st.booleans())


@settings(max_examples=30, deadline=None)
@given(sdk=_shape_and_dims(), name=st.sampled_from(["amax", "amin", "var", "std", "logsumexp",
                                                    "sum", "norm", "count_nonzero", "any"]))
def test_reduce_over_random_dims_hypothesis(sdk, name):
    shape, dims, keepdim = sdk
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    if name == "count_nonzero":
        check(lambda x: ember.count_nonzero(x.round(), dims),
              lambda x: torch.count_nonzero(x.round(), dims), a, grad=False)
        return
    if name == "any":
        check(lambda x: (x > 0.5).any(dims, keepdim=keepdim),
              lambda x: (x > 0.5).any(dims, keepdim=keepdim), a, grad=False)
        return
    kw = {"dim": dims, "keepdim": keepdim}
    if name == "norm":
        kw["p"] = 2  # torch's default 'fro' accepts only one or two dims
    grad = name not in ("var", "std") or all(
        n > 1 for i, n in enumerate(shape) if i in {d % len(shape) for d in dims})
    e, t = check(lambda x: getattr(x, name)(**kw), lambda x: getattr(x, name)(**kw), a,
                 grad=grad, rtol=1e-5, atol=1e-5)
    assert_close(e, t, rtol=1e-5, atol=1e-5)


def test_out_arguments():
    o = ember.empty(3)
    assert ember.cumsum(ember.tensor([1.0, 2.0, 3.0]), 0, out=o) is o
    assert o.tolist() == [1.0, 3.0, 6.0]
    o = ember.empty(())
    ember.norm(ember.tensor([3.0, 4.0]), out=o)
    assert o.item() == 5.0
    with pytest.raises(NotImplementedError):
        ember.max(ember.tensor([1.0]), 0, out=(ember.empty(1), ember.empty(1)))

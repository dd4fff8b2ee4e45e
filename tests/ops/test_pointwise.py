"""Pointwise ops against torch: an OpInfo registry (parity over shapes, broadcasting,
non-contiguous, empty and 0-d inputs; dtypes; float64 gradcheck and gradgradcheck), kinks with
exact values, in-place variants, and errors."""
import math

import numpy as np
import pytest
import torch
from _opinfo import OpInfo, ids, run_gradcheck, run_int_dtypes, run_noncontiguous, run_parity
from helpers import assert_close, check
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

U = OpInfo
UNARY = [
    U("exp", lambda m, x: m.exp(x)),
    U("log", lambda m, x: m.log(x), domains=("pos",)),
    U("log2", lambda m, x: m.log2(x), domains=("pos",)),
    U("log10", lambda m, x: m.log10(x), domains=("pos",)),
    U("log1p", lambda m, x: m.log1p(x), domains=("gtm1",)),
    U("expm1", lambda m, x: m.expm1(x)),
    U("exp2", lambda m, x: m.exp2(x)),
    U("sqrt", lambda m, x: m.sqrt(x), domains=("pos",)),
    U("rsqrt", lambda m, x: m.rsqrt(x), domains=("pos",)),
    U("square", lambda m, x: m.square(x)),
    U("reciprocal", lambda m, x: m.reciprocal(x), domains=("nonzero",)),
    U("abs", lambda m, x: m.abs(x), domains=("nonzero",)),
    U("sign", lambda m, x: m.sign(x), domains=("nonzero",)),
    U("sin", lambda m, x: m.sin(x)),
    U("cos", lambda m, x: m.cos(x)),
    U("tan", lambda m, x: m.tan(x), domains=("unit",)),
    U("asin", lambda m, x: m.asin(x), domains=("unit",)),
    U("acos", lambda m, x: m.acos(x), domains=("unit",)),
    U("atan", lambda m, x: m.atan(x)),
    U("sinh", lambda m, x: m.sinh(x)),
    U("cosh", lambda m, x: m.cosh(x)),
    U("tanh", lambda m, x: m.tanh(x)),
    U("asinh", lambda m, x: m.asinh(x)),
    U("acosh", lambda m, x: m.acosh(x), domains=("gt1",)),
    U("atanh", lambda m, x: m.atanh(x), domains=("unit",)),
    U("sigmoid", lambda m, x: m.sigmoid(x)),
    U("relu", lambda m, x: m.relu(x), domains=("nonzero",)),
    U("erf", lambda m, x: m.erf(x)),
    U("erfc", lambda m, x: m.erfc(x)),
    U("erfinv", lambda m, x: m.erfinv(x), domains=("unit",)),
    U("floor", lambda m, x: m.floor(x), domains=("frac",)),
    U("ceil", lambda m, x: m.ceil(x), domains=("frac",)),
    U("round", lambda m, x: m.round(x), domains=("frac",)),
    U("round_decimals", lambda m, x: m.round(x, decimals=2), domains=("frac",), ints=False),
    U("round_neg_decimals", lambda m, x: m.round(x * 100, decimals=-1), domains=("frac",),
      ints=False),
    U("trunc", lambda m, x: m.trunc(x), domains=("frac",)),
    U("frac", lambda m, x: m.frac(x), domains=("frac",), ints=False),
    U("clamp", lambda m, x: m.clamp(x, -0.5, 0.7)),
    U("clamp_min", lambda m, x: m.clamp(x, min=0.3)),
    U("clamp_max", lambda m, x: m.clamp_max(x, 0.3)),
    U("clip", lambda m, x: m.clip(x, max=0.3)),
    U("nan_to_num", lambda m, x: m.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0),
      domains=("special",)),
    U("nan_to_num_default", lambda m, x: m.nan_to_num(x), domains=("special",), grad=False),
    U("neg_method_chain", lambda m, x: (-x).abs().sqrt().exp().neg(), domains=("nonzero",)),
]

B = OpInfo
BINARY = [
    B("maximum", lambda m, a, b: m.maximum(a, b), domains=("real", "real")),
    B("minimum", lambda m, a, b: m.minimum(a, b), domains=("real", "real")),
    B("fmax", lambda m, a, b: m.fmax(a, b), domains=("real", "real")),
    B("fmin", lambda m, a, b: m.fmin(a, b), domains=("real", "real")),
    B("max_binary", lambda m, a, b: m.max(a, b), domains=("real", "real")),
    B("atan2", lambda m, a, b: m.atan2(a, b), domains=("real", "nonzero")),
    B("hypot", lambda m, a, b: m.hypot(a, b), domains=("nonzero", "nonzero"), ints=False),
    B("logaddexp", lambda m, a, b: m.logaddexp(a, b), domains=("real", "real"), ints=False),
    B("xlogy", lambda m, a, b: m.xlogy(a, b), domains=("real", "pos")),
    B("remainder", lambda m, a, b: m.remainder(a, b), domains=("frac", "pos"), gradgrad=True),
    B("mod_op", lambda m, a, b: a % b, domains=("frac", "pos")),
    B("fmod", lambda m, a, b: m.fmod(a, b), domains=("frac", "pos")),
    B("floor_divide", lambda m, a, b: m.floor_divide(a, b), domains=("frac", "pos"),
      grad=False),
    B("floordiv_op", lambda m, a, b: a // b, domains=("frac", "pos"), grad=False),
    B("div_floor", lambda m, a, b: m.div(a, b, rounding_mode="floor"), domains=("frac", "pos")),
    B("div_trunc", lambda m, a, b: m.div(a, b, rounding_mode="trunc"), domains=("frac", "pos")),
    B("clamp_tensor", lambda m, x, lo: m.clamp(x, min=lo), domains=("real", "real")),
    B("clamp_tensor_max", lambda m, x, hi: m.clamp(x, max=hi), domains=("real", "real")),
    B("lerp_scalar", lambda m, a, b: m.lerp(a, b, 0.3), domains=("real", "real"), ints=False),
    B("lerp_scalar_hi", lambda m, a, b: m.lerp(a, b, 0.8), domains=("real", "real"),
      ints=False),
]

T = OpInfo
TERNARY = [
    T("clamp_both", lambda m, x, lo, hi: m.clamp(x, lo, hi + 1.5),
      domains=("real", "small", "small"),
      # torch's clamp backward fails when the bounds broadcast the input to a larger shape
      shapes=[((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((2, 3), (), (3,))]),
    T("lerp_tensor", lambda m, a, b, w: m.lerp(a, b, w), domains=("real", "real", "small"),
      ints=False),
    T("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=2),
      domains=("real", "real", "real")),
    T("addcdiv", lambda m, a, b, c: m.addcdiv(a, b, c, value=2), domains=("real", "real", "pos"),
      ints=False),
    T("where_mix", lambda m, a, b, c: m.where(a > 0, m.maximum(b, c), m.minimum(b, c)),
      domains=("real", "real", "real"), ints=False),
]

ALL = UNARY + BINARY + TERNARY


@pytest.mark.parametrize("op", ALL, ids=ids(ALL))
def test_parity(op):
    run_parity(op)


@pytest.mark.parametrize("op", ALL, ids=ids(ALL))
def test_parity_float64(op):
    run_parity(op, np.float64)


@pytest.mark.parametrize("op", ALL, ids=ids(ALL))
def test_noncontiguous(op):
    run_noncontiguous(op)


@pytest.mark.parametrize("op", ALL, ids=ids(ALL))
def test_int_dtypes(op):
    run_int_dtypes(op)


@pytest.mark.parametrize("op", ALL, ids=ids(ALL))
def test_gradcheck(op):
    run_gradcheck(op)


# --- kinks: exact gradients where the function is not differentiable ---------------------
def _grads(fn_name, *vals, mod=ember, **kw):
    xs = [mod.tensor(v, requires_grad=True) for v in vals]
    getattr(mod, fn_name)(*xs, **kw).sum().backward()
    return [x.grad for x in xs]


@pytest.mark.parametrize("name,vals,kw", [
    ("abs", ([-1.0, 0.0, 2.0],), {}),
    ("relu", ([-1.0, 0.0, 2.0],), {}),
    ("sign", ([-1.0, 0.0, 2.0],), {}),
    ("floor", ([-1.0, 0.5, 2.0],), {}),
    ("round", ([0.5, 1.5, 2.0],), {}),
    ("clamp", ([-1.0, 0.0, 0.5, 1.0, 2.0],), {"min": 0.0, "max": 1.0}),
    ("maximum", ([1.0, 2.0, 3.0], [1.0, 1.0, 4.0]), {}),
    ("minimum", ([1.0, 2.0, 3.0], [1.0, 1.0, 4.0]), {}),
    ("fmax", ([1.0, 2.0, float("nan")], [1.0, float("nan"), 4.0]), {}),
    ("fmin", ([1.0, 2.0, float("nan")], [1.0, float("nan"), 4.0]), {}),
    ("clamp", ([0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0]), {}),
    ("clamp", ([0.0, 1.5, 3.0], [2.0, 2.0, 2.0], [1.0, 1.0, 1.0]), {}),
    ("xlogy", ([0.0, 1.0, 0.0], [0.0, 2.0, -1.0]), {}),
    ("hypot", ([0.0, 3.0], [1.0, 4.0]), {}),
    ("sqrt", ([0.0, 4.0],), {}),
    ("log", ([0.0, 1.0],), {}),
])
def test_kinks_exact(name, vals, kw):
    ge = _grads(name, *vals, **kw)
    gt = _grads(name, *vals, mod=torch, **kw)
    for a, b in zip(ge, gt):
        np.testing.assert_array_equal(a.numpy(), b.numpy())



@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relu_backward_masks_like_torch(dtype):
    # relu's backward is a bit mask: inf/nan gradients at dropped places give 0, a nan input
    # passes its gradient (PyTorch zeroes only where y <= 0), and -0.0 keeps its sign
    x = np.array([-1.0, 0.0, 2.0, -0.0, np.nan, 3.0, -2.0], dtype)
    g = np.array([np.inf, 5.0, np.nan, 1.0, 2.0, -0.0, np.nan], dtype)
    e, t = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ember.relu(e).backward(ember.tensor(g))
    torch.relu(t).backward(torch.tensor(g))
    assert e.grad.dtype == ember.tensor(x).dtype
    np.testing.assert_array_equal(e.grad.numpy().view(np.uint8), t.grad.numpy().view(np.uint8))

@pytest.mark.parametrize("threads", [1, 2])
def test_relu_backward_large_noncontiguous_exact(threads):
    # the fast mask (an integer product of the gradient's bits with y != 0) on sizes that take
    # the thread pool, a transposed gradient, and inf/nan/-0.0 scattered at dropped and kept
    # places: bit-identical to torch's threshold_backward; then double backward
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 400)).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = 0.0
    x[rng.random(x.shape) < 0.01] = np.nan
    g = rng.standard_normal((400, 300)).astype(np.float32)
    for v in (np.inf, -np.inf, np.nan, -0.0):
        g[rng.random(g.shape) < 0.02] = v
    old = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        e, t = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ce, ct = ember.tensor(g, requires_grad=True), torch.tensor(g, requires_grad=True)
        (ge,) = ember.autograd.grad(ember.relu(e), e, ce.T, create_graph=True)
        (gt,) = torch.autograd.grad(torch.relu(t), t, ct.T, create_graph=True)
        np.testing.assert_array_equal(ge.detach().numpy().view(np.uint32),
                                      gt.detach().numpy().view(np.uint32))
        # double backward: the mask again, applied to w (d relu'(x) g / dg)
        w = rng.standard_normal(x.shape).astype(np.float32)
        (gge,) = ember.autograd.grad(ge, ce, ember.tensor(w))
        (ggt,) = torch.autograd.grad(gt, ct, torch.tensor(w))
        np.testing.assert_array_equal(gge.numpy(), ggt.numpy())
    finally:
        ember.set_num_threads(old)


def test_maximum_tie_splits_in_half():
    a, b = _grads("maximum", [2.0], [2.0])
    assert a.item() == 0.5 and b.item() == 0.5


def test_log_zero_is_minus_inf_without_warning():
    with np.errstate(all="raise"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = ember.log(ember.tensor([0.0, -1.0]))
            z = ember.log2(ember.tensor([0.0]))
    assert y[0].item() == -math.inf and math.isnan(y[1].item()) and z.item() == -math.inf


def test_sigmoid_tails_keep_precision():
    x = np.array([-100.0, -20.0, 0.0, 20.0, 100.0], np.float32)
    # torch flushes sigmoid(-100) (a float32 denormal) to 0; ember keeps it
    assert_close(ember.sigmoid(ember.tensor(x)), torch.sigmoid(torch.tensor(x)), rtol=1e-6,
                 atol=1e-40)
    assert_close(ember.sigmoid(ember.tensor(x.astype(np.float64))),
                 torch.sigmoid(torch.tensor(x.astype(np.float64))), rtol=1e-14, atol=0)


def test_erf_family_accuracy_float64():
    x = np.concatenate([np.linspace(-8, 8, 2001), [0.0, 1e-300, -1e-10, np.inf, -np.inf]])
    assert_close(ember.erf(ember.tensor(x)), torch.erf(torch.tensor(x)), rtol=1e-14, atol=0)
    assert_close(ember.erfc(ember.tensor(x)), torch.erfc(torch.tensor(x)), rtol=1e-13, atol=0)
    y = np.concatenate([np.linspace(-0.999, 0.999, 2001), [1.0, -1.0, 1.5, 1 - 1e-12]])
    assert_close(ember.erfinv(ember.tensor(y)), torch.erfinv(torch.tensor(y)), rtol=1e-12,
                 atol=1e-15)


def test_round_half_even_and_decimals():
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1.2345], np.float32)
    assert_close(ember.round(ember.tensor(x)), torch.round(torch.tensor(x)))
    assert_close(ember.round(ember.tensor(x), decimals=2), torch.round(torch.tensor(x),
                                                                       decimals=2))


def test_remainder_python_sign_and_fmod_c_sign():
    a = np.array([-7, -3, 3, 7], np.int64)
    b = np.array([2, -2, -2, 3], np.int64)
    for name in ("remainder", "fmod", "floor_divide"):
        check(getattr(ember, name), getattr(torch, name), a, b, grad=False)
    check(lambda x: x % 3, lambda x: x % 3, a, grad=False)
    check(lambda x: 7 % x, lambda x: 7 % x, b, grad=False)
    check(lambda x: 7 // x, lambda x: 7 // x, b, grad=False)
    check(lambda x: ember.div(x, 2, rounding_mode="trunc"),
          lambda x: torch.div(x, 2, rounding_mode="trunc"), a, grad=False)
    f = np.array([-7.5, 3.25, 0.0], np.float32)
    check(lambda x: x % -2, lambda x: x % -2, f, grad=False)
    check(lambda x: x // 0.0, lambda x: x // 0.0, f, grad=False)
    check(lambda x: x % 0.0, lambda x: x % 0.0, f, grad=False)


def test_clamp_dtype_promotion():
    i = np.array([1, 2, 3])
    check(lambda x: x.clamp(1.5), lambda x: x.clamp(1.5), i, grad=False)
    check(lambda x: x.clamp(2), lambda x: x.clamp(2), i, grad=False)
    check(lambda x: x.clamp(max=np.float32(2.5)), lambda x: x.clamp(max=np.float32(2.5)),
          i, grad=False)


# --- in-place variants ------------------------------------------------------------------------
INPLACE = ["abs_", "sqrt_", "sigmoid_", "tanh_", "relu_", "floor_", "ceil_", "trunc_", "frac_",
           "exp_", "log_", "log1p_", "expm1_", "rsqrt_", "square_", "reciprocal_", "sin_",
           "cos_", "erf_", "sign_", "round_", "neg_"]


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_unary(name):
    a = np.random.default_rng(0).uniform(0.2, 2.0, (3, 4)).astype(np.float32)

    def run(mod):
        def f(x):
            y = x * 1  # a non-leaf, so autograd records the in-place op
            r = getattr(y, name)()
            assert r is y
            return y * 2
        return f
    check(run(ember), run(torch), a)


@pytest.mark.parametrize("call", [
    lambda y, o: y.clamp_(-0.5, 0.5), lambda y, o: y.clip_(max=0.1),
    lambda y, o: y.clamp_min_(0.2), lambda y, o: y.clamp_max_(0.2), lambda y, o: y.atan2_(o),
    lambda y, o: y.hypot_(o), lambda y, o: y.lerp_(o, 0.25), lambda y, o: y.lerp_(o, 0.75),
    lambda y, o: y.addcmul_(o, o, value=2), lambda y, o: y.addcdiv_(o, o + 3),
    lambda y, o: y.remainder_(0.7), lambda y, o: y.fmod_(0.7), lambda y, o: y.nan_to_num_(),
    lambda y, o: y.xlogy_(o), lambda y, o: y.maximum(o).add_(1), lambda y, o: y.div_(o),
], ids=["clamp_", "clip_", "clamp_min_", "clamp_max_", "atan2_", "hypot_", "lerp_", "lerp_hi",
        "addcmul_", "addcdiv_", "remainder_", "fmod_", "nan_to_num_", "xlogy_", "after_max",
        "div_"])
def test_inplace_other(call):
    a = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)

    def f(x):
        y = x * 1  # a non-leaf: the in-place op is recorded
        o = x.detach().abs() + 0.5
        r = call(y, o)
        return y if r is y else r
    check(f, f, a)


def test_inplace_dunders_int():
    for op in ("__ifloordiv__", "__imod__"):
        e = ember.tensor([7, -7, 5])
        t = torch.tensor([7, -7, 5])
        re, rt = getattr(e, op)(3), getattr(t, op)(3)
        assert re is e
        assert_close(e, t)
        assert_close(re, rt)
    assert_close(abs(ember.tensor([-1.5])), abs(torch.tensor([-1.5])))


def test_inplace_leaf_and_dtype_errors():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.sqrt_()
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        ember.tensor([4, 9]).sqrt_()


def test_inplace_saved_tensor_modified_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y.sqrt()  # saves its output
    z.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


# --- errors -----------------------------------------------------------------------------------
def test_errors_match_torch():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.tensor([1]) // ember.tensor([0])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.remainder(ember.tensor([1]), 0)
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        ember.clamp(ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match="frac_cpu"):
        ember.frac(ember.tensor([1]))
    with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
        ember.addcdiv(ember.tensor([1]), ember.tensor([1]), ember.tensor([1]))
    with pytest.raises(RuntimeError, match="rounding_mode"):
        ember.div(ember.tensor([1.0]), 2, rounding_mode="round")
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 0"):
        ember.maximum(ember.tensor([1.0, 2, 3]), ember.tensor([1.0, 2, 3, 4]))
    with pytest.raises(RuntimeError, match="expected dtype float32 for `end`"):
        ember.lerp(ember.tensor([1.0]), ember.tensor([1.0], dtype=ember.float64), 0.5)
    x = ember.tensor([5.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide"):
        (x // 2).sum().backward()


def test_method_and_function_forms_agree():
    x = ember.tensor([[0.5, 1.5], [2.5, 3.5]])
    for name in ("sqrt", "exp", "log", "sigmoid", "tanh", "abs", "erf", "floor", "frac"):
        np.testing.assert_array_equal(getattr(x, name)().numpy(),
                                      getattr(ember, name)(x).numpy())


def test_integer_inputs_give_default_float():
    x = ember.tensor([1, 4])
    for name in ("sqrt", "exp", "log", "sigmoid", "erf", "reciprocal", "sin"):
        assert getattr(ember, name)(x).dtype == ember.float32
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.sqrt(x).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    for name in ("abs", "sign", "floor", "square", "relu"):
        assert getattr(ember, name)(x).dtype == ember.int64
    assert ember.square(ember.tensor([True])).dtype == ember.int64  # as torch


# --- hypothesis: broadcasting pairs -----------------------------------------------------------
_finite = st.floats(-10, 10, width=32)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), name=st.sampled_from(["maximum", "minimum", "atan2", "hypot",
                                             "logaddexp", "remainder", "fmin"]))
def test_broadcasting_pairs_hypothesis(data, name):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4))
    a = data.draw(hnp.arrays(np.float32, shapes.input_shapes[0], elements=_finite))
    b = data.draw(hnp.arrays(np.float32, shapes.input_shapes[1],
                             elements=st.floats(0.5, 10, width=32)))
    e, t = check(getattr(ember, name), getattr(torch, name), a, b, grad=False, rtol=1e-5,
                 atol=1e-5)
    assert tuple(e.shape) == shapes.result_shape


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_grad_has_input_shape_hypothesis(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    a = ember.tensor(data.draw(hnp.arrays(np.float32, shapes.input_shapes[0], elements=_finite)),
                     requires_grad=True)
    b = ember.tensor(data.draw(hnp.arrays(np.float32, shapes.input_shapes[1], elements=_finite)),
                     requires_grad=True)
    (ember.maximum(a, b) * ember.atan2(a, b + 20)).sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape

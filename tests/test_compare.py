"""Comparisons, logical and bitwise ops against torch; hypothesis broadcasting pairs for the
binary ops (shapes, dtypes and values as torch)."""
import operator

import numpy as np
import pytest
import torch
from helpers import TORCH_DTYPES, assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

import ember

CMP = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
       "not_equal"]
OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
       ">": operator.gt, ">=": operator.ge}


def _vals(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(-2, 3, size=shape)
    if dtype == "bool":
        return a > 0
    return a.astype(dtype)


@pytest.mark.parametrize("name", CMP)
@pytest.mark.parametrize("dts", [("float32", "float32"), ("int64", "float32"),
                                 ("int32", "int64"), ("bool", "int64"), ("float64", "float16")])
def test_comparison_functions(name, dts):
    a, b = _vals((3, 4), dts[0], 1), _vals((4,), dts[1], 2)
    e = getattr(ember, name)(ember.tensor(a), ember.tensor(b))
    t = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    assert_close(e, t)
    e = getattr(ember.tensor(a), name)(ember.tensor(b))
    assert_close(e, t)


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("scalar", [0, 1.5, True, -1])
def test_comparison_operators_with_scalars(op, scalar):
    a = _vals((5,), "float32")
    for dt in ("float32", "int64", "bool"):
        ea, ta = ember.tensor(a.astype(dt)), torch.tensor(a.astype(dt))
        assert_close(OPS[op](ea, scalar), OPS[op](ta, scalar))
        assert_close(OPS[op](scalar, ea), OPS[op](scalar, ta))


def test_comparisons_are_not_differentiable():
    x = ember.ones(3, requires_grad=True)
    for r in (x > 0, x == x, ember.eq(x, 1), x.isnan(), ember.logical_and(x, x)):
        assert r.dtype is ember.bool and not r.requires_grad and r.grad_fn is None


def test_eq_with_none_and_other_objects():
    x = ember.ones(2)
    assert (x == None) is False  # noqa: E711  (torch returns False too)
    assert (x != None) is True  # noqa: E711
    assert (torch.ones(2) == None) is False  # noqa: E711


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_binary(name):
    a, b = _vals((2, 3), "float32", 3), _vals((3,), "int64", 4)
    assert_close(getattr(ember, name)(ember.tensor(a), ember.tensor(b)),
                 getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
    assert_close(getattr(ember.tensor(a), name)(ember.tensor(b)),
                 getattr(torch.tensor(a), name)(torch.tensor(b)))


def test_logical_not_and_bitwise():
    a = _vals((6,), "int64")
    b = _vals((6,), "int64", 5)
    assert_close(ember.logical_not(ember.tensor(a)), torch.logical_not(torch.tensor(a)))
    for dt in ("int64", "int32", "uint8", "bool"):
        ea, eb = ember.tensor(np.abs(a).astype(dt)), ember.tensor(np.abs(b).astype(dt))
        ta, tb = torch.tensor(np.abs(a).astype(dt)), torch.tensor(np.abs(b).astype(dt))
        for op in (operator.and_, operator.or_, operator.xor):
            assert_close(op(ea, eb), op(ta, tb))
            assert_close(op(ea, 1 if dt != "bool" else True), op(ta, 1 if dt != "bool" else True))
        assert_close(~ea, ~ta)
        assert_close(ember.bitwise_not(ea), torch.bitwise_not(ta))


def test_inplace_logical_ops():
    for m in (ember, torch):
        x = m.tensor([True, False, True])
        x &= m.tensor([True, True, False])
        x |= m.tensor([False, True, False])
        x ^= m.tensor([True, False, False])
        assert x.tolist() == [False, True, False]


def test_special_values():
    a = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], np.float32)
    for name in ("isnan", "isinf", "isfinite"):
        assert_close(getattr(ember, name)(ember.tensor(a)), getattr(torch, name)(torch.tensor(a)))
        assert_close(getattr(ember.tensor(a), name)(), getattr(torch.tensor(a), name)())
    ia = np.array([1, 2], np.int64)
    for name in ("isnan", "isinf", "isfinite"):
        assert_close(getattr(ember, name)(ember.tensor(ia)), getattr(torch, name)(torch.tensor(ia)))


def test_equal_isclose_allclose():
    a = np.array([1.0, 2.0, np.nan], np.float32)
    b = a + np.float32(1e-6)
    for m in (ember, torch):
        x = m.tensor(a)
        assert m.equal(m.ones(2), m.ones(2)) and not m.equal(m.ones(2), m.ones(3))
        assert not m.equal(x, x)  # nan != nan
    assert_close(ember.isclose(ember.tensor(a), ember.tensor(b)),
                 torch.isclose(torch.tensor(a), torch.tensor(b)))
    assert_close(ember.isclose(ember.tensor(a), ember.tensor(b), equal_nan=True),
                 torch.isclose(torch.tensor(a), torch.tensor(b), equal_nan=True))
    assert ember.allclose(ember.tensor(a[:2]), ember.tensor(b[:2])) == \
        torch.allclose(torch.tensor(a[:2]), torch.tensor(b[:2]))
    assert not ember.allclose(ember.ones(2), ember.ones(2) * 1.1)


# --- hypothesis: broadcasting pairs ---------------------------------------------------------
@st.composite
def broadcastable_pair(draw):
    ndim = draw(st.integers(0, 4))
    base = draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))
    shapes = []
    for _ in range(2):
        drop = draw(st.integers(0, ndim))
        s = [1 if draw(st.booleans()) else n for n in base[drop:]]
        shapes.append(tuple(s))
    return shapes


BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
          "truediv": operator.truediv, "lt": operator.lt, "eq": operator.eq,
          "ge": operator.ge}
DTYPES = ["float32", "float64", "int64", "int32", "bool"]


@settings(max_examples=60, deadline=None)
@given(broadcastable_pair(), st.sampled_from(list(BINARY)), st.sampled_from(DTYPES),
       st.sampled_from(DTYPES))
def test_binary_broadcasting_matches_torch(shapes, op, da, db):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(shapes[0]) * 3).astype(da)
    b = (rng.standard_normal(shapes[1]) * 3 + 0.5).astype(db)
    if op == "sub" and "bool" in (da, db):
        return  # see test_sub_with_a_bool_tensor_raises
    if op == "truediv" and db != "bool":
        b = np.where(b == 0, 1, b).astype(db)
    fn = BINARY[op]
    errs = []
    res = []
    for m in (ember, torch):
        try:
            res.append(fn(m.tensor(a), m.tensor(b)))
        except Exception as exc:  # e.g. bool - bool, bool / bool
            errs.append(type(exc))
    if errs:
        assert len(errs) == 2, (errs, res)
        return
    e, t = res
    assert TORCH_DTYPES[e.dtype] == t.dtype
    assert_close(e, t, rtol=1e-6, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(broadcastable_pair(), st.sampled_from(["add", "sub", "mul", "truediv"]))
def test_binary_broadcasting_grads_match_torch(shapes, op):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shapes[0]).astype(np.float32)
    b = (rng.standard_normal(shapes[1]) + 3).astype(np.float32)
    grads = []
    for m in (ember, torch):
        x = m.tensor(a, requires_grad=True)
        y = m.tensor(b, requires_grad=True)
        out = BINARY[op](x, y)
        w = m.tensor(np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
        (out * w).sum().backward()
        grads.append((x.grad, y.grad))
        assert tuple(x.grad.shape) == shapes[0] and tuple(y.grad.shape) == shapes[1]
    assert_close(grads[0], grads[1], rtol=1e-5, atol=1e-5)


def test_sub_with_a_bool_tensor_raises():
    for m in (ember, torch):
        with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
            m.tensor(1.0) - m.tensor(True)

"""Creation functions against torch: values, dtype, shape, memory sharing and errors."""
import numpy as np
import pytest
import torch
from helpers import TORCH_DTYPES, assert_close

import ember


def _both(expr):
    """Evaluate ``expr`` with m=ember and m=torch."""
    return eval(expr, {"m": ember, "np": np}), eval(expr, {"m": torch, "np": np})


DATA_CASES = [
    "m.tensor([1.0, 2.0])", "m.tensor([1, 2])", "m.tensor([True, False])", "m.tensor(3.5)",
    "m.tensor(3)", "m.tensor([[1, 2], [3, 4]], dtype=m.float32)", "m.tensor([1, 2.5])",
    "m.tensor([])", "m.tensor([[]])", "m.tensor([[], []])", "m.tensor(())",
    "m.tensor([], dtype=m.int64)", "m.tensor(np.float32(2.0))", "m.tensor(np.array(2.0))",
    "m.tensor([np.float64(1.0)])", "m.tensor([np.int32(1), 2])", "m.tensor([1, np.float16(2.0)])",
    "m.tensor([True, np.int8(3)])", "m.tensor([m.tensor(1.0), m.tensor(2.0)])",
    "m.tensor([m.tensor(1, dtype=m.int32)])", "m.tensor([m.tensor(1.0, dtype=m.float64), 2])",
    "m.tensor([m.tensor(1, dtype=m.int32), 2.5])", "m.tensor([np.ones(2), np.zeros(2)])",
    "m.tensor([1 + 2j])", "m.tensor(np.arange(6).reshape(2, 3))",
    "m.tensor([[1, 2]], dtype=m.uint8)", "m.as_tensor([1, 2], dtype=m.float32)",
    "m.as_tensor(np.ones(3, np.float64))", "m.asarray([1.5, 2])",
]


@pytest.mark.parametrize("expr", DATA_CASES)
def test_tensor_from_data(expr):
    e, t = _both(expr)
    assert_close(e, t, rtol=0, atol=0) if t.dtype != torch.complex64 else None
    assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
    assert not e.requires_grad


SHAPE_CASES = [
    "m.zeros(2, 3)", "m.zeros((2, 3))", "m.zeros([2, 3])", "m.zeros(m.Size([2, 3]))",
    "m.zeros(())", "m.zeros(0)", "m.ones(2, dtype=m.int32)", "m.ones(3, dtype=m.bool)",
    "m.ones((2, 0))", "m.full((2, 2), 1.5)", "m.full((2,), 2)", "m.full((2,), True)",
    "m.full((2,), 2, dtype=m.float32)", "m.full((), 3)", "m.full((2,), 1.5, dtype=m.int64)",
    "m.zeros(2, dtype=m.float16)", "m.empty(2, 3).shape", "m.empty(0).shape",
    "m.arange(5)", "m.arange(1, 2.5, 0.5)", "m.arange(0, 1, 0.1)", "m.arange(5, dtype=m.float32)",
    "m.arange(10, 0, -3)", "m.arange(-1.5, 2.5, 0.7, dtype=m.float32)",
    "m.arange(1, 4, dtype=m.float64)", "m.arange(0.0, 3)", "m.arange(0, 10, 3.5)",
    "m.arange(5, dtype=m.int32)", "m.arange(m.tensor(4))", "m.arange(0)",
    "m.linspace(0, 1, 5)", "m.linspace(-1, 1, 7)", "m.linspace(3.3, -7.1, 13)",
    "m.linspace(0, 1, 100)", "m.linspace(0, 10, 1)", "m.linspace(0, 10, 0)",
    "m.linspace(0, 10, 4, dtype=m.int64)", "m.linspace(0, 1, 3, dtype=m.float64)",
    "m.logspace(0, 2, 3)", "m.eye(3)", "m.eye(2, 3, dtype=m.int64)", "m.eye(0)",
    "m.zeros_like(m.ones(2, dtype=m.int32))", "m.ones_like(m.ones(2), dtype=m.float64)",
    "m.full_like(m.ones(2), 7)", "m.full_like(m.ones(2, dtype=m.int64), 2.7)",
    "m.empty_like(m.ones(2, 3)).shape", "m.zeros_like(m.ones(2, 3).t())",
    "m.scalar_tensor(2)",
]


@pytest.mark.parametrize("expr", SHAPE_CASES)
def test_creation_by_shape(expr):
    e, t = _both(expr)
    if isinstance(t, torch.Size):
        assert tuple(e) == tuple(t)
        return
    assert_close(e, t, rtol=1e-6, atol=1e-6)


def test_requires_grad_flag():
    for fn in (ember.zeros, ember.ones, ember.empty, ember.rand, ember.randn):
        x = fn(2, requires_grad=True)
        assert x.requires_grad and x.is_leaf and x.grad_fn is None
    assert ember.tensor([1.0], requires_grad=True).requires_grad
    assert ember.full((2,), 1.0, requires_grad=True).requires_grad
    assert ember.arange(3.0, requires_grad=True).requires_grad


def test_from_numpy_shares_memory_and_keeps_dtype():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = ember.from_numpy(a)
    assert t.dtype is ember.float64
    a[0, 0] = 42
    assert t[0, 0].item() == 42
    t.add_(1)
    assert a[0, 0] == 43
    assert np.shares_memory(t.numpy(), a)
    b = np.ones(3, np.float32)
    assert np.shares_memory(ember.as_tensor(b).numpy(), b)
    assert not np.shares_memory(ember.tensor(b).numpy(), b)
    with pytest.raises(TypeError):
        ember.from_numpy([1, 2])


def test_from_numpy_non_contiguous():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    e, t = ember.from_numpy(a), torch.from_numpy(a)
    assert_close(e, t)


def test_tensor_copies_tensor_and_drops_history():
    x = ember.ones(2, requires_grad=True)
    y = ember.tensor(x * 2)
    assert not y.requires_grad and y.grad_fn is None
    y.add_(1)
    assert x.tolist() == [1.0, 1.0]


def test_new_methods():
    for dt in (ember.float32, ember.float64, ember.int32):
        base_e = ember.ones(2, dtype=dt)
        base_t = torch.ones(2, dtype=TORCH_DTYPES[dt])
        for expr in ("b.new_zeros(2, 3)", "b.new_zeros((2,))", "b.new_ones((2, 3))",
                     "b.new_full((2,), 3)", "b.new_tensor([1, 2])", "b.new_empty(3).shape",
                     "b.new_tensor([1.5])", "b.new_ones(2, dtype=m.float64)"):
            e = eval(expr, {"b": base_e, "m": ember})
            t = eval(expr, {"b": base_t, "m": torch})
            if isinstance(t, torch.Size):
                assert tuple(e) == tuple(t)
            else:
                assert_close(e, t)
    assert ember.ones(2).new_zeros(2, requires_grad=True).requires_grad


def test_default_dtype_is_used_by_factories():
    try:
        ember.set_default_dtype(ember.float64)
        for x in (ember.zeros(1), ember.ones(1), ember.empty(1), ember.full((1,), 1.5),
                  ember.arange(0.0, 1.0), ember.linspace(0, 1, 2), ember.eye(1),
                  ember.tensor([1.0]), ember.randn(1), ember.rand(1)):
            assert x.dtype is ember.float64, x
    finally:
        ember.set_default_dtype(ember.float32)


ERROR_CASES = [
    "m.tensor([[1, 2], [3]])", "m.tensor([[1, 2], 3])", "m.tensor([1, 'a'])", "m.tensor(None)",
    "m.tensor({1: 2})", "m.tensor([m.ones(2), m.ones(2)])", "m.zeros(-1)", "m.ones(2, -1)",
    "m.empty(-1)", "m.full((-2,), 1.0)", "m.arange(0, 5, -1)", "m.arange(0, 5, 0)",
    "m.linspace(0, 1, -1)", "m.eye(-1)", "m.zeros(2, dtype=m.int64, requires_grad=True)",
]


@pytest.mark.parametrize("expr", ERROR_CASES)
def test_creation_errors_match_torch(expr):
    errs = []
    for mod in (ember, torch):
        with pytest.raises(Exception) as info:
            eval(expr, {"m": mod, "np": np})
        errs.append(info.value)
    assert type(errs[0]) is type(errs[1]), errs
    assert str(errs[0]) == str(errs[1])

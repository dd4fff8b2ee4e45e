"""repr(tensor) matches PyTorch's exactly (after 'torch.' -> 'ember.')."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import ember

R = np.random.default_rng(0)
CASES = {
    "float": np.array([1.5, -2.25, 3.125], np.float32),
    "int_valued_float": np.array([1.0, 2.0, -3.0], np.float32),
    "float_zero_nan_inf": np.array([0.0, np.nan, np.inf, -np.inf, 1.0], np.float32),
    "all_zero": np.zeros(3, np.float32),
    "only_nan": np.array([np.nan], np.float32),
    "ints": np.array([1, -20, 300], np.int64),
    "int32": np.array([[1, 2], [3, 4]], np.int32),
    "uint8": np.array([1, 255], np.uint8),
    "bool": np.array([True, False, True]),
    "bool_all_true": np.array([[True, True]]),
    "large": np.array([1e9, 2.0], np.float32),
    "large_ints_float": np.array([1.0, 1e4], np.float32),
    "ratio_1000": np.array([1.0, 1000.0], np.float32),
    "small": np.array([1e-5, 0.5], np.float32),
    "small_only": np.array([1.2345e-7], np.float32),
    "negative": np.array([-1.0, -0.5, 0.25], np.float32),
    "float64": np.array([0.1, 0.2], np.float64),
    "float16": np.array([0.1, 2.0], np.float16),
    "scalar_float": np.array(3.5, np.float32),
    "scalar_int": np.array(7, np.int64),
    "scalar_int32": np.array(7, np.int32),
    "scalar_bool": np.array(True),
    "scalar_sci": np.array(1e-9, np.float32),
    "2d": R.standard_normal((3, 4)).astype(np.float32),
    "3d": R.standard_normal((2, 3, 4)).astype(np.float32),
    "4d": R.standard_normal((2, 1, 2, 2)).astype(np.float32),
    "wrap": R.standard_normal(30).astype(np.float32),
    "wrap_2d": R.standard_normal((2, 20)).astype(np.float32),
    "wrap_ints": np.arange(100, dtype=np.int64),
    "summarize_1d": np.arange(2000, dtype=np.float32) / 7,
    "summarize_2d": R.standard_normal((50, 40)).astype(np.float32),
    "summarize_3d": np.arange(3000, dtype=np.int64).reshape(10, 15, 20),
    "summarize_short_rows": R.standard_normal((1001, 1)).astype(np.float32),
    "mixed_magnitudes": np.array([[1e-3, 123.4], [5.0, -6.5]], np.float32),
    "complex": np.array([1 + 2j, -0.5 - 1j], np.complex64),
    "complex128": np.array([1 + 2j], np.complex128),
    "empty": np.zeros(0, np.float32),
    "empty_2d": np.zeros((2, 0), np.float32),
    "empty_int": np.zeros(0, np.int64),
    "empty_bool_3d": np.zeros((0, 2, 3), bool),
    "empty_f64": np.zeros(0, np.float64),
}


def _pair(a):
    return ember.tensor(a), torch.tensor(a)


def _same(e, t):
    assert repr(e) == repr(t).replace("torch.", "ember.")


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    _same(*_pair(CASES[name]))


def test_requires_grad_and_grad_fn():
    a = np.array([[1.0, 2.0]], np.float32)
    e = ember.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    _same(e, t)
    _same(e * 2, t * 2)
    _same(e + 1, t + 1)
    _same(e.sum(), t.sum())
    _same(e.exp(), t.exp())
    _same(e.to(ember.float64), t.to(torch.float64))
    assert repr(e * 2).endswith("grad_fn=<MulBackward0>)")


def test_suffix_wraps_to_new_line():
    a = R.standard_normal((2, 8)).astype(np.float64)
    e = ember.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    _same(e, t)
    _same(e * 2, t * 2)


def test_default_dtype_float64_changes_suffixes():
    a = np.array([1.5, 2.5], np.float32)
    try:
        ember.set_default_dtype(ember.float64)
        torch.set_default_dtype(torch.float64)
        _same(*_pair(a))
        _same(*_pair(a.astype(np.float64)))
        _same(*_pair(np.zeros(0, np.float64)))
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("opts", [dict(precision=2), dict(sci_mode=True), dict(sci_mode=False),
                                  dict(threshold=5, edgeitems=1), dict(linewidth=40),
                                  dict(profile="short")])
def test_printoptions(opts):
    a = (R.standard_normal((4, 6)) * 1000).astype(np.float32)
    try:
        ember.set_printoptions(**opts)
        torch.set_printoptions(**opts)
        _same(*_pair(a))
        _same(*_pair(np.array([1e-6, 1.0], np.float32)))
    finally:
        ember.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_str_and_format():
    e, t = _pair(np.array([1.0, 2.0], np.float32))
    assert str(e) == str(t)
    assert f"{ember.tensor(3.14159):.2f}" == f"{torch.tensor(3.14159):.2f}" == "3.14"
    assert format(e) == format(t)
    with pytest.raises(TypeError):
        format(e, ">10")


def test_size_and_dtype_repr():
    assert repr(ember.ones(2, 3).shape) == "ember.Size([2, 3])"
    assert repr(ember.Size([])) == "ember.Size([])"
    assert repr(ember.float16) == "ember.float16"


@st.composite
def _arrays(draw):
    shape = tuple(draw(st.lists(st.sampled_from([0, 1, 2, 3, 5, 8, 40]), min_size=0,
                                max_size=3)))
    dtype = draw(st.sampled_from(["float32", "float64", "int64", "int32", "bool", "float16"]))
    scale = draw(st.sampled_from([1e-6, 1e-3, 1.0, 7.0, 1e3, 1e5, 1e9]))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * scale
    if draw(st.booleans()):
        a = np.round(a)
    if dtype in ("int64", "int32"):
        a = np.clip(a, -1e6, 1e6)
    return a.astype(dtype) if dtype != "bool" else a > 0


@settings(max_examples=150, deadline=None)
@given(_arrays(), st.booleans())
def test_repr_matches_torch_random(a, requires_grad):
    rg = requires_grad and a.dtype.kind == "f"
    e, t = ember.tensor(a, requires_grad=rg), torch.tensor(a, requires_grad=rg)
    _same(e, t)

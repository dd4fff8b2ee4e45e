"""dtypes: names, aliases, default dtype, and PyTorch's promotion rules (torch is the oracle)."""
import itertools

import numpy as np
import pytest
import torch
from helpers import TORCH_DTYPES

import ember

DTYPES = [ember.float16, ember.float32, ember.float64, ember.int8, ember.int16, ember.int32,
          ember.int64, ember.uint8, ember.bool]
SCALARS = [True, 2, 2.5, 1 + 2j]


def _ember_and_torch(dt, zero_dim=False):
    shape = () if zero_dim else (2,)
    e = ember.ones(shape, dtype=dt)
    t = torch.ones(shape, dtype=TORCH_DTYPES[dt])
    return e, t


def _torch_name(td):
    return str(td).replace("torch.", "")


def test_names_and_aliases():
    pairs = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
             "int": "int32", "short": "int16"}
    for alias, name in pairs.items():
        assert getattr(ember, alias) is getattr(ember, name)
        assert getattr(torch, alias) is getattr(torch, name)
    for dt in DTYPES:
        assert repr(dt) == repr(TORCH_DTYPES[dt]).replace("torch", "ember")
        assert dt.is_floating_point == TORCH_DTYPES[dt].is_floating_point
        assert dt.is_signed == TORCH_DTYPES[dt].is_signed
        assert dt.itemsize == TORCH_DTYPES[dt].itemsize


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_promote_types_all_pairs(a, b):
    assert _torch_name(torch.promote_types(TORCH_DTYPES[a], TORCH_DTYPES[b])) == \
        ember.promote_types(a, b).name


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
@pytest.mark.parametrize("zd", [(False, False), (False, True), (True, True)])
def test_result_type_tensor_pairs(a, b, zd):
    ea, ta = _ember_and_torch(a, zd[0])
    eb, tb = _ember_and_torch(b, zd[1])
    assert ember.result_type(ea, eb).name == _torch_name(torch.result_type(ta, tb))


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("s", SCALARS, ids=repr)
@pytest.mark.parametrize("zero_dim", [False, True])
def test_result_type_tensor_scalar(a, s, zero_dim):
    e, t = _ember_and_torch(a, zero_dim)
    expected = _torch_name(torch.result_type(t, s))
    if expected == "complex32":
        pytest.skip("ember has no complex32 (NumPy lacks it)")
    assert ember.result_type(e, s).name == expected


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_binary_op_result_dtypes(a, b):
    ea, ta = _ember_and_torch(a)
    eb, tb = _ember_and_torch(b)
    assert (ea * eb).dtype.name == _torch_name((ta * tb).dtype)
    assert (ea / eb).dtype.name == _torch_name((ta / tb).dtype)
    assert (ea == eb).dtype is ember.bool
    if not (a is ember.bool and b is ember.bool):
        assert (ea + eb).dtype.name == _torch_name((ta + tb).dtype)


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("s", [True, 2, 2.5])
def test_binary_op_scalar_dtypes(a, s):
    e, t = _ember_and_torch(a)
    assert (e * s).dtype.name == _torch_name((t * s).dtype)
    assert (s * e).dtype.name == _torch_name((s * t).dtype)
    assert (e / s).dtype.name == _torch_name((t / s).dtype)
    assert (e < s).dtype is ember.bool


def test_headline_rules():
    assert ember.tensor([1.0]).dtype is ember.float32
    assert (ember.tensor([1, 2]) * 1.5).dtype is ember.float32
    assert (ember.tensor([1, 2]) / ember.tensor([2, 2])).dtype is ember.float32
    assert (ember.tensor([1, 2]) > 1).dtype is ember.bool
    assert ember.from_numpy(np.zeros(2)).dtype is ember.float64
    assert (ember.tensor([1.0]) * np.float64(2.0)).dtype is ember.float32


def test_numpy_scalars_are_weak_like_python_scalars():
    for s in (np.float64(2.5), np.int64(3), np.float32(1.5)):
        e = ember.ones(2, dtype=ember.int32) * s
        t = torch.ones(2, dtype=torch.int32) * s
        assert e.dtype.name == _torch_name(t.dtype)


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor([1.0]).dtype is ember.float64
        assert ember.zeros(2).dtype is ember.float64
        assert ember.rand(2).dtype is ember.float64
        assert (ember.tensor([1, 2]) * 1.5).dtype is ember.float64
        assert ember.tensor([1 + 1j]).dtype is ember.complex128
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.tensor([1.0]).dtype is ember.float32
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


def test_to_dtype_accepts_python_types_and_strings():
    x = ember.tensor([1.5, 2.5])
    assert x.to(int).dtype is ember.int64
    assert x.to(float).dtype is ember.float64  # as torch: a Python float is a double
    assert x.to(complex).dtype is ember.complex128
    assert x.to(bool).dtype is ember.bool
    assert x.to(ember.float64).dtype is ember.float64
    assert x.to(np.float64).dtype is ember.float64


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_torch(name):
    e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    assert repr(e) == repr(t)
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(e, attr) == getattr(t, attr), attr
    assert ember.finfo().dtype == "float32"


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8"])
def test_iinfo_matches_torch(name):
    e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert repr(e) == repr(t)
    assert (e.bits, e.min, e.max) == (t.bits, t.min, t.max)


def test_finfo_iinfo_reject_wrong_kinds():
    for fn, dt in ((ember.finfo, ember.int32), (ember.iinfo, ember.float32)):
        tfn = getattr(torch, fn.__name__)
        with pytest.raises(TypeError) as e:
            fn(dt)
        with pytest.raises(TypeError) as t:
            tfn(getattr(torch, dt.name))
        assert str(e.value) == str(t.value)

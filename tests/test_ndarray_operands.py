"""NumPy arrays and scalars as operands of Tensor operators, against PyTorch 2.13.

PyTorch refuses an ndarray on the left of ``+ - * ** // % @`` and in ordering comparisons
(TypeError), accepts it on the right (NumPy's promotion: float32 tensor + float64 array is
float64), and also for ``ndarray / tensor`` and ``==``. NumPy scalars work on either side.
"""
import operator
import warnings

import numpy as np
import pytest
import torch

import ember

_OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
        "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
        "pow": operator.pow, "matmul": operator.matmul, "lt": operator.lt, "le": operator.le,
        "gt": operator.gt, "ge": operator.ge, "eq": operator.eq}

_ARRAYS = {"f32": np.array([1.5, 2.0, 3.0], np.float32), "f64": np.array([1.5, 2.0, 3.0]),
           "0-d": np.array(2.0, np.float32), "int64": np.array([1, 2, 3])}


def _outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch's __array_wrap__ signature
        try:
            r = fn()
        except Exception as e:
            return type(e).__name__, None, None
    return type(r).__name__, str(r.dtype).split(".")[-1], r.tolist()


@pytest.mark.parametrize("side", ["ndarray left", "ndarray right"])
@pytest.mark.parametrize("arr", list(_ARRAYS))
@pytest.mark.parametrize("op", list(_OPS))
def test_ndarray_operand_matches_torch(op, arr, side):
    if op == "matmul" and arr == "0-d":
        pytest.skip("tensor @ 0-d array: NumPy's ValueError in torch, ember's RuntimeError")
    f, a = _OPS[op], _ARRAYS[arr]
    data = [2.0, 4.0, 0.5]

    def run(lib):
        t = lib.tensor(data)
        return _outcome((lambda: f(a, t)) if side == "ndarray left" else (lambda: f(t, a)))

    assert run(ember) == run(torch)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow", "lt", "eq", "floordiv"])
@pytest.mark.parametrize("scalar", [np.float32(2.0), np.float64(2.0), np.int64(2)])
def test_numpy_scalar_on_either_side_matches_torch(op, scalar):
    f = _OPS[op]
    for left in (True, False):
        def make(lib, left=left):
            t = lib.tensor([1.0, 3.0])
            return f(scalar, t) if left else f(t, scalar)

        assert _outcome(lambda: make(ember)) == _outcome(lambda: make(torch))  # noqa: B023


def test_ndarray_left_error_message_is_pythons():
    a = np.ones(3, np.float32)
    for lib in (ember, torch):
        with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \*: "
                                            r"'numpy.ndarray' and 'Tensor'"):
            a * lib.ones(3)


def test_ne_with_ndarray_is_elementwise():
    # PyTorch 2.13 answers ``t != ndarray`` by identity (always True); ember compares
    t = ember.tensor([1.0, 2.0])
    assert (t != np.array([1.0, 3.0], np.float32)).tolist() == [False, True]


def test_numpy_protocols_still_work():
    t = ember.tensor([1.0, 2.0])
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.tolist() == [1.0, 2.0]
    assert np.shares_memory(a, t.numpy())
    s = np.sin(t)  # a ufunc on a tensor returns a tensor, as in PyTorch
    assert isinstance(s, ember.Tensor)
    np.testing.assert_allclose(s.numpy(), np.sin([1.0, 2.0]), rtol=1e-6)
    assert np.concatenate([t, t]).tolist() == [1.0, 2.0, 1.0, 2.0]
    assert np.array(t, dtype=np.float64).dtype == np.float64

"""Arithmetic (``+ - * / ** neg``, function and operator forms, tensor and scalar operands)
in the OpInfo registry: parity with torch over shapes (broadcasting, non-contiguous, empty,
0-d), float64, integer dtypes, and float64 gradcheck/gradgradcheck."""
import numpy as np
import pytest
from _opinfo import OpInfo, ids, run_gradcheck, run_int_dtypes, run_noncontiguous, run_parity

A = OpInfo
ARITH = [
    A("add", lambda m, a, b: m.add(a, b), domains=("real", "real")),
    A("add_alpha", lambda m, a, b: m.add(a, b, alpha=2), domains=("real", "real")),
    A("add_op", lambda m, a, b: a + b, domains=("real", "real")),
    A("sub", lambda m, a, b: m.sub(a, b), domains=("real", "real")),
    A("sub_alpha", lambda m, a, b: m.sub(a, b, alpha=0.5), domains=("real", "real"), ints=False),
    A("sub_op", lambda m, a, b: a - b, domains=("real", "real")),
    A("mul", lambda m, a, b: m.mul(a, b), domains=("real", "real")),
    A("mul_op", lambda m, a, b: a * b, domains=("real", "real")),
    A("div", lambda m, a, b: m.div(a, b), domains=("real", "nonzero")),
    A("div_op", lambda m, a, b: a / b, domains=("real", "nonzero")),
    A("pow", lambda m, a, b: m.pow(a, b), domains=("pos", "small"), ints=False),
    A("pow_op", lambda m, a, b: a ** b, domains=("pos", "small"), ints=False),
    A("neg", lambda m, x: m.neg(x)),
    A("neg_op", lambda m, x: -x),
    A("scalar_radd", lambda m, x: 2.5 + x),
    A("scalar_rsub", lambda m, x: 2.5 - x),
    A("scalar_rmul", lambda m, x: 2.5 * x),
    A("scalar_rdiv", lambda m, x: 2.5 / x, domains=("nonzero",)),
    A("scalar_rpow", lambda m, x: 2.5 ** x),
    A("scalar_pow", lambda m, x: x ** 3),
    A("scalar_pow_frac", lambda m, x: x ** 0.5, domains=("pos",), ints=False),
    A("scalar_pow_neg", lambda m, x: x ** -2, domains=("nonzero",), ints=False),
    A("int_scalar_mul", lambda m, x: x * 3),
    A("chain", lambda m, a, b: (a * b + a) * b - a / (b * b + 1), domains=("real", "real")),
]


@pytest.mark.parametrize("op", ARITH, ids=ids(ARITH))
def test_parity(op):
    run_parity(op)


@pytest.mark.parametrize("op", ARITH, ids=ids(ARITH))
def test_parity_float64(op):
    run_parity(op, np.float64)


@pytest.mark.parametrize("op", ARITH, ids=ids(ARITH))
def test_noncontiguous(op):
    run_noncontiguous(op)


@pytest.mark.parametrize("op", ARITH, ids=ids(ARITH))
def test_int_dtypes(op):
    run_int_dtypes(op)


@pytest.mark.parametrize("op", ARITH, ids=ids(ARITH))
def test_gradcheck(op):
    run_gradcheck(op)

"""gather/scatter/index_*/masked_*/nonzero/take/where against torch; gradcheck; errors."""
import numpy as np
import pytest
import torch
from _opcheck import gradcheck, parity, rand, same_error

import ember


def T(m, v, dtype=None):
    return m.tensor(np.asarray(v)) if dtype is None else m.tensor(np.asarray(v), dtype=dtype)


IDX = np.array([[0, 1, 1, 2], [2, 2, 0, 0]])
I2 = np.array([[0, 1], [2, 3], [1, 0]])
II = np.array([0, 2, 2])
MASK = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])

# (id, f(m, *xs), input shapes); indices are constants (no grads), float inputs get grads
CASES = [
    ("gather0", lambda m, a: a.gather(0, T(m, IDX)), [(3, 4)]),
    ("gather1_small", lambda m, a: m.gather(a, 1, T(m, IDX[:, :2])), [(3, 4)]),
    ("gather_noncontig", lambda m, a: a.t().gather(0, T(m, IDX.T[:3])), [(3, 4)]),
    ("gather_neg_dim", lambda m, a: a.gather(-1, T(m, [[3], [0], [3]])), [(3, 4)]),
    ("scatter_src", lambda m, a, s: a.scatter(1, T(m, I2), s), [(3, 4), (3, 2)]),
    ("scatter_value", lambda m, a: a.scatter(1, T(m, I2), 2.5), [(3, 4)]),
    ("scatter_add", lambda m, a, s: a.scatter_add(1, T(m, [[0, 0], [3, 3], [1, 1]]), s),
     [(3, 4), (3, 2)]),
    ("scatter_add0", lambda m, a, s: m.scatter_add(a, 0, T(m, IDX), s), [(3, 4), (2, 4)]),
    ("index_select", lambda m, a: a.index_select(1, T(m, II)), [(3, 4)]),
    ("index_select0", lambda m, a: m.index_select(a.t(), 0, T(m, [3, 0])), [(3, 4)]),
    ("index_select_0d_index", lambda m, a: a.index_select(0, T(m, 1)), [(3, 4)]),
    ("index_add", lambda m, a, s: a.index_add(1, T(m, II), s, alpha=2), [(3, 4), (3, 3)]),
    ("index_fill", lambda m, a: a.index_fill(1, T(m, II), -1.), [(3, 4)]),
    ("index_fill_t", lambda m, a, v: a.index_fill(0, T(m, [1]), v), [(3, 4), ()]),
    ("index_copy", lambda m, a, s: a.index_copy(1, T(m, [0, 3, 1]), s), [(3, 4), (3, 3)]),
    ("masked_fill", lambda m, a: a.masked_fill(T(m, MASK), 0.5), [(3, 4)]),
    ("masked_fill_t", lambda m, a, v: m.masked_fill(a, T(m, MASK), v), [(3, 4), ()]),
    ("masked_fill_bcast", lambda m, a: a.masked_fill(T(m, MASK[0]), 1.), [(3, 4)]),
    ("masked_select", lambda m, a: a.masked_select(T(m, MASK)), [(3, 4)]),
    ("masked_select_bcast", lambda m, a: m.masked_select(a, T(m, MASK[:, :1])), [(3, 4)]),
    ("masked_scatter", lambda m, a, s: a.masked_scatter(T(m, MASK), s), [(3, 4), (9,)]),
    ("masked_scatter_bcast", lambda m, a, s: a.masked_scatter(T(m, MASK[1]), s),
     [(3, 4), (2, 4)]),
    ("take", lambda m, a: a.take(T(m, [[0, -1], [5, 5]])), [(3, 4)]),
    ("take_noncontig", lambda m, a: m.take(a.t(), T(m, [1, 2, 3])), [(3, 4)]),
    ("take_along_dim", lambda m, a: m.take_along_dim(a, T(m, [[0], [3], [1]]), 1), [(3, 4)]),
    ("take_along_dim_bcast", lambda m, a: m.take_along_dim(a, T(m, [[0], [2]]), 0), [(3, 4)]),
    ("take_along_dim_flat", lambda m, a: a.take_along_dim(T(m, IDX)), [(3, 4)]),
    ("where", lambda m, a, b: m.where(T(m, MASK), a, b), [(3, 4), (4,)]),
    ("where_scalar", lambda m, a: m.where(T(m, MASK), a, 0.), [(3, 4)]),
    ("where_method", lambda m, a, b: a.where(T(m, MASK), b), [(3, 4), (3, 1)]),
]


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_parity(name, f, shapes):
    parity(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, f, shapes):
    gradcheck(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float64])
def test_dtypes(dtype):
    a = (rand(3, 4) > 0).astype(dtype)
    for name, f, shapes in CASES:
        if len(shapes) == 1 and "fill" not in name and "scatter_value" not in name:
            parity(f, a, grad=False)


def test_inplace_variants():
    def f(m, a, s):
        y = a * 1
        y.scatter_(1, T(m, I2), s)
        y.scatter_add_(1, T(m, I2), s * 2)
        y.index_add_(1, T(m, II), y[:, :3].clone())
        y.index_fill_(0, T(m, [2]), 4.)
        y.index_copy_(0, T(m, [0]), a[:1] * s.sum())
        y.masked_fill_(T(m, MASK), 0.25)
        y.masked_scatter_(T(m, ~MASK), s.repeat(2, 1))
        return y

    parity(f, rand(3, 4), rand(3, 2, seed=1))
    gradcheck(f, rand(3, 4), rand(3, 2, seed=1))


def test_masked_fill_int_keeps_dtype():
    parity(lambda m, a: a.masked_fill(T(m, MASK), 2.7), np.arange(12).reshape(3, 4),
           grad=False)


def test_scatter_reduce_forward_only():
    parity(lambda m, a, s: a.scatter(0, T(m, IDX), s, reduce="add"), rand(3, 4), rand(2, 4),
           grad=False)


def test_scatter_multiply_forward_only():
    parity(lambda m, a, s: a.scatter(1, T(m, I2), s, reduce="multiply"), rand(3, 4),
           rand(3, 2), grad=False)
    same_error(lambda m: m.ones(3, 4, requires_grad=True).scatter(
        1, T(m, I2), m.ones(3, 2), reduce="multiply").sum().backward())


def test_nonzero_argwhere():
    for a in [MASK, np.array([0., 2., 0., -1.]), np.array(3.), np.array(0), np.zeros((0, 2))]:
        parity(lambda m, x: x.nonzero(), a, grad=False)
        parity(lambda m, x: m.nonzero(x, as_tuple=True), a, grad=False)
        parity(lambda m, x: m.argwhere(x), a, grad=False)
    parity(lambda m, x: m.where(x), MASK, grad=False)


def test_empty_inputs():
    parity(lambda m, a: a.gather(0, T(m, np.zeros((0, 2), dtype=np.int64))), rand(3, 2))
    parity(lambda m, a: a.index_select(0, T(m, np.zeros(0, dtype=np.int64))), rand(3, 2))
    parity(lambda m, a: a.masked_select(T(m, np.zeros((3, 2), dtype=bool))), rand(3, 2))


ERRORS = [
    lambda m: m.gather(m.zeros(2, 3), 1, T(m, [[5]])),
    lambda m: m.gather(m.zeros(2, 3), 1, T(m, [[-1]])),
    lambda m: m.gather(m.zeros(2, 3), 1, T(m, [1])),
    lambda m: m.gather(m.zeros(2, 3), 1, T(m, [[1], [1], [1]])),
    lambda m: m.scatter(m.zeros(2, 3), 1, T(m, [[5]]), 1.0),
    lambda m: m.index_select(m.zeros(2, 3), 1, T(m, [[1]])),
    lambda m: m.index_select(m.zeros(2, 3), 1, T(m, [1.])),
    lambda m: m.masked_fill(m.zeros(2, 3), m.zeros(2, 3), 1.),
    lambda m: m.masked_fill(m.zeros(2, 3), m.zeros(2, 3).bool(), m.zeros(2)),
    lambda m: m.zeros(2, 3).masked_fill_(m.zeros(4, 2, 3).bool(), 1.),
    lambda m: m.take(m.zeros(2, 3), T(m, [10])),
    lambda m: m.take(m.zeros(2, 3), T(m, [-7])),
    lambda m: m.masked_select(m.zeros(2, 3), m.zeros(2, 3)),
    lambda m: m.masked_scatter(m.zeros(2, 3), m.ones(2, 3).bool(), m.zeros(5)),
    lambda m: m.where(m.zeros(2, 3), m.zeros(2, 3), m.ones(2, 3)),
]


@pytest.mark.parametrize("f", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(f):
    same_error(f)


@pytest.mark.parametrize("f", [
    lambda m: m.index_select(m.zeros(2, 3), 1, T(m, [5])),
    lambda m: m.index_select(m.zeros(2, 3), 1, T(m, [-1])),
    lambda m: m.zeros(2, 3).index_add(1, T(m, [5]), m.ones(2, 1)),
    lambda m: m.zeros(2, 3).index_fill(1, T(m, [5]), 1.),
    lambda m: m.zeros(2, 3).index_copy(1, T(m, [5]), m.ones(2, 1)),
])
def test_index_out_of_range_raises(f):
    same_error(f)

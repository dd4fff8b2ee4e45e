"""``__getitem__``/``__setitem__``, ``index_put``, ``fill_``/``zero_``/``copy_`` against torch."""
import numpy as np
import pytest
import torch
from _opcheck import gradcheck, parity, rand, same_error

import ember


def T(m, v):
    return m.tensor(v)


# index expressions, written once for both frameworks: idx(m) -> index
INDICES = [
    ("int", lambda m: 1),
    ("neg_int", lambda m: -1),
    ("slice", lambda m: slice(1, None)),
    ("slice_step", lambda m: (slice(None), slice(0, 4, 2))),
    ("slice_neg_bounds", lambda m: (slice(-2, None), slice(None, -1))),
    ("int_slice", lambda m: (0, slice(1, 3))),
    ("none", lambda m: (None, 1, None)),
    ("ellipsis", lambda m: (Ellipsis, 1)),
    ("ellipsis_none", lambda m: (None, Ellipsis, None)),
    ("tensor0d", lambda m: T(m, 2)),
    ("empty_tuple", lambda m: ()),
    ("list", lambda m: [0, 2, 0]),
    ("int_tensor", lambda m: T(m, [[0, 1], [2, 2]])),
    ("neg_int_tensor", lambda m: T(m, [-1, 0])),
    ("two_tensors", lambda m: (T(m, [0, 2, 2]), T(m, [1, 0, 1]))),
    ("broadcast_tensors", lambda m: (T(m, [[0], [2]]), T(m, [1, 3]))),
    ("tensor_slice", lambda m: (slice(None), T(m, [3, 0, 3]))),
    ("separated_adv", lambda m: (T(m, [0, 1]), slice(None), T(m, [1, 0]))),
    ("bool_mask_full", lambda m: T(m, np.array([[True, False, True, False, True]] * 3)
                                  .reshape(3, 5)[:, :, None].repeat(2, 2))),
    ("bool_mask_dim0", lambda m: T(m, [True, False, True])),
    ("bool_mask_dim1", lambda m: (slice(None), T(m, [False, True, True, False, True]))),
    ("bool_list", lambda m: [True, False, True]),
    ("python_bool", lambda m: True),
    ("mixed", lambda m: (T(m, [2, 0]), Ellipsis, None, 1)),
    ("empty_index", lambda m: T(m, np.zeros(0, dtype=np.int64))),
    ("uint8_mask", lambda m: T(m, np.array([1, 0, 1], dtype=np.uint8)).bool()),
]


@pytest.mark.parametrize("name,idx", INDICES, ids=[i[0] for i in INDICES])
def test_getitem_parity(name, idx):
    parity(lambda m, x: x[idx(m)] * 1, rand(3, 5, 2))


@pytest.mark.parametrize("name,idx", INDICES, ids=[i[0] for i in INDICES])
def test_getitem_noncontiguous(name, idx):
    parity(lambda m, x: x.permute(2, 1, 0).permute(2, 1, 0)[idx(m)], rand(3, 5, 2))


@pytest.mark.parametrize("name,idx", INDICES, ids=[i[0] for i in INDICES])
def test_setitem_parity(name, idx):
    def f(m, x, v):
        y = x * 1
        y[idx(m)] = v.sum() * 2  # a 0-d value broadcast into the region; grads to both
        return y

    parity(f, rand(3, 5, 2), rand(2, seed=1))


@pytest.mark.parametrize("name,idx", INDICES, ids=[i[0] for i in INDICES])
def test_setitem_shaped_value(name, idx):
    xe = rand(3, 5, 2)
    shape = torch.tensor(xe)[idx(torch)].shape

    def f(m, x, v):
        y = x * 1
        y[idx(m)] = v
        return y * y

    parity(f, xe, rand(*shape, seed=2))


@pytest.mark.parametrize("name,idx", [INDICES[i] for i in (3, 7, 14, 15, 17, 19)],
                         ids=[INDICES[i][0] for i in (3, 7, 14, 15, 17, 19)])
def test_getitem_setitem_gradcheck(name, idx):
    gradcheck(lambda m, x: x[idx(m)], rand(3, 5, 2))

    def f(m, x, v):
        y = x * 1
        y[idx(m)] = v.sum()
        return y

    gradcheck(f, rand(3, 5, 2), rand(2))


def test_repeated_indices_accumulate_grads():
    parity(lambda m, x: x[T(m, [0, 0, 2, 0])] * T(m, [1., 2., 3., 4.]).unsqueeze(1), rand(3, 2))
    parity(lambda m, x: x[[1, 1], [0, 0]], rand(3, 2))


def test_0d_and_empty():
    parity(lambda m, x: x[...] * 1, rand())
    parity(lambda m, x: x[None], rand())
    parity(lambda m, x: x[1:1], rand(3, 2))
    parity(lambda m, x: x[T(m, np.zeros((0, 2), dtype=np.int64))], rand(3, 2))


def test_setitem_no_grad_paths():
    for m in (ember, torch):
        x = m.zeros(3, 4)
        x[0] = 1
        x[:, 1] = m.tensor([5., 6., 7.])
        x[x > 6] = -1
        x[[2, 2], [3, 0]] = m.tensor([8., 9.])
        x[1:, ::2] = m.arange(4).reshape(2, 2)
        if m is ember:
            xe = x.numpy().copy()
        else:
            np.testing.assert_array_equal(xe, x.numpy())


def test_setitem_into_leaf_requires_grad():
    same_error(lambda m: m.ones(3, requires_grad=True).__setitem__(0, 1.))
    same_error(lambda m: m.ones(3, requires_grad=True).__setitem__(m.tensor([0]), 1.))
    for m in (ember, torch):
        w = m.ones(3, requires_grad=True)
        with m.no_grad():
            w[0] = 5.
        assert w.requires_grad and w.is_leaf and w[0].item() == 5.


def test_setitem_grad_to_old_and_value():
    def f(m, x, v):
        y = x.exp() * 1
        y[1:, [0, 2]] = v
        y[0] *= 3
        return y * x

    parity(f, rand(3, 4), rand(2, 2, seed=1))
    gradcheck(f, rand(3, 4), rand(2, 2, seed=1))


def test_setitem_value_dtype_cast():
    def f(m, x, v):
        y = x * 1
        y[0] = v.double()
        return y

    parity(f, rand(2, 3), rand(3, seed=1))


def test_setitem_self_overlap():
    def f(m, x):
        y = x * 1
        y[1:] = y[:-1].clone()
        return y

    parity(f, rand(4, 2))


ERRORS = [
    lambda m: m.zeros(6)[::-1],
    lambda m: m.zeros(6)[::0],
    lambda m: m.zeros(6)[m.tensor([7])],
    lambda m: m.zeros(6)[7],
    lambda m: m.zeros(6)[0, 0],
    lambda m: m.zeros(6)[m.tensor([1.])],
    lambda m: m.zeros(3, 4)[m.tensor([True, False])],
    lambda m: m.zeros(3, 4)[:, m.tensor([True, False])],
    lambda m: m.zeros(3, 4)[1.5],
    lambda m: m.zeros(3, 4).__setitem__([0, 1], m.ones(3)),
    lambda m: m.zeros(3, 4).__setitem__(m.zeros(3, 4) > 3, m.ones(2)),
    lambda m: m.zeros(3, 4).__setitem__(slice(None, None, -1), 1.),
]


@pytest.mark.parametrize("f", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(f):
    same_error(f)


# --- index_put, fill_, zero_, copy_ ---------------------------------------------------------
def test_index_put():
    idx = np.array([0, 2, 0])
    parity(lambda m, x, v: x.index_put((T(m, idx),), v), rand(3, 2), rand(3, 2, seed=1))
    parity(lambda m, x, v: x.index_put((T(m, idx),), v, accumulate=True), rand(3, 2),
           rand(3, 2, seed=1))
    parity(lambda m, x, v: x.index_put([T(m, idx), T(m, [1, 0, 1])], v, True), rand(3, 2),
           rand(3, seed=1))
    gradcheck(lambda m, x, v: x.index_put((T(m, idx),), v, accumulate=True), rand(3, 2),
              rand(3, 2, seed=1))

    def f(m, x, v):
        y = x * 1
        y.index_put_((T(m, idx),), v, accumulate=True)
        return y

    parity(f, rand(3, 2), rand(3, 2, seed=1))


def test_fill_zero():
    def f(m, x, v):
        y = x * 2
        y[0].fill_(v.sum())
        y[1].zero_()
        y[2].fill_(3)
        return y * x

    parity(f, rand(4, 3), rand(2, seed=1))
    gradcheck(f, rand(4, 3), rand(2, seed=1))
    for m in (ember, torch):
        x = m.arange(4)
        x.fill_(2.7)  # cast to the tensor's dtype
        assert x.tolist() == [2] * 4
    same_error(lambda m: m.zeros(3).fill_(m.ones(2)))
    same_error(lambda m: m.zeros(3, requires_grad=True).fill_(1))
    same_error(lambda m: m.zeros(3, requires_grad=True).zero_())


def test_copy():
    def f(m, x, v):
        y = x * 1
        y.copy_(v)  # broadcast; old contents get no grad
        y[0].copy_(v.double()[0])
        return y * x

    parity(f, rand(3, 2), rand(2, seed=1))
    gradcheck(f, rand(3, 2), rand(2, seed=1))

    def g(m, x):
        z = m.zeros(2, 3, dtype=m.float64)
        z.copy_(x)  # grads flow back from a float64 destination into the float32 source
        return z

    parity(g, rand(2, 3))
    for m in (ember, torch):
        y = m.zeros(3, dtype=m.int64)
        y.copy_(m.tensor([1.7, -2.2, 3.9]))
        assert y.tolist() == [1, -2, 3]
    same_error(lambda m: m.zeros(3, 2).copy_(m.zeros(2, 3)))
    same_error(lambda m: m.zeros(2).copy_(m.zeros(3, 2)))
    same_error(lambda m: m.zeros(3, requires_grad=True).copy_(m.ones(3)))


def test_copy_into_leaf_under_no_grad():
    for m in (ember, torch):
        w = m.zeros(3, requires_grad=True)
        with m.no_grad():
            w.copy_(m.ones(3))
        assert w.tolist() == [1, 1, 1] and w.is_leaf

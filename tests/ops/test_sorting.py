"""sort/argsort/topk/kthvalue/unique/searchsorted/bucketize against torch."""
import numpy as np
import pytest
from _opcheck import distinct, gradcheck, parity, same_error

import ember

CASES = [
    ("sort", lambda m, a: m.sort(a), [(3, 5)]),
    ("sort_dim0_desc", lambda m, a: a.sort(0, descending=True), [(3, 5)]),
    ("sort_noncontig", lambda m, a: a.t().sort(), [(3, 5)]),
    ("sort_1d", lambda m, a: a.sort(descending=True), [(6,)]),
    ("sort_0d", lambda m, a: a.sort(), [()]),
    ("sort_empty", lambda m, a: a.sort(1), [(0, 3)]),
    ("argsort", lambda m, a: a.argsort(1, descending=True) * 1, [(3, 5)]),
    ("msort", lambda m, a: m.msort(a), [(3, 5)]),
    ("topk", lambda m, a: a.topk(2), [(3, 5)]),
    ("topk_smallest_dim0", lambda m, a: m.topk(a, 2, 0, largest=False), [(3, 5)]),
    ("topk_all", lambda m, a: a.topk(5, sorted=True), [(5,)]),
    ("topk_0", lambda m, a: a.topk(0), [(2, 3)]),
    ("kthvalue", lambda m, a: a.kthvalue(2), [(3, 5)]),
    ("kthvalue_keepdim", lambda m, a: m.kthvalue(a, 3, 0, True), [(3, 5)]),
]


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_parity(name, f, shapes):
    parity(f, *[distinct(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, f, shapes):
    if any(0 in s for s in shapes) or name == "argsort":
        pytest.skip("nothing to differentiate")
    gradcheck(lambda m, a: f(m, a)[0] if isinstance(f(m, a), tuple) else f(m, a),
              *[distinct(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("descending", [False, True])
def test_stable_with_ties_and_nan(descending):
    a = np.array([[3., 1., np.nan, 2., 1., 3.], [0., 0., 0., -1., np.inf, 0.]], np.float32)
    parity(lambda m, x: m.sort(x, dim=1, descending=descending, stable=True), a, grad=False)
    parity(lambda m, x: m.sort(x, dim=0, descending=descending, stable=True), a, grad=False)
    parity(lambda m, x: m.argsort(x, dim=1, descending=descending, stable=True), a, grad=False)
    ints = np.array([[1, 2, 1, 2, 1], [2, 2, 2, 1, 1]])
    parity(lambda m, x: m.sort(x, dim=1, descending=descending, stable=True), ints, grad=False)
    parity(lambda m, x: m.sort(x, dim=1, descending=descending, stable=True), ints > 1,
           grad=False)


def test_topk_nan_is_largest():
    a = np.array([3., 1., np.nan, 2.], np.float32)
    parity(lambda m, x: m.topk(x, 2), a, grad=False)
    parity(lambda m, x: m.kthvalue(x, 4), a, grad=False)


def test_return_types():
    r = ember.tensor([3., 1.]).sort()
    assert r.values.tolist() == [1., 3.] and r.indices.tolist() == [1, 0]
    v, i = ember.tensor([3., 1.]).topk(1)
    assert (v.item(), i.item()) == (3., 0)
    assert "values=" in repr(r) and "indices=" in repr(r)


def test_unique():
    u = np.array([[1, 2], [1, 2], [0, 3]])
    for kw in [{}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True}]:
        parity(lambda m, x: m.unique(x, **kw), u, grad=False)
        parity(lambda m, x: x.unique(dim=0, **kw), u, grad=False)
        parity(lambda m, x: m.unique(x, dim=1, **kw), u.T.copy(), grad=False)
    parity(lambda m, x: m.unique(x), np.array([2.5, -1., 2.5, 0.], np.float32), grad=False)
    parity(lambda m, x: m.unique(x), np.array([True, False, True]), grad=False)
    parity(lambda m, x: m.unique(x, return_inverse=True), np.array(3), grad=False)


def test_unique_consecutive():
    a = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    parity(lambda m, x: m.unique_consecutive(x, return_inverse=True, return_counts=True), a,
           grad=False)
    b = np.array([[1, 1], [1, 1], [2, 0], [1, 1]])
    parity(lambda m, x: m.unique_consecutive(x, return_counts=True, dim=0), b, grad=False)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_bucketize(right):
    s = np.array([1., 3., 5.], np.float32)
    v = np.array([[0, 3], [6, 5]], np.float32)
    parity(lambda m, a, b: m.searchsorted(a, b, right=right), s, v, grad=False)
    parity(lambda m, a, b: m.searchsorted(a, b, side="right" if right else "left",
                                          out_int32=True), s, v, grad=False)
    parity(lambda m, a, b: m.bucketize(b, a, right=right), s, v, grad=False)
    parity(lambda m, a: m.searchsorted(a, 3.0, right=right), s, grad=False)
    rows = np.sort(distinct(3, 4), 1)
    parity(lambda m, a, b: m.searchsorted(a, b, right=right), rows, rows[:, :2] + 0.1,
           grad=False)
    parity(lambda m, a, b: m.searchsorted(a, b, right=right), rows, rows[:, 1:3], grad=False)
    perm = np.array([2, 0, 1])
    parity(lambda m, a, b, p: m.searchsorted(a, b, sorter=p), s[perm], v, perm, grad=False)


ERRORS = [
    lambda m: m.topk(m.zeros(3), 4),
    lambda m: m.kthvalue(m.zeros(3), 4),
    lambda m: m.kthvalue(m.zeros(3), 0),
    lambda m: m.sort(m.zeros(3), 1),
    lambda m: m.searchsorted(m.tensor([[1, 2], [3, 4]]), m.tensor([1, 2])),
    lambda m: m.bucketize(m.tensor([1, 2]), m.tensor([[1, 2], [3, 4]])),
]


@pytest.mark.parametrize("f", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(f):
    same_error(f)

"""matmul family, add*mm, outer/inner/tensordot/kron/cross and einsum against torch."""
import numpy as np
import pytest
from _opcheck import gradcheck, parity, rand, same_error

CASES = [
    ("matmul_2d", lambda m, a, b: a @ b, [(2, 3), (3, 4)]),
    ("matmul_1d_1d", lambda m, a, b: m.matmul(a, b), [(3,), (3,)]),
    ("matmul_2d_1d", lambda m, a, b: a @ b, [(2, 3), (3,)]),
    ("matmul_1d_3d", lambda m, a, b: a @ b, [(3,), (2, 3, 4)]),
    ("matmul_bcast", lambda m, a, b: a @ b, [(2, 1, 2, 3), (3, 3, 2)]),
    ("matmul_noncontig", lambda m, a, b: a.t() @ b.mT, [(3, 2), (2, 4, 3)]),
    ("matmul_empty", lambda m, a, b: a @ b, [(2, 0), (0, 3)]),
    ("rmatmul", lambda m, a, b: a.__rmatmul__(b), [(3, 2), (4, 3)]),
    ("mm", lambda m, a, b: m.mm(a, b), [(2, 3), (3, 4)]),
    ("bmm", lambda m, a, b: a.bmm(b), [(2, 2, 3), (2, 3, 4)]),
    ("mv", lambda m, a, b: m.mv(a, b), [(2, 3), (3,)]),
    ("dot", lambda m, a, b: a.dot(b), [(4,), (4,)]),
    ("vdot", lambda m, a, b: m.vdot(a, b), [(4,), (4,)]),
    ("outer", lambda m, a, b: m.outer(a, b), [(2,), (3,)]),
    ("ger", lambda m, a, b: a.ger(b), [(2,), (3,)]),
    ("inner", lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
    ("inner_0d", lambda m, a, b: m.inner(a, b), [(), (2, 3)]),
    ("tensordot2", lambda m, a, b: m.tensordot(a, b), [(2, 3, 4), (3, 4, 2)]),
    ("tensordot_lists", lambda m, a, b: m.tensordot(a, b, ([1, 2], [1, 0])), [(2, 3, 4),
                                                                              (4, 3, 2)]),
    ("tensordot0", lambda m, a, b: m.tensordot(a, b, 0), [(2,), (3,)]),
    ("addmm", lambda m, i, a, b: m.addmm(i, a, b, beta=0.5, alpha=2), [(3,), (2, 4), (4, 3)]),
    ("addmm_beta0", lambda m, i, a, b: i.addmm(a, b, beta=0), [(2, 3), (2, 4), (4, 3)]),
    ("addmv", lambda m, i, a, b: m.addmv(i, a, b, alpha=-1), [(2,), (2, 4), (4,)]),
    ("addr", lambda m, i, a, b: m.addr(i, a, b, beta=2), [(2, 3), (2,), (3,)]),
    ("baddbmm", lambda m, i, a, b: i.baddbmm(a, b, beta=0.5, alpha=2), [(2, 3), (2, 2, 4),
                                                                        (2, 4, 3)]),
    ("addbmm", lambda m, i, a, b: m.addbmm(i, a, b), [(2, 3), (2, 2, 4), (2, 4, 3)]),
    ("kron", lambda m, a, b: m.kron(a, b), [(2, 3), (2,)]),
    ("kron_3d", lambda m, a, b: a.kron(b), [(2, 1, 2), (1, 2, 2)]),
    ("cross", lambda m, a, b: m.cross(a, b, dim=1), [(2, 3), (2, 3)]),
    ("cross_bcast", lambda m, a, b: m.linalg.cross(a, b) if m.__name__ == "torch"
     else m.cross(a, b, dim=-1), [(2, 1, 3), (1, 4, 3)]),
]

EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,i", [(3,), (3,)]),
    ("...ij,...jk", [(2, 2, 3), (3, 4)]),
    ("b...,b...->b", [(2, 3, 2), (2, 3, 2)]),
    ("ij,ij,ij->i", [(2, 3)] * 3),
    ("iij,jk->ik", [(2, 2, 3), (3, 1)]),
    ("bij,bjk->bik", [(1, 2, 3), (4, 3, 2)]),
    ("ba,ab", [(3, 2), (2, 3)]),
    ("ij,kl->", [(2, 3), (2, 2)]),
    ("Ab,bA->A", [(2, 3), (3, 2)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_parity(name, f, shapes):
    parity(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, f, shapes):
    if any(0 in s for s in shapes):
        pytest.skip("empty input")
    gradcheck(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum(eq, shapes):
    arrs = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    parity(lambda m, *xs: m.einsum(eq, *xs), *arrs, rtol=1e-4, atol=1e-5)
    gradcheck(lambda m, *xs: m.einsum(eq, *xs), *arrs)


def test_einsum_list_operands_and_ints():
    parity(lambda m, a, b: m.einsum("ij,jk", [a, b]), rand(2, 3), rand(3, 2), rtol=1e-4)
    a = np.arange(6).reshape(2, 3)
    parity(lambda m, x, y: m.einsum("ij,kj->ik", x, y), a, a + 1, grad=False)


def test_int_matmul_keeps_dtype():
    a = np.arange(6).reshape(2, 3)
    parity(lambda m, x, y: x @ y, a, a.T.copy(), grad=False)
    parity(lambda m, x, y: m.outer(x, y), np.arange(3), np.arange(2.).astype(np.float32),
           grad=False)


ERRORS = [
    lambda m: m.mm(m.zeros(15, 20), m.zeros(10, 5)),
    lambda m: m.mm(m.zeros(15), m.zeros(10, 5)),
    lambda m: m.mm(m.zeros(15, 20), m.zeros(10)),
    lambda m: m.bmm(m.zeros(2, 3, 4), m.zeros(2, 5, 6)),
    lambda m: m.bmm(m.zeros(2, 3, 4), m.zeros(3, 4, 6)),
    lambda m: m.bmm(m.zeros(3, 4), m.zeros(3, 4, 6)),
    lambda m: m.mv(m.zeros(3, 4), m.zeros(5)),
    lambda m: m.mv(m.zeros(3), m.zeros(5)),
    lambda m: m.dot(m.zeros(3), m.zeros(5)),
    lambda m: m.dot(m.zeros(3, 1), m.zeros(5)),
    lambda m: m.dot(m.zeros(3), m.zeros(3, dtype=m.float64)),
    lambda m: m.matmul(m.zeros(3), m.zeros(5)),
    lambda m: m.matmul(m.zeros(2, 3), m.zeros(5)),
    lambda m: m.matmul(m.zeros(2, 2, 3), m.zeros(5)),
    lambda m: m.matmul(m.zeros(3), m.zeros(5, 2)),
    lambda m: m.matmul(m.zeros(5), m.zeros(2, 2, 3)),
    lambda m: m.matmul(m.zeros(2, 2, 3), m.zeros(5, 2)),
    lambda m: m.matmul(m.zeros(2, 2, 3), m.zeros(3, 3, 2)),
    lambda m: m.matmul(m.zeros(2, 2, 3), m.zeros(2, 5, 2)),
    lambda m: m.matmul(m.zeros(2, 3), m.zeros(4, 5, 2)),
    lambda m: m.matmul(m.zeros(()), m.zeros(3)),
    lambda m: m.mm(m.zeros(2, 3), m.zeros(3, 2, dtype=m.float64)),
    lambda m: m.bmm(m.zeros(2, 2, 3), m.zeros(2, 3, 2, dtype=m.float64)),
    lambda m: m.matmul(m.zeros(2, 3, dtype=m.int64), m.zeros(3, 2)),
    lambda m: m.mv(m.zeros(2, 3), m.zeros(3, dtype=m.float64)),
    lambda m: m.outer(m.zeros(2, 3), m.zeros(3)),
    lambda m: m.outer(m.zeros(3), m.zeros(2, 2)),
    lambda m: m.inner(m.zeros(2, 3), m.zeros(4)),
    lambda m: m.einsum("ij,jk->ik", m.zeros(2, 3), m.zeros(4, 5)),
    lambda m: m.einsum("ij,jk->ik", m.zeros(2, 3)),
    lambda m: m.einsum("ij,jk", m.zeros(2, 3), m.zeros(3, 5), m.zeros(2)),
    lambda m: m.einsum("ij->ik", m.zeros(2, 3)),
    lambda m: m.einsum("ijk->ij", m.zeros(2, 3)),
    lambda m: m.einsum("ij,jk", m.zeros(2, 3), m.zeros(3, 5, dtype=m.float64)),
    lambda m: m.tensordot(m.zeros(2, 3), m.zeros(4, 5), 1),
    lambda m: m.tensordot(m.zeros(2, 3, 4), m.zeros(3, 4, 5), dims=([1, 2], [1, 0])),
    lambda m: m.addmm(m.zeros(2, 3), m.zeros(2), m.zeros(3, 3)),
    lambda m: m.addmm(m.zeros(2, 2), m.zeros(2, 3), m.zeros(4, 2)),
    lambda m: m.baddbmm(m.zeros(2, 2, 2), m.zeros(2, 2, 3), m.zeros(2, 4, 2)),
    lambda m: m.cross(m.zeros(2, 2), m.zeros(2, 2)),
    lambda m: m.cross(m.zeros(2, 3), m.zeros(2, 3), dim=0),
    lambda m: m.cross(m.zeros(2, 3), m.zeros(3), dim=-1),
]


@pytest.mark.parametrize("f", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(f):
    same_error(f)

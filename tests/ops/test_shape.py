"""cat/stack/split/... against torch: values, dtypes, shapes, grads; gradcheck; errors."""
import numpy as np
import pytest
import torch
from _opcheck import gradcheck, parity, rand, same_error

import ember

I = np.array  # noqa: E741

# (id, f(m, *xs), input shapes): each runs on ember and torch, and is gradchecked in float64
CASES = [
    ("cat0", lambda m, a, b: m.cat([a, b]), [(2, 3), (4, 3)]),
    ("cat_neg", lambda m, a, b: m.cat((a, b), -1), [(2, 3), (2, 1)]),
    ("cat_noncontig", lambda m, a, b: m.cat([a.t(), b.t()], 1), [(3, 2), (1, 2)]),
    ("cat_empty", lambda m, a, b: m.concat([a, b], 0), [(0, 3), (2, 3)]),
    ("cat_legacy_empty", lambda m, a, b: m.cat([a, b], 1), [(0,), (2, 3)]),
    ("concatenate", lambda m, a, b: m.concatenate([a, b], 1), [(2, 2), (2, 3)]),
    ("stack", lambda m, a, b, c: m.stack([a, b, c], 1), [(2, 3)] * 3),
    ("stack_0d", lambda m, a, b: m.stack([a, b]), [(), ()]),
    ("stack_last", lambda m, a, b: m.stack([a.t(), b.t()], -1), [(2, 3)] * 2),
    ("hstack", lambda m, a, b: m.hstack([a, b]), [(2, 3), (2, 1)]),
    ("hstack1d", lambda m, a, b: m.hstack([a, b]), [(3,), (2,)]),
    ("vstack", lambda m, a, b: m.vstack([a, b]), [(3,), (2, 3)]),
    ("dstack", lambda m, a, b: m.dstack([a, b]), [(3,), (3,)]),
    ("column_stack", lambda m, a, b: m.column_stack([a, b]), [(3,), (3, 2)]),
    ("split_int", lambda m, a: a.split(2), [(5, 2)]),
    ("split_list", lambda m, a: m.split(a, [1, 0, 3], 1), [(2, 4)]),
    ("chunk", lambda m, a: a.chunk(3, -1), [(2, 7)]),
    ("chunk_fewer", lambda m, a: m.chunk(a, 4), [(6, 1)]),
    ("unbind", lambda m, a: a.unbind(1), [(2, 3)]),
    ("unbind_partial", lambda m, a: a.unbind(0)[1] * 2, [(3, 2)]),
    ("iter", lambda m, a: tuple(r * i for i, r in enumerate(a)), [(3, 2)]),
    ("narrow", lambda m, a: a.narrow(1, 1, 2), [(2, 4)]),
    ("narrow_neg", lambda m, a: m.narrow(a.t(), 0, -2, 2), [(2, 4)]),
    ("select", lambda m, a: a.select(-1, 2), [(2, 4)]),
    ("flip", lambda m, a: a.flip((0, 2)), [(2, 3, 2)]),
    ("flip_noncontig", lambda m, a: m.flip(a.t(), [1]), [(3, 2)]),
    ("fliplr", lambda m, a: m.fliplr(a), [(2, 3)]),
    ("flipud", lambda m, a: a.flipud(), [(3,)]),
    ("roll_flat", lambda m, a: a.roll(2), [(2, 3)]),
    ("roll_dims", lambda m, a: m.roll(a, (1, -1), (0, 1)), [(2, 3)]),
    ("rot90", lambda m, a: m.rot90(a, 1, (0, 1)), [(2, 3)]),
    ("rot90_k2", lambda m, a: a.rot90(2, [1, 0]), [(2, 3)]),
    ("rot90_k3", lambda m, a: a.rot90(-1), [(2, 3)]),
    ("tril", lambda m, a: a.tril(), [(3, 4)]),
    ("tril_k", lambda m, a: m.tril(a, -1), [(2, 3, 3)]),
    ("triu_k", lambda m, a: m.triu(a, 1), [(3, 4)]),
    ("triu_noncontig", lambda m, a: a.t().triu(), [(3, 2)]),
    ("repeat", lambda m, a: a.repeat(2, 1, 3), [(2, 3)]),
    ("repeat_0d", lambda m, a: a.repeat(3), [()]),
    ("tile", lambda m, a: m.tile(a, (2,)), [(2, 3)]),
    ("repeat_interleave", lambda m, a: a.repeat_interleave(2, dim=1), [(2, 3)]),
    ("repeat_interleave_flat", lambda m, a: m.repeat_interleave(a, 2), [(2, 2)]),
    ("repeat_interleave_t", lambda m, a: a.repeat_interleave(m.tensor([1, 0, 2]), dim=0),
     [(3, 2)]),
    ("diag_1d", lambda m, a: m.diag(a), [(3,)]),
    ("diag_1d_k", lambda m, a: m.diag(a, -1), [(2,)]),
    ("diag_2d", lambda m, a: a.diag(1), [(3, 4)]),
    ("diagonal", lambda m, a: a.diagonal(), [(3, 4)]),
    ("diagonal_dims", lambda m, a: m.diagonal(a, -1, 0, 2), [(3, 2, 4)]),
    ("diagonal_offset_big", lambda m, a: a.diagonal(5), [(3, 4)]),
    ("diagonal_noncontig", lambda m, a: a.t().diagonal(1), [(3, 4)]),
    ("diag_embed", lambda m, a: m.diag_embed(a, 1), [(2, 3)]),
    ("diag_embed_dims", lambda m, a: m.diag_embed(a, -1, 0, 2), [(2, 3)]),
    ("trace", lambda m, a: a.trace(), [(3, 4)]),
    ("meshgrid_ij", lambda m, a, b: m.meshgrid(a, b, indexing="ij"), [(2,), (3,)]),
    ("meshgrid_xy", lambda m, a, b, c: m.meshgrid([a, b, c], indexing="xy"), [(2,), (3,), ()]),
    ("broadcast_tensors", lambda m, a, b: m.broadcast_tensors(a, b), [(2, 1), (3,)]),
    ("atleast_1d", lambda m, a: m.atleast_1d(a), [()]),
    ("atleast_2d", lambda m, a, b: m.atleast_2d(a, b), [(3,), ()]),
    ("atleast_3d", lambda m, a, b: m.atleast_3d([a, b]), [(3,), (2, 3)]),
]


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_parity(name, f, shapes):
    parity(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, f, shapes):
    if any(0 in s for s in shapes):
        pytest.skip("empty input: nothing to differentiate")
    gradcheck(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float64])
def test_dtypes_kept(dtype):
    a = (rand(2, 3) > 0).astype(dtype)
    b = (rand(2, 3, seed=1) > 0).astype(dtype)
    for f in [lambda m, a, b: m.cat([a, b], 1), lambda m, a, b: m.stack([a, b]),
              lambda m, a, b: a.flip(0), lambda m, a, b: a.roll(1, 1), lambda m, a, b: a.tril(),
              lambda m, a, b: a.repeat(2, 1), lambda m, a, b: a.diagonal(),
              lambda m, a, b: a.split(1)]:
        parity(f, a, b, grad=False)


def test_cat_promotes():
    parity(lambda m, a, b: m.cat([a, b.to(m.int64)]), rand(2), rand(3), grad=False)
    parity(lambda m, a, b: m.cat([a.double(), b]), rand(2), rand(3))


def test_trace_int():
    parity(lambda m, a: a.trace(), np.arange(9).reshape(3, 3), grad=False)


def test_views_share_memory():
    x = ember.arange(12.).reshape(3, 4)
    for v in [x.narrow(1, 1, 2), x.select(0, 1), x.diagonal(), x.split(2)[1], x.chunk(2, 1)[0],
              x.unbind(1)[2], x.t().diagonal(-1)]:
        v.mul_(0)  # no autograd: plain writes into shared memory
    expected = torch.arange(12.).reshape(3, 4)
    for v in [expected.narrow(1, 1, 2), expected.select(0, 1), expected.diagonal(),
              expected.split(2)[1], expected.chunk(2, 1)[0], expected.unbind(1)[2],
              expected.t().diagonal(-1)]:
        v.mul_(0)
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


def test_copies_do_not_share():
    x = ember.arange(6.).reshape(2, 3)
    outs = [x.flip(0), x.roll(1), x.tril(), x.repeat(1, 1), ember.cat([x, x]), x.diag_embed()]
    x.add_(100)
    for o in outs:
        assert o.numpy().max() < 100


def test_unbind_inplace_under_grad_raises():
    same_error(lambda m: (m.ones(2, 2, requires_grad=True) * 1).unbind(0)[0].mul_(2),
               exact=False)


def test_split_sizes_are_views_and_grad_accumulates():
    a = ember.tensor(rand(4, 3), requires_grad=True)
    p, q = a.split([1, 3])
    (p.sum() * 2 + q.sum() * 3).backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[2] * 3] + [[3] * 3] * 3)


ERRORS = [
    lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 4)], 0),
    lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 3, 1)], 0),
    lambda m: m.cat([]),
    lambda m: m.cat([m.zeros(()), m.zeros(())]),
    lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 3)], 2),
    lambda m: m.stack([m.zeros(2, 3), m.zeros(2, 4)]),
    lambda m: m.stack([]),
    lambda m: m.stack([m.zeros(2, 3)], 3),
    lambda m: m.zeros(6).narrow(0, 5, 3),
    lambda m: m.zeros(6).narrow(0, 7, 0),
    lambda m: m.zeros(2, 3).narrow(2, 0, 1),
    lambda m: m.zeros(2, 3).repeat(2),
    lambda m: m.trace(m.zeros(2, 3, 4)),
    lambda m: m.zeros(2, 3).split(0),
    lambda m: m.zeros(2, 3).split([1, 1], 1),
    lambda m: m.zeros(2, 3).chunk(0),
    lambda m: m.zeros(2, 3).unbind(2),
    lambda m: m.tril(m.zeros(3)),
    lambda m: m.triu(m.zeros(3)),
    lambda m: m.diag(m.zeros(2, 2, 2)),
    lambda m: m.diagonal(m.zeros(2, 3), 0, 1, 1),
    lambda m: m.roll(m.zeros(2, 3), (1, 2), (0,)),
    lambda m: m.flip(m.zeros(2, 3), (0, 0)),
    lambda m: m.flip(m.zeros(2, 3), (2,)),
    lambda m: m.fliplr(m.zeros(3)),
    lambda m: m.flipud(m.zeros(())),
    lambda m: m.repeat_interleave(m.zeros(3), m.tensor([1, 2])),
    lambda m: m.zeros(2, 3).select(1, 3),
    lambda m: m.meshgrid(m.zeros(2, 2), m.zeros(3), indexing="ij"),
    lambda m: m.broadcast_tensors(m.zeros(2, 3), m.zeros(4)),
]


@pytest.mark.parametrize("f", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(f):
    # meshgrid's message embeds the tensor's repr: compare the type and the message's start
    e = same_error(f, exact=f is not ERRORS[-2])
    assert str(e)


def test_repeat_interleave_repeats_only():
    parity(lambda m, r: m.repeat_interleave(r), np.array([2, 0, 1]), grad=False)

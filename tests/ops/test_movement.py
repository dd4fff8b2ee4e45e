"""view/reshape/permute/transpose/expand/squeeze/... against torch; hypothesis for permuted
(non-contiguous) views and reshape round trips."""
import numpy as np
import pytest
import torch
from _opcheck import gradcheck, parity, rand, same_error
from hypothesis import given, settings
from hypothesis import strategies as st

import ember

CASES = [
    ("reshape", lambda m, a: a.reshape(3, -1), [(2, 3, 2)]),
    ("reshape_tuple", lambda m, a: m.reshape(a, (-1,)), [(2, 3)]),
    ("reshape_noncontig", lambda m, a: a.t().reshape(6), [(2, 3)]),
    ("reshape_0d", lambda m, a: a.reshape(1, 1), [()]),
    ("reshape_empty", lambda m, a: a.reshape(3, 0, 2), [(0, 6)]),
    ("view", lambda m, a: a.view(6, 2), [(3, 4)]),
    ("view_as", lambda m, a, b: a.view_as(b), [(3, 4), (2, 6)]),
    ("reshape_as", lambda m, a, b: a.t().reshape_as(b), [(3, 4), (12,)]),
    ("permute", lambda m, a: a.permute(2, 0, 1), [(2, 3, 4)]),
    ("permute_list", lambda m, a: m.permute(a, [-1, 0, 1]), [(2, 3, 4)]),
    ("transpose", lambda m, a: a.transpose(0, -1), [(2, 3, 4)]),
    ("swapaxes", lambda m, a: m.swapaxes(a, 0, 1), [(2, 3)]),
    ("t", lambda m, a: a.t(), [(2, 3)]),
    ("t_1d", lambda m, a: m.t(a), [(3,)]),
    ("T", lambda m, a: a.T * 1, [(2, 3)]),
    ("mT", lambda m, a: a.mT, [(4, 2, 3)]),
    ("movedim", lambda m, a: a.movedim((0, 1), (2, 0)), [(2, 3, 4)]),
    ("expand", lambda m, a: a.expand(2, 3, 4), [(3, 1)]),
    ("expand_neg", lambda m, a: a.expand(-1, 4), [(3, 1)]),
    ("expand_as", lambda m, a, b: a.expand_as(b), [(1, 3), (2, 3)]),
    ("broadcast_to", lambda m, a: m.broadcast_to(a, (2, 2, 3)), [(3,)]),
    ("squeeze", lambda m, a: a.squeeze(), [(1, 3, 1, 2)]),
    ("squeeze_dim", lambda m, a: a.squeeze(-2), [(1, 3, 1, 2)]),
    ("squeeze_dims", lambda m, a: a.squeeze((0, 1)), [(1, 3, 1, 2)]),
    ("squeeze_noop", lambda m, a: a.squeeze(1), [(2, 3)]),
    ("unsqueeze", lambda m, a: a.unsqueeze(-1), [(2, 3)]),
    ("unsqueeze_0d", lambda m, a: m.unsqueeze(a, 0), [()]),
    ("flatten", lambda m, a: a.flatten(), [(2, 3, 4)]),
    ("flatten_range", lambda m, a: m.flatten(a.transpose(0, 2), 1, 2), [(2, 3, 4)]),
    ("flatten_0d", lambda m, a: a.flatten(), [()]),
    ("unflatten", lambda m, a: a.unflatten(1, (2, -1)), [(3, 6)]),
    ("unfold", lambda m, a: a.unfold(1, 2, 2), [(2, 5)]),
    ("unfold_overlap", lambda m, a: a.unfold(-1, 3, 1), [(2, 5)]),
    ("unfold_dim0", lambda m, a: a.t().unfold(0, 2, 1), [(2, 3)]),
    ("unfold_0d", lambda m, a: a.unfold(0, 1, 1), [()]),
    ("clone", lambda m, a: a.t().clone(), [(2, 3)]),
    ("contiguous", lambda m, a: a.t().contiguous() * 1, [(2, 3)]),
]


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_parity(name, f, shapes):
    parity(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name,f,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, f, shapes):
    if any(0 in s for s in shapes):
        pytest.skip("empty input: nothing to differentiate")
    gradcheck(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


def test_views_share_memory_and_version():
    x = ember.zeros(2, 3)
    views = [x.view(3, 2), x.reshape(6), x.t(), x.permute(1, 0), x.transpose(0, 1), x[0],
             x[:, 1:], x.unsqueeze(0), x.flatten(), x.unflatten(1, (3, 1)), x.narrow(1, 0, 2),
             x.expand(2, 2, 3), x.diagonal(), x.view_as(x), x.squeeze()]
    x.add_(1)
    for v in views:
        assert v.numpy().min() == 1.0, v
        assert v._version_counter is x._version_counter
    assert x.reshape(6).data_ptr() == x.data_ptr()


def test_copying_reshape_is_not_a_view():
    x = ember.arange(6.).reshape(2, 3)
    y = x.t().reshape(6)  # not viewable: a copy, as in PyTorch
    x.add_(1)
    np.testing.assert_array_equal(y.numpy(), [0, 3, 1, 4, 2, 5])


def test_contiguity_and_strides_like_torch():
    for f in [lambda m: m.zeros(2, 3, 4).permute(2, 0, 1), lambda m: m.zeros(2, 3).t(),
              lambda m: m.zeros(4, 6)[::2, 1:], lambda m: m.zeros(2, 3).unsqueeze(1)]:
        e, t = f(ember), f(torch)
        assert e.is_contiguous() == t.is_contiguous()
        assert e.stride() == t.stride()


ERRORS = [
    lambda m: m.zeros(2, 3).view(4, 2),
    lambda m: m.zeros(2, 3).view(-1, -1),
    lambda m: m.zeros(2, 3).reshape(5, -1),
    lambda m: m.zeros(2, 3).reshape(0, -1),
    lambda m: m.zeros(0, 3).reshape(0, -1),
    lambda m: m.zeros(2, 3).t().view(6),
    lambda m: m.zeros(2, 3).view(-2, 3),
    lambda m: m.zeros(2, 3).permute(0),
    lambda m: m.zeros(2, 3).permute(0, 0),
    lambda m: m.zeros(2, 3).permute(0, 2),
    lambda m: m.zeros(2, 3).transpose(0, 2),
    lambda m: m.zeros(2, 3, 4).t(),
    lambda m: m.zeros(2, 3).expand(3),
    lambda m: m.zeros(2, 3, dtype=m.int64).expand(3),
    lambda m: m.zeros(2, 3).expand(-1, 4),
    lambda m: m.zeros(2, 3).expand(-1, 2, 3),
    lambda m: m.zeros(2, 1).squeeze(2),
    lambda m: m.zeros(()).unsqueeze(1),
    lambda m: m.zeros(2, 3).unsqueeze(3),
    lambda m: m.zeros(2, 3).flatten(1, 0),
    lambda m: m.zeros(2, 6).unflatten(1, (4, -1)),
    lambda m: m.zeros(2, 6).unflatten(1, (4, 2)),
    lambda m: m.zeros(2, 3, 4).movedim((0, 1), (2,)),
    lambda m: m.zeros(2, 5).unfold(1, 6, 1),
    lambda m: m.zeros(2, 5).unfold(1, 2, 0),
]


@pytest.mark.parametrize("f", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(f):
    same_error(f)


def test_view_size_must_be_ints():
    same_error(lambda m: m.zeros(2, 3).view(3, 2.0), exact=False)


# --- hypothesis -------------------------------------------------------------------------------
@st.composite
def shape_and_perm(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    perm = draw(st.permutations(range(len(shape))))
    return shape, perm


@settings(max_examples=25, deadline=None)
@given(shape_and_perm(), st.integers(0, 3))
def test_permuted_views_match_torch(sp, op):
    shape, perm = sp
    a = rand(*shape)

    def f(m, x):
        v = x.permute(*perm)  # non-contiguous in general
        if op == 0:
            return v.reshape(-1) * 2
        if op == 1:
            return v.contiguous().view(-1)
        if op == 2:
            return v.unsqueeze(0).transpose(0, -1).flatten()
        return v.sum(0)

    parity(f, a)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=0, max_size=4), st.data())
def test_reshape_round_trip(shape, data):
    n = int(np.prod(shape))
    # a random factorisation of n as the target shape
    target, rest = [], n
    for _ in range(data.draw(st.integers(0, 3))):
        divs = [d for d in range(1, rest + 1) if rest % d == 0]
        d = data.draw(st.sampled_from(divs))
        target.append(d)
        rest //= d
    target.append(rest)
    if data.draw(st.booleans()):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    x = ember.tensor(rand(*shape), requires_grad=True)
    base = x.permute(list(reversed(range(len(shape))))) if data.draw(st.booleans()) else x
    y = base.reshape(target).reshape(base.shape)
    np.testing.assert_array_equal(y.detach().numpy(), base.detach().numpy())
    (y * ember.tensor(rand(*base.shape, seed=3))).sum().backward()
    assert tuple(x.grad.shape) == tuple(shape)
    t = torch.tensor(rand(*shape), requires_grad=True)
    tb = t.permute(list(reversed(range(len(shape))))) if base is not x else t
    (tb.reshape(target).reshape(tb.shape) * torch.tensor(rand(*tb.shape, seed=3))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)

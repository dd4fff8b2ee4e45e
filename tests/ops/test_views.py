"""Views share memory with their base; in-place writes through views are visible in the base
and tracked by autograd; version counters catch writes into saved tensors."""
import numpy as np
import pytest
import torch
from _opcheck import gradcheck, parity, rand, same_error

import ember

# each f(m, a, b) writes in place through some view, then returns tensors to differentiate
SCENARIOS = [
    ("row_mul_", lambda m, a, b: _w(a, lambda x: x[0].mul_(b)), [(3, 4), (4,)]),
    ("t_row_add_", lambda m, a, b: _w(a, lambda x: x.t()[0].add_(b)), [(3, 4), (3,)]),
    ("diagonal_copy_", lambda m, a, b: _w(a, lambda x: x.diagonal().copy_(b)), [(3, 3), (3,)]),
    ("narrow_setitem", lambda m, a, b: _w(a, lambda x: x.narrow(1, 1, 2).__setitem__(
        (slice(None), 0), b)), [(3, 4), (3,)]),
    ("nested_views", lambda m, a, b: _w(a, lambda x: x.view(2, 6).narrow(1, 0, 3)
                                        .unsqueeze(0).mul_(b)), [(3, 4), (3,)]),
    ("permute_view", lambda m, a, b: _w(a, lambda x: x.permute(1, 0)[1:].mul_(b)),
     [(3, 4), (3,)]),
    ("expand_then_read", lambda m, a, b: _w(a, lambda x: x[:, :1].mul_(b[:3, None])),
     [(3, 4), (4,)]),
    ("setitem_col", lambda m, a, b: _w(a, lambda x: x.__setitem__((slice(None), 1), b * 2)),
     [(3, 4), (3,)]),
    ("setitem_adv_repeat", lambda m, a, b: _w(a, lambda x: x.__setitem__([0, 2, 0], b)),
     [(3, 4), (4,)]),
    ("setitem_mask", lambda m, a, b: _w(a, lambda x: x.__setitem__(x > 0, b.sum())),
     [(3, 4), (4,)]),
    ("view_read_after", lambda m, a, b: _read_after(a, b), [(3, 4), (4,)]),
    ("stale_views_refresh", lambda m, a, b: _stale(a, b), [(3, 4), (4,)]),
    ("zero_copy_self", lambda m, a, b: _w(a, lambda x: (x.zero_(), x.add_(b),
                                                         x.copy_(x.flip(0) * 2))),
     [(3, 4), (4,)]),
]


def _w(a, write):
    x = a * 1  # a non-leaf, so in-place writes are allowed under autograd
    write(x)
    return x * a


def _read_after(a, b):
    x = a * 1
    v = x[1]
    v.mul_(b)
    return v * 3 + x[1:].sum(0)


def _stale(a, b):
    x = a * 1
    v = x[0:2]  # created before the writes below: must see their history
    t = x.t()
    x[1] = b
    x.mul_(2)
    return v * v, t * 1


@pytest.mark.parametrize("name,f,shapes", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_inplace_through_views_parity(name, f, shapes):
    parity(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("name,f,shapes", SCENARIOS[:8], ids=[s[0] for s in SCENARIOS[:8]])
def test_inplace_through_views_gradcheck(name, f, shapes):
    gradcheck(f, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


def test_write_into_view_of_plain_tensor_tracks_value():
    def f(m, w):
        x = m.zeros(3, 4)
        v = x[1:]  # a view of a tensor that does not require grad
        v.copy_(w)
        d = x.diagonal()
        x[0, 0] = 5.
        return x * 2, d * 1

    parity(f, rand(2, 4))


def test_views_share_memory_and_writes_are_visible():
    x = ember.arange(12.).reshape(3, 4)
    x.t()[1].fill_(-1)
    x[2, 1:3] = ember.tensor([7., 8.])
    x.view(12)[0] = 100
    x.diagonal(1).zero_()
    x.narrow(0, 1, 1).mul_(2)
    t = torch.arange(12.).reshape(3, 4)
    t.t()[1].fill_(-1)
    t[2, 1:3] = torch.tensor([7., 8.])
    t.view(12)[0] = 100
    t.diagonal(1).zero_()
    t.narrow(0, 1, 1).mul_(2)
    np.testing.assert_array_equal(x.numpy(), t.numpy())


def test_from_numpy_and_views_share_with_numpy():
    a = np.zeros((2, 3), np.float32)
    x = ember.from_numpy(a)
    x[0].fill_(1)
    x.t()[2] = 5
    np.testing.assert_array_equal(a, [[1, 1, 5], [0, 0, 5]])


def test_version_counter_shared_and_bumped():
    x = ember.zeros(3, 4)
    v = x[0]
    w = x.t()
    assert v._version_counter is x._version_counter is w._version_counter
    before = x._version
    v.add_(1)
    w[0] = 2
    x.zero_()
    assert x._version == before + 3


def test_modified_saved_tensor_raises():
    for m in (ember, torch):
        a = m.tensor(rand(3), requires_grad=True)
        x = a * 1
        y = x * x  # saves x
        x.add_(1)
        with pytest.raises(RuntimeError, match="one of the variables needed for gradient "
                           "computation has been modified by an inplace operation"):
            y.sum().backward()


def test_modified_saved_tensor_through_view_raises():
    for m in (ember, torch):
        a = m.tensor(rand(2, 3), requires_grad=True)
        x = a * 1
        y = x.exp()  # saves its output
        y[0].mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_version_error_names_shape_and_versions():
    a = ember.tensor(rand(3), requires_grad=True)
    x = a * 1
    y = x * x
    x.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[3\]\].* is at version 1; "
                       r"expected version 0 instead"):
        y.sum().backward()


ERRORS = [
    lambda m: m.ones(3, requires_grad=True).mul_(2),
    lambda m: m.ones(3, requires_grad=True)[1:].mul_(2),
    lambda m: m.ones(3, 2, requires_grad=True).t().__setitem__(0, 1.),
    lambda m: (m.ones(2, 2, requires_grad=True) * 1).unbind(0)[0].mul_(2),
    lambda m: (m.ones(2, 2, requires_grad=True) * 1).split(1)[1].add_(2),
    lambda m: m.ones(2, 1).expand(2, 3).mul_(2),
    lambda m: m.zeros(2, 3).masked_fill_(m.zeros(4, 2, 3).bool(), 1.),
    lambda m: m.zeros(3).add_(m.zeros(2, 3)),
]


@pytest.mark.parametrize("f", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(f):
    same_error(f, exact=False)


def test_inplace_allowed_under_no_grad():
    for m in (ember, torch):
        w = m.ones(3, requires_grad=True)
        with m.no_grad():
            w.mul_(2)
            w[1:].add_(1)
            w.t().zero_()
        assert w.is_leaf and w.requires_grad and w.tolist() == [0, 0, 0]


def test_unbind_views_writable_without_grad():
    x = ember.zeros(2, 3)
    for i, row in enumerate(x):
        row.fill_(i + 1)
    assert x.tolist() == [[1, 1, 1], [2, 2, 2]]


# --- hypothesis: random chains of views, then an in-place write through the last one --------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def view_chain(draw):
    ndim = draw(st.integers(2, 3))
    shape = draw(st.lists(st.integers(2, 4), min_size=ndim, max_size=ndim))
    steps, cur = [], list(shape)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["t", "narrow", "select", "unsqueeze", "diag", "slice",
                                     "flatten", "split"]))
        nd = len(cur)
        if kind == "t" and nd >= 2:
            a, b = draw(st.permutations(range(nd)))[:2]
            steps.append(("t", a, b))
            cur[a], cur[b] = cur[b], cur[a]
        elif kind == "narrow" and nd >= 1:
            d = draw(st.integers(0, nd - 1))
            start = draw(st.integers(0, cur[d] - 1))
            length = draw(st.integers(1, cur[d] - start))
            steps.append(("narrow", d, start, length))
            cur[d] = length
        elif kind == "select" and nd >= 2:
            d = draw(st.integers(0, nd - 1))
            steps.append(("select", d, draw(st.integers(0, cur[d] - 1))))
            cur.pop(d)
        elif kind == "unsqueeze":
            d = draw(st.integers(0, nd))
            steps.append(("unsqueeze", d))
            cur.insert(d, 1)
        elif kind == "diag" and nd >= 2:
            steps.append(("diag",))
            n = min(cur[0], cur[1])
            cur = cur[2:] + [n]
        elif kind == "flatten":
            steps.append(("flatten",))
            cur = [int(np.prod(cur))]
        elif kind == "split" and nd >= 1 and cur[0] >= 2:
            steps.append(("split",))  # a multi-output view: no in-place under autograd
            cur[0] = 1
        elif kind == "slice" and nd >= 1:
            steps.append(("slice", draw(st.integers(1, 2))))
            cur[0] = len(range(0, cur[0], steps[-1][1]))
    write = draw(st.sampled_from(["mul_", "add_", "copy_", "fill_", "setitem"]))
    return shape, steps, write


def _apply_chain(v, steps):
    for s in steps:
        if s[0] == "t":
            v = v.transpose(s[1], s[2])
        elif s[0] == "narrow":
            v = v.narrow(s[1], s[2], s[3])
        elif s[0] == "select":
            v = v.select(s[1], s[2])
        elif s[0] == "unsqueeze":
            v = v.unsqueeze(s[1])
        elif s[0] == "diag":
            v = v.diagonal()
        elif s[0] == "flatten":
            v = v.flatten()
        elif s[0] == "split":
            v = v.split(1)[0]
        else:
            v = v[::s[1]]
    return v


@settings(max_examples=40, deadline=None)
@given(view_chain())
def test_random_view_chains_inplace(chain):
    shape, steps, write = chain

    def f(m, a, w):
        x = a * 1
        before = x.transpose(0, -1)[:1]  # a view taken before the write must see it
        v = _apply_chain(x, steps)
        if write == "mul_":
            v.mul_(w)
        elif write == "add_":
            v.add_(w * 2)
        elif write == "copy_":
            v.copy_(w.expand(v.shape) * 3)
        elif write == "fill_":
            v.fill_(w.sum())
        else:
            v[...] = w
        return x * a, v * 1, before * 2

    if any(s[0] == "split" for s in steps):
        same_error(lambda m: f(m, m.tensor(rand(*shape), requires_grad=True),
                               m.tensor(rand(seed=5), requires_grad=True)), exact=False)
        return
    parity(f, rand(*shape), rand(seed=5))

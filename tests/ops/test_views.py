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
    assert v._version is x._version is w._version
    before = x._version[0]
    v.add_(1)
    w[0] = 2
    x.zero_()
    assert x._version[0] == before + 3


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

"""The engine keeps a fresh leaf gradient's buffer instead of copying it (speed); these cases
must still behave as in PyTorch: no gradient may share memory with anything that is later
written in place (a second accumulation, a hook's saved reference, another leaf's grad)."""
import weakref

import numpy as np
import torch

import ember
from tests.helpers import assert_close


def _pair(*arrays):
    return ([ember.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _data(n=4, seed=0):
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


class _Double(ember.autograd.Function):
    """y = 2x, whose backward remembers (weakly) the gradient array it returned."""

    last = None

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        r = g * 2
        _Double.last = weakref.ref(r._data)
        return r


def test_fresh_gradient_is_taken_over_and_accumulates_like_torch():
    a = _data()
    (e,), (t,) = _pair(a)
    _Double.apply(e).sum().backward()
    assert e.grad._data is _Double.last()  # kept, not copied
    (t * 2).sum().backward()
    _Double.apply(e).sum().backward()  # in place into the kept buffer
    (t * 2).sum().backward()
    assert_close(e.grad, t.grad)


def test_one_gradient_for_two_leaves_is_not_shared():
    # add's backward hands the same tensor to both leaves
    (ea, eb), (ta, tb) = _pair(_data(seed=1), _data(seed=2))
    for _ in range(2):
        (ea + eb).sum().backward()
        (ta + tb).sum().backward()
        (ea * 3).sum().backward()  # a second accumulation into a.grad only
        (ta * 3).sum().backward()
    assert not np.shares_memory(ea.grad._data, eb.grad._data)
    assert_close(ea.grad, ta.grad)
    assert_close(eb.grad, tb.grad)


def test_leaf_used_twice_gets_the_sum():
    (e,), (t,) = _pair(_data(seed=3))
    (e * e + e).sum().backward()
    (t * t + t).sum().backward()
    assert_close(e.grad, t.grad)


def test_hook_that_keeps_the_gradient_sees_it_unchanged():
    (e,), (t,) = _pair(_data(seed=4))
    kept_e, kept_t = [], []
    e.register_hook(lambda g: kept_e.append(g))
    t.register_hook(lambda g: kept_t.append(g))
    for _ in range(2):
        _Double.apply(e).sum().backward()
        (t * 2).sum().backward()
    # the first gradient the hook saw must not have become the accumulated .grad
    assert_close(kept_e[0], kept_t[0])
    assert_close(e.grad, t.grad)
    assert not np.shares_memory(kept_e[0]._data, e.grad._data)


def test_hook_returning_a_kept_tensor_is_copied():
    (e,), (t,) = _pair(_data(seed=5))
    kept = []

    def hook(g):
        r = g * 1
        kept.append(r)
        return r

    e.register_hook(hook)
    t.register_hook(lambda g: g * 1)
    for _ in range(2):
        (e * 2).sum().backward()
        (t * 2).sum().backward()
    assert_close(kept[0], torch.full((4,), 2.0))
    assert_close(e.grad, t.grad)


def test_retain_grad_and_leaf_grad_are_separate():
    (e,), (t,) = _pair(_data(seed=6))
    ye, yt = e * 1, t * 1
    ye.retain_grad()
    yt.retain_grad()
    for _ in range(2):
        (ye * 3).sum().backward(retain_graph=True)
        (yt * 3).sum().backward(retain_graph=True)
    assert_close(ye.grad, yt.grad)
    assert_close(e.grad, t.grad)
    assert not np.shares_memory(ye.grad._data, e.grad._data)


def test_user_gradient_is_never_taken_over():
    (e,), (t,) = _pair(_data(seed=7))
    ge, gt = ember.ones(4), torch.ones(4)
    e.backward(ge)
    t.backward(gt)
    e.backward(ge)
    t.backward(gt)
    assert_close(ge, gt)  # still ones
    assert_close(e.grad, t.grad)


def test_gradient_of_a_saved_tensor_is_copied():
    # mul's backward reads the saved operand: a gradient that is that very array must not
    # become the leaf's buffer (the next accumulation would change the graph's saved value)
    (ea, eb), (ta, tb) = _pair(_data(seed=8), _data(seed=9))
    ye, yt = ea * eb, ta * tb
    for _ in range(2):
        ye.sum().backward(retain_graph=True)
        yt.sum().backward(retain_graph=True)
    assert_close(ea.grad, ta.grad)
    assert_close(eb.grad, tb.grad)


def test_create_graph_gradient_stays_differentiable():
    (e,), (t,) = _pair(_data(seed=10))
    (e ** 3).sum().backward(create_graph=True)
    (t ** 3).sum().backward(create_graph=True)
    assert e.grad.requires_grad and t.grad.requires_grad
    assert_close(e.grad, t.grad)
    (de,) = ember.autograd.grad(e.grad.sum(), e)
    (dt,) = torch.autograd.grad(t.grad.sum(), t)
    assert_close(de, dt)

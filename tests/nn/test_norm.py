"""Normalisation layers against PyTorch: batch norm (running statistics, momentum=None,
eval mode, affine/track_running_stats), layer/group/instance norm, local response norm."""
import numpy as np
import pytest
import torch
from _nnconv_util import check_layer
from helpers import assert_close, check_grad

import ember
import ember.nn as nn
import ember.nn.functional as F

rng = np.random.default_rng(0)


def _x(*shape):
    return (rng.standard_normal(shape) * 2 + 1).astype(np.float32)


BN = [dict(), dict(momentum=None), dict(affine=False), dict(track_running_stats=False),
      dict(momentum=0.3, eps=1e-3), dict(bias=False)]


@pytest.mark.parametrize("kw", BN)
@pytest.mark.parametrize("train", [True, False])
def test_batchnorm2d(kw, train):
    em, tm = nn.BatchNorm2d(3, **kw), torch.nn.BatchNorm2d(3, **kw)
    check_layer(em, tm, _x(4, 3, 5, 6), train=train, steps=3)
    if em.num_batches_tracked is not None:
        assert em.num_batches_tracked.dtype == ember.int64
        assert int(em.num_batches_tracked) == int(tm.num_batches_tracked)


@pytest.mark.parametrize("shape", [(6, 4), (5, 4, 7)])
@pytest.mark.parametrize("kw", [dict(), dict(momentum=None)])
def test_batchnorm1d(shape, kw):
    em, tm = nn.BatchNorm1d(4, **kw), torch.nn.BatchNorm1d(4, **kw)
    check_layer(em, tm, _x(*shape), steps=3)
    check_layer(em, tm, _x(*shape), train=False)


def test_batchnorm3d():
    check_layer(nn.BatchNorm3d(2), torch.nn.BatchNorm3d(2), _x(2, 2, 3, 4, 3), steps=2)


def test_batchnorm_eval_after_training_uses_running_stats():
    em, tm = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    check_layer(em, tm, _x(8, 3, 4, 4), steps=4)
    em.eval()
    tm.eval()
    x = _x(2, 3, 4, 4)
    assert_close(em(ember.tensor(x)), tm(torch.tensor(x)), 1e-4, 1e-5)


def test_batchnorm_errors():
    with pytest.raises(ValueError) as ti:
        torch.nn.BatchNorm1d(3)(torch.zeros(1, 3))
    with pytest.raises(ValueError) as ei:
        nn.BatchNorm1d(3)(ember.zeros(1, 3))
    assert str(ei.value).replace("ember.Size", "torch.Size") == str(ti.value)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(ember.zeros(4, 3), None, None, training=False)
    for mod, x in ((nn.BatchNorm2d(3), ember.zeros(2, 3, 4)),
                   (nn.BatchNorm1d(3), ember.zeros(2, 3, 4, 4))):
        with pytest.raises(ValueError, match=r"expected \dD"):
            mod(x)


@pytest.mark.parametrize("wrong", ["running_mean", "running_var", "weight", "bias"])
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_size_errors_name_the_argument(wrong, train):
    def args(m):
        a = dict(running_mean=m.zeros(3), running_var=m.ones(3), weight=m.ones(3),
                 bias=m.zeros(3))
        a[wrong] = m.ones(4)
        return a

    with pytest.raises(RuntimeError) as ti:
        torch.nn.functional.batch_norm(torch.zeros(4, 3), training=train, **args(torch))
    with pytest.raises(RuntimeError) as ei:
        F.batch_norm(ember.zeros(4, 3), training=train, **args(ember))
    assert str(ei.value) == str(ti.value)


def test_batchnorm_double_backward():
    """Gradient penalty through a training-mode batch norm (the recorded backward path)."""
    x, w, b = (a.astype(np.float64) for a in (_x(4, 3, 2, 2), _x(3), _x(3)))
    outs = []
    for lib, mk, fn in ((ember, ember.tensor, F.batch_norm),
                        (torch, torch.tensor, torch.nn.functional.batch_norm)):
        xx, ww, bb = (mk(a.copy(), requires_grad=True) for a in (x, w, b))
        y = fn(xx, None, None, ww, bb, training=True)
        (gx,) = lib.autograd.grad((y * y * y).sum(), xx, create_graph=True)
        (gx * gx).sum().backward()
        outs.append((gx, xx.grad, ww.grad, bb.grad))
    for e, t in zip(*outs):
        assert_close(e, t, 1e-6, 1e-6)


def test_gradcheck_batch_norm_training():
    check_grad(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
               _x(3, 2, 3), _x(2), _x(2))


@pytest.mark.parametrize("ns,kw", [((5,), {}), ((3, 5), {}), (5, dict(elementwise_affine=False)),
                                   ((5,), dict(bias=False, eps=1e-3))])
def test_layer_norm(ns, kw):
    check_layer(nn.LayerNorm(ns, **kw), torch.nn.LayerNorm(ns, **kw), _x(2, 4, 3, 5))


def test_gradcheck_layer_norm():
    check_grad(lambda x, w, b: F.layer_norm(x, (4,), w, b), _x(3, 4), _x(4), _x(4))


@pytest.mark.parametrize("groups,kw", [(2, {}), (3, dict(affine=False)), (1, {}), (6, {})])
def test_group_norm(groups, kw):
    check_layer(nn.GroupNorm(groups, 6, **kw), torch.nn.GroupNorm(groups, 6, **kw),
                _x(2, 6, 3, 4))


def test_gradcheck_group_norm():
    check_grad(lambda x, w, b: F.group_norm(x, 2, w, b), _x(2, 4, 3), _x(4), _x(4))


@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (2, 3, 7)),
                                       ("InstanceNorm2d", (2, 3, 4, 5)),
                                       ("InstanceNorm1d", (3, 7))])
@pytest.mark.parametrize("kw", [dict(), dict(affine=True),
                                dict(affine=True, track_running_stats=True)])
@pytest.mark.parametrize("train", [True, False])
def test_instance_norm(cls, shape, kw, train):
    em, tm = getattr(nn, cls)(3, **kw), getattr(torch.nn, cls)(3, **kw)
    check_layer(em, tm, _x(*shape), train=train, steps=2)


def test_instance_norm_channel_mismatch():
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match "
                       r"num_features \(4\), but got: 3."):
        nn.InstanceNorm2d(4, affine=True)(ember.zeros(2, 3, 4, 4))


@pytest.mark.parametrize("kw", [dict(size=2), dict(size=3, alpha=0.1, beta=0.5, k=2.0)])
def test_local_response_norm(kw):
    check_layer(nn.LocalResponseNorm(**kw), torch.nn.LocalResponseNorm(**kw), _x(2, 5, 3, 3))


@pytest.mark.parametrize("make", [
    lambda m: m.BatchNorm1d(3), lambda m: m.BatchNorm2d(3, momentum=None, affine=False,
                                                         track_running_stats=False),
    lambda m: m.BatchNorm1d(3, bias=False), lambda m: m.LayerNorm((3, 4)),
    lambda m: m.LayerNorm(3, elementwise_affine=False, bias=False), lambda m: m.GroupNorm(2, 4),
    lambda m: m.InstanceNorm2d(3), lambda m: m.LocalResponseNorm(2),
    lambda m: m.InstanceNorm1d(3, affine=True, track_running_stats=True),
])
def test_repr_and_state_dict_keys(make):
    e, t = make(nn), make(torch.nn)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        assert_close(e.state_dict()[k], v)

"""Pooling layers against PyTorch: max (indices, ties), average (padding rules), adaptive,
unpooling and LP pooling; float64 gradchecks of the primitives."""
import numpy as np
import pytest
import torch
from _nnconv_util import check_layer
from helpers import assert_close, check, check_grad

import ember
import ember.nn as nn
import ember.nn.functional as F

rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 1)),
    dict(kernel_size=2, stride=1),
    dict(kernel_size=3, stride=3, padding=1, ceil_mode=True),
]


@pytest.mark.parametrize("kw", MAX2D)
def test_max_pool2d_layer(kw):
    ye, yt = check_layer(nn.MaxPool2d(**kw, return_indices=True),
                         torch.nn.MaxPool2d(**kw, return_indices=True), _x(2, 3, 9, 8))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1,
                                                            dilation=2, ceil_mode=True)])
def test_max_pool1d_layer(kw):
    check_layer(nn.MaxPool1d(**kw, return_indices=True),
                torch.nn.MaxPool1d(**kw, return_indices=True), _x(2, 3, 12))


def test_max_pool3d_and_unbatched():
    check_layer(nn.MaxPool3d(2, stride=(1, 2, 2)), torch.nn.MaxPool3d(2, stride=(1, 2, 2)),
                _x(1, 2, 4, 5, 6))
    check_layer(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), _x(3, 6, 6))


def test_max_pool_ties_route_gradient_to_first_max():
    x = np.array([[[[1., 1., 0., 2.], [1., 0., 2., 2.]]]], np.float32)
    for kw in (dict(kernel_size=2), dict(kernel_size=2, stride=1)):
        check(lambda t, kw=kw: F.max_pool2d(t, **kw),
              lambda t, kw=kw: torch.nn.functional.max_pool2d(t, **kw),
              x)
        _, ie = F.max_pool2d(ember.tensor(x), return_indices=True, **kw)
        _, it = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        assert (ie.numpy() == it.numpy()).all()


AVG2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=(1, 2), divisor_override=5),
]


@pytest.mark.parametrize("kw", AVG2D)
def test_avg_pool2d_layer(kw):
    check_layer(nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw), _x(2, 3, 9, 8))


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=4, stride=2, padding=2,
                                                            ceil_mode=True,
                                                            count_include_pad=False)])
def test_avg_pool1d_layer(kw):
    check_layer(nn.AvgPool1d(**kw), torch.nn.AvgPool1d(**kw), _x(2, 3, 11))


@pytest.mark.parametrize("size", [1, 3, (4, 5), (None, 2), (9, 8)])
def test_adaptive_pool2d(size):
    check_layer(nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), _x(2, 3, 9, 8))
    check_layer(nn.AdaptiveMaxPool2d(size, return_indices=True),
                torch.nn.AdaptiveMaxPool2d(size, return_indices=True), _x(2, 3, 9, 8))


@pytest.mark.parametrize("size", [1, 4, 7])
def test_adaptive_pool1d(size):
    check_layer(nn.AdaptiveAvgPool1d(size), torch.nn.AdaptiveAvgPool1d(size), _x(2, 3, 10))
    check_layer(nn.AdaptiveMaxPool1d(size, return_indices=True),
                torch.nn.AdaptiveMaxPool1d(size, return_indices=True), _x(2, 3, 10))


def test_max_unpool2d():
    x = _x(2, 3, 6, 8)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
        ye, ie = F.max_pool2d(ember.tensor(x), return_indices=True, **kw)
        yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        check(lambda y, kw=kw, ie=ie: nn.MaxUnpool2d(**kw)(y, ie, output_size=x.shape),
              lambda y, kw=kw, it=it: torch.nn.MaxUnpool2d(**kw)(y, it, output_size=x.shape),
              yt.numpy())


def test_max_unpool1d_default_size():
    x = _x(1, 2, 8)
    ye, ie = F.max_pool1d(ember.tensor(x), 2, return_indices=True)
    yt, it = torch.nn.functional.max_pool1d(torch.tensor(x), 2, return_indices=True)
    assert_close(F.max_unpool1d(ye, ie, 2), torch.nn.functional.max_unpool1d(yt, it, 2))


def test_lp_pool():
    x = np.abs(_x(2, 3, 8, 6)) + 0.1
    check_layer(nn.LPPool2d(2, 2), torch.nn.LPPool2d(2, 2), x)
    check_layer(nn.LPPool1d(3, 3, stride=2), torch.nn.LPPool1d(3, 3, stride=2), x[0])


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_lp_pool_signed_inputs(p):
    # odd powers of negative inputs give negative window sums: PyTorch keeps their sign
    x = np.array([[[-1., -2., 3., -5., 0.5, 0.25, 0., 0.]]], np.float32)
    check(lambda t: F.lp_pool1d(t, p, 2), lambda t: torch.nn.functional.lp_pool1d(t, p, 2),
          x, grad=False)


# --- primitives: gradcheck (double backward through scatter/gather pairs) -----------------
def test_gradcheck_max_pool2d():
    x = rng.permutation(50).reshape(1, 2, 5, 5).astype(np.float64) / 7  # no ties
    check_grad(lambda t: F.max_pool2d(t, 3, stride=2, padding=1, ceil_mode=True), x)
    check_grad(lambda t: F.max_pool2d(t, 2), x)


def test_gradcheck_avg_pool2d():
    check_grad(lambda t: F.avg_pool2d(t, 3, stride=2, padding=1, count_include_pad=False),
               _x(1, 2, 5, 6))


def test_gradcheck_adaptive():
    x = rng.permutation(60).reshape(1, 2, 5, 6).astype(np.float64) / 7
    check_grad(lambda t: F.adaptive_max_pool2d(t, (3, 4)), x)
    check_grad(lambda t: F.adaptive_avg_pool2d(t, (3, 4)), x)


# --- errors and repr -----------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda F_, t: F_.max_pool2d(t(1, 2, 5, 5), 3, padding=2),
    lambda F_, t: F_.avg_pool2d(t(1, 2, 5, 5), 3, padding=2),
    lambda F_, t: F_.max_pool2d(t(1, 2, 2, 2), 3),
    lambda F_, t: F_.avg_pool2d(t(1, 2, 2, 2), 3),
    lambda F_, t: F_.max_pool2d(t(2, 2), 3),
    lambda F_, t: F_.max_pool1d(t(2, 2, 2, 2), 3),
    lambda F_, t: F_.max_pool2d(t(1, 2, 5, 5), 2, stride=0),
    lambda F_, t: F_.adaptive_avg_pool2d(t(2, 2), 3),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as ti:
        call(torch.nn.functional, torch.zeros)
    with pytest.raises(type(ti.value)) as ei:
        call(F, ember.zeros)
    assert str(ei.value) == str(ti.value)


@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool2d(2), lambda m: m.MaxPool1d(3, 2, 1, 2, True, True),
    lambda m: m.AvgPool2d(2), lambda m: m.AvgPool1d(3),
    lambda m: m.AvgPool2d(3, 2, 1, True, False, 2), lambda m: m.AdaptiveAvgPool2d((5, None)),
    lambda m: m.AdaptiveMaxPool2d(3, True), lambda m: m.MaxUnpool2d(2),
    lambda m: m.AdaptiveAvgPool1d(3), lambda m: m.LPPool2d(2, 3),
    lambda m: m.MaxUnpool1d(2), lambda m: m.MaxPool3d(2), lambda m: m.AvgPool3d(2),
])
def test_repr(make):
    assert repr(make(nn)) == repr(make(torch.nn))

"""The layouts and special cases of ember.ops.conv against PyTorch: stride-1 convolutions with
large output planes (one GEMM per sample, batch first, in inference or with C*K below the
output channels), strided, small-output and training ones (batch-last windows), convolutions
that are one matrix product (a single window covering the input: DCGAN's first and last
layers), non-contiguous inputs, double backward."""
import numpy as np
import pytest
import torch
from helpers import check, check_grad

import ember.nn.functional as F

rng = np.random.default_rng(5)
TF = torch.nn.functional


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("kw", [dict(), dict(groups=2), dict(padding=1, dilation=2),
                                dict(stride=2, padding=1), dict(stride=(1, 2))])
def test_conv2d_large_planes(kw):
    # output planes >= 64 positions take the batch-first layout when the stride is 1
    check(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw),
          _x(3, 4, 13, 12), _x(6, 4 // kw.get("groups", 1), 3, 3), _x(6), rtol=1e-4, atol=1e-5)


def test_conv1d_and_conv3d_large_planes():
    check(lambda x, w: F.conv1d(x, w), lambda x, w: TF.conv1d(x, w), _x(2, 3, 80), _x(4, 3, 5),
          rtol=1e-4, atol=1e-5)
    check(lambda x, w: F.conv3d(x, w, padding=1), lambda x, w: TF.conv3d(x, w, padding=1),
          _x(2, 2, 4, 5, 5), _x(3, 2, 3, 3, 3), rtol=1e-4, atol=1e-5)


def test_conv2d_non_contiguous_input():
    check(lambda x, w: F.conv2d(x.transpose(2, 3), w, stride=2),
          lambda x, w: TF.conv2d(x.transpose(2, 3), w, stride=2), _x(2, 3, 12, 11),
          _x(4, 3, 3, 3), rtol=1e-4, atol=1e-5)
    check(lambda x, w: F.conv2d(x[:, :, ::2], w), lambda x, w: TF.conv2d(x[:, :, ::2], w),
          _x(2, 3, 20, 11), _x(4, 3, 2, 2), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("bias", [True, False])
def test_dense_conv_and_conv_transpose(bias):
    # one window covers the input: conv2d of a 4x4 input with a 4x4 kernel ...
    b = _x(5) if bias else None
    args = (_x(3, 6, 4, 4), _x(5, 6, 4, 4)) + ((b,) if bias else ())
    check(lambda x, w, *b: F.conv2d(x, w, *b), lambda x, w, *b: TF.conv2d(x, w, *b), *args,
          rtol=1e-4, atol=1e-5)
    # ... and conv_transpose2d of a 1x1 input (DCGAN's first generator layer)
    args = (_x(3, 6, 1, 1), _x(6, 5, 4, 3)) + ((b,) if bias else ())
    for kw in (dict(), dict(stride=2)):
        check(lambda y, w, *b, kw=kw: F.conv_transpose2d(y, w, *b, **kw),
              lambda y, w, *b, kw=kw: TF.conv_transpose2d(y, w, *b, **kw), *args, rtol=1e-4,
              atol=1e-5)


def test_dense_cases_gradgrad():
    check_grad(lambda x, w, b: F.conv2d(x, w, b), _x(2, 3, 3, 2).astype(np.float64),
               _x(4, 3, 3, 2).astype(np.float64), _x(4).astype(np.float64))
    check_grad(lambda y, w, b: F.conv_transpose2d(y, w, b), _x(2, 3, 1, 1).astype(np.float64),
               _x(3, 2, 2, 3).astype(np.float64), _x(2).astype(np.float64))


def test_gradgrad_batch_first_and_strided():
    # with a bias, the batch-first forward folds it into the product (a row of ones): in
    # training when C*K is below the output channels; otherwise a stride-1 convolution whose
    # weight needs a gradient goes batch-last
    check_grad(lambda x, w, b: F.conv2d(x, w, b, padding=1), _x(1, 1, 8, 8).astype(np.float64),
               _x(12, 1, 3, 3).astype(np.float64), _x(12).astype(np.float64))
    check_grad(lambda x, w, b: F.conv2d(x, w, b, padding=1), _x(1, 2, 8, 8).astype(np.float64),
               _x(2, 2, 3, 3).astype(np.float64), _x(2).astype(np.float64))
    check_grad(lambda y, w: F.conv_transpose2d(y, w, stride=2, padding=1),
               _x(2, 2, 3, 3).astype(np.float64), _x(2, 2, 4, 4).astype(np.float64))


def test_strided_with_small_window_matrix():
    # strided, but C*K below the output channels: batch-first (DCGAN's last layer, 1 -> 64)
    check(lambda x, w, b: F.conv2d(x, w, b, stride=2), lambda x, w, b: TF.conv2d(x, w, b, stride=2),
          _x(2, 1, 20, 21), _x(8, 1, 2, 2), _x(8), rtol=1e-4, atol=1e-5)
    check(lambda y, w, b: F.conv_transpose2d(y, w, b, stride=2, padding=1),
          lambda y, w, b: TF.conv_transpose2d(y, w, b, stride=2, padding=1),
          _x(2, 32, 9, 10), _x(32, 1, 4, 4), _x(1), rtol=1e-4, atol=1e-5)
    check_grad(lambda x, w: F.conv2d(x, w, stride=2), _x(1, 1, 16, 17).astype(np.float64),
               _x(6, 1, 2, 2).astype(np.float64))


def test_bias_from_weight_product_and_second_backward():
    # the batch-first weight product also gives the bias gradient (its row of ones); a second
    # backward through the same graph recomputes the windows
    import ember

    # (C*K = 9 below the 12 output channels: batch-first in training)
    x, w, b, g = _x(2, 1, 10, 9), _x(12, 1, 3, 3), _x(12), _x(2, 12, 8, 7)
    te = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
    tt = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ye, yt = F.conv2d(*te), TF.conv2d(*tt)
    for _ in range(2):
        ye.backward(ember.tensor(g), retain_graph=True)
        yt.backward(torch.tensor(g), retain_graph=True)
    for a, c in zip(te, tt):
        np.testing.assert_allclose(a.grad.numpy(), c.grad.numpy(), rtol=1e-4, atol=1e-4)
    # weight and bias only (the input needs no gradient), as a first layer
    we, be = ember.tensor(w, requires_grad=True), ember.tensor(b, requires_grad=True)
    wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    F.conv2d(ember.tensor(x), we, be).backward(ember.tensor(g))
    TF.conv2d(torch.tensor(x), wt, bt).backward(torch.tensor(g))
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(be.grad.numpy(), bt.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kw", [dict(), dict(groups=2, padding=1), dict(dilation=2)])
def test_stride1_layouts_training_and_inference(kw):
    # stride 1, C*K >= output channels, output planes >= 64: batch-last windows when the
    # weight needs a gradient (training), batch-first without; both against torch, with the
    # weight frozen or not, and a retained second backward (the windows recomputed)
    import ember

    x, w, b = _x(3, 8, 12, 11), _x(6, 8 // kw.get("groups", 1), 3, 3), _x(6)
    yt = TF.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), **kw)
    with ember.no_grad():
        ye = F.conv2d(ember.tensor(x), ember.tensor(w), ember.tensor(b), **kw)
    np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=1e-4, atol=1e-4)
    g = _x(*yt.shape)
    for wgrad in (True, False):
        te = [ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=wgrad),
              ember.tensor(b, requires_grad=True)]
        tt = [torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=wgrad),
              torch.tensor(b, requires_grad=True)]
        ye, yt = F.conv2d(*te, **kw), TF.conv2d(*tt, **kw)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-4,
                                   atol=1e-4)
        for _ in range(2):
            ye.backward(ember.tensor(g), retain_graph=True)
            yt.backward(torch.tensor(g), retain_graph=True)
        for a, c in zip(te, tt):
            if c.grad is not None:
                np.testing.assert_allclose(a.grad.numpy(), c.grad.numpy(), rtol=1e-4,
                                           atol=1e-3)

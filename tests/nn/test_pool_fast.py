"""The tiled max-pool fast path (kernel == stride, no padding: no index array in the forward)
against PyTorch: ties (the first maximum wins), relu-style zero windows, odd sizes, NaN
windows, non-contiguous inputs, indices, in-place use of the output, double backward."""
import numpy as np
import pytest
import torch
from helpers import check, check_grad

import ember
import ember.nn.functional as F

rng = np.random.default_rng(1)


def _both(x, **kw):
    return (lambda t: F.max_pool2d(t, **kw)), (lambda t: torch.nn.functional.max_pool2d(t, **kw))


@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (2, 3, 11, 9), (1, 2, 5, 4)])
@pytest.mark.parametrize("k", [2, 3, (2, 3), (1, 2)])
def test_tiled_values_grads_and_indices(shape, k):
    # relu'd integers: many ties, all-zero windows
    x = np.maximum(rng.integers(-2, 3, shape), 0).astype(np.float32)
    fe, ft = _both(x, kernel_size=k)
    check(fe, ft, x)
    _, ie = F.max_pool2d(ember.tensor(x), k, return_indices=True)
    _, it = torch.nn.functional.max_pool2d(torch.tensor(x), k, return_indices=True)
    np.testing.assert_array_equal(ie.numpy(), it.numpy())


def test_tiled_ties_exact():
    x = np.array([[[[1., 1., 0., 2.], [1., 0., 2., 2.], [3., 5., 5., 5.], [5., 5., 5., 5.]]]],
                 np.float32)
    xe = ember.tensor(x, requires_grad=True)
    F.max_pool2d(xe, 2).sum().backward()
    want = np.array([[[[1., 0., 0., 1.], [0., 0., 0., 0.], [0., 1., 1., 0.], [0., 0., 0., 0.]]]])
    np.testing.assert_array_equal(xe.grad.numpy(), want)


def test_tiled_nan_windows_like_torch():
    x = np.array([[[[np.nan, 1., 2., np.nan], [np.nan, 3., np.nan, np.nan],
                    [0., -np.inf, -np.inf, -np.inf], [-np.inf, 0., -np.inf, -np.inf]]]],
                 np.float32)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = F.max_pool2d(xe, 2), torch.nn.functional.max_pool2d(xt, 2)
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    g = np.arange(1, 5, dtype=np.float32).reshape(1, 1, 2, 2)
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_tiled_non_contiguous_and_1d_3d():
    x = rng.standard_normal((3, 2, 10, 12)).astype(np.float32)
    check(lambda t: F.max_pool2d(t.transpose(2, 3), 2),
          lambda t: torch.nn.functional.max_pool2d(t.transpose(2, 3), 2), x)
    check(lambda t: F.max_pool2d(t[:, :, 1:, ::2], 2),
          lambda t: torch.nn.functional.max_pool2d(t[:, :, 1:, ::2], 2), x)
    x1 = rng.standard_normal((2, 3, 9)).astype(np.float32)
    check(lambda t: F.max_pool1d(t, 3), lambda t: torch.nn.functional.max_pool1d(t, 3), x1)
    x3 = np.round(rng.standard_normal((1, 2, 4, 5, 4))).astype(np.float32)
    check(lambda t: F.max_pool3d(t, 2), lambda t: torch.nn.functional.max_pool3d(t, 2), x3)


def test_tiled_output_may_be_modified_in_place():
    x = rng.standard_normal((2, 2, 6, 6)).astype(np.float32)
    check(lambda t: F.max_pool2d(t * 1, 2).relu_(),
          lambda t: torch.nn.functional.max_pool2d(t * 1, 2).relu_(), x)


def test_tiled_double_backward():
    x = rng.standard_normal((2, 2, 6, 7))
    check_grad(lambda t: F.max_pool2d(t, 2), x)
    check_grad(lambda t: F.max_pool2d(t, (3, 2)) ** 2, x)


def test_tiled_ties_rows_first():
    # an odd width (cropped column) reduces rows first; the tie still goes to the first
    # maximum in row-major order, (0, 1) here, not (1, 0)
    x = np.array([[[[1., 2., 9.], [2., 0., 9.]]]], np.float32)
    xe = ember.tensor(x, requires_grad=True)
    F.max_pool2d(xe, 2).sum().backward()
    np.testing.assert_array_equal(xe.grad.numpy(), [[[[0., 1., 0.], [0., 0., 0.]]]])
    x = np.round(rng.standard_normal((2, 3, 9, 11))).astype(np.float32)
    check(lambda t: F.max_pool2d(t, (3, 2)), lambda t: torch.nn.functional.max_pool2d(t, (3, 2)),
          x)
    check_grad(lambda t: F.max_pool2d(t, (2, 3)), rng.standard_normal((1, 2, 4, 7)))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_tiled_2x2_scatter_pairs_exact(dtype):
    # 2x2 windows on even planes: the backward shifts each gradient's bits into place (two
    # columns as one wide integer); exact against torch, inf/nan gradients leaving zeros
    # elsewhere, ties and NaN windows, a transposed (non-contiguous) gradient (a -0.0 gradient
    # stays -0.0 where torch adds it to zeros: equal values, other bits)
    x = np.maximum(rng.integers(-2, 3, (3, 4, 10, 12)), 0).astype(dtype)
    x[0, 0, 0, 1] = np.nan
    x[1, 2, 5, 4] = x[1, 2, 4, 5] = np.nan
    g = rng.standard_normal((3, 4, 6, 5)).astype(dtype)
    for i, v in enumerate((np.inf, -np.inf, np.nan, -0.0)):
        g[i % 3, i, i, :] = v
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.max_pool2d(xe, 2).backward(ember.tensor(g).transpose(2, 3))
    torch.nn.functional.max_pool2d(xt, 2).backward(torch.tensor(g).transpose(2, 3))
    assert xe.grad.dtype == ember.tensor(x).dtype
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())

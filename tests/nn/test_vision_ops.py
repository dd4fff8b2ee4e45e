"""Resampling and spatial ops against PyTorch: interpolate/Upsample, pixel (un)shuffle,
unfold/fold, grid_sample, affine_grid."""
import numpy as np
import pytest
import torch
from _nnconv_util import check_layer
from helpers import check, check_grad

import ember
import ember.nn as nn
import ember.nn.functional as F

TF = torch.nn.functional
rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


MODES = [("nearest", None), ("nearest-exact", None), ("bilinear", False), ("bilinear", True),
         ("bicubic", False), ("bicubic", True), ("area", None)]
SIZES = [dict(scale_factor=2), dict(size=(7, 4)), dict(scale_factor=(1.7, 0.6)),
         dict(size=(3, 11))]


@pytest.mark.parametrize("mode,align", MODES)
@pytest.mark.parametrize("kw", SIZES)
def test_interpolate_2d(mode, align, kw):
    check(lambda t: F.interpolate(t, mode=mode, align_corners=align, **kw),
          lambda t: TF.interpolate(t, mode=mode, align_corners=align, **kw), _x(2, 3, 5, 6),
          rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("linear", False), ("linear", True)])
def test_interpolate_1d(mode, align):
    for kw in (dict(scale_factor=3), dict(size=4)):
        check(lambda t, kw=kw: F.interpolate(t, mode=mode, align_corners=align, **kw),
              lambda t, kw=kw: TF.interpolate(t, mode=mode, align_corners=align, **kw),
              _x(2, 3, 7),
              rtol=1e-4, atol=1e-5)


def test_interpolate_3d():
    for mode, align in (("trilinear", False), ("trilinear", True), ("nearest", None)):
        check(lambda t, mode=mode, align=align: F.interpolate(
                  t, scale_factor=(2, 1.5, 0.5), mode=mode, align_corners=align),
              lambda t, mode=mode, align=align: TF.interpolate(
                  t, scale_factor=(2, 1.5, 0.5), mode=mode, align_corners=align),
              _x(1, 2, 3, 4, 6), rtol=1e-4, atol=1e-5)


def test_interpolate_errors():
    x = ember.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D"):
        F.interpolate(x, scale_factor=2, mode="linear")


def test_gradcheck_interpolate():
    check_grad(lambda t: F.interpolate(t, scale_factor=2, mode="bilinear"), _x(1, 1, 3, 2))
    check_grad(lambda t: F.interpolate(t, size=(5, 3), mode="nearest"), _x(1, 2, 3, 2))


@pytest.mark.parametrize("make", [
    lambda m: m.Upsample(scale_factor=2), lambda m: m.Upsample(size=4, mode="bilinear",
                                                               align_corners=True),
    lambda m: m.UpsamplingNearest2d(scale_factor=2), lambda m: m.UpsamplingBilinear2d(size=3),
    lambda m: m.Upsample(scale_factor=(2, 3), mode="bicubic"),
])
def test_upsample_layers(make):
    em, tm = make(nn), make(torch.nn)
    assert repr(em) == repr(tm)
    check_layer(em, tm, _x(2, 3, 4, 5))


def test_pixel_shuffle():
    em, tm = nn.PixelShuffle(2), torch.nn.PixelShuffle(2)
    assert repr(em) == repr(tm)
    check_layer(em, tm, _x(2, 8, 3, 4))
    check_layer(nn.PixelUnshuffle(3), torch.nn.PixelUnshuffle(3), _x(2, 2, 6, 9))
    check_layer(nn.PixelShuffle(3), torch.nn.PixelShuffle(3), _x(2, 5, 9, 3, 2))
    with pytest.raises(RuntimeError) as ti:
        TF.pixel_shuffle(torch.zeros(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError) as ei:
        F.pixel_shuffle(ember.zeros(1, 5, 2, 2), 2)
    assert str(ei.value) == str(ti.value)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2,
                                                            padding=1, dilation=(1, 2))])
def test_unfold_fold(kw):
    em, tm = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    assert repr(em) == repr(tm)
    ye, yt = check_layer(em, tm, _x(2, 3, 6, 7))
    fe, ft = nn.Fold((6, 7), **kw), torch.nn.Fold((6, 7), **kw)
    assert repr(fe) == repr(ft)
    check_layer(fe, ft, yt.detach().numpy())


def test_gradcheck_unfold_fold():
    check_grad(lambda t: F.unfold(t, 2, stride=1, padding=1), _x(1, 2, 3, 3))
    check_grad(lambda t: F.fold(t, (3, 4), 2), _x(1, 8, 6))


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample(mode, padding_mode, align):
    x = _x(2, 3, 5, 6)
    grid = (rng.uniform(-1.3, 1.3, (2, 4, 3, 2))).astype(np.float32)
    check(lambda a, g: F.grid_sample(a, g, mode=mode, padding_mode=padding_mode,
                                     align_corners=align),
          lambda a, g: TF.grid_sample(a, g, mode=mode, padding_mode=padding_mode,
                                      align_corners=align), x, grid, rtol=1e-4, atol=1e-5)


def test_gradcheck_grid_sample():
    grid = rng.uniform(-0.9, 0.9, (1, 2, 3, 2))
    check_grad(lambda a, g: F.grid_sample(a, g, align_corners=False), _x(1, 2, 3, 4), grid)


@pytest.mark.parametrize("align", [False, True])
def test_affine_grid(align):
    theta = _x(2, 2, 3)
    check(lambda t: F.affine_grid(t, (2, 3, 4, 5), align_corners=align),
          lambda t: TF.affine_grid(t, (2, 3, 4, 5), align_corners=align), theta)
    # the spatial-transformer pattern: affine_grid then grid_sample, gradients to theta
    x = _x(2, 3, 4, 5)
    check(lambda t, a: F.grid_sample(a, F.affine_grid(t, (2, 3, 4, 5), align_corners=align),
                                     align_corners=align),
          lambda t, a: TF.grid_sample(a, TF.affine_grid(t, (2, 3, 4, 5), align_corners=align),
                                      align_corners=align), theta * 0.5, x, rtol=1e-4, atol=1e-5)

"""F.pad and the padding layers against PyTorch (all modes, cropping, errors)."""
import numpy as np
import pytest
import torch
from _nnconv_util import check_layer
from helpers import check, check_grad

import ember
import ember.nn as nn
import ember.nn.functional as F

rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("pad", [(1, 2), (0, 0, 2, 1), (1, 1, 1, 1, 1, 1), (-1, 2, 1, -2),
                                 (-2, -1)])
@pytest.mark.parametrize("value", [None, 2.5])
def test_constant_pad(pad, value):
    check(lambda t: F.pad(t, pad, value=value),
          lambda t: torch.nn.functional.pad(t, pad, value=value), _x(2, 3, 4, 5))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((2, 3, 5, 6), (1, 2, 2, 1)), ((2, 3, 5, 6), (0, 0, 3, 1)),
                                       ((3, 5, 6), (2, 2, 4, 4)), ((2, 3, 7), (3, 1)),
                                       ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2))])
def test_non_constant_pad(mode, shape, pad):
    check(lambda t: F.pad(t, pad, mode=mode), lambda t: torch.nn.functional.pad(t, pad, mode=mode),
          _x(*shape))


def test_gradcheck_pad():
    check_grad(lambda t: F.pad(t, (2, 1, 1, 2), mode="reflect"), _x(1, 2, 3, 4))
    check_grad(lambda t: F.pad(t, (1, 3), mode="replicate"), _x(2, 3))
    check_grad(lambda t: F.pad(t, (-1, 2), value=1.5), _x(2, 3))


@pytest.mark.parametrize("call", [
    lambda F_, t: F_.pad(t(1, 2, 5, 5), (1, 2, 3)),
    lambda F_, t: F_.pad(t(5, 5), (1, 1, 1, 1, 1, 1)),
    lambda F_, t: F_.pad(t(1, 2, 3, 3), (3, 3, 1, 1), mode="reflect"),
    lambda F_, t: F_.pad(t(3, 3), (1, 1, 1, 1), mode="reflect"),
    lambda F_, t: F_.pad(t(1, 2, 3, 3), (4, 4, 1, 1), mode="circular"),
    lambda F_, t: F_.pad(t(1, 2, 3, 3), (1, 1, 1, 1), mode="foo"),
    lambda F_, t: F_.pad(t(1, 1, 3, 3), (1, 1), mode="reflect"),
])
def test_pad_errors_match_torch(call):
    with pytest.raises(Exception) as ti:
        call(torch.nn.functional, torch.zeros)
    with pytest.raises(type(ti.value)) as ei:
        call(F, ember.zeros)
    assert str(ei.value) == str(ti.value)


LAYERS = [("ZeroPad1d", (1, 2)), ("ZeroPad2d", 1), ("ZeroPad2d", (1, 0, 2, 3)),
          ("ConstantPad1d", (2, 3.5)), ("ConstantPad2d", ((1, 2, 0, 1), -1.0)),
          ("ConstantPad3d", (1, 2.0)), ("ReflectionPad1d", 2), ("ReflectionPad2d", (1, 2, 3, 1)),
          ("ReplicationPad1d", (3, 1)), ("ReplicationPad2d", 2), ("ReplicationPad3d", 1),
          ("CircularPad1d", 1), ("CircularPad2d", (1, 2, 2, 1)), ("ReflectionPad3d", 1),
          ("ZeroPad3d", (1, 0, 0, 1, 1, 0)), ("CircularPad3d", 1)]


@pytest.mark.parametrize("name,arg", LAYERS)
def test_padding_layers(name, arg):
    args = arg if name.startswith("ConstantPad") else (arg,)
    em, tm = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(em) == repr(tm)
    nd = int(name[-2])
    x = _x(*((2, 3) + (4, 5, 6)[:nd]))
    check_layer(em, tm, x)

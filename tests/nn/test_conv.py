"""Conv1d/2d/3d and ConvTranspose1d/2d against PyTorch: outputs, gradients, double backward,
errors, reprs and default initialisation."""
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
    return rng.standard_normal(shape).astype(np.float32)


CONV2D = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
    dict(padding="same", dilation=2),
    dict(padding="valid", bias=False),
    dict(groups=2, stride=2),
    dict(padding=1, padding_mode="reflect"),
    dict(padding=(2, 1), padding_mode="replicate"),
    dict(padding=1, padding_mode="circular", groups=4),
    dict(padding="same", padding_mode="reflect", kernel_size=4),
]


@pytest.mark.parametrize("kw", CONV2D)
@pytest.mark.parametrize("train", [True, False])
def test_conv2d_layer(kw, train):
    kw = dict(kw)
    k = kw.pop("kernel_size", 3)
    tm = torch.nn.Conv2d(4, 8, k, **kw)
    em = nn.Conv2d(4, 8, k, **kw)
    check_layer(em, tm, _x(2, 4, 9, 8), train=train)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=2, dilation=2),
                                dict(padding="same"), dict(groups=3, bias=False),
                                dict(padding=2, padding_mode="reflect"),
                                dict(padding=1, padding_mode="circular")])
def test_conv1d_layer(kw):
    check_layer(nn.Conv1d(3, 6, 3, **kw), torch.nn.Conv1d(3, 6, 3, **kw), _x(2, 3, 11))


def test_conv3d_layer():
    kw = dict(stride=(1, 2, 1), padding=1)
    check_layer(nn.Conv3d(2, 4, 3, **kw), torch.nn.Conv3d(2, 4, 3, **kw), _x(2, 2, 5, 6, 4))


def test_unbatched_input():
    check_layer(nn.Conv2d(3, 5, 3), torch.nn.Conv2d(3, 5, 3), _x(3, 7, 7))
    check_layer(nn.Conv1d(3, 5, 2), torch.nn.Conv1d(3, 5, 2), _x(3, 7))


CONVT2D = [
    dict(),
    dict(stride=2),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(2, 3), padding=(1, 0), output_padding=(0, 2), dilation=(1, 1)),
    dict(stride=2, dilation=2, output_padding=1, bias=False),
    dict(groups=2, stride=2, padding=1),
    # output_padding >= stride (allowed below the dilation): trailing rows no window reads
    dict(dilation=2, output_padding=1, padding=1),
    dict(stride=(1, 2), dilation=(3, 1), output_padding=(2, 1)),
]


@pytest.mark.parametrize("kw", CONVT2D)
def test_conv_transpose2d_layer(kw):
    tm = torch.nn.ConvTranspose2d(4, 6, 3, **kw)
    em = nn.ConvTranspose2d(4, 6, 3, **kw)
    check_layer(em, tm, _x(2, 4, 5, 4))


def test_conv_transpose1d_layer():
    kw = dict(stride=3, padding=1, output_padding=2, groups=2)
    check_layer(nn.ConvTranspose1d(4, 2, 4, **kw), torch.nn.ConvTranspose1d(4, 2, 4, **kw),
                _x(2, 4, 6))


def test_conv_transpose_output_size():
    tm = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    em = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    x = _x(1, 3, 6, 6)
    from _nnconv_util import load_from_torch

    load_from_torch(em, tm)
    for size in ([12, 12], [1, 2, 11, 12]):
        assert_close(em(ember.tensor(x), output_size=size), tm(torch.tensor(x),
                                                               output_size=size), 1e-4, 1e-5)
    with pytest.raises(ValueError, match="requested an output size of"):
        em(ember.tensor(x), output_size=[14, 14])


def test_dcgan_generator_shapes():
    """The DCGAN pattern: ConvTranspose2d(k=4, s=2, p=1) doubles the size."""
    tm = torch.nn.ConvTranspose2d(8, 4, 4, 2, 1, bias=False)
    em = nn.ConvTranspose2d(8, 4, 4, 2, 1, bias=False)
    ye, yt = check_layer(em, tm, _x(3, 8, 7, 7))
    assert tuple(ye.shape) == (3, 4, 14, 14)


# --- primitives: float64 gradcheck and gradgradcheck -------------------------------------
def test_gradcheck_conv2d():
    x, w, b = _x(2, 4, 5, 5), _x(6, 2, 3, 2), _x(6)
    check_grad(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2),
                                        groups=2), x, w, b)


def test_gradcheck_conv1d_same():
    check_grad(lambda x, w: F.conv1d(x, w, padding="same"), _x(2, 2, 6), _x(3, 2, 4))


def test_gradcheck_conv_transpose2d():
    x, w, b = _x(1, 4, 3, 3), _x(4, 1, 3, 2), _x(2)
    check_grad(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                  output_padding=1, groups=2), x, w, b)


def test_gradcheck_conv_transpose_output_padding_not_below_stride():
    x, w = _x(1, 2, 3, 4), _x(2, 2, 2, 2)
    check_grad(lambda x, w: F.conv_transpose2d(x, w, stride=1, output_padding=1, dilation=2),
               x, w)


def test_double_backward_matches_torch():
    """Second derivatives through conv2d (all three primitive forwards appear)."""
    x, w = _x(2, 3, 6, 6), _x(4, 3, 3, 3)
    outs = []
    for lib, mk in ((ember, ember.tensor), (torch, torch.tensor)):
        xx, ww = mk(x.copy(), requires_grad=True), mk(w.copy(), requires_grad=True)
        fn = F.conv2d if lib is ember else torch.nn.functional.conv2d
        y = fn(xx, ww, stride=2, padding=1)
        gx, gw = lib.autograd.grad((y * y).sum(), (xx, ww), create_graph=True)
        ((gx ** 2).sum() + (gw * gw).sum()).backward()
        outs.append((gx, gw, xx.grad, ww.grad))
    for e, t in zip(*outs):
        assert_close(e, t, 1e-4, 1e-3)


def test_wgan_gp_gradient_penalty():
    """WGAN-GP: penalty on the input-gradient norm of a conv critic, grads as PyTorch."""
    tm = torch.nn.Conv2d(1, 4, 3, stride=2, padding=1)
    tl = torch.nn.Conv2d(4, 1, 3)
    em, el = nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.Conv2d(4, 1, 3)
    from _nnconv_util import load_from_torch

    load_from_torch(em, tm)
    load_from_torch(el, tl)
    x = _x(3, 1, 8, 8)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    de = el(em(xe) * em(xe)).sum()  # a non-linearity made of ember core ops
    dt = tl(tm(xt) * tm(xt)).sum()
    (ge,) = ember.autograd.grad(de, xe, create_graph=True)
    (gt,) = torch.autograd.grad(dt, xt, create_graph=True)
    pe = ((ge.reshape(3, -1) ** 2).sum(1) ** 0.5 - 1) ** 2
    pt = ((gt.reshape(3, -1) ** 2).sum(1) ** 0.5 - 1) ** 2
    pe.mean().backward()
    pt.mean().backward()
    for p, q in zip(list(em.parameters()) + list(el.parameters()),
                         list(tm.parameters()) + list(tl.parameters())):
        assert_close(p.grad, q.grad, 1e-4, 1e-4)


def test_gradgradcheck_conv2d_float64():
    check_grad(lambda x, w: F.conv2d(x, w, stride=2, padding=1), _x(1, 2, 5, 5), _x(2, 2, 3, 3))


def test_float64_dtype_kept():
    x, w = _x(1, 2, 5, 5).astype(np.float64), _x(3, 2, 3, 3).astype(np.float64)
    y = F.conv2d(ember.tensor(x), ember.tensor(w))
    assert y.dtype == ember.float64


# --- errors, repr, init ---------------------------------------------------------------------
def _torch_error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("args", [
    ((2, 4, 5, 5), (8, 3, 3, 3), {}),
    ((2, 3, 2, 2), (8, 3, 3, 3), {}),
    ((5, 5), (8, 3, 3, 3), {}),
    ((2, 4, 5, 5), (8, 2, 3, 3), dict(groups=3)),
    ((2, 4, 5, 5), (8, 4, 3, 3), dict(stride=2, padding="same")),
    ((2, 4, 5, 5), (8, 4, 3, 3), dict(stride=0)),
    ((2, 4, 5, 5), (8, 4, 3, 3), dict(padding=-1)),
])
def test_conv2d_errors_match_torch(args):
    xs, ws, kw = args
    te, tmsg = _torch_error(lambda: torch.nn.functional.conv2d(torch.zeros(xs),
                                                               torch.zeros(ws), **kw))
    with pytest.raises(te) as info:
        F.conv2d(ember.zeros(*xs), ember.zeros(*ws), **kw)
    assert str(info.value) == tmsg


def test_conv_error_message_text():
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[8, 3, 3, 3\], "
                       r"expected input\[2, 4, 5, 5\] to have 3 channels, but got 4 channels"):
        nn.Conv2d(3, 8, 3)(ember.zeros(2, 4, 5, 5))


def test_conv_transpose_errors():
    for kw in (dict(), dict(output_padding=1)):
        w = (3, 4, 3, 3) if not kw else (4, 4, 3, 3)
        te, tmsg = _torch_error(lambda w=w, kw=kw: torch.nn.functional.conv_transpose2d(
            torch.zeros(2, 4, 5, 5), torch.zeros(w), **kw))
        with pytest.raises(te) as info:
            F.conv_transpose2d(ember.zeros(2, 4, 5, 5), ember.zeros(*w), **kw)
        assert str(info.value) == tmsg


@pytest.mark.parametrize("kw", [dict(groups=4), dict(padding="same", stride=2),
                                dict(padding="foo"), dict(padding_mode="foo")])
def test_module_construction_errors(kw):
    te, tmsg = _torch_error(lambda: torch.nn.Conv2d(4, 6, 3, **kw))
    with pytest.raises(te) as info:
        nn.Conv2d(4, 6, 3, **kw)
    assert _sorted_sets(str(info.value)) == _sorted_sets(tmsg)


def _sorted_sets(msg):
    """PyTorch prints Python sets, whose order varies between processes: sort them."""
    import re

    return re.sub(r"\{([^}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}",
                  msg)


@pytest.mark.parametrize("make", [
    lambda m: m.Conv2d(4, 6, 3),
    lambda m: m.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=2, groups=2, bias=False,
                       padding_mode="reflect"),
    lambda m: m.ConvTranspose2d(4, 6, 3, stride=2, output_padding=1),
    lambda m: m.Conv1d(4, 6, 3, padding="same"),
    lambda m: m.Conv3d(2, 2, 1),
])
def test_repr_and_state_dict_keys(make):
    e, t = make(nn), make(torch.nn)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    assert type(e).__module__ == "ember.nn.modules.conv"


def test_default_init_distribution():
    m = nn.Conv2d(16, 32, 3)
    bound = 1 / np.sqrt(16 * 9)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-a, a) has std a / sqrt(3)
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound
    mt = nn.ConvTranspose2d(16, 8, 4)
    bt = 1 / np.sqrt(8 * 16)
    assert np.abs(mt.weight.detach().numpy()).max() <= bt
    assert abs(mt.weight.detach().numpy().std() - bt / np.sqrt(3)) < 0.05 * bt

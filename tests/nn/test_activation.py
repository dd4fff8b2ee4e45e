import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close, check, check_grad
from layer_check import compare_layer

import ember
import ember.nn.functional as F
from ember import nn

tnn, tF = torch.nn, torch.nn.functional

# (name, constructor args) for modules with the same name in both frameworks
MODULES = [
    ("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", ()), ("LeakyReLU", (0.2,)), ("PReLU", ()),
    ("ELU", ()), ("ELU", (0.5,)), ("SELU", ()), ("CELU", ()), ("CELU", (0.7,)), ("GELU", ()),
    ("GELU", ("tanh",)), ("SiLU", ()), ("Mish", ()), ("Sigmoid", ()), ("Tanh", ()),
    ("Hardtanh", ()), ("Hardtanh", (-2.0, 0.5)), ("Hardsigmoid", ()), ("Hardswish", ()),
    ("Softplus", ()), ("Softplus", (2.0, 1.0)), ("Softsign", ()), ("Tanhshrink", ()),
    ("Threshold", (0.1, 20.0)), ("Softmax", (1,)), ("Softmax", (-1,)), ("LogSoftmax", (1,)),
    ("LogSoftmax", (0,)), ("Softmin", (1,)), ("GLU", ()), ("GLU", (1,)), ("LogSigmoid", ()),
    ("Hardshrink", ()), ("Softshrink", ()), ("Softshrink", (0.1,)), ("RReLU", ()),
]


def _x(shape=(3, 4, 6), scale=3.0, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * scale
    return x


@pytest.mark.parametrize("name,args", MODULES)
def test_module_parity_train_and_eval(name, args):
    e = getattr(nn, name)(*args)
    t = getattr(tnn, name)(*args)
    assert repr(e) == repr(t)
    assert type(e).__module__ == "ember.nn.modules.activation"
    x = _x()
    for train in (False,) if name == "RReLU" else (True, False):
        compare_layer(e, t, x, train=train, rtol=1e-5, atol=1e-5)


_EDGE = [(n, a, s, d) for n, a in MODULES if n != "GLU"
         for s, d in [((), np.float32), ((0, 4), np.float32), ((3, 4), np.float64)]
         if not (s == () and a and a[0] == 1)]  # no dim 1 on a 0-d input


@pytest.mark.parametrize("name,args,shape,dtype", _EDGE)
def test_module_parity_0d_empty_float64(name, args, shape, dtype):
    x = np.asarray(np.random.default_rng(1).standard_normal(shape) * 3).astype(dtype)
    e, t = getattr(nn, name)(*args), getattr(tnn, name)(*args)
    if dtype == np.float64:
        e.double()
        t.double()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_layer(e, t, x, train=False)


def test_prelu_channels_and_init():
    e, t = nn.PReLU(4, init=0.1), tnn.PReLU(4, init=0.1)
    assert repr(e) == repr(t)
    assert_close(e.weight, t.weight)
    compare_layer(e, t, _x((2, 4, 5)))
    compare_layer(nn.PReLU(4), tnn.PReLU(4), _x((3, 4)))
    compare_layer(nn.PReLU(), tnn.PReLU(), _x((5,)))
    compare_layer(nn.PReLU(), tnn.PReLU(), _x(()))
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel"):
        nn.PReLU(3)(ember.ones(2, 4))


def test_kinks_match_pytorch_exactly():
    pts = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0], np.float32)
    fns = [
        (F.relu, tF.relu), (F.relu6, tF.relu6), (lambda x: F.leaky_relu(x, 0.1),
                                                 lambda x: tF.leaky_relu(x, 0.1)),
        (F.elu, tF.elu), (F.selu, tF.selu), (F.celu, tF.celu), (F.hardtanh, tF.hardtanh),
        (F.hardsigmoid, tF.hardsigmoid), (F.hardswish, tF.hardswish),
        (lambda x: F.hardshrink(x, 0.5), lambda x: tF.hardshrink(x, 0.5)),
        (lambda x: F.softshrink(x, 0.5), lambda x: tF.softshrink(x, 0.5)),
        (lambda x: F.threshold(x, 1.0, -2.0), lambda x: tF.threshold(x, 1.0, -2.0)),
        (lambda x: F.prelu(x, ember.tensor([0.3])), lambda x: tF.prelu(x, torch.tensor([0.3]))),
        (F.softsign, tF.softsign),
    ]
    for fe, ft in fns:
        check(fe, ft, pts, rtol=0, atol=1e-7)


@pytest.mark.parametrize("fn", [
    F.relu, F.relu6, F.elu, F.selu, F.celu, F.gelu, lambda x: F.gelu(x, approximate="tanh"),
    F.silu, F.mish, F.sigmoid, F.tanh, F.hardtanh, F.hardswish, F.softplus, F.softsign,
    F.tanhshrink, F.logsigmoid, lambda x: F.leaky_relu(x, 0.2), lambda x: F.softmax(x, 1),
    lambda x: F.log_softmax(x, 1), lambda x: F.softmin(x, 0), lambda x: F.glu(x, 1),
    lambda x: F.softplus(x, 2.0, 1.0), lambda x: F.hardshrink(x, 0.3),
    lambda x: F.softshrink(x, 0.3),
])
def test_gradcheck_and_gradgradcheck(fn):
    # points away from the kinks (finite differences are undefined there)
    x = np.array([[-2.1, -0.7, 0.4, 1.3], [2.6, -1.4, 0.9, -0.2]])
    check_grad(fn, x)


def test_prelu_gradcheck_wrt_weight():
    x = np.array([[-2.1, -0.7, 0.4, 1.3], [2.6, -1.4, 0.9, -0.2]])
    check_grad(lambda a, w: F.prelu(a, w), x, np.array([0.3, 0.2, 0.1, 0.4]))
    check_grad(lambda a, w: F.prelu(a, w), x, np.array([0.3]))


def test_gelu_values_exact_and_tanh():
    x = _x((50,), 4.0)
    check(F.gelu, tF.gelu, x)
    check(lambda a: F.gelu(a, approximate="tanh"), lambda a: tF.gelu(a, approximate="tanh"), x)
    with pytest.raises(RuntimeError):
        F.gelu(ember.ones(1), approximate="foo")


def test_extreme_inputs_are_stable():
    x = np.array([-200.0, -30.0, -1.0, 0.0, 1.0, 30.0, 200.0], np.float32)
    for fe, ft in [(F.sigmoid, torch.sigmoid), (F.softplus, tF.softplus),
                   (F.logsigmoid, tF.logsigmoid), (F.silu, tF.silu), (F.mish, tF.mish),
                   (F.elu, tF.elu), (F.tanh, torch.tanh)]:
        check(fe, ft, x, rtol=1e-5, atol=1e-6)
    big = np.array([[1000.0, 0.0, -1000.0]], np.float32)
    check(lambda a: F.softmax(a, 1), lambda a: tF.softmax(a, 1), big)
    check(lambda a: F.log_softmax(a, 1), lambda a: tF.log_softmax(a, 1), big)


def test_softmax_implicit_dim_and_dtype():
    for shape in [(5,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x = _x(shape)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = nn.Softmax()(ember.tensor(x))
        assert any("Implicit dimension" in str(m.message) for m in w)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_close(out, tnn.Softmax()(torch.tensor(x)))
    x = _x((2, 3))
    out = F.softmax(ember.tensor(x), 1, dtype=ember.float64)
    assert out.dtype == ember.float64
    assert_close(out, tF.softmax(torch.tensor(x), 1, dtype=torch.float64))
    x = _x((2, 3, 4, 5))
    compare_layer(nn.Softmax2d(), tnn.Softmax2d(), x)
    compare_layer(nn.Softmax2d(), tnn.Softmax2d(), x[0])
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D"):
        nn.Softmax2d()(ember.ones(2, 3))


@pytest.mark.parametrize("name,args", [
    ("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", (0.1,)), ("ELU", (1.0,)), ("SELU", ()),
    ("CELU", (1.0,)), ("SiLU", ()), ("Mish", ()), ("Hardtanh", (-1.0, 1.0)), ("Hardsigmoid", ()),
    ("Hardswish", ()), ("Threshold", (0.5, -1.0)), ("RReLU", (0.1, 0.3)),
])
def test_inplace_writes_into_input(name, args):
    x = _x((3, 4))
    e = getattr(nn, name)(*args, inplace=True).eval()
    t = getattr(tnn, name)(*args, inplace=True).eval()
    assert repr(e) == repr(t)
    xe, xt = ember.tensor(x), torch.tensor(x)
    oe, ot = e(xe), t(xt)
    assert_close(xe, xt)
    assert_close(oe, ot)
    # in-place on a non-leaf inside a graph: gradients still right
    a = ember.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ye = e(a * 2)
    yt = t(b * 2)
    (ye * ye).sum().backward()
    (yt * yt).sum().backward()
    assert_close(a.grad, b.grad, 1e-5, 1e-5)


def test_inplace_on_leaf_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu(ember.ones(2, requires_grad=True), inplace=True)


def test_rrelu_training_slopes():
    x = -np.abs(_x((2000,), 1.0)) - 0.1
    out = F.rrelu(ember.tensor(x), 0.1, 0.3, training=True).numpy()
    slopes = out / x
    assert slopes.min() >= 0.1 - 1e-6 and slopes.max() <= 0.3 + 1e-6
    assert abs(slopes.mean() - 0.2) < 0.01 and slopes.std() > 0.04
    pos = np.abs(_x((10,))) + 0.1
    assert_close(F.rrelu(ember.tensor(pos), training=True), torch.tensor(pos))


def test_glu_errors():
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(ember.ones(2, 3))


def test_functional_names_exist():
    for name in ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "elu",
                 "elu_", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh", "hardtanh",
                 "hardtanh_", "hardsigmoid", "hardswish", "softplus", "softsign", "tanhshrink",
                 "threshold", "softmax", "log_softmax", "softmin", "glu", "logsigmoid",
                 "hardshrink", "softshrink"]:
        assert callable(getattr(F, name)), name


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("make", [
    lambda L: L.nn.functional.softmax(L.tensor([1, 2]), 0),
    lambda L: L.nn.functional.log_softmax(L.tensor([1, 2]), 0),
    lambda L: L.nn.functional.softmax(L.zeros(2, 3), 2),
    lambda L: L.nn.functional.glu(L.zeros(2, 3)),
    lambda L: L.nn.functional.glu(L.tensor(1.0)),
    lambda L: L.nn.PReLU(3)(L.zeros(2, 4)),
    lambda L: L.nn.PReLU(4)(L.zeros(4)),
    lambda L: L.nn.PReLU(4)(L.tensor(1.0)),
    lambda L: L.nn.functional.hardtanh(L.zeros(2), 1.0, -1.0),
    lambda L: L.nn.functional.softshrink(L.zeros(2), -1.0),
    lambda L: L.nn.functional.softshrink(L.zeros(2, dtype=L.float64), -0.5),
    lambda L: L.nn.functional.celu(L.zeros(2), 0.0),
    lambda L: L.nn.functional.gelu(L.zeros(2), approximate="x"),
    lambda L: L.nn.functional.normalize(L.tensor([[1, 2]])),
    lambda L: L.nn.functional.cosine_similarity(L.tensor([[1, 2]]), L.tensor([[1, 2]])),
    lambda L: L.nn.functional.linear(L.zeros(2, 3), L.zeros(2, 3, 4)),
    lambda L: L.nn.functional.one_hot(L.tensor([3]), 2),
    lambda L: L.nn.functional.one_hot(L.tensor([-1]), 2),
    lambda L: L.nn.functional.one_hot(L.tensor([], dtype=L.int64)),
])
def test_bad_input_errors_match_torch(make):
    te = _err(lambda: make(torch))
    assert te is not None and _err(lambda: make(ember)) == te


@pytest.mark.parametrize("slope", [0.01, 0.1, 0.2, 1.0, 0.0, 1.5, -0.3])
@pytest.mark.parametrize("inplace", [False, True])
def test_leaky_relu_bits_at_kinks_inf_nan(slope, inplace):
    # the fast primitive (slope in (0, 1]) and the general path give torch's bits: the kink at
    # 0 takes the slope side (x > 0 ? grad : slope * grad), -0.0, inf and nan included
    if inplace and slope < 0:
        pytest.skip("torch refuses the in-place backward for a negative slope")
    x = np.array([-np.inf, -2.5, -0.0, 0.0, 1e-45, -1e-45, 1.5, np.inf, np.nan], np.float32)
    g = np.array([1.0, np.inf, np.nan, 2.0, -3.0, 4.0, -np.inf, 5.0, 6.0], np.float32)
    outs = []
    for lib, fn in ((torch, tF.leaky_relu), (ember, F.leaky_relu)):
        leaf = lib.tensor(x, requires_grad=True)
        y = fn(leaf * 1.0, slope, inplace) if inplace else fn(leaf, slope)
        y.backward(lib.tensor(g))
        outs.append((y.detach().numpy(), leaf.grad.numpy()))
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a.view(np.int32) & ~(np.isnan(a) * 0x7FFFFF),
                                      b.view(np.int32) & ~(np.isnan(b) * 0x7FFFFF))


@pytest.mark.parametrize("shape", [(), (0, 3), (2, 3, 5, 5)])
def test_leaky_relu_shapes_dtypes_and_double_backward(shape):
    x = np.random.default_rng(1).standard_normal(shape)
    for dt in (np.float32, np.float64):
        e = ember.tensor(x.astype(dt), requires_grad=True)
        t = torch.tensor(x.astype(dt), requires_grad=True)
        ye, yt = F.leaky_relu(e, 0.2), tF.leaky_relu(t, 0.2)
        assert ye.dtype == getattr(ember, np.dtype(dt).name) and tuple(ye.shape) == shape
        assert_close(ye, yt)
    e = ember.tensor(x, requires_grad=True)
    assert ember.autograd.gradcheck(lambda v: F.leaky_relu(v, 0.2), (e,))
    assert ember.autograd.gradgradcheck(lambda v: F.leaky_relu(v, 0.2) ** 2, (e,))

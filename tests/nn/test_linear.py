import numpy as np
import pytest
import torch
from helpers import assert_close, check, check_grad
from layer_check import compare_layer

import ember
import ember.nn.functional as F
from ember import nn

rng = np.random.default_rng(0)


def randn(*s, dtype=np.float32):
    return rng.standard_normal(s).astype(dtype)


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (3,), (2, 2, 2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_parity(shape, bias):
    compare_layer(nn.Linear(3, 5, bias=bias), torch.nn.Linear(3, 5, bias=bias), randn(*shape))


def test_linear_class_path_and_repr():
    m = nn.Linear(3, 4)
    assert type(m).__module__ == "ember.nn.modules.linear" and type(m).__name__ == "Linear"
    assert repr(m) == repr(torch.nn.Linear(3, 4))
    assert repr(nn.Linear(3, 4, bias=False)) == repr(torch.nn.Linear(3, 4, bias=False))
    assert list(m.state_dict()) == list(torch.nn.Linear(3, 4).state_dict())


def test_linear_dtype_device_kwargs():
    m = nn.Linear(3, 4, device="cpu", dtype=ember.float64)
    assert m.weight.dtype == ember.float64 and m.bias.dtype == ember.float64
    x = ember.tensor(randn(2, 3, dtype=np.float64))
    assert m(x).dtype == ember.float64


def test_linear_wrong_input_size_message():
    m = nn.Linear(5, 2)
    t = torch.nn.Linear(5, 2)
    for shape in [(4, 3), (2, 4, 3)]:
        with pytest.raises(RuntimeError) as te:
            t(torch.zeros(shape))
        with pytest.raises(RuntimeError) as ee:
            m(ember.zeros(shape))
        assert str(ee.value) == str(te.value)
    assert "(4x3 and 5x2)" in str(ee.value) or "(8x3 and 5x2)" in str(ee.value)


def test_f_linear_1d_weight_and_no_bias():
    x, w = randn(4, 3), randn(3)
    check(lambda a, b: F.linear(a, b), lambda a, b: torch.nn.functional.linear(a, b), x, w)
    check(lambda a, b, c: F.linear(a, b, c), lambda a, b, c: torch.nn.functional.linear(a, b, c),
          randn(2, 3, 4), randn(5, 4), randn(5), rtol=1e-4)


def test_linear_double_backward():
    check_grad(lambda x, w, b: F.linear(x, w, b), randn(3, 4), randn(2, 4), randn(2))
    check_grad(lambda x, w: F.linear(x, w), randn(2, 2, 4), randn(3, 4))


def test_linear_gradient_penalty_matches_torch():
    # WGAN-GP style: grad of the output w.r.t. the input, its norm, backprop into weights
    x = randn(4, 3)
    t = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    e = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    xt = torch.tensor(x, requires_grad=True)
    xe = ember.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(t(xt).sum(), xt, create_graph=True)
    (ge,) = ember.autograd.grad(e(xe).sum(), xe, create_graph=True)
    ((gt * gt).sum(1) - 1).pow(2).mean().backward()
    ((ge * ge).sum(1) - 1).pow(2).mean().backward()
    for (_, pe), (_, pt) in zip(e.named_parameters(), t.named_parameters()):
        assert_close(pe.grad, pt.grad, 1e-4, 1e-5)


def test_linear_init_statistics():
    m = nn.Linear(400, 300)
    w = m.weight.detach().numpy()
    bound = 1 / np.sqrt(400)
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.mean()) < 0.01 * bound * 10
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    b = m.bias.detach().numpy()
    assert b.min() >= -bound and b.max() <= bound
    # same distribution as PyTorch's: compare quantiles
    from scipy import stats

    torch.manual_seed(0)
    tw = torch.nn.Linear(400, 300).weight.detach().numpy()
    assert stats.ks_2samp(w.ravel(), tw.ravel()).pvalue > 1e-3


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_parity(bias):
    compare_layer(nn.Bilinear(3, 4, 5, bias=bias), torch.nn.Bilinear(3, 4, 5, bias=bias),
                  randn(6, 3), randn(6, 4), rtol=1e-4)
    compare_layer(nn.Bilinear(3, 4, 2, bias=bias), torch.nn.Bilinear(3, 4, 2, bias=bias),
                  randn(2, 6, 3), randn(2, 6, 4), rtol=1e-4)
    assert repr(nn.Bilinear(3, 4, 5, bias=bias)) == repr(torch.nn.Bilinear(3, 4, 5, bias=bias))


def test_bilinear_gradcheck():
    check_grad(lambda a, b, w, c: F.bilinear(a, b, w, c), randn(2, 3), randn(2, 2),
               randn(4, 3, 2), randn(4))


def test_bilinear_init_bounds():
    w = nn.Bilinear(50, 20, 30).weight.detach().numpy()
    bound = 1 / np.sqrt(50)
    assert w.min() >= -bound and w.max() <= bound and w.max() > 0.9 * bound


def test_identity_and_lazy_linear():
    assert repr(nn.Identity(3, foo=1)) == repr(torch.nn.Identity(3, foo=1))
    x = ember.ones(2, 3)
    assert nn.Identity()(x) is x
    m = nn.LazyLinear(4)
    assert m(ember.ones(5, 7)).shape == (5, 4)
    assert type(m) is nn.Linear and m.weight.shape == (4, 7)
    assert repr(m) == repr(torch.nn.Linear(7, 4))


def test_flatten_unflatten():
    x = randn(2, 3, 4, 5)
    compare_layer(nn.Flatten(), torch.nn.Flatten(), x)
    compare_layer(nn.Flatten(0, 2), torch.nn.Flatten(0, 2), x)
    compare_layer(nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1)), x)
    compare_layer(nn.Unflatten(-1, (-1, 5)), torch.nn.Unflatten(-1, (-1, 5)), x)
    for e, t in [(nn.Flatten(), torch.nn.Flatten()), (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
                 (nn.Unflatten(1, (2, 5)), torch.nn.Unflatten(1, (2, 5)))]:
        assert repr(e) == repr(t)
    assert type(nn.Flatten()).__module__ == "ember.nn.modules.flatten"


def test_normalize_cosine_pairwise():
    tf = torch.nn.functional
    x, y = randn(4, 5), randn(4, 5)
    for p in (1.0, 2.0, 3.0):
        check(lambda a, p=p: F.normalize(a, p=p), lambda a, p=p: tf.normalize(a, p=p), x,
              rtol=1e-4)
        check(lambda a, b, p=p: F.pairwise_distance(a, b, p=p),
              lambda a, b, p=p: tf.pairwise_distance(a, b, p=p), x, y, rtol=1e-4)
    check(lambda a: F.normalize(a, dim=0), lambda a: tf.normalize(a, dim=0), x, rtol=1e-4)
    check(lambda a, b: F.cosine_similarity(a, b), lambda a, b: tf.cosine_similarity(a, b), x, y,
          rtol=1e-4)
    check(lambda a, b: F.cosine_similarity(a, b, dim=-1),
          lambda a, b: tf.cosine_similarity(a, b, dim=-1), randn(2, 1, 5), randn(3, 5),
          rtol=1e-4)
    check(lambda a, b: F.pairwise_distance(a, b, keepdim=True),
          lambda a, b: tf.pairwise_distance(a, b, keepdim=True), x, y, rtol=1e-4)
    check(lambda a: F.pdist(a), lambda a: tf.pdist(a), x, rtol=1e-4)
    # a zero row: normalize gives zeros and a finite gradient, as in PyTorch
    z = np.zeros((2, 3), np.float32)
    z[1] = 1
    check(lambda a: F.normalize(a), lambda a: tf.normalize(a), z)


def test_normalize_gradcheck():
    check_grad(lambda a: F.normalize(a), randn(3, 4))
    check_grad(lambda a, b: F.cosine_similarity(a, b), randn(3, 4), randn(3, 4))
    check_grad(lambda a, b: F.pairwise_distance(a, b, p=3.0), randn(3, 4), randn(3, 4))


def test_one_hot():
    idx = np.array([[0, 3], [2, 1]])
    e = F.one_hot(ember.tensor(idx))
    t = torch.nn.functional.one_hot(torch.tensor(idx))
    assert_close(e, t)
    assert e.dtype == ember.int64
    assert_close(F.one_hot(ember.tensor(idx), 6), torch.nn.functional.one_hot(torch.tensor(idx), 6))
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(ember.tensor(idx), 3)
    with pytest.raises(RuntimeError):
        F.one_hot(ember.tensor([0.5]))


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Linear(3, 2)(lib.zeros(3, dtype=lib.float64)),
    lambda lib: lib.nn.Linear(3, 2)(lib.zeros(2, 3, dtype=lib.int64)),
    lambda lib: lib.nn.Linear(3, 2)(lib.zeros(4)),
    lambda lib: lib.nn.Linear(3, 2)(lib.tensor(1.0)),
    lambda lib: lib.nn.Bilinear(2, 2, 5)(lib.zeros(4, 3), lib.zeros(4, 2)),
    lambda lib: lib.nn.Bilinear(2, 2, 5)(lib.zeros(4, 2), lib.zeros(4, 3)),
    lambda lib: lib.nn.Bilinear(2, 2, 5)(lib.zeros(4, 2), lib.zeros(3, 2)),
    lambda lib: lib.nn.Bilinear(2, 2, 5)(lib.zeros(3, 4, 2), lib.zeros(4, 2)),
])
def test_bad_input_errors_match_torch(make):
    te = _err(lambda: make(torch))
    assert te is not None and _err(lambda: make(ember)) == te


def test_linear_edge_shapes_and_noncontiguous_input():
    import warnings

    compare_layer(nn.Linear(3, 2), torch.nn.Linear(3, 2), np.zeros((0, 3), np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-element init warning, as torch
        compare_layer(nn.Linear(3, 0), torch.nn.Linear(3, 0), randn(2, 3))
        compare_layer(nn.Linear(0, 2), torch.nn.Linear(0, 2), np.ones((2, 0), np.float32))
    compare_layer(nn.Bilinear(3, 2, 4), torch.nn.Bilinear(3, 2, 4),
                  np.zeros((0, 3), np.float32), np.zeros((0, 2), np.float32))
    x = randn(3, 4)
    e, t = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    assert_close(e(ember.tensor(x).t()), t(torch.tensor(x).t()))

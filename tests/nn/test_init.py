import math
import warnings

import numpy as np
import pytest
import torch
from scipy import stats

import ember
from ember import nn
from ember.nn import init

tinit = torch.nn.init


def _pair(shape, dtype=np.float32):
    return ember.zeros(*shape, dtype=ember.float32 if dtype == np.float32 else ember.float64), \
        torch.zeros(*shape, dtype=torch.float32 if dtype == np.float32 else torch.float64)


def _same_distribution(a, b, alpha=1e-3):
    """Two-sample Kolmogorov-Smirnov: no evidence that ember's and torch's samples differ."""
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    assert stats.ks_2samp(a, b).pvalue > alpha


CASES = [
    ("uniform_", (), {"a": -0.3, "b": 0.7}),
    ("normal_", (), {"mean": 0.5, "std": 2.0}),
    ("trunc_normal_", (), {"mean": 0.2, "std": 1.0, "a": -1.0, "b": 1.5}),
    ("xavier_uniform_", (), {"gain": 2.0}),
    ("xavier_normal_", (), {}),
    ("kaiming_uniform_", (), {"a": math.sqrt(5)}),
    ("kaiming_uniform_", (), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (), {}),
    ("kaiming_normal_", (), {"a": 0.2, "mode": "fan_out", "nonlinearity": "leaky_relu"}),
    ("orthogonal_", (), {"gain": 1.5}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES)
@pytest.mark.parametrize("shape", [(120, 80), (40, 8, 3, 3)])
def test_random_init_matches_torch_distribution(name, args, kwargs, shape):
    torch.manual_seed(0)
    e, t = _pair(shape)
    out = getattr(init, name)(e, *args, **kwargs)
    assert out is e and e.dtype == ember.float32
    getattr(tinit, name)(t, *args, **kwargs)
    _same_distribution(e.numpy(), t.numpy())
    if name.endswith("uniform_"):
        assert e.numpy().max() <= t.numpy().max() * 1.01 + 1e-3
    if name == "trunc_normal_":
        assert e.numpy().min() >= -1.0 and e.numpy().max() <= 1.5


def test_orthogonal_is_orthogonal():
    for shape in [(30, 50), (50, 30), (6, 4, 3)]:
        w = init.orthogonal_(ember.zeros(*shape)).numpy().reshape(shape[0], -1)
        g = w @ w.T if shape[0] <= w.shape[1] else w.T @ w
        np.testing.assert_allclose(g, np.eye(g.shape[0]), atol=1e-5)


def test_deterministic_inits_equal_torch():
    for name, shape, args in [("constant_", (3, 4), (0.3,)), ("ones_", (3, 4), ()),
                              ("zeros_", (3, 4), ()), ("eye_", (3, 5), ()), ("eye_", (5, 3), ()),
                              ("dirac_", (4, 4, 3), ()), ("dirac_", (6, 4, 3, 3), ()),
                              ("dirac_", (4, 2, 3, 3, 3), ()), ("dirac_", (6, 2, 3, 3), (2,))]:
        e, t = _pair(shape)
        e.normal_()
        getattr(init, name)(e, *args)
        getattr(tinit, name)(t, *args)
        np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_sparse_init_column_sparsity():
    w = init.sparse_(ember.zeros(10, 200), 0.3, std=0.02).numpy()
    assert ((w == 0).sum(0) == 3).all()
    assert abs(w[w != 0].std() - 0.02) < 0.003


def test_calculate_gain_and_fans():
    for nl, p in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                  ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None),
                  ("conv_transpose2d", None)]:
        assert init.calculate_gain(nl, p) == tinit.calculate_gain(nl, p)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("foo")
    for shape in [(3, 4), (5, 3, 2, 2), (2, 3, 4)]:
        assert init._calculate_fan_in_and_fan_out(ember.zeros(*shape)) == \
            tinit._calculate_fan_in_and_fan_out(torch.zeros(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ember.zeros(3))
    with pytest.raises(ValueError, match="Mode fan_foo not supported"):
        init.kaiming_uniform_(ember.zeros(3, 3), mode="fan_foo")


def test_init_does_not_record_graph_and_bumps_version():
    p = nn.Parameter(ember.zeros(3, 3))
    v = p._version
    init.normal_(p)
    assert p.grad_fn is None and p.requires_grad and p._version > v
    init.kaiming_uniform_(p)
    assert p.is_leaf


def test_init_seeded_and_generator():
    ember.manual_seed(3)
    a = init.normal_(ember.zeros(5)).numpy().copy()
    ember.manual_seed(3)
    b = init.normal_(ember.zeros(5)).numpy().copy()
    np.testing.assert_array_equal(a, b)
    g = ember.Generator().manual_seed(7)
    c = init.uniform_(ember.zeros(5), generator=g).numpy().copy()
    g.manual_seed(7)
    np.testing.assert_array_equal(c, init.uniform_(ember.zeros(5), generator=g).numpy())


def test_float64_and_zero_element():
    torch.manual_seed(0)
    e, t = _pair((60, 70), np.float64)
    init.xavier_normal_(e)
    tinit.xavier_normal_(t)
    assert e.dtype == ember.float64
    _same_distribution(e.numpy(), t.numpy())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        init.kaiming_uniform_(ember.zeros(0, 3))
    assert "zero-element" in str(w[0].message)


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Linear(300, 200),
    lambda lib: lib.nn.Bilinear(30, 20, 40),
    lambda lib: lib.nn.Embedding(300, 50),
    lambda lib: lib.nn.EmbeddingBag(300, 50),
    lambda lib: lib.nn.PReLU(7, 0.3),
])
def test_layer_default_init_matches_torch(make):
    torch.manual_seed(0)
    e, t = make(ember), make(torch)
    for (ne, pe), (nt, pt) in zip(e.named_parameters(), t.named_parameters()):
        assert ne == nt and tuple(pe.shape) == tuple(pt.shape)
        a, b = pe.detach().numpy(), pt.detach().numpy()
        if b.std() == 0:
            np.testing.assert_array_equal(a, b)
        else:
            _same_distribution(a, b)

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close

import ember
import ember.nn.functional as F
from ember import nn

tnn = torch.nn


@pytest.mark.parametrize("name", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
                                  "AlphaDropout", "FeatureAlphaDropout"])
def test_repr_path_and_eval_identity(name):
    for args in [(), (0.2,), (0.3, True)]:
        e, t = getattr(nn, name)(*args), getattr(tnn, name)(*args)
        assert repr(e) == repr(t)
    assert type(e).__module__ == "ember.nn.modules.dropout"
    shape = {"Dropout1d": (2, 3, 4), "Dropout2d": (2, 3, 4, 5)}.get(name, (2, 3, 4, 5, 6))
    x = ember.tensor(np.random.randn(*shape).astype(np.float32))
    m = getattr(nn, name)(0.5).eval()
    assert m(x) is x


def test_dropout_statistics_and_scaling():
    x = ember.ones(200, 500)
    p = 0.3
    out = F.dropout(x, p, training=True).numpy()
    vals = np.unique(out)
    np.testing.assert_allclose(vals, [0.0, 1 / (1 - p)], rtol=1e-6)
    assert abs((out == 0).mean() - p) < 0.01
    assert abs(out.mean() - 1.0) < 0.02
    assert out.dtype == np.float32


def test_dropout_gradient_is_the_mask():
    x = ember.tensor(np.random.randn(50, 40).astype(np.float32), requires_grad=True)
    y = nn.Dropout(0.4)(x)
    y.sum().backward()
    mask = (y.detach().numpy() != 0)
    np.testing.assert_allclose(x.grad.numpy(), mask / 0.6, rtol=1e-6)


def test_dropout_edge_probabilities():
    x = ember.tensor(np.random.randn(3, 4).astype(np.float32))
    assert F.dropout(x, 0.0) is x
    assert_close(F.dropout(x, 1.0), torch.zeros(3, 4))
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            F.dropout(x, p)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout(p)


def test_dropout_seeded_reproducible():
    x = ember.ones(10, 10)
    ember.manual_seed(5)
    a = F.dropout(x, 0.5).numpy()
    ember.manual_seed(5)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)


def test_dropout_inplace():
    x = ember.ones(20, 20)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}


def _channels_constant(out, lead):
    """Every channel (the trailing dims after ``lead``) is all-zero or all-kept."""
    flat = out.reshape(int(np.prod(out.shape[:lead])), -1)
    zero = (flat == 0).all(1)
    kept = (flat != 0).all(1)
    return bool((zero | kept).all()), zero.mean()


@pytest.mark.parametrize("fn,shape,lead", [
    (F.dropout1d, (8, 30, 7), 2), (F.dropout1d, (30, 7), 1), (F.dropout2d, (8, 30, 4, 5), 2),
    (F.dropout3d, (4, 30, 2, 3, 4), 2), (F.dropout3d, (30, 2, 3, 4), 1),
])
def test_channel_dropout_drops_whole_channels(fn, shape, lead):
    x = ember.ones(*shape)
    out = fn(x, 0.5, training=True).numpy()
    ok, frac = _channels_constant(out, lead)
    assert ok and 0.3 < frac < 0.7
    assert set(np.unique(out)) <= {0.0, 2.0}


def test_dropout2d_warnings_like_pytorch():
    for shape in [(5, 6), (3, 4, 5)]:
        with warnings.catch_warnings(record=True) as we:
            warnings.simplefilter("always")
            out = nn.Dropout2d()(ember.ones(*shape)).numpy()
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            tnn.Dropout2d()(torch.ones(*shape))
        assert [str(w.message) for w in we] == [str(w.message) for w in wt]
        if len(shape) == 3:  # (N, C, L): channel-wise 1d behaviour
            assert _channels_constant(out, 2)[0]
        else:  # 2-d: elementwise (the mask has the input's shape)
            assert set(np.unique(out)) <= {0.0, 2.0}
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(ember.ones(2, 3, 4, 5))


def test_alpha_dropout_keeps_mean_and_variance():
    x = np.random.default_rng(0).standard_normal((400, 500)).astype(np.float32)
    out = F.alpha_dropout(ember.tensor(x), 0.2, training=True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    tout = torch.nn.functional.alpha_dropout(torch.tensor(x), 0.2, training=True).numpy()
    # dropped units share one value: -alpha' * a + b
    alpha = 1.7580993408473766
    p = 0.2
    aa = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    dropped_val = -alpha * aa + alpha * aa * p
    frac = np.isclose(out, dropped_val, atol=1e-5).mean()
    frac_t = np.isclose(tout, dropped_val, atol=1e-5).mean()
    assert abs(frac - 0.2) < 0.01 and abs(frac_t - 0.2) < 0.01
    kept = ~np.isclose(out, dropped_val, atol=1e-5)
    np.testing.assert_allclose(out[kept], x[kept] * aa + alpha * aa * p, rtol=1e-5, atol=1e-5)


def test_feature_alpha_dropout_channels():
    x = ember.ones(6, 40, 3, 3)
    out = F.feature_alpha_dropout(x, 0.5, training=True).numpy()
    flat = out.reshape(240, -1)
    assert (flat == flat[:, :1]).all()
    assert len(np.unique(flat[:, 0].round(5))) == 2

"""nn.utils.spectral_norm against PyTorch: same state in, same weights, outputs, power-iteration
vectors and gradients out, in training and eval mode; removal; errors."""
import numpy as np
import pytest
import torch

import ember
from ember.nn.utils import remove_spectral_norm, spectral_norm


def _pair(make_e, make_t, **kw):
    t = torch.nn.utils.spectral_norm(make_t(), **kw)
    e = spectral_norm(make_e(), **kw)
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return e, t


CASES = [
    (lambda nn: nn.Linear(5, 7), (3, 5), {}),
    (lambda nn: nn.Conv2d(2, 4, 3), (2, 2, 6, 6), {"n_power_iterations": 3}),
    (lambda nn: nn.ConvTranspose2d(3, 2, 4, 2, 1), (2, 3, 4, 4), {}),  # dim 1
]


@pytest.mark.parametrize("make,shape,kw", CASES)
def test_spectral_norm_matches_torch(make, shape, kw):
    e, t = _pair(lambda: make(ember.nn), lambda: make(torch.nn), **kw)
    assert sorted(e.state_dict()) == sorted(t.state_dict())
    rng = np.random.default_rng(0)
    for step in range(3):  # each training forward runs the power iteration
        x = rng.standard_normal(shape).astype(np.float32)
        ye, yt = e(ember.tensor(x)), t(torch.tensor(x))
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=f"output at step {step}")
        for k in ("weight_u", "weight_v"):
            np.testing.assert_allclose(getattr(e, k).numpy(), getattr(t, k).numpy(), rtol=1e-4,
                                       atol=1e-6, err_msg=k)
        (ye ** 2).sum().backward()
        (yt ** 2).sum().backward()
        np.testing.assert_allclose(e.weight_orig.grad.numpy(), t.weight_orig.grad.numpy(),
                                   rtol=1e-3, atol=1e-5)
    e.eval()
    t.eval()
    u0 = e.weight_u.numpy().copy()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(e.weight_u.numpy(), u0)  # no power iteration in eval


def test_largest_singular_value_becomes_one():
    lin = spectral_norm(ember.nn.Linear(6, 8), n_power_iterations=30)
    with ember.no_grad():
        lin.weight_orig.mul_(5.0)
    lin(ember.zeros(1, 6))
    s = np.linalg.svd(lin.weight.detach().numpy(), compute_uv=False)
    assert s[0] == pytest.approx(1.0, rel=1e-4)


def test_remove_spectral_norm_and_errors():
    e, t = _pair(lambda: ember.nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3))
    e(ember.ones(1, 4))
    t(torch.ones(1, 4))
    remove_spectral_norm(e)
    torch.nn.utils.remove_spectral_norm(t)
    assert sorted(e.state_dict()) == ["bias", "weight"]
    assert isinstance(e.weight, ember.nn.Parameter)
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in Linear"):
        remove_spectral_norm(e)
    lin = spectral_norm(ember.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the "
                                           "same parameter weight"):
        spectral_norm(lin)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got "
                                         "n_power_iterations=0"):
        spectral_norm(ember.nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="cannot be applied as parameter `bias` is None"):
        spectral_norm(ember.nn.Linear(2, 2, bias=False), name="bias")


def test_state_dict_metadata_and_round_trip(tmp_path):
    m = spectral_norm(ember.nn.Linear(3, 2))
    sd = m.state_dict()
    assert sd._metadata[""]["spectral_norm"] == {"weight.version": 1}
    ember.save(sd, tmp_path / "sn.pt")
    t = torch.nn.utils.spectral_norm(torch.nn.Linear(3, 2))
    t.load_state_dict(torch.load(tmp_path / "sn.pt", weights_only=True))
    np.testing.assert_array_equal(t.weight_u.numpy(), m.weight_u.numpy())

"""End to end: a PyTorch-style training loop (DataLoader with workers, AdamW, OneCycleLR)
runs on ember in lockstep with PyTorch, and optimizer checkpoints cross both ways."""
import io

import numpy as np
import pytest
import torch

import ember
from ember.utils.data import DataLoader, TensorDataset

enn = pytest.importorskip("ember.nn")

pytestmark = pytest.mark.skipif(
    not all(hasattr(enn, n) for n in ("Sequential", "Linear", "Tanh"))
    or not hasattr(ember, "save"), reason="needs ember.nn layers and ember.save/load")


def test_mlp_training_loop_matches_torch():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    y = rng.standard_normal((64, 1)).astype(np.float32)
    em = enn.Sequential(enn.Linear(5, 8), enn.Tanh(), enn.Linear(8, 1))
    tm = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    eo = ember.optim.AdamW(em.parameters(), lr=0.01)
    to = torch.optim.AdamW(tm.parameters(), lr=0.01)
    es = ember.optim.lr_scheduler.OneCycleLR(eo, max_lr=0.05, total_steps=40)
    ts = torch.optim.lr_scheduler.OneCycleLR(to, max_lr=0.05, total_steps=40)
    loader = DataLoader(TensorDataset(ember.tensor(X), ember.tensor(y)), batch_size=16,
                        num_workers=2)
    for epoch in range(10):
        for i, (xb, yb) in enumerate(loader):
            eo.zero_grad()
            to.zero_grad()
            le = ((em(xb) - yb) ** 2).mean()
            le.backward()
            eo.step()
            es.step()
            lt = ((tm(torch.tensor(xb.numpy())) - torch.tensor(yb.numpy())) ** 2).mean()
            lt.backward()
            to.step()
            ts.step()
            assert abs(le.item() - lt.item()) < 1e-4 * max(1.0, lt.item()), (epoch, i)
    assert es.get_last_lr() == pytest.approx(ts.get_last_lr())
    for v, v2 in zip(em.state_dict().values(), tm.state_dict().values()):
        np.testing.assert_allclose(v.numpy(), v2.numpy(), rtol=1e-4, atol=1e-5)
    # ember's optimizer checkpoint loads in torch, and torch's in ember
    buf = io.BytesIO()
    ember.save(eo.state_dict(), buf)
    buf.seek(0)
    to2 = torch.optim.AdamW(tm.parameters(), lr=0.01)
    to2.load_state_dict(torch.load(buf, weights_only=True))
    assert to2.state_dict()["state"][0]["step"].item() == 40
    buf = io.BytesIO()
    torch.save(to.state_dict(), buf)
    buf.seek(0)
    eo2 = ember.optim.AdamW(em.parameters(), lr=0.01)
    eo2.load_state_dict(ember.load(buf))
    assert eo2.param_groups[0]["lr"] == pytest.approx(to.param_groups[0]["lr"])
    np.testing.assert_allclose(eo2.state[eo2.param_groups[0]["params"][0]]["exp_avg"].numpy(),
                               to.state[to.param_groups[0]["params"][0]]["exp_avg"].numpy(),
                               rtol=1e-4, atol=1e-6)

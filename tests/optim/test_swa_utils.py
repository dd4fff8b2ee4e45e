"""Weight averaging (optim.swa_utils) side by side with PyTorch's: the averaged weights, the
buffers, the state_dict, SWALR's learning rates and update_bn's statistics agree."""
import numpy as np
import pytest
import torch
import torch.optim.swa_utils as TSWA

import ember
import ember.optim.swa_utils as ESWA


def _nets():
    def make(nn):
        return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    torch.manual_seed(0)
    t = make(torch.nn)
    e = make(ember.nn)
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return e, t


def _train_both(e, t, eo, to, x):
    """One SGD step on each (same data), so the weights move and the buffers update."""
    for net, opt, xx in ((e, eo, ember.tensor(x)), (t, to, torch.tensor(x))):
        opt.zero_grad()
        (net(xx) ** 2).mean().backward()
        opt.step()


def _same_state(ea, ta):
    es, ts = ea.state_dict(), ta.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        np.testing.assert_allclose(es[k].numpy(), ts[k].numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=k)


@pytest.mark.parametrize("kind", ["swa", "ema_multi", "ema_fn", "swa_fn"])
@pytest.mark.parametrize("use_buffers", [False, True])
def test_averaged_model_matches_torch(kind, use_buffers):
    e, t = _nets()
    fns = {"swa": ({}, {}),
           "ema_multi": ({"multi_avg_fn": ESWA.get_ema_multi_avg_fn(0.8)},
                         {"multi_avg_fn": TSWA.get_ema_multi_avg_fn(0.8)}),
           "ema_fn": ({"avg_fn": ESWA.get_ema_avg_fn(0.7)}, {"avg_fn": TSWA.get_ema_avg_fn(0.7)}),
           "swa_fn": ({"avg_fn": ESWA.get_swa_avg_fn()}, {"avg_fn": TSWA.get_swa_avg_fn()})}
    ekw, tkw = fns[kind]
    ea = ESWA.AveragedModel(e, use_buffers=use_buffers, **ekw)
    ta = TSWA.AveragedModel(t, use_buffers=use_buffers, **tkw)
    eo = ember.optim.SGD(e.parameters(), lr=0.5)
    to = torch.optim.SGD(t.parameters(), lr=0.5)
    rng = np.random.default_rng(1)
    for _ in range(5):
        _train_both(e, t, eo, to, rng.standard_normal((8, 3)).astype(np.float32))
        ea.update_parameters(e)
        ta.update_parameters(t)
        _same_state(ea, ta)
    # the average really differs from the last weights (the test can fail)
    assert not np.allclose(ea.module[0].weight.detach().numpy(), e[0].weight.detach().numpy())
    x = rng.standard_normal((4, 3)).astype(np.float32)
    ea.eval()
    ta.eval()
    np.testing.assert_allclose(ea(ember.tensor(x)).detach().numpy(),
                               ta(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_averaged_model_errors_and_decay():
    e, _ = _nets()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        ESWA.AveragedModel(e, avg_fn=ESWA.get_swa_avg_fn(),
                           multi_avg_fn=ESWA.get_ema_multi_avg_fn())
    for fn in (ESWA.get_ema_multi_avg_fn, ESWA.get_ema_avg_fn):
        with pytest.raises(ValueError, match=r"Invalid decay value 1.5"):
            fn(1.5)


def test_averaged_model_copy_is_independent():
    e, _ = _nets()
    ea = ESWA.AveragedModel(e)
    with ember.no_grad():
        e[0].weight.add_(1.0)
    assert not np.allclose(ea.module[0].weight.detach().numpy(), e[0].weight.detach().numpy())


@pytest.mark.parametrize("strategy,anneal", [("cos", 5), ("linear", 3), ("cos", 0)])
def test_swalr_matches_torch(strategy, anneal):
    ep, tp = ember.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    eo = ember.optim.SGD([{"params": [ep], "lr": 0.1}], lr=0.1)
    to = torch.optim.SGD([{"params": [tp], "lr": 0.1}], lr=0.1)
    es = ESWA.SWALR(eo, swa_lr=0.01, anneal_epochs=anneal, anneal_strategy=strategy)
    ts = TSWA.SWALR(to, swa_lr=0.01, anneal_epochs=anneal, anneal_strategy=strategy)
    for i in range(10):
        assert eo.param_groups[0]["lr"] == pytest.approx(to.param_groups[0]["lr"], rel=1e-9), i
        eo.step()
        to.step()
        es.step()
        ts.step()
    assert eo.param_groups[0]["lr"] == pytest.approx(0.01)
    state = es.state_dict()
    assert "anneal_func" not in state and "optimizer" not in state
    es.load_state_dict(state)
    assert es.anneal_func(0.5) == pytest.approx(0.5)


def test_swalr_errors():
    eo = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', "
                                         "instead got cosine"):
        ESWA.SWALR(eo, 0.01, anneal_strategy="cosine")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
        ESWA.SWALR(eo, 0.01, anneal_epochs=-1)


def test_update_bn_matches_torch():
    e, t = _nets()
    x = np.random.default_rng(2).standard_normal((40, 3)).astype(np.float32) * 3 + 1
    e.eval()
    t.eval()
    ESWA.update_bn([(ember.tensor(x[i:i + 10]),) for i in range(0, 40, 10)], e)
    TSWA.update_bn([(torch.tensor(x[i:i + 10]),) for i in range(0, 40, 10)], t)
    assert not e.training and e[1].momentum == 0.1
    for k in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(e[1], k).numpy(), getattr(t[1], k).numpy(),
                                   rtol=1e-5, atol=1e-6, err_msg=k)

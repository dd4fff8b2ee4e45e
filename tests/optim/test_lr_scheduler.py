"""LR schedulers step side by side with PyTorch's; learning rates agree at every step."""
import math
import warnings

import numpy as np
import pytest
import torch
import torch.optim.lr_scheduler as TS

import ember
import ember.optim as eoptim
import ember.optim.lr_scheduler as ES

STEPS = 60


def _opts(opt="SGD", lrs=(0.1, 0.05), **kw):
    """Two optimizers (ember, torch) with one param group per lr."""
    ep = [ember.zeros(2, requires_grad=True) for _ in lrs]
    tp = [torch.zeros(2, requires_grad=True) for _ in lrs]
    eo = getattr(eoptim, opt)([{"params": [p], "lr": lr} for p, lr in zip(ep, lrs)], **kw)
    to = getattr(torch.optim, opt)([{"params": [p], "lr": lr} for p, lr in zip(tp, lrs)], **kw)
    return eo, to


def _check_groups(eo, to, i, keys=("lr",)):
    for eg, tg in zip(eo.param_groups, to.param_groups):
        for k in keys:
            np.testing.assert_allclose(np.asarray(eg[k], float), np.asarray(tg[k], float),
                                       rtol=1e-6, atol=1e-12, err_msg=f"{k} at step {i}")


def _run(make, opt="SGD", steps=STEPS, keys=("lr",), **okw):
    eo, to = _opts(opt, **okw)
    es, ts = make(ES, eo), make(TS, to)
    _check_groups(eo, to, -1, keys)
    for i in range(steps):
        eo.step()
        to.step()
        es.step()
        ts.step()
        _check_groups(eo, to, i, keys)
        np.testing.assert_allclose(es.get_last_lr(), ts.get_last_lr(), rtol=1e-6, atol=1e-12)
    return es, ts, eo, to


class Scale:
    """A callable object (its __dict__ goes into the state dict)."""

    def __init__(self, k):
        self.k = k

    def __call__(self, epoch):
        return self.k ** epoch


SCHEDULERS = {
    "LambdaLR": lambda S, o: S.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR_list": lambda S, o: S.LambdaLR(o, [lambda e: 1 / (e + 1), Scale(0.9)]),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda S, o: S.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[5, 20, 20, 41], gamma=0.3),
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.25, total_iters=9),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=17),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.93),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=40, power=2.0),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=13, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=1e-3),
    "CyclicLR": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4,
                                        step_size_down=7, mode="triangular2"),
    "CyclicLR_exp": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5,
                                            mode="exp_range", gamma=0.97),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=[0.5, 1.0], total_steps=STEPS),
    "OneCycleLR_3": lambda S, o: S.OneCycleLR(o, max_lr=0.5, epochs=6, steps_per_epoch=10,
                                              anneal_strategy="linear", three_phase=True,
                                              pct_start=0.25),
    "SequentialLR": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.2, total_iters=5), S.ExponentialLR(o, gamma=0.9),
            S.CosineAnnealingLR(o, T_max=10)], milestones=[5, 30]),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=4), S.ExponentialLR(o, gamma=0.95),
         S.StepLR(o, step_size=9, gamma=0.5)]),
    # two chainable schedulers stepped together (the recursive form composes)
    "Cosine+MultiStep": lambda S, o: S.ChainedScheduler(
        [S.CosineAnnealingLR(o, T_max=11), S.MultiStepLR(o, milestones=[10, 30])]),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_matches_torch_step_by_step(name):
    keys = ("lr", "momentum") if name.startswith(("Cyclic", "OneCycle")) else ("lr",)
    es, ts, _, _ = _run(SCHEDULERS[name], keys=keys, momentum=0.9)
    assert getattr(es, "last_epoch", None) == getattr(ts, "last_epoch", None)


def test_cycle_momentum_with_adam_betas():
    def make(S, o):
        return S.OneCycleLR(o, max_lr=0.01, total_steps=STEPS)

    eo, to = _opts("Adam", lrs=(1e-3,))
    es, ts = make(ES, eo), make(TS, to)
    for i in range(STEPS):
        eo.step(), to.step(), es.step(), ts.step()
        assert eo.param_groups[0]["betas"] == pytest.approx(to.param_groups[0]["betas"])
        _check_groups(eo, to, i)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
                                  "ExponentialLR", "PolynomialLR", "CosineAnnealingLR"])
def test_closed_form_with_epoch(name):
    eo, to = _opts()
    es, ts = SCHEDULERS[name](ES, eo), SCHEDULERS[name](TS, to)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [3, 10, 4, 25, 50]:
            es.step(epoch)
            ts.step(epoch)
            _check_groups(eo, to, epoch)


def test_warm_restarts_fractional_epochs():
    eo, to = _opts()
    es = ES.CosineAnnealingWarmRestarts(eo, T_0=3, T_mult=2)
    ts = TS.CosineAnnealingWarmRestarts(to, T_0=3, T_mult=2)
    for epoch in np.arange(0, 20, 0.37):
        es.step(float(epoch))
        ts.step(float(epoch))
        _check_groups(eo, to, epoch)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "CosineAnnealingLR",
                                  "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
                                  "SequentialLR", "ChainedScheduler", "LambdaLR_list"])
def test_state_dict_round_trip_with_torch(name):
    eo, to = _opts(momentum=0.9)
    es, ts = SCHEDULERS[name](ES, eo), SCHEDULERS[name](TS, to)
    for _ in range(17):
        eo.step(), to.step(), es.step(), ts.step()
    esd, tsd = es.state_dict(), ts.state_dict()
    assert set(esd) == set(tsd)
    # torch's state into a fresh ember scheduler, then both continue in step
    eo2, _ = _opts(momentum=0.9)
    es2 = SCHEDULERS[name](ES, eo2)
    es2.load_state_dict(tsd)
    eo2.load_state_dict(to.state_dict())
    for i in range(20):
        eo2.step(), to.step(), es2.step(), ts.step()
        _check_groups(eo2, to, i)
        np.testing.assert_allclose(es2.get_last_lr(), ts.get_last_lr(), rtol=1e-6)


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.81, 0.79] * 5
    for kw in [dict(patience=2, factor=0.5), dict(mode="max", patience=1, cooldown=2),
               dict(threshold_mode="abs", threshold=0.05, patience=0, min_lr=[0.02, 0.001])]:
        eo, to = _opts()
        es, ts = ES.ReduceLROnPlateau(eo, **kw), TS.ReduceLROnPlateau(to, **kw)
        for i, m in enumerate(metrics):
            es.step(m)
            ts.step(m)
            _check_groups(eo, to, i)
            assert es.num_bad_epochs == ts.num_bad_epochs
            assert es.get_last_lr() == pytest.approx(ts.get_last_lr())
        assert set(es.state_dict()) == set(ts.state_dict())


def test_initial_lr_and_errors():
    eo, _ = _opts()
    ES.StepLR(eo, step_size=2)
    assert [g["initial_lr"] for g in eo.param_groups] == [0.1, 0.05]
    with pytest.raises(TypeError, match="is not an Optimizer"):
        ES.StepLR(object(), step_size=2)
    fresh, _ = _opts()
    with pytest.raises(KeyError, match="initial_lr"):
        ES.StepLR(fresh, step_size=2, last_epoch=3)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ES.ReduceLROnPlateau(eo, factor=1.0)
    with pytest.raises(ValueError, match="total_steps OR"):
        ES.OneCycleLR(eo, max_lr=1.0)
    with pytest.raises(ValueError, match="Tried to step"):
        s = ES.OneCycleLR(eo, max_lr=1.0, total_steps=2)
        for _ in range(3):
            s.step()
    assert math.isclose(ES.CosineAnnealingLR(_opts()[0], T_max=4).get_last_lr()[0], 0.1)


def test_warns_when_scheduler_steps_before_optimizer():
    eo, to = _opts()
    es, ts = ES.StepLR(eo, step_size=2), TS.StepLR(to, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        ts.step()
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        es.step()
    eo2, _ = _opts()
    es2 = ES.StepLR(eo2, step_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eo2.step()
        es2.step()

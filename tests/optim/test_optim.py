"""Optimizers step side by side with PyTorch's on the same parameters and gradients."""
import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim

SHAPES = [(3, 4), (5,)]
STEPS = 60

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.3)),
    ("Adamax", dict(lr=0.01, weight_decay=0.05)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, alpha=0.9)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1,
                     maximize=True)),
    ("Adadelta", dict(lr=1.0)),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
]


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in SHAPES]


def _grads(n, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(n)]


def _pair(name, kwargs, arrays=None):
    arrays = arrays if arrays is not None else _arrays()
    ep = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return ep, tp, getattr(eoptim, name)(ep, **kwargs), getattr(torch.optim, name)(tp, **kwargs)


def _step_both(ep, tp, eo, to, grads):
    for e, t, g in zip(ep, tp, grads):
        e.grad = ember.tensor(g)
        t.grad = torch.tensor(g)
    eo.step()
    to.step()


def _assert_params(ep, tp, step, rtol=2e-5, atol=2e-6):
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"step {step}")
        assert e.dtype == ember.float32


def _to_ember(obj):
    if isinstance(obj, torch.Tensor):
        return ember.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_ember(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_ember(v) for v in obj]
    return obj


def _to_torch(obj):
    if isinstance(obj, ember.Tensor):
        return torch.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_torch(v) for v in obj]
    return obj


@pytest.mark.parametrize("name,kwargs", CASES)
def test_steps_match_torch(name, kwargs):
    ep, tp, eo, to = _pair(name, kwargs)
    for i, g in enumerate(_grads(STEPS)):
        _step_both(ep, tp, eo, to, g)
        _assert_params(ep, tp, i)



@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, maximize=True))])
def test_large_params_match_torch(name, kwargs):
    # large enough for the blocked updates (several blocks and a partial last one), plus a
    # non-contiguous parameter that takes the single-block path
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((301, 700)).astype(np.float32),
              np.asfortranarray(rng.standard_normal((400, 500)).astype(np.float32))]
    ep, tp, eo, to = _pair(name, kwargs, arrays)
    for i in range(3):
        g = [rng.standard_normal(a.shape).astype(np.float32) for a in arrays]
        _step_both(ep, tp, eo, to, g)
        _assert_params(ep, tp, i)

def _assert_same_structure(e, t):
    """Same nesting, keys and value types; tensors with the same dtype, shape and values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), (type(e), t)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=2e-5, atol=2e-6)
    elif isinstance(t, dict):
        assert isinstance(e, dict) and list(e) == list(t), (list(e), list(t))
        for k in t:
            _assert_same_structure(e[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            _assert_same_structure(a, b)
    else:
        assert type(e) is type(t) and e == t, (e, t)


@pytest.mark.parametrize("name,kwargs", CASES[1::2])
def test_state_dict_structure_matches_torch(name, kwargs):
    ep, tp, eo, to = _pair(name, kwargs)
    _assert_same_structure(eo.state_dict(), to.state_dict())  # before any step
    for g in _grads(3):
        _step_both(ep, tp, eo, to, g)
    _assert_same_structure(eo.state_dict(), to.state_dict())


@pytest.mark.parametrize("name,kwargs", CASES[::2])
def test_torch_state_loads_into_ember_and_back(name, kwargs):
    grads = _grads(30)
    _, tp, _, to = _pair(name, kwargs)
    for g in grads[:10]:
        for t, a in zip(tp, g):
            t.grad = torch.tensor(a)
        to.step()
    # ember picks up torch's parameters and optimizer state, then both continue
    ep = [ember.tensor(t.detach().numpy().copy(), requires_grad=True) for t in tp]
    eo = getattr(eoptim, name)(ep, lr=123.0)
    eo.load_state_dict(_to_ember(to.state_dict()))
    assert eo.param_groups[0]["lr"] == kwargs["lr"]
    for i, g in enumerate(grads[10:20]):
        _step_both(ep, tp, eo, to, g)
        _assert_params(ep, tp, i)
    # and back: a fresh torch optimizer continues from ember's state
    tp2 = [torch.tensor(e.detach().numpy().copy(), requires_grad=True) for e in ep]
    to2 = getattr(torch.optim, name)(tp2, **kwargs)
    to2.load_state_dict(_to_torch(eo.state_dict()))
    for i, g in enumerate(grads[20:]):
        _step_both(ep, tp2, eo, to2, g)
        _assert_params(ep, tp2, i)


def test_param_groups_and_add_param_group():
    a, b, c = _arrays(0) + [np.ones(2, np.float32)]
    ea, eb, ec = (ember.tensor(x.copy(), requires_grad=True) for x in (a, b, c))
    ta, tb, tc = (torch.tensor(x.copy(), requires_grad=True) for x in (a, b, c))
    eo = eoptim.SGD([{"params": [ea]}, {"params": eb, "lr": 0.5}], lr=0.1, momentum=0.9)
    to = torch.optim.SGD([{"params": [ta]}, {"params": tb, "lr": 0.5}], lr=0.1, momentum=0.9)
    eo.add_param_group({"params": [ec], "momentum": 0.0})
    to.add_param_group({"params": [tc], "momentum": 0.0})
    assert [g["lr"] for g in eo.param_groups] == [0.1, 0.5, 0.1]
    assert [g["momentum"] for g in eo.param_groups] == [0.9, 0.9, 0.0]
    rng = np.random.default_rng(0)
    for i in range(STEPS):
        gs = [rng.standard_normal(x.shape).astype(np.float32) for x in (a, b, c)]
        _step_both([ea, eb, ec], [ta, tb, tc], eo, to, gs)
        _assert_params([ea, eb, ec], [ta, tb, tc], i)
    _assert_same_structure(eo.state_dict(), to.state_dict())
    with pytest.raises(ValueError, match="more than one parameter group"):
        eo.add_param_group({"params": [ea]})


def test_skips_params_without_grad_and_zero_grad():
    ep, tp, eo, to = _pair("Adam", dict(lr=0.1))
    ep[0].grad = ember.ones(3, 4)
    v0 = ep[0]._version
    before = ep[1].detach().numpy().copy()
    eo.step()
    assert ep[0]._version == v0 + 1
    np.testing.assert_array_equal(ep[1].detach().numpy(), before)
    assert list(eo.state_dict()["state"]) == [0]
    eo.zero_grad(set_to_none=False)
    assert ep[0].grad is not None and (ep[0].grad.numpy() == 0).all()
    eo.zero_grad()
    assert ep[0].grad is None


def test_quadratic_loss_with_autograd_and_closure():
    """Gradients come from each framework's own autograd on the same quadratic loss."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((6, 4)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    w0 = rng.standard_normal(4).astype(np.float32)
    ew, tw = ember.tensor(w0.copy(), requires_grad=True), torch.tensor(w0.copy(),
                                                                      requires_grad=True)
    eo, to = eoptim.Adam([ew], lr=0.05), torch.optim.Adam([tw], lr=0.05)
    eA, eb, tA, tb = ember.tensor(A), ember.tensor(b), torch.tensor(A), torch.tensor(b)

    def eclosure():
        eo.zero_grad()
        loss = ((eA @ ew - eb) ** 2).sum()
        loss.backward()
        return loss

    def tclosure():
        to.zero_grad()
        loss = ((tA @ tw - tb) ** 2).sum()
        loss.backward()
        return loss

    for i in range(STEPS):
        le, lt = eo.step(eclosure), to.step(tclosure)
        assert abs(le.item() - lt.item()) <= 1e-4 * max(1.0, abs(lt.item())), i
        _assert_params([ew], [tw], i, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kwargs", [dict(), dict(line_search_fn="strong_wolfe"),
                                    dict(history_size=3, max_iter=5, lr=0.5),
                                    dict(history_size=2, line_search_fn="strong_wolfe",
                                         max_iter=4)])
def test_lbfgs_matches_torch(kwargs):
    rng = np.random.default_rng(4)
    A = rng.standard_normal((8, 5)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    w0 = rng.standard_normal(5).astype(np.float32)
    ew, tw = ember.tensor(w0.copy(), requires_grad=True), torch.tensor(w0.copy(),
                                                                      requires_grad=True)
    eo, to = eoptim.LBFGS([ew], **kwargs), torch.optim.LBFGS([tw], **kwargs)
    eA, eb, tA, tb = ember.tensor(A), ember.tensor(b), torch.tensor(A), torch.tensor(b)

    def make(opt, w, A_, b_):
        def closure():
            opt.zero_grad()
            r = A_ @ w - b_
            loss = (r * r).sum() + 0.1 * (w ** 4).sum()
            loss.backward()
            return loss
        return closure

    ec, tc = make(eo, ew, eA, eb), make(to, tw, tA, tb)
    for i in range(3):
        le, lt = eo.step(ec), to.step(tc)
        assert abs(le.item() - lt.item()) <= 1e-3 * max(1.0, abs(lt.item())), (i, le, lt)
        _assert_params([ew], [tw], i, rtol=1e-3, atol=1e-4)
    es, ts = eo.state_dict()["state"][0], to.state_dict()["state"][0]
    assert set(es) == set(ts)
    assert es["func_evals"] == ts["func_evals"] and es["n_iter"] == ts["n_iter"]
    assert len(es["old_dirs"]) == len(ts["old_dirs"])


def test_bad_arguments_raise_like_torch():
    w = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        eoptim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.0"):
        eoptim.Adam([w], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        eoptim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        eoptim.Adam([])
    with pytest.raises(TypeError, match="iterable of Tensors"):
        eoptim.Adam(w)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        eoptim.SGD([w], lr=0.1).load_state_dict({"state": {}, "param_groups": []})


def test_float64_params_stay_float64():
    w = ember.tensor(np.ones(3), requires_grad=True)
    opt = eoptim.Adam([w], lr=0.1)
    w.grad = ember.tensor(np.ones(3))
    opt.step()
    assert w.dtype == ember.float64 and opt.state[w]["exp_avg"].dtype == ember.float64
    assert opt.state[w]["step"].dtype == ember.float32


def test_named_parameters_keep_names_like_torch():
    a = _arrays(0)
    ep = [(f"p{i}", ember.tensor(x.copy(), requires_grad=True)) for i, x in enumerate(a)]
    tp = [(f"p{i}", torch.tensor(x.copy(), requires_grad=True)) for i, x in enumerate(a)]
    eo, to = eoptim.Adam(ep, lr=0.1), torch.optim.Adam(tp, lr=0.1)
    _assert_same_structure(eo.state_dict(), to.state_dict())
    assert eo.param_groups[0]["param_names"] == ["p0", "p1"]
    with pytest.raises(ValueError, match="with/without names"):
        eo.add_param_group({"params": [ember.zeros(1, requires_grad=True)]})
    with pytest.raises(ValueError, match="Some param names are missing"):
        eoptim.SGD([("a", ep[0][1]), ember.zeros(1, requires_grad=True)], lr=0.1)


def test_step_hooks_like_torch():
    calls = {"ember": [], "torch": []}
    results = {}
    import torch.optim.optimizer as toptimizer

    import ember.optim.optimizer as eoptimizer

    for fw, mod, hooks, tensor in (("ember", eoptim, eoptimizer, ember.tensor),
                                   ("torch", torch.optim, toptimizer, torch.tensor)):
        w = tensor(np.ones(2, np.float32), requires_grad=True)
        opt = mod.SGD([w], lr=0.5)
        log = calls[fw]
        h1 = opt.register_step_pre_hook(lambda o, a, k, log=log: log.append("pre"))
        opt.register_step_post_hook(lambda o, a, k, log=log: log.append("post"))
        h2 = hooks.register_optimizer_step_pre_hook(
            lambda o, a, k, log=log: log.append("global"))
        w.grad = tensor(np.ones(2, np.float32))
        opt.step()
        h1.remove()
        h2.remove()
        opt.step()
        results[fw] = w.detach().numpy().copy()
    assert calls["ember"] == calls["torch"] == ["global", "pre", "post", "post"]
    np.testing.assert_array_equal(results["ember"], results["torch"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [dict(), dict(momentum=0.9)])
def test_sgd_steps_are_bitwise_torch(dtype, kw):
    # the update p += -lr * step is one fused multiply-add (BLAS axpy), as torch's
    # p.add_(step, alpha=-lr): bit for bit the same parameters after several steps (nesterov,
    # dampening and weight decay add more of torch's fused adds: those stay within rounding)
    rng = np.random.default_rng(7)
    w0 = rng.standard_normal((257, 301)).astype(dtype)  # > 2 blocks: the blocked path too
    pe = ember.tensor(w0.copy(), requires_grad=True)
    pt = torch.tensor(w0.copy(), requires_grad=True)
    oe, ot = ember.optim.SGD([pe], lr=0.0123, **kw), torch.optim.SGD([pt], lr=0.0123, **kw)
    for _ in range(4):
        g = rng.standard_normal(w0.shape).astype(dtype)
        pe.grad, pt.grad = ember.tensor(g), torch.tensor(g)
        oe.step()
        ot.step()
    np.testing.assert_array_equal(pe.detach().numpy(), pt.detach().numpy())


def test_axpy_does_only_what_blas_can_and_leaves_the_rest_to_numpy():
    from ember.backends._blas import _axpy, axpy

    if "f" not in _axpy:
        pytest.skip("NumPy's BLAS is not OpenBLAS here")
    x = np.arange(6, dtype=np.float32)
    y = np.ones(6, dtype=np.float32)
    assert axpy(-0.5, x, y) and np.array_equal(y, 1 - 0.5 * np.arange(6, dtype=np.float32))
    y0 = np.ones(12, dtype=np.float32)
    for xx, yy in [(x, y0[::2]),                                   # strided
                   (x.astype(np.float64), y),                      # mixed dtypes
                   (x.astype(np.float16), y.astype(np.float16)),   # no half axpy
                   (x[:5], y),                                     # sizes differ
                   (y, y), (y0[1:7], y0[:6])]:                     # overlapping
        before = yy.copy()
        assert axpy(2.0, xx, yy) is False
        np.testing.assert_array_equal(yy, before)
    ro = np.ones(6, dtype=np.float32)
    ro.flags.writeable = False
    assert axpy(1.0, x, ro) is False
    assert axpy(np.float32(1.0), x, y) is False  # only Python numbers go through ctypes


def test_sgd_takes_a_tensor_lr_as_torch_does():
    w0 = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    pe = ember.tensor(w0.copy(), requires_grad=True)
    pt = torch.tensor(w0.copy(), requires_grad=True)
    oe = ember.optim.SGD([pe], lr=ember.tensor(0.05), momentum=0.9)
    ot = torch.optim.SGD([pt], lr=torch.tensor(0.05), momentum=0.9)
    for k in range(3):
        pe.grad, pt.grad = ember.tensor(w0 * (k + 1)), torch.tensor(w0 * (k + 1))
        oe.step()
        ot.step()
    np.testing.assert_allclose(pe.detach().numpy(), pt.detach().numpy(), rtol=1e-6, atol=1e-7)

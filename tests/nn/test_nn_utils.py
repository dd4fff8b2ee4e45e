import math

import numpy as np
import pytest
import torch
from helpers import assert_close

import ember
from ember import nn
from ember.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def _params(lib, grads):
    ps = []
    for g in grads:
        p = lib.nn.Parameter(lib.tensor(np.zeros_like(g)))
        p.grad = lib.tensor(g.copy())
        ps.append(p)
    return ps


def _grads(scale=1.0):
    rng = np.random.default_rng(0)
    return [rng.standard_normal((3, 4)).astype(np.float32) * scale,
            rng.standard_normal(5).astype(np.float32) * scale]


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    g = _grads(2.0)
    pe, pt = _params(ember, g), _params(torch, g)
    ne = clip_grad_norm_(pe, max_norm, norm_type=norm_type)
    nt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=norm_type)
    assert isinstance(ne, ember.Tensor) and ne.ndim == 0
    assert_close(ne, nt, 1e-5, 1e-6)
    for a, b in zip(pe, pt):
        assert_close(a.grad, b.grad, 1e-5, 1e-6)


def test_clip_grad_norm_single_tensor_skips_none_and_nonfinite():
    p = nn.Parameter(ember.ones(4))
    q = nn.Parameter(ember.ones(2))  # no grad: ignored
    p.grad = ember.full((4,), 3.0)
    total = clip_grad_norm_([p, q], 1.0)
    assert abs(float(total) - 6.0) < 1e-6 and q.grad is None
    np.testing.assert_allclose(np.linalg.norm(p.grad.numpy()), 1.0, rtol=1e-5)
    p.grad = ember.tensor([float("inf"), 1.0, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    tp = torch.nn.Parameter(torch.ones(4))
    tp.grad = torch.tensor([float("inf"), 1.0, 0.0, 0.0])
    ne = clip_grad_norm_(p, 1.0)
    nt = torch.nn.utils.clip_grad_norm_(tp, 1.0)
    assert math.isinf(float(ne)) and math.isinf(float(nt))
    assert_close(p.grad, tp.grad)
    assert float(clip_grad_norm_([], 1.0)) == 0.0


def test_clip_grad_value_matches_torch():
    g = _grads(2.0)
    pe, pt = _params(ember, g), _params(torch, g)
    clip_grad_value_(pe, 0.7)
    torch.nn.utils.clip_grad_value_(pt, 0.7)
    for a, b in zip(pe, pt):
        assert_close(a.grad, b.grad)


def test_clip_inside_training_step():
    m = nn.Linear(4, 2)
    m(ember.ones(3, 4) * 10).sum().backward()
    before = [p.grad.numpy().copy() for p in m.parameters()]
    total = clip_grad_norm_(m.parameters(), 0.1)
    after = [p.grad.numpy() for p in m.parameters()]
    ref = math.sqrt(sum(float((b ** 2).sum()) for b in before))
    assert abs(float(total) - ref) < 1e-3 * ref
    np.testing.assert_allclose(after[0], before[0] * 0.1 / (ref + 1e-6), rtol=1e-5)


def test_parameters_to_vector_and_back():
    t = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    e = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    ve = parameters_to_vector(e.parameters())
    vt = torch.nn.utils.parameters_to_vector(t.parameters())
    assert_close(ve, vt)
    # differentiable: gradient of a function of the vector reaches every parameter
    (ve * ve).sum().backward()
    for p in e.parameters():
        np.testing.assert_allclose(p.grad.numpy(), 2 * p.detach().numpy(), rtol=1e-6)
    new = np.arange(ve.numel(), dtype=np.float32)
    vector_to_parameters(ember.tensor(new), e.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), t.parameters())
    for pe, pt in zip(e.parameters(), t.parameters()):
        assert_close(pe, pt)
        assert isinstance(pe, nn.Parameter)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        vector_to_parameters(new, e.parameters())

"""Module parity against PyTorch: copy a torch layer's state_dict into the ember twin, run the
same inputs through both, and compare outputs, input gradients and parameter gradients."""
import numpy as np
import torch
from helpers import assert_close

import ember


def load_from_torch(e_mod, t_mod):
    sd = {k: ember.tensor(v.detach().numpy().copy()) for k, v in t_mod.state_dict().items()}
    result = e_mod.load_state_dict(sd)
    assert not result.missing_keys and not result.unexpected_keys
    return e_mod


def compare_layer(e_mod, t_mod, *arrays, train=True, rtol=1e-5, atol=1e-5, grads=True,
                  seed=3):
    """Forward/backward parity of ``e_mod`` vs ``t_mod`` on the same NumPy inputs."""
    load_from_torch(e_mod, t_mod)
    e_mod.train(train)
    t_mod.train(train)
    e_in, t_in = [], []
    for a in arrays:
        a = np.asarray(a)
        rg = grads and a.dtype.kind == "f"
        e_in.append(ember.tensor(a.copy(), requires_grad=rg))
        t_in.append(torch.tensor(a.copy(), requires_grad=rg))
    out_e = e_mod(*e_in)
    out_t = t_mod(*t_in)
    assert_close(out_e, out_t, rtol, atol)
    if not grads:
        return out_e, out_t
    w = np.random.default_rng(seed).standard_normal(tuple(out_t.shape)).astype(
        out_t.detach().numpy().dtype)
    (out_e * ember.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for e, t in zip(e_in, t_in):
        if t.requires_grad:
            assert_close(e.grad, t.grad, rtol * 10, atol * 10)
    tp = dict(t_mod.named_parameters())
    ep = dict(e_mod.named_parameters())
    assert list(ep) == list(tp)
    for name, p in tp.items():
        if p.grad is None:
            assert ep[name].grad is None or np.allclose(ep[name].grad.numpy(), 0), name
        else:
            assert ep[name].grad is not None, name
            assert_close(ep[name].grad, p.grad, rtol * 10, atol * 10)
    return out_e, out_t

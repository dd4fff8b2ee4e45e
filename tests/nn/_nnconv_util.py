"""Layer parity helper for the conv/pool/norm tests: a torch layer and its ember twin."""
import numpy as np
import torch
from helpers import assert_close

import ember
import ember.nn  # noqa: F401


def load_from_torch(em, tm):
    """Copy a torch module's state_dict into the ember module (the user's way of porting)."""
    sd = {k: ember.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    result = em.load_state_dict(sd)
    return result


def check_layer(em, tm, x, train=True, rtol=1e-4, atol=1e-5, steps=1, input_grad=True):
    """Compare outputs, input and parameter gradients, and buffers of two twin layers."""
    load_from_torch(em, tm)
    em.train(train)
    tm.train(train)
    rng = np.random.default_rng(3)
    for _ in range(steps):
        xe = ember.tensor(x.copy(), requires_grad=input_grad)
        xt = torch.tensor(x.copy(), requires_grad=input_grad)
        ye, yt = em(xe), tm(xt)
        if isinstance(yt, tuple):
            assert_close(ye[1], yt[1], check_dtype=True)
            ye, yt = ye[0], yt[0]
        assert_close(ye, yt, rtol, atol)
        g = rng.standard_normal(tuple(yt.shape)).astype(x.dtype)
        for p in em.parameters():
            p.grad = None
        tm.zero_grad()
        (ye * ember.tensor(g)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        if input_grad:
            assert_close(xe.grad, xt.grad, rtol * 10, atol * 10)
        tp = dict(tm.named_parameters())
        for name, p in em.named_parameters():
            assert p.grad is not None, name
            assert_close(p.grad, tp[name].grad, rtol * 10, atol * 10)
        tb = dict(tm.named_buffers())
        for name, b in em.named_buffers():
            assert_close(b, tb[name], rtol, atol)
    return ye, yt

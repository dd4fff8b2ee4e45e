"""Test helpers: run the same computation in ember and PyTorch and compare.

``check(fn_ember, fn_torch, *arrays)`` builds both frameworks' tensors from the same NumPy
arrays (float arrays require grad), runs the functions, and compares outputs (shape, dtype,
values) and the gradients of a random projection of the outputs w.r.t. every float input.
``check_grad(fn, *arrays)`` runs ember's float64 gradcheck and gradgradcheck.
"""
import numpy as np
import torch

import ember  # noqa: E402

TORCH_DTYPES = {ember.float32: torch.float32, ember.float64: torch.float64,
                ember.float16: torch.float16, ember.int64: torch.int64,
                ember.int32: torch.int32, ember.int16: torch.int16, ember.int8: torch.int8,
                ember.uint8: torch.uint8, ember.bool: torch.bool}


def same_dtype(e, t):
    return TORCH_DTYPES[e] == t


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, ember.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_close(e, t, rtol=1e-5, atol=1e-6, check_dtype=True):
    """Compare an ember result with a torch result (tensors, or nested tuples/lists)."""
    if isinstance(t, (tuple, list)):
        assert len(e) == len(t), (len(e), len(t))
        for a, b in zip(e, t):
            assert_close(a, b, rtol, atol, check_dtype)
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), type(e)
        assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
        if check_dtype:
            assert same_dtype(e.dtype, t.dtype), (e.dtype, t.dtype)
        np.testing.assert_allclose(to_numpy(e).astype(np.float64) if e.dtype != ember.bool
                                   else to_numpy(e), to_numpy(t).astype(np.float64)
                                   if t.dtype != torch.bool else to_numpy(t),
                                   rtol=rtol, atol=atol, equal_nan=True)
        return
    assert e == t or np.allclose(e, t, rtol=rtol, atol=atol), (e, t)


def _pair(a, requires_grad):
    a = np.asarray(a)
    rg = requires_grad and a.dtype.kind == "f"
    e = ember.tensor(a.copy(), requires_grad=rg)
    t = torch.tensor(a.copy(), requires_grad=rg)
    return e, t


def check(fn_e, fn_t, *arrays, grad=True, rtol=1e-5, atol=1e-6, check_dtype=True):
    """Parity of outputs and input gradients between ember and torch on the same inputs."""
    pairs = [_pair(a, grad) for a in arrays]
    es = [p[0] for p in pairs]
    ts = [p[1] for p in pairs]
    out_e = fn_e(*es)
    out_t = fn_t(*ts)
    assert_close(out_e, out_t, rtol, atol, check_dtype)
    if not grad:
        return out_e, out_t
    oe = out_e if isinstance(out_e, (tuple, list)) else (out_e,)
    ot = out_t if isinstance(out_t, (tuple, list)) else (out_t,)
    rng = np.random.default_rng(1)
    loss_e, loss_t = 0, 0
    for a, b in zip(oe, ot):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            w = rng.standard_normal(tuple(b.shape)).astype(to_numpy(b).dtype)
            loss_e = loss_e + (a * ember.tensor(w)).sum()
            loss_t = loss_t + (b * torch.tensor(w)).sum()
    if isinstance(loss_t, torch.Tensor):
        loss_t.backward()
        loss_e.backward()
        for e, t in zip(es, ts):
            if t.requires_grad:
                if t.grad is None:
                    assert e.grad is None or np.allclose(to_numpy(e.grad), 0)
                else:
                    assert e.grad is not None, "ember produced no gradient where torch did"
                    assert_close(e.grad, t.grad, rtol * 10, atol * 10, check_dtype)
    return out_e, out_t


def check_grad(fn, *arrays, gradgrad=True, atol=1e-5, rtol=1e-3, eps=1e-6):
    """float64 finite-difference gradcheck (and gradgradcheck) of an ember function."""
    xs = [ember.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
          if np.asarray(a).dtype.kind == "f" else ember.tensor(np.asarray(a)) for a in arrays]
    assert ember.autograd.gradcheck(fn, tuple(xs), eps=eps, atol=atol, rtol=rtol)
    if gradgrad:
        assert ember.autograd.gradgradcheck(fn, tuple(xs), eps=eps, atol=atol, rtol=rtol)

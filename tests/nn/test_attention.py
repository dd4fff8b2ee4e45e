"""F.scaled_dot_product_attention and nn.MultiheadAttention against PyTorch."""
import numpy as np
import pytest
import torch
from helpers import assert_close, check

import ember
import ember.nn as nn
import ember.nn.functional as F

RTOL, ATOL = 1e-4, 1e-5


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("mask,is_causal", [(None, False), (None, True), ("bool", False),
                                             ("float", False), ("bool_bcast", False)])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa_matches_torch(mask, is_causal, scale):
    q, k, v = _rand(2, 3, 4, 5, seed=1), _rand(2, 3, 6, 5, seed=2), _rand(2, 3, 6, 7, seed=3)
    if mask is None:
        m = None
    elif mask == "float":
        m = _rand(2, 3, 4, 6, seed=4)
    else:
        shape = (4, 6) if mask == "bool_bcast" else (2, 3, 4, 6)
        m = np.random.default_rng(5).random(shape) > 0.3
        m[..., 0] = True  # every query attends somewhere
    if m is None:
        check(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=is_causal,
                                                             scale=scale),
              lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(
                  a, b, c, is_causal=is_causal, scale=scale), q, k, v, rtol=RTOL, atol=ATOL)
    else:
        me, mt = ember.tensor(m), torch.tensor(m)
        check(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=me,
                                                             scale=scale),
              lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(
                  a, b, c, attn_mask=mt, scale=scale), q, k, v, rtol=RTOL, atol=ATOL)


def test_sdpa_dropout_statistics_and_errors():
    q = ember.ones(1, 1, 4, 8)
    v = ember.ones(1, 1, 4, 8)
    out = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    # with uniform weights 1/4 and dropout 0.5, each output is k/4 * 2 for k kept weights
    vals = set(np.round(out.numpy().ravel() * 2, 5).tolist())
    assert vals <= {0.0, 1.0, 2.0, 3.0, 4.0}
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set"):
        F.scaled_dot_product_attention(q, q, v, attn_mask=ember.ones(4, 4), is_causal=True)


def _mha_twins(*args, **kw):
    t = torch.nn.MultiheadAttention(*args, **kw)
    e = nn.MultiheadAttention(*args, **kw)
    sd = {k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()}
    res = e.load_state_dict(sd)
    assert not res.missing_keys and not res.unexpected_keys
    assert list(e.state_dict()) == list(t.state_dict())
    return e, t


def _leaf(a):
    return ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _compare_mha(e, t, q, k, v, grads=True, **kw):
    ekw = {n: (ember.tensor(x) if isinstance(x, np.ndarray) else x) for n, x in kw.items()}
    tkw = {n: (torch.tensor(x) if isinstance(x, np.ndarray) else x) for n, x in kw.items()}
    qe, qt = _leaf(q)
    if k is q:
        ke, kt, ve, vt = qe, qt, qe, qt
    else:
        (ke, kt), (ve, vt) = _leaf(k), _leaf(v)
    oe, we = e(qe, ke, ve, **ekw)
    ot, wt = t(qt, kt, vt, **tkw)
    assert_close(oe, ot, RTOL, ATOL)
    assert (we is None) == (wt is None)
    if wt is not None:
        assert_close(we, wt, RTOL, ATOL)
    if not grads:
        return
    w = _rand(*ot.shape, seed=9)
    (oe * ember.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    for a, b in ((qe, qt), (ke, kt), (ve, vt)):
        assert_close(a.grad, b.grad, RTOL, ATOL)
    pe = dict(e.named_parameters())
    for name, p in t.named_parameters():
        assert_close(pe[name].grad, p.grad, RTOL, ATOL)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(batch_first, need_weights, average):
    e, t = _mha_twins(8, 2, batch_first=batch_first)
    x = _rand(3, 4, 8, seed=1)
    _compare_mha(e, t, x, x, x, need_weights=need_weights, average_attn_weights=average)


@pytest.mark.parametrize("mask_kind", ["bool2d", "float2d", "bool3d", "float3d"])
@pytest.mark.parametrize("with_kpm", [False, True])
def test_mha_masks(mask_kind, with_kpm):
    e, t = _mha_twins(8, 2)
    L, S, N = 4, 5, 3
    q, k, v = _rand(L, N, 8, seed=1), _rand(S, N, 8, seed=2), _rand(S, N, 8, seed=3)
    shape = (L, S) if mask_kind.endswith("2d") else (N * 2, L, S)
    if mask_kind.startswith("bool"):
        m = np.random.default_rng(4).random(shape) > 0.7
        m[..., 0] = False  # True = masked out; keep the first key visible
    else:
        m = _rand(*shape, seed=4)
    kw = {"attn_mask": m}
    if with_kpm:
        kpm = np.zeros((N, S), bool)
        kpm[1, 3:] = True
        kw["key_padding_mask"] = kpm if mask_kind.startswith("bool") else \
            np.where(kpm, -np.inf, 0).astype(np.float32)
    _compare_mha(e, t, q, k, v, **kw)


def test_mha_kdim_vdim_bias_kv_zero_attn_no_bias():
    e, t = _mha_twins(8, 4, kdim=6, vdim=5, add_bias_kv=True, add_zero_attn=True)
    assert e.in_proj_weight is None and e.q_proj_weight.shape == (8, 8)
    q, k, v = _rand(4, 2, 8, seed=1), _rand(3, 2, 6, seed=2), _rand(3, 2, 5, seed=3)
    kpm = np.array([[False, False, True], [False, False, False]])
    _compare_mha(e, t, q, k, v, key_padding_mask=kpm)
    e, t = _mha_twins(8, 2, bias=False)
    _compare_mha(e, t, q, _rand(3, 2, 8, seed=5), _rand(3, 2, 8, seed=6))


def test_mha_unbatched_and_causal():
    e, t = _mha_twins(8, 2)
    x = _rand(5, 8, seed=1)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5).numpy()
    _compare_mha(e, t, x, x, x, attn_mask=mask, is_causal=True)
    _compare_mha(e, t, x, x, x, key_padding_mask=np.array([False] * 4 + [True]))


def test_mha_eval_no_grad_matches_torch_fast_path():
    e, t = _mha_twins(8, 2, batch_first=True)
    e.eval()
    t.eval()
    x = _rand(2, 5, 8, seed=1)
    kpm = np.zeros((2, 5), bool)
    kpm[0, 4] = True
    with torch.no_grad(), ember.no_grad():
        oe, we = e(ember.tensor(x), ember.tensor(x), ember.tensor(x),
                   key_padding_mask=ember.tensor(kpm))
        ot, wt = t(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(kpm))
    assert_close(oe, ot, RTOL, ATOL)
    assert_close(we, wt, RTOL, ATOL)


def test_mha_train_dropout():
    e = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ember.randn(4, 3, 8)
    _, w = e(x, x, x, average_attn_weights=False)
    a = w.detach().numpy()
    assert ((a == 0) | (a > 0)).all() and (a == 0).any()
    e.eval()
    _, w = e(x, x, x)
    np.testing.assert_allclose(w.detach().numpy().sum(-1), 1, rtol=1e-5)


def test_mha_errors_and_init():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(7, 2)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    e = nn.MultiheadAttention(8, 2)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is"):
        x = ember.randn(4, 1, 8)
        e(x, x, x, attn_mask=ember.zeros(3, 4))
    a = e.in_proj_weight.detach().numpy()
    bound = np.sqrt(6 / (8 + 24))
    assert a.min() >= -bound and a.max() <= bound
    assert (e.in_proj_bias.detach().numpy() == 0).all()
    assert (e.out_proj.bias.detach().numpy() == 0).all()
    assert type(e.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert nn.MultiheadAttention.__name__ == "MultiheadAttention"


def test_sdpa_grouped_query_attention():
    q, k, v = _rand(2, 4, 3, 5, seed=1), _rand(2, 2, 6, 5, seed=2), _rand(2, 2, 6, 5, seed=3)
    check(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, enable_gqa=True),
          lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(a, b, c,
                                                                           enable_gqa=True),
          q, k, v, rtol=RTOL, atol=ATOL)

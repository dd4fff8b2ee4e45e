"""Transformer layers against PyTorch: state_dict loaded from torch, outputs and all grads."""
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close

import ember
import ember.nn as nn

RTOL, ATOL = 2e-4, 2e-5


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _load(e, t):
    res = e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in
                             t.state_dict().items()})
    assert not res.missing_keys and not res.unexpected_keys
    assert list(e.state_dict()) == list(t.state_dict())


def _leaf(a):
    return ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _backward_and_compare(e, t, oe, ot, leaves):
    assert_close(oe, ot, RTOL, ATOL)
    w = _rand(*ot.shape, seed=9)
    (oe * ember.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    for a, b in leaves:
        assert_close(a.grad, b.grad, RTOL, ATOL)
    pe = dict(e.named_parameters())
    for name, p in t.named_parameters():
        assert_close(pe[name].grad, p.grad, RTOL, ATOL)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer(norm_first, batch_first, activation):
    kw = dict(dim_feedforward=16, dropout=0.0, activation=activation, batch_first=batch_first,
              norm_first=norm_first)
    t = torch.nn.TransformerEncoderLayer(8, 2, **kw)
    e = nn.TransformerEncoderLayer(8, 2, **kw)
    _load(e, t)
    xe, xt = _leaf(_rand(*((3, 5, 8) if batch_first else (5, 3, 8)), seed=1))
    kpm = np.zeros((3, 5), bool)
    kpm[0, 4:] = True
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5).numpy() == -np.inf
    oe = e(xe, src_mask=ember.tensor(mask), src_key_padding_mask=ember.tensor(kpm))
    ot = t(xt, src_mask=torch.tensor(mask), src_key_padding_mask=torch.tensor(kpm))
    _backward_and_compare(e, t, oe, ot, [(xe, xt)])


def test_encoder_layer_callable_activation_and_unbatched():
    t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0,
                                        activation=torch.nn.functional.silu)
    e = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=nn.functional.silu)
    _load(e, t)
    xe, xt = _leaf(_rand(5, 8, seed=2))
    _backward_and_compare(e, t, e(xe), t(xt), [(xe, xt)])


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_stack_eval_mode(norm_first):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=norm_first),
            num_layers=2, norm=torch.nn.LayerNorm(8))
    e = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True,
                                                         norm_first=norm_first),
                              num_layers=2, norm=nn.LayerNorm(8))
    _load(e, t)
    # the clones are independent copies
    assert e.layers[0].linear1.weight is not e.layers[1].linear1.weight
    e.eval()
    t.eval()
    x = _rand(2, 5, 8, seed=3)
    kpm = np.zeros((2, 5), bool)
    kpm[1, 3:] = True
    with torch.no_grad(), ember.no_grad():
        oe = e(ember.tensor(x), src_key_padding_mask=ember.tensor(kpm))
        ot = t(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    # torch's eval fast path zeroes padded positions; compare the real ones
    keep = ~kpm
    assert_close(ember.tensor(oe.numpy()[keep]), torch.tensor(ot.numpy()[keep]), RTOL, ATOL)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_and_stack(norm_first):
    kw = dict(dim_feedforward=16, dropout=0.0, norm_first=norm_first)
    t = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, **kw), 2)
    e = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, **kw), 2)
    _load(e, t)
    (te, tt), (me, mt) = _leaf(_rand(4, 3, 8, seed=4)), _leaf(_rand(6, 3, 8, seed=5))
    tgt_mask = torch.nn.Transformer.generate_square_subsequent_mask(4).numpy()
    mkpm = np.zeros((3, 6), bool)
    mkpm[2, 5] = True
    oe = e(te, me, tgt_mask=ember.tensor(tgt_mask), memory_key_padding_mask=ember.tensor(mkpm))
    ot = t(tt, mt, tgt_mask=torch.tensor(tgt_mask), memory_key_padding_mask=torch.tensor(mkpm))
    _backward_and_compare(e, t, oe, ot, [(te, tt), (me, mt)])


@pytest.mark.parametrize("batch_first", [False, True])
def test_full_transformer_train_mode(batch_first):
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
              dim_feedforward=16, dropout=0.0, batch_first=batch_first)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.Transformer(**kw)
    e = nn.Transformer(**kw)
    _load(e, t)
    s, g = ((3, 5, 8), (3, 4, 8)) if batch_first else ((5, 3, 8), (4, 3, 8))
    (se, st), (ge, gt) = _leaf(_rand(*s, seed=6)), _leaf(_rand(*g, seed=7))
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(mask.numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4))
    oe = e(se, ge, tgt_mask=mask)
    ot = t(st, gt, tgt_mask=torch.tensor(mask.numpy()))
    _backward_and_compare(e, t, oe, ot, [(se, st), (ge, gt)])


def test_transformer_errors_and_names():
    e = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        e(ember.zeros(5, 2, 8), ember.zeros(4, 3, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal"):
        e(ember.zeros(5, 2, 8), ember.zeros(4, 2, 6))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    t = torch.nn.Transformer(8, 2, 1, 1, 16)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert repr(e) == repr(t)


def test_dropout_train_mode_changes_output():
    e = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = ember.randn(5, 3, 8)
    e.eval()
    a = e(x).detach().numpy()
    np.testing.assert_array_equal(a, e(x).detach().numpy())
    e.train()
    b = e(x).detach().numpy()
    assert b.shape == a.shape and not np.allclose(a, b)

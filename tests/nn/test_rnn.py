"""RNN, LSTM, GRU and the cells against PyTorch: the torch layer's state_dict is loaded into the
ember layer, then outputs, final states, input/state gradients and every parameter gradient are
compared."""
import numpy as np
import pytest
import torch
from helpers import assert_close

import ember
import ember.nn as nn
from ember.nn.utils.rnn import pack_padded_sequence as e_pack
from ember.nn.utils.rnn import pad_packed_sequence as e_unpack

RTOL, ATOL = 1e-4, 1e-5


def _twins(mode, *args, **kw):
    t = getattr(torch.nn, mode)(*args, **kw)
    e = getattr(nn, mode)(*args, **kw)
    res = e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in
                             t.state_dict().items()})
    assert not res.missing_keys and not res.unexpected_keys
    assert list(e.state_dict()) == list(t.state_dict())
    return e, t


def _leaf(a):
    return ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [y for o in out for y in _flat(o)]
    return [out]


def _backward_both(oe, ot, seed=0):
    rng = np.random.default_rng(seed)
    le, lt = 0, 0
    for a, b in zip(_flat(oe), _flat(ot)):
        w = rng.standard_normal(tuple(b.shape)).astype(np.float32)
        le = le + (a * ember.tensor(w)).sum()
        lt = lt + (b * torch.tensor(w)).sum()
    le.backward()
    lt.backward()


def _check_params(e, t):
    pe = dict(e.named_parameters())
    for name, p in t.named_parameters():
        assert_close(pe[name].grad, p.grad, RTOL, ATOL)


CONFIGS = [
    dict(num_layers=1),
    dict(num_layers=2),
    dict(num_layers=2, bidirectional=True),
    dict(num_layers=1, batch_first=True),
    dict(num_layers=2, bias=False, batch_first=True, bidirectional=True),
]


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU", "RNN_relu"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("with_h0", [False, True])
def test_rnn_matches_torch(mode, cfg, with_h0):
    kw = dict(cfg)
    if mode == "RNN_relu":
        mode, kw["nonlinearity"] = "RNN", "relu"
    e, t = _twins(mode, 6, 5, **kw)
    rng = np.random.default_rng(1)
    steps, batch = 4, 3
    shape = (batch, steps, 6) if kw.get("batch_first") else (steps, batch, 6)
    xe, xt = _leaf(rng.standard_normal(shape).astype(np.float32))
    args_e, args_t, leaves = [xe], [xt], [(xe, xt)]
    if with_h0:
        n = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
        h0e, h0t = _leaf(rng.standard_normal((n, batch, 5)).astype(np.float32))
        leaves.append((h0e, h0t))
        if mode == "LSTM":
            c0e, c0t = _leaf(rng.standard_normal((n, batch, 5)).astype(np.float32))
            leaves.append((c0e, c0t))
            args_e.append((h0e, c0e))
            args_t.append((h0t, c0t))
        else:
            args_e.append(h0e)
            args_t.append(h0t)
    oe, ot = e(*args_e), t(*args_t)
    assert_close(oe, ot, RTOL, ATOL)
    _backward_both(oe, ot)
    for a, b in leaves:
        assert_close(a.grad, b.grad, RTOL, ATOL)
    _check_params(e, t)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_unbatched_input(mode):
    e, t = _twins(mode, 4, 3, num_layers=2)
    xe, xt = _leaf(np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32))
    oe, ot = e(xe), t(xt)
    assert_close(oe, ot, RTOL, ATOL)
    _backward_both(oe, ot)
    assert_close(xe.grad, xt.grad, RTOL, ATOL)
    _check_params(e, t)


def test_lstm_proj_size():
    e, t = _twins("LSTM", 4, 6, num_layers=2, proj_size=3, bidirectional=True)
    xe, xt = _leaf(np.random.default_rng(3).standard_normal((5, 2, 4)).astype(np.float32))
    oe, ot = e(xe), t(xt)
    assert oe[0].shape == (5, 2, 6) and oe[1][0].shape == (4, 2, 3)
    assert_close(oe, ot, RTOL, ATOL)
    _backward_both(oe, ot)
    assert_close(xe.grad, xt.grad, RTOL, ATOL)
    _check_params(e, t)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_input(mode, bidirectional, enforce_sorted):
    e, t = _twins(mode, 3, 4, num_layers=2, bidirectional=bidirectional, batch_first=True)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    xe, xt = _leaf(np.random.default_rng(4).standard_normal((4, 5, 3)).astype(np.float32))
    pe = e_pack(xe, lengths, batch_first=True, enforce_sorted=enforce_sorted)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first=True,
                                                 enforce_sorted=enforce_sorted)
    oe, he = e(pe)
    ot, ht = t(pt)
    assert isinstance(oe, nn.utils.rnn.PackedSequence)
    assert_close(oe.data, ot.data, RTOL, ATOL)
    assert oe.batch_sizes.tolist() == ot.batch_sizes.tolist()
    assert_close(he, ht, RTOL, ATOL)
    ye, _ = e_unpack(oe, batch_first=True)
    yt, _ = torch.nn.utils.rnn.pad_packed_sequence(ot, batch_first=True)
    assert_close(ye, yt, RTOL, ATOL)
    _backward_both((ye, he), (yt, ht))
    assert_close(xe.grad, xt.grad, RTOL, ATOL)
    _check_params(e, t)


def test_packed_with_h0():
    e, t = _twins("GRU", 3, 4, bidirectional=True)
    lengths = [2, 4, 3]
    xe, xt = _leaf(np.random.default_rng(5).standard_normal((4, 3, 3)).astype(np.float32))
    he0, ht0 = _leaf(np.random.default_rng(6).standard_normal((2, 3, 4)).astype(np.float32))
    oe, he = e(e_pack(xe, lengths, enforce_sorted=False), he0)
    ot, ht = t(torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, enforce_sorted=False), ht0)
    assert_close(he, ht, RTOL, ATOL)
    _backward_both((oe.data, he), (ot.data, ht))
    assert_close(he0.grad, ht0.grad, RTOL, ATOL)
    assert_close(xe.grad, xt.grad, RTOL, ATOL)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
def test_cells(cell, bias, batched):
    e, t = _twins(cell, 4, 3, bias=bias)
    rng = np.random.default_rng(7)
    shape = (2,) if batched else ()
    xe, xt = _leaf(rng.standard_normal(shape + (4,)).astype(np.float32))
    he, ht = _leaf(rng.standard_normal(shape + (3,)).astype(np.float32))
    if cell == "LSTMCell":
        ce, ct = _leaf(rng.standard_normal(shape + (3,)).astype(np.float32))
        oe, ot = e(xe, (he, ce)), t(xt, (ht, ct))
    else:
        oe, ot = e(xe, he), t(xt, ht)
    assert_close(oe, ot, RTOL, ATOL)
    _backward_both(oe, ot)
    assert_close(xe.grad, xt.grad, RTOL, ATOL)
    assert_close(he.grad, ht.grad, RTOL, ATOL)
    _check_params(e, t)
    assert repr(e) == repr(t)


def test_rnn_cell_relu_and_no_state():
    e, t = _twins("RNNCell", 4, 3, nonlinearity="relu")
    xe, xt = _leaf(np.random.default_rng(8).standard_normal((2, 4)).astype(np.float32))
    assert_close(e(xe), t(xt), RTOL, ATOL)


def test_dropout_between_layers():
    e = nn.LSTM(4, 50, num_layers=2, dropout=0.5)
    x = ember.randn(3, 8, 4)
    e.eval()
    o1, _ = e(x)
    o2, _ = e(x)
    assert np.array_equal(o1.detach().numpy(), o2.detach().numpy())
    e.train()
    o3, _ = e(x)
    assert o3.shape == (3, 8, 50)
    assert not np.allclose(o1.detach().numpy(), o3.detach().numpy())
    o3.sum().backward()
    assert e.weight_ih_l1.grad is not None


def test_init_distribution_and_repr():
    e, t = nn.GRU(10, 64, num_layers=2, bidirectional=True), \
        torch.nn.GRU(10, 64, num_layers=2, bidirectional=True)
    bound = 1 / 8
    for name, p in e.named_parameters():
        a = p.detach().numpy()
        assert a.dtype == np.float32
        assert a.min() >= -bound and a.max() <= bound
        assert abs(a.std() - bound / np.sqrt(3)) < 0.2 * bound / np.sqrt(3), name
    assert repr(e) == repr(t)
    assert repr(nn.RNN(3, 4, 2, nonlinearity="relu", batch_first=True, dropout=0.1)) == \
        repr(torch.nn.RNN(3, 4, 2, nonlinearity="relu", batch_first=True, dropout=0.1))
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert len(e.all_weights) == 4 and len(e._flat_weights) == 16
    e.flatten_parameters()


def _err(fn):
    try:
        fn()
    except Exception as ex:  # noqa: BLE001
        return type(ex), str(ex)
    return None


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("case", ["size", "rank", "h0", "h0rank"])
def test_errors_match_torch(mode, case):
    e, t = _twins(mode, 28, 20, num_layers=2)
    x = np.zeros((5, 3, 10 if case == "size" else 28) + ((1,) if case == "rank" else ()),
                 np.float32)
    h = None
    if case == "h0":
        h = np.zeros((1, 3, 20), np.float32)
    elif case == "h0rank":
        h = np.zeros((3, 20), np.float32)

    def call(lib, mod):
        xs = lib.tensor(x)
        if h is None:
            return mod(xs)
        hs = lib.tensor(h)
        return mod(xs, (hs, hs) if mode == "LSTM" else hs)

    got, want = _err(lambda: call(ember, e)), _err(lambda: call(torch, t))
    assert want is not None
    assert got == want


def test_bad_constructor_args():
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout should be a number"):
        nn.GRU(3, 4, dropout=2)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller"):
        nn.LSTM(3, 4, proj_size=4)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU", "RNN_relu"])
@pytest.mark.parametrize("packed", [False, True])
def test_double_backward(mode, packed):
    # the backward (fused sequence node or per-step nodes for packed input) is written in
    # ember ops under create_graph: the gradient of a gradient matches torch
    kw = {"bidirectional": True}
    if mode == "RNN_relu":
        mode, kw["nonlinearity"] = "RNN", "relu"
    e, t = _twins(mode, 3, 4, **kw)
    xe, xt = _leaf(np.random.default_rng(9).standard_normal((3, 2, 3)).astype(np.float32))
    pe, pt = xe, xt
    if packed:
        pe = e_pack(xe, [3, 2])
        pt = torch.nn.utils.rnn.pack_padded_sequence(xt, [3, 2])
    oe, ot = e(pe)[0], t(pt)[0]
    if packed:
        oe, ot = oe.data, ot.data
    (ge,) = ember.autograd.grad(oe.pow(2).sum(), xe, create_graph=True)
    (gt,) = torch.autograd.grad(ot.pow(2).sum(), xt, create_graph=True)
    assert_close(ge, gt, RTOL, ATOL)
    ge.pow(2).sum().backward()
    gt.pow(2).sum().backward()
    assert_close(xe.grad, xt.grad, 1e-3, 1e-4)
    _check_params(e, t)


class _SeedRNN:
    """The seed document's classifier: 2-layer nn.RNN, out[:, -1, :] -> Linear."""

    def __init__(self, lib, input_dim=28, hidden_dim=32, layer_dim=2, output_dim=10):
        nnm = lib.nn

        class RNNModel(nnm.Module):
            def __init__(self):
                super().__init__()
                self.hidden_dim, self.layer_dim = hidden_dim, layer_dim
                self.rnn = nnm.RNN(input_dim, hidden_dim, layer_dim, batch_first=True,
                                   nonlinearity="tanh")
                self.fc = nnm.Linear(hidden_dim, output_dim)

            def forward(self, x):
                h0 = lib.autograd.Variable(lib.zeros(self.layer_dim, x.size(0),
                                                     self.hidden_dim))
                out, hn = self.rnn(x, h0)
                last = out[:, -1, :]
                return self.fc(last)

        self.model = RNNModel()


def _cross_entropy(logits, y):
    return nn.functional.cross_entropy(logits, ember.tensor(y))


def test_seed_rnn_classifier_end_to_end():
    te, tt = _SeedRNN(ember).model, _SeedRNN(torch).model
    te.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in
                        tt.state_dict().items()})
    rng = np.random.default_rng(10)
    x = rng.standard_normal((16, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    le_ = te(ember.tensor(x))
    lt_ = tt(torch.tensor(x))
    assert_close(le_, lt_, RTOL, ATOL)
    loss_e = _cross_entropy(le_, y)
    loss_t = torch.nn.functional.cross_entropy(lt_, torch.tensor(y))
    assert abs(loss_e.item() - loss_t.item()) < 1e-5
    loss_e.backward()
    loss_t.backward()
    _check_params(te, tt)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_interleaved_graphs_retain_graph_and_reused_workspaces(mode):
    # two live graphs, a retained backward run twice, then the other graph: the recycled
    # workspaces of one call must never leak into another
    e, t = _twins(mode, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(13)
    xs = [_leaf(rng.standard_normal((5, 2, 3)).astype(np.float32)) for _ in range(2)]
    oe = [e(a)[0] for a, _ in xs]
    ot = [t(b)[0] for _, b in xs]
    for _ in range(2):
        oe[0].sum().backward(retain_graph=True)
        ot[0].sum().backward(retain_graph=True)
    oe[1].pow(2).sum().backward()
    ot[1].pow(2).sum().backward()
    oe3, ot3 = e(xs[0][0])[0], t(xs[0][1])[0]  # a fresh call reusing the pool
    assert_close(oe3, ot3, RTOL, ATOL)
    assert_close(oe[1], ot[1], RTOL, ATOL)
    for a, b in xs:
        assert_close(a.grad, b.grad, RTOL, ATOL)
    _check_params(e, t)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_no_grad_calls_between_training_calls(mode):
    # a call under no_grad recycles its workspaces at once; the graph of an earlier call must
    # keep its own (the fused layer's forward state is read again by its backward)
    e, t = _twins(mode, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(17)
    xe, xt = _leaf(rng.standard_normal((6, 3, 3)).astype(np.float32))
    oe, ot = e(xe), t(xt)
    for _ in range(2):
        with ember.no_grad():
            ye = e(ember.tensor(rng.standard_normal((6, 3, 3)).astype(np.float32)))
        assert not ye[0].requires_grad
    with ember.no_grad():
        assert_close(e(xe)[0], ot[0], RTOL, ATOL)
    _backward_both(oe, ot)
    assert_close(xe.grad, xt.grad, RTOL, ATOL)
    _check_params(e, t)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_saturated_gates_match_torch(mode):
    # large pre-activations: the sigmoid as 0.5 + 0.5 tanh(x / 2) at its extremes
    e, t = _twins(mode, 3, 5)
    with torch.no_grad():
        for p in t.parameters():
            p.mul_(8)
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    xe, xt = _leaf(np.random.default_rng(5).standard_normal((4, 2, 3)).astype(np.float32) * 4)
    oe, ot = e(xe), t(xt)
    assert_close(oe[0], ot[0], RTOL, ATOL)
    _backward_both(oe, ot)
    assert_close(xe.grad, xt.grad, 1e-3, 1e-4)
    _check_params(e, t)

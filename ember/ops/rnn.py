"""The math of one recurrent step (RNN tanh/relu, LSTM, GRU), written twice on purpose.

* Array kernels (``_lstm_fwd`` / ``_lstm_bwd`` ...): one step forward and backward on raw
  arrays, in place into preallocated workspaces. ``_rnn_seq.Step`` runs them inside one graph
  node per step (a whole full-batch sequence runs in ``_rnn_layer.py`` instead).
* Tensor-op vjps (``lstm_step_vjp`` ...): the same backward in ember ops, with the activations
  recomputed from the step's inputs, for ``create_graph=True`` (double backward).
"""
from .pointwise import relu, sigmoid, tanh
from .shape import cat

__all__ = []  # internal to the recurrent layers (``ember.nn.modules.rnn``)


# --- array kernels, one (forward step, backward step) pair per mode -----------------------------
# Step ``t`` reads and writes slice ``t`` of the workspaces in ``st`` (see ``_rnn_seq._alloc``).
# ``wt`` is W_hh^T, made contiguous once per sequence (a transposed view is ~1.5x slower in BLAS).
# The gates' sigmoids are computed as 0.5 + 0.5 tanh(x / 2): one vectorised tanh over all gates
# is ~3x faster than exp/add/reciprocal, and its absolute error (~6e-8) is float32 rounding.
def _half_sig(a):
    a *= 0.5
    a += 0.5


def _lstm_fwd(xp, gx, h, c, wt, b, t, st):
    a = st["acts"][t]
    xp.matmul(h, wt, out=a)
    a += gx
    n = c.shape[1]
    a *= st["scale"]  # i, f, o: 0.5 + 0.5 tanh(x / 2); g: tanh(x)
    xp.tanh(a, out=a)
    a *= st["scale"]
    a += st["offset"]
    c2 = st["cs"][t]
    xp.multiply(a[:, n:2 * n], c, out=c2)
    c2 += a[:, :n] * a[:, 2 * n:3 * n]
    tc = xp.tanh(c2, out=st["tcs"][t])
    h2 = st["out"][t]
    xp.multiply(a[:, 3 * n:], tc, out=h2)
    return h2, c2


def _lstm_bwd(xp, dh, dc2, h, c, w, t, st):
    # lstm_step_vjp below, in place: dG = [dc g, dc c, dc i, dh tanh(c2)] * act'
    a, tc = st["acts"][t], st["tcs"][t]
    n = c.shape[1]
    i, f, g = a[:, :n], a[:, n:2 * n], a[:, 2 * n:3 * n]
    dc = tc * tc
    xp.subtract(1, dc, out=dc)
    dc *= a[:, 3 * n:]
    dc *= dh
    dc += dc2
    d = st["D"]
    xp.subtract(1, a, out=d)
    d *= a  # sigmoid' = s (1 - s) for i, f, o ...
    dgg = d[:, 2 * n:3 * n]
    xp.multiply(g, g, out=dgg)
    xp.subtract(1, dgg, out=dgg)  # ... and tanh' = 1 - g^2 for g
    dg = st["dG"][t]
    xp.multiply(dc, g, out=dg[:, :n])
    xp.multiply(dc, c, out=dg[:, n:2 * n])
    xp.multiply(dc, i, out=dg[:, 2 * n:3 * n])
    xp.multiply(dh, tc, out=dg[:, 3 * n:])
    dg *= d
    return dg @ w, dc * f


def _gru_fwd(xp, gx, h, c, wt, b, t, st):
    gh = st["gh"][t]
    xp.matmul(h, wt, out=gh)
    if b is not None:
        gh += b
    k = h.shape[1]
    rz = st["rz"][t]
    xp.add(gx[:, :2 * k], gh[:, :2 * k], out=rz)
    rz *= 0.5
    xp.tanh(rz, out=rz)
    _half_sig(rz)
    nn_ = st["n"][t]
    xp.multiply(rz[:, :k], gh[:, 2 * k:], out=nn_)
    nn_ += gx[:, 2 * k:]
    xp.tanh(nn_, out=nn_)
    h2 = st["out"][t]
    xp.subtract(h, nn_, out=h2)
    h2 *= rz[:, k:]
    h2 += nn_
    return h2, None


def _gru_bwd(xp, dh, dc2, h, c, w, t, st):
    k = h.shape[1]
    rz, nn_, ghn = st["rz"][t], st["n"][t], st["gh"][t][:, 2 * k:]
    r, z = rz[:, :k], rz[:, k:]
    dx, dgh = st["dG"][t], st["dGh"][t]
    dn = dh * (1 - z) * (1 - nn_ * nn_)
    xp.multiply(dn * ghn, r * (1 - r), out=dx[:, :k])
    xp.multiply(dh * (h - nn_), z * (1 - z), out=dx[:, k:2 * k])
    dx[:, 2 * k:] = dn
    dgh[:, :2 * k] = dx[:, :2 * k]
    xp.multiply(dn, r, out=dgh[:, 2 * k:])
    return dh * z + dgh @ w, None


def _rnn_fwd(xp, gx, h, c, wt, b, t, st):
    h2 = st["out"][t]
    xp.matmul(h, wt, out=h2)
    h2 += gx
    if st["relu"]:
        xp.maximum(h2, 0, out=h2)
    else:
        xp.tanh(h2, out=h2)
    return h2, None


def _rnn_bwd(xp, dh, dc2, h, c, w, t, st):
    h2, dg = st["out"][t], st["dG"][t]
    if st["relu"]:
        xp.multiply(dh, h2 > 0, out=dg)
    else:
        xp.multiply(dh, 1 - h2 * h2, out=dg)
    return dg @ w, None


KERNELS = {"LSTM": (_lstm_fwd, _lstm_bwd), "GRU": (_gru_fwd, _gru_bwd),
            "RNN_TANH": (_rnn_fwd, _rnn_bwd), "RNN_RELU": (_rnn_fwd, _rnn_bwd)}


# --- Tensor-op vjps (create_graph) --------------------------------------------------------------
# The activations are recomputed from the step's inputs with ember ops, so the gradients are
# themselves differentiable.
def rnn_step_vjp(gx, h, w, relu_, dh2):
    """``(dgx, dh, dW)`` of ``h2 = act(gx + h W^T)``."""
    h2 = (relu if relu_ else tanh)(gx + h @ w.T)
    # d pre = dh2 act'(pre); dgx = d pre, dh = d pre W, dW = d pre^T h
    dpre = dh2 * (h2 > 0) if relu_ else dh2 * (1 - h2 * h2)
    return dpre, dpre @ w, dpre.T @ h


def lstm_step_vjp(gx, h, c, w, dh2, dc2):
    """``(dgx, dh, dc, dW)`` of one LSTM step."""
    n = c.shape[1]
    if dc2 is None:
        dc2 = dh2 * 0
    gates = gx + h @ w.T
    i, f = sigmoid(gates[:, :n]), sigmoid(gates[:, n:2 * n])
    g, o = tanh(gates[:, 2 * n:3 * n]), sigmoid(gates[:, 3 * n:])
    tc = tanh(f * c + i * g)
    # c2 = f c + i g, h2 = o tanh(c2); gates (i, f, g, o) = (sig, sig, tanh, sig)(gx + h W^T)
    dc = dc2 + dh2 * o * (1 - tc * tc)
    dgates = cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g),
                  dh2 * tc * o * (1 - o)], 1)
    return dgates, dgates @ w, dc * f, dgates.T @ h


def gru_step_vjp(gx, h, w, b, dh2):
    """``(dgx, dh, dW, dgh)`` of one GRU step (``db_hh = dgh.sum(0)``)."""
    k = h.shape[1]
    gh = h @ w.T
    if b is not None:
        gh = gh + b
    r = sigmoid(gx[:, :k] + gh[:, :k])
    z = sigmoid(gx[:, k:2 * k] + gh[:, k:2 * k])
    ghn = gh[:, 2 * k:]
    n = tanh(gx[:, 2 * k:] + r * ghn)
    # r, z = sig(gx_rz + gh_rz); n = tanh(gx_n + r gh_n); h2 = (1 - z) n + z h; gh = h W^T + b
    dn = dh2 * (1 - z) * (1 - n * n)
    dr = dn * ghn * r * (1 - r)
    dz = dh2 * (h - n) * z * (1 - z)
    dgh = cat([dr, dz, dn * r], 1)
    return cat([dr, dz, dn], 1), dh2 * z + dgh @ w, dgh.T @ h, dgh

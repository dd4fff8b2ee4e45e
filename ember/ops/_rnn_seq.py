"""One recurrent layer direction over a whole (unpacked) sequence as a single Function.

The per-step primitives in ``rnn.py`` cost one graph node per step; here the whole time loop
runs inside one node, which removes the per-step autograd overhead and lets the backward form
the weight gradient as ONE matrix product over all steps (``dW = dG^T H_prev``) instead of T
small products and T accumulations. Each step still does one matrix product for the
recurrence, forward and backward.

The fast backward runs on raw arrays. With ``create_graph=True`` the backward instead replays
the steps with the per-step primitives and their Tensor-op vjps (``rnn.py``), so double
backward works and agrees with the per-step path.
"""
from . import rnn as _r
from ._util import Function, _make, _state, get_array_module
from .shape import cat


# --- array kernels, one (forward step, backward step) pair per mode -----------------------------
# ``wt`` is W_hh^T made contiguous once per call (a transposed view is ~1.5x slower in BLAS).
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
    # the vjp of _lstm_vjp (rnn.py), in place: dG = [dc g, dc c, dc i, dh tanh(c2)] * act'
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


_KERNELS = {"LSTM": (_lstm_fwd, _lstm_bwd), "GRU": (_gru_fwd, _gru_bwd),
            "RNN_TANH": (_rnn_fwd, _rnn_bwd), "RNN_RELU": (_rnn_fwd, _rnn_bwd)}


# Workspaces that never leave the node (gate activations, saved states, gradient scratch) are
# kept in a small pool and reused by the next call of the same shape: fresh multi-megabyte
# arrays every step cost page faults (~25% of a training step here); ``out`` and the returned
# gradients are always new arrays, since the caller keeps them.
_POOL = {}
_POOL_KEYS_MAX = 16


def _where(xp):
    return "cpu" if xp.__name__ == "numpy" else xp.cuda.Device().id


def _take(xp, shape, dtype):
    free = _POOL.get((_where(xp), shape, dtype))
    try:
        return free.pop() if free else xp.empty(shape, dtype=dtype)
    except IndexError:  # emptied by another thread meanwhile
        return xp.empty(shape, dtype=dtype)


def _give(*arrays):
    for a in arrays:
        if a is None:
            continue
        key = ("cpu" if type(a).__module__.startswith("numpy") else a.device.id, a.shape,
               a.dtype)
        free = _POOL.setdefault(key, [])
        if len(free) < 4:
            free.append(a)
        if len(_POOL) > _POOL_KEYS_MAX:
            _POOL.pop(next(iter(_POOL)), None)


_SCRATCH = ("acts", "tcs", "cs", "gh", "rz", "n")


def _alloc(xp, mode, steps, b, n, dtype):
    def e(*s):
        return _take(xp, (steps,) + s, dtype)

    st = {"out": xp.empty((steps, b, n), dtype=dtype), "relu": mode == "RNN_RELU"}
    if mode == "LSTM":
        st.update(acts=e(b, 4 * n), cs=e(b, n), tcs=e(b, n))
        scale = xp.full(4 * n, 0.5, dtype=dtype)
        scale[2 * n:3 * n] = 1  # g is a tanh gate; i, f, o are sigmoids
        st["scale"], st["offset"] = scale, xp.where(scale == 1, 0, scale)
    elif mode == "GRU":
        st.update(gh=e(b, 3 * n), rz=e(b, 2 * n), n=e(b, n))
    return st


class SeqLayer(Function):
    """``out (T, B, H)`` [and ``c_T`` for LSTM] of one layer direction.

    Inputs: ``gx (T, B, G)`` (the input projection of every step, with both biases folded in
    except GRU's ``b_hh``), ``h0``, ``c0`` (LSTM) or None, ``w_hh``, ``b_hh`` (GRU) or None.
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, gx, h0, c0, w, b, mode, reverse):
        xp = get_array_module(gx)
        steps, batch = gx.shape[0], gx.shape[1]
        fwd = _KERNELS[mode][0]
        st = _alloc(xp, mode, steps, batch, w.shape[1], gx.dtype)
        h, c = h0, c0
        wt = xp.ascontiguousarray(w.T)
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            h, c = fwd(xp, gx[t], h, c, wt, b, t, st)
        ctx.st, ctx.mode, ctx.reverse = st, mode, reverse
        out = st["out"]
        ctx.save_for_backward(gx, h0, c0, w, b, out)  # out: version-checked, read by backward
        return (out, c.copy()) if mode == "LSTM" else out

    def _release(self):
        # the engine frees saved state after a backward without retain_graph: recycle it
        super()._release()
        st, self.st = self.st, None
        if st is not None:
            _give(*(st.get(k) for k in _SCRATCH))

    @staticmethod
    def backward(ctx, dout, dc_n=None):
        if _state[0]:
            return _replay_backward(ctx, dout, dc_n)
        gx, h0, c0, w, b, _ = ctx.saved_tensors
        st, mode, reverse = ctx.st, ctx.mode, ctx.reverse
        w_, h0_ = w._data, h0._data
        c0_ = c0._data if c0 is not None else None
        xp = get_array_module(w_)
        steps = st["out"].shape[0]
        st["dG"] = xp.empty(gx.shape, dtype=w_.dtype)
        if mode == "GRU":
            st["dGh"] = _take(xp, gx.shape, w_.dtype)
        if mode == "LSTM":
            st["D"] = _take(xp, gx.shape[1:], w_.dtype)
        bwd = _KERNELS[mode][1]
        order = list(range(steps - 1, -1, -1) if reverse else range(steps))
        prev = _prev_states(xp, st, order, h0_, c0_, mode)
        dh_next = xp.zeros_like(h0_)
        dc = dc_n._data if dc_n is not None else None
        dout_ = dout._data
        for t in reversed(order):
            h_prev, c_prev = prev[0][t], (prev[1][t] if prev[1] is not None else None)
            dh_next, dc = bwd(xp, dout_[t] + dh_next, dc, h_prev, c_prev, w_, t, st)
        dgh = st["dGh"] if mode == "GRU" else st["dG"]
        g2 = dgh.reshape(-1, dgh.shape[-1])
        dw = g2.T @ prev[0].reshape(-1, prev[0].shape[-1])  # one product for all steps
        db = g2.sum(0) if b is not None and ctx.needs_input_grad[4] else None
        dG = st.pop("dG")
        _give(st.pop("dGh", None), st.pop("D", None), *prev)
        return (_make(dG), _make(dh_next), None if dc is None else _make(dc), _make(dw),
                None if db is None else _make(db))


def _prev_states(xp, st, order, h0, c0, mode):
    """``H_prev[t]`` (and ``C_prev[t]``): the state each step started from."""
    out = st["out"]
    hp = _take(xp, out.shape, out.dtype)
    cp = _take(xp, out.shape, out.dtype) if mode == "LSTM" else None
    first = order[0]
    hp[first] = h0
    if cp is not None:
        cp[first] = c0
    if len(order) > 1:
        if order[0] == 0:  # forward in time: step t starts from step t-1
            hp[1:] = out[:-1]
            if cp is not None:
                cp[1:] = st["cs"][:-1]
        else:  # reverse: step t starts from step t+1
            hp[:-1] = out[1:]
            if cp is not None:
                cp[:-1] = st["cs"][1:]
    return hp, cp


def _replay_backward(ctx, dout, dc_n):
    """create_graph: run the per-step primitives again from the saved inputs and backpropagate
    through them with their Tensor-op vjps, so the result is itself differentiable."""
    gx, h0, c0, w, b, _ = ctx.saved_tensors
    mode, reverse = ctx.mode, ctx.reverse
    steps = gx.shape[0]
    order = list(range(steps - 1, -1, -1) if reverse else range(steps))
    h, c = h0, c0
    prev = {}
    for t in order:
        prev[t] = (h, c)
        h, c = _r.step(mode, gx[t], h, c, w, b)
    dh, dc = None, dc_n
    dgx, dw, db = [None] * steps, None, None
    for t in reversed(order):
        hp, cp = prev[t]
        g = dout[t] if dh is None else dout[t] + dh
        grads = _step_vjp(mode, gx[t], hp, cp, w, b, g, dc)
        dgx[t], dh, dc, dwt, dbt = grads
        dw = dwt if dw is None else dw + dwt
        if dbt is not None:
            db = dbt if db is None else db + dbt
    dgx = cat(dgx, 0).reshape(gx.shape)
    return dgx, dh, dc if c0 is not None else None, dw, db if b is not None else None


def _step_vjp(mode, gx, h, c, w, b, dh2, dc2):
    """Tensor-op vjp of one step: ``(dgx, dh, dc, dW, db)`` (the step primitives' formulas)."""
    if mode == "LSTM":
        return (*_r.lstm_step_vjp(gx, h, c, w, dh2, dc2), None)
    if mode == "GRU":
        dgx, dh, dw, dgh = _r.gru_step_vjp(gx, h, w, b, dh2)
        return dgx, dh, None, dw, dgh.sum(0) if b is not None else None
    dgx, dh, dw = _r.rnn_step_vjp(gx, h, w, mode == "RNN_RELU", dh2)
    return dgx, dh, None, dw, None


def seq_layer(gx, h0, c0, w, b, mode, reverse):
    """Run one direction; returns ``(out (T, B, H), h_n, c_n or None)``."""
    res = SeqLayer.apply(gx, h0, c0, w, b, mode, reverse)
    out, c_n = res if mode == "LSTM" else (res, None)
    h_n = out[0] if reverse else out[-1]
    return out, h_n, c_n



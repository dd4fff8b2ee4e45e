"""One recurrent layer direction over a whole full-batch sequence, as ONE primitive (speed;
``_rnn_seq.Step`` covers single steps and sequences whose batch shrinks).

How it is laid out, and why:

* Each step does ONE matrix product for everything linear: ``[h | 1 | x_t] @ W_cat`` with
  ``W_cat = [W_hh^T; b; W_ih^T]``, so the input projection, the recurrence and the biases
  arrive together, straight into the step's gate tile. The rows ``[h | 1 | x_t]`` live in one
  buffer ``xh (T + 1, B, H + 1 + I)`` (the step writes its ``h`` into the next slot). GRU's
  n gate keeps ``W_in x`` and ``W_hn h`` apart (``r`` multiplies only the second): the first
  is one product over all steps, the second reads only ``[h | 1]``. Doing the
  projection of all steps at once instead costs more here: the multi-megabyte gate array it
  writes has left the cache by the time a step reads it back, and the sums and bias passes
  stream it once more.
* The backward's ``[dh_prev | dx_t] = dG_t @ [W_hh | W_ih]`` is also one product per step,
  and all weight and bias gradients come from ONE product over all steps,
  ``dG^T [H_prev | 1 | X]`` (GRU: one per gate group, over the columns it reads).
* Per step, all elementwise work runs on the step's own tiles while they are in cache, into
  preallocated buffers. LSTM and GRU tiles are gate-major ``(4, B, H)`` (the product runs per
  gate block in one batched call): every elementwise op then reads contiguous blocks, ~3x
  faster than column slices of a ``(B, 4H)`` tile, for ~10% more time in the product. Doing
  these ops for all steps at once instead is slower: the arrays of all steps leave the cache.
* The gates' sigmoids are ``0.5 + 0.5 tanh(x / 2)``: one tanh over all gates is ~3x faster
  than exp/add/reciprocal (absolute error ~6e-8, float32 rounding). The ``x / 2`` is folded
  into ``W_cat``'s columns (exact: a power of two). LSTM's gates are kept in the order
  (i, f, o, g) inside, so that the three sigmoids are one contiguous block.

With ``create_graph=True`` the backward replays the steps with differentiable ops
(``_rnn_seq.replay_steps``), so double backward works.
"""
from . import _rnn_seq as _s
from ._util import Function, _make, _state, get_array_module

_take, _give = _s._take, _s._give


def _lstm_perm(xp, n):
    """Internal gate order (i, f, o, g) from PyTorch's (i, f, g, o), as column indices."""
    idx = xp.arange(4 * n)
    return xp.concatenate([idx[:2 * n], idx[3 * n:], idx[2 * n:3 * n]])


def _cat_weights(xp, mode, w_ih, w_hh, b_ih, b_hh, dtype):
    """The per-step product's weight: rows multiply ``[h | 1 | x]``, sigmoid gates' columns
    halved, gate-major blocks ``(blocks, H + 1 + I, H)`` for LSTM (i, f, o, g) and GRU (r, z,
    and ``W_hn h + b_hn``), ``(H + 1 + I, H)`` for RNN. Returns ``(w, perm or None)``."""
    h, i = w_hh.shape[1], w_ih.shape[1]
    g = w_ih.shape[0]
    if mode == "GRU":  # GRU's n gate from x comes from one product over all steps (_gru_nx)
        n = h
        w = xp.zeros((h + 1 + i, 3 * n), dtype=dtype)
        w[:h] = w_hh.T
        w[h + 1:, :2 * n] = w_ih[:2 * n].T
        if b_ih is not None:
            w[h, :2 * n] = b_ih[:2 * n] + b_hh[:2 * n]
            w[h, 2 * n:] = b_hh[2 * n:]
        w[:, :2 * n] *= 0.5
        return xp.ascontiguousarray(w.reshape(-1, 3, n).transpose(1, 0, 2)), None
    perm = _lstm_perm(xp, g // 4) if mode == "LSTM" else None
    w = xp.empty((h + 1 + i, g), dtype=dtype)
    w[:h] = w_hh.T if perm is None else w_hh.T[:, perm]
    w[h + 1:] = w_ih.T if perm is None else w_ih.T[:, perm]
    if b_ih is None:
        w[h] = 0
    else:
        b = b_ih + b_hh
        w[h] = b if perm is None else b[perm]
    if mode != "LSTM":
        return w, None
    w[:, :3 * h] *= 0.5
    return xp.ascontiguousarray(w.reshape(-1, 4, h).transpose(1, 0, 2)), perm


def _split_grads(xp, dw, perm, h, need):
    """``(dW_ih, dW_hh, db_ih, db_hh)`` (None where not needed) from ``dW_cat^T (G, H+1+I)``
    of LSTM and RNN (the same bias gradient for both biases)."""
    if perm is not None:
        inv = xp.empty_like(perm)
        inv[perm] = xp.arange(perm.size)
        dw = dw[inv]
    dw_ih = dw[:, h + 1:].copy() if need[1] else None
    dw_hh = dw[:, :h].copy() if need[2] else None
    db = dw[:, h].copy() if need[3] or need[4] else None
    return dw_ih, dw_hh, db if need[3] else None, db if need[4] else None


def _gru_grads(xp, g2, rows, h, need):
    """GRU's weight and bias gradients from ``dG (TB, 4H)`` = [n from x | r | z | n from h] and
    the rows ``[h | 1 | x]`` of every step: one product per gate group, each over the row
    columns its gates read."""
    k = h
    rz = g2[:, k:3 * k].T @ rows  # (2H, H + 1 + I)
    nh = g2[:, 3 * k:].T @ rows[:, :h + 1]
    nx = g2[:, :k].T @ rows[:, h:]
    dw_ih = xp.concatenate([rz[:, h + 1:], nx[:, 1:]]) if need[1] else None
    dw_hh = xp.concatenate([rz[:, :h], nh[:, :h]]) if need[2] else None
    db_ih = xp.concatenate([rz[:, h], nx[:, 0]]) if need[3] else None
    db_hh = xp.concatenate([rz[:, h], nh[:, h]]) if need[4] else None
    return dw_ih, dw_hh, db_ih, db_hh


class Layer(Function):
    """``out (T, B, H)`` [and ``c_T`` for LSTM] of one layer direction.

    Inputs: ``x (T, B, I)``, ``w_ih``, ``w_hh``, ``b_ih`` and ``b_hh`` (or None), ``h0``,
    ``c0`` (LSTM) or None.
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, c0, mode, reverse):
        xp = get_array_module(x)
        steps, batch, dt = x.shape[0], x.shape[1], x.dtype
        h, i = w_hh.shape[1], x.shape[2]
        wcat, perm = _cat_weights(xp, mode, w_ih, w_hh, b_ih, b_hh, dt)
        xh = _take(xp, (steps + 1, batch, h + 1 + i), dt)
        off = 1 if reverse else 0  # step t reads slot t + off, writes the other neighbour
        xh[off:off + steps, :, h + 1:] = x
        xh[:, :, h] = 1
        xh[steps if reverse else 0, :, :h] = h0
        out = xp.empty((steps, batch, h), dtype=dt)  # escapes: never pooled
        st = {"xh": xh, "perm": perm}
        if mode == "LSTM":
            st["cs"] = cs = _take(xp, (steps + 1, batch, h), dt)
            cs[steps if reverse else 0] = c0
            st["tcs"] = _take(xp, (steps, batch, h), dt)
            st["acts"] = _take(xp, (steps, 4, batch, h), dt)
        elif mode == "GRU":
            st["acts"] = _take(xp, (steps, 3, batch, h), dt)
            st["nx"] = _gru_nx(xp, xh[off:off + steps, :, h:], w_ih, b_ih, dt)
        _FWD[mode](xp, st, wcat, out, reverse, mode == "RNN_RELU")
        ctx.st, ctx.mode, ctx.reverse = st, mode, reverse
        ctx.save_for_backward(x, w_ih, w_hh, b_ih, b_hh, h0, c0, out)  # out: version-checked
        c_n = st["cs"][0 if reverse else steps].copy() if mode == "LSTM" else None
        if not ctx._edges:  # nothing will run backward: recycle the workspaces now
            ctx._release()
        return (out, c_n) if mode == "LSTM" else out

    def _release(self):
        # the engine frees saved state after a backward without retain_graph: recycle it
        super()._release()
        st, self.st = getattr(self, "st", None), None
        if st is not None:
            _give(st["xh"], st.get("acts"), st.get("cs"), st.get("tcs"), st.get("nx"))

    @staticmethod
    def backward(ctx, dout, dc_n=None):
        if _state[0]:
            return _replay(ctx, dout, dc_n)
        x, w_ih, w_hh, _, _, _, _, out = ctx.saved_tensors
        x, w_ih, w_hh, out = x._data, w_ih._data, w_hh._data, out._data
        xp = get_array_module(x)
        st, mode, reverse = ctx.st, ctx.mode, ctx.reverse
        need = ctx.needs_input_grad
        steps, batch, _ = x.shape
        h = w_hh.shape[1]
        dx = xp.empty(x.shape, dtype=x.dtype) if need[0] else None  # returned: never pooled
        dg, dh0, dc0 = _BWD[mode](xp, st, out, dout._data,
                                  None if dc_n is None else dc_n._data, w_ih, w_hh, dx, reverse)
        off = 1 if reverse else 0
        rows = st["xh"][off:off + steps].reshape(steps * batch, -1)
        g2 = dg.reshape(steps * batch, -1)
        if mode == "GRU":
            grads = _gru_grads(xp, g2, rows, h, need)
        else:  # every weight's and bias's gradient in one product
            grads = _split_grads(xp, g2.T @ rows, st["perm"], h, need)
        _give(dg)
        return _tensors(dx, grads[0], grads[1], grads[2], grads[3], dh0, dc0)


def _gru_nx(xp, rows_x, w_ih, b_ih, dt):
    """GRU's ``W_in x + b_in`` of every step in one product, from the rows ``[1 | x]``."""
    steps, batch, k = rows_x.shape[0], rows_x.shape[1], w_ih.shape[0] // 3
    w = xp.empty((rows_x.shape[2], k), dtype=dt)
    w[0] = b_ih[2 * k:] if b_ih is not None else 0
    w[1:] = w_ih[2 * k:].T
    nx = _take(xp, (steps, batch, k), dt)
    xp.matmul(rows_x.reshape(steps * batch, -1), w, out=nx.reshape(steps * batch, k))
    return nx


def _wb(xp, w_ih, w_hh, need_x, perm):
    """The backward's per-step weight: ``[dh_prev | dx_t] = dG_t @ [W_hh | W_ih]`` (rows in
    the internal gate order)."""
    wb = xp.concatenate([w_hh, w_ih], 1) if need_x else w_hh
    return xp.ascontiguousarray(wb[perm] if perm is not None else wb)


def _tensors(*xs):
    return tuple(None if x is None else _make(x) for x in xs)


def _order(steps, reverse):
    """``(t, read, write)`` per step: the state slot step ``t`` reads and the one it writes."""
    if reverse:
        return [(t, t + 1, t) for t in range(steps - 1, -1, -1)]
    return [(t, t, t + 1) for t in range(steps)]


# --- forward loops: one per mode, in place into the workspaces of ``st`` --------------------
def _lstm_fwd(xp, st, wcat, out, reverse, relu):
    # ``wcat (4, K, H)``: one product per gate in a single call, each into its own contiguous
    # block of the tile, so that every elementwise op below runs on contiguous memory (~3x
    # faster than on column slices of a (B, 4H) tile, which costs the product ~10%)
    xh, acts, cs, tcs = st["xh"], st["acts"], st["cs"], st["tcs"]
    n = out.shape[2]
    mul, tanh, matmul = xp.multiply, xp.tanh, xp.matmul
    tmp = _take(xp, out.shape[1:], out.dtype)
    # every step's views at once (fewer view creations inside the loop)
    sig, gi, gf, go, gg, hs = acts[:, :3], acts[:, 0], acts[:, 1], acts[:, 2], acts[:, 3], \
        xh[:, :, :n]
    for t, r, w in _order(out.shape[0], reverse):
        a = acts[t]  # (i, f, o, g)
        matmul(xh[r], wcat, out=a)
        tanh(a, out=a)  # i, f, o: tanh(x / 2) here, the sigmoid after the next two lines
        s = sig[t]
        s *= 0.5
        s += 0.5
        c2 = cs[w]
        mul(gf[t], cs[r], out=c2)  # c2 = f c + i g
        c2 += mul(gi[t], gg[t], out=tmp)
        hs[w] = mul(go[t], tanh(c2, out=tcs[t]), out=out[t])  # h2 = o tanh(c2)
    _give(tmp)


def _gru_fwd(xp, st, wcat, out, reverse, relu):
    xh, acts, nx = st["xh"], st["acts"], st["nx"]
    k = out.shape[2]
    mul, tanh, matmul = xp.multiply, xp.tanh, xp.matmul
    tmp = _take(xp, out.shape[1:], out.dtype)
    for t, r, w in _order(out.shape[0], reverse):
        a = acts[t]  # (r, z, W_hn h + b_hn), gate-major as the LSTM's tile
        matmul(xh[r], wcat, out=a)
        rz = a[:2]
        tanh(rz, out=rz)  # r, z = sigmoid(x) = 0.5 + 0.5 tanh(x / 2)
        rz *= 0.5
        rz += 0.5
        n_ = nx[t]  # W_in x + b_in, becomes n
        n_ += mul(a[0], a[2], out=tmp)
        tanh(n_, out=n_)  # n = tanh(W_in x + b_in + r (W_hn h + b_hn))
        h2 = out[t]
        xp.subtract(xh[r, :, :k], n_, out=h2)  # h2 = (1 - z) n + z h = n + z (h - n)
        h2 *= a[1]
        h2 += n_
        xh[w, :, :k] = h2
    _give(tmp)


def _rnn_fwd(xp, st, wcat, out, reverse, relu):
    xh = st["xh"]
    k = out.shape[2]
    for t, r, w in _order(out.shape[0], reverse):
        h2 = out[t]
        xp.matmul(xh[r], wcat, out=h2)
        if relu:
            xp.maximum(h2, 0, out=h2)
        else:
            xp.tanh(h2, out=h2)
        xh[w, :, :k] = h2


_FWD = {"LSTM": _lstm_fwd, "GRU": _gru_fwd, "RNN_TANH": _rnn_fwd, "RNN_RELU": _rnn_fwd}


# --- backward loops: ``(dG, dh0, dc0 or None)``; dG (pooled) is the gradient of the per-step
# product's output; each step's ``[dh_prev | dx_t] = dG_t @ wb`` (dx_t only when ``dx``).
def _steps_back(xp, steps, reverse, dout, dxh, dx, h):
    """Yield ``(t, dh)``: the gradient reaching step t's output (from ``dout`` and the step
    after it), and after the caller has filled ``dxh`` from ``dG_t``, copy ``dx_t`` out."""
    dh = _take(xp, (dout.shape[1], h), dout.dtype)
    for j, (t, _, _) in enumerate(reversed(_order(steps, reverse))):
        if j:
            xp.add(dout[t], dxh[:, :h], out=dh)
        else:
            dh[...] = dout[t]
        yield t, dh
        if dx is not None:
            dx[t] = dxh[:, h:]
    _give(dh)


def _lstm_bwd(xp, st, out, dout, dc_n, w_ih, w_hh, dx, reverse):
    wb = _wb(xp, w_ih, w_hh, dx is not None, st["perm"])
    acts, cs, tcs = st["acts"], st["cs"], st["tcs"]
    steps, _, batch, n = acts.shape
    dt = acts.dtype
    mul, sub = xp.multiply, xp.subtract
    dg = _take(xp, (steps, batch, 4 * n), dt)  # batch-major: the products want (B, 4H) rows
    d, p = _take(xp, (4, batch, n), dt), _take(xp, (batch, n), dt)
    dxh = _take(xp, (batch, wb.shape[1]), dt)
    dc, dcn = xp.empty((batch, n), dtype=dt), xp.empty((batch, n), dtype=dt)
    carry = dc_n is not None
    if carry:
        dcn[...] = dc_n
    # every step's views at once (fewer view creations inside the loop)
    gi, gf, go, gg = acts[:, 0], acts[:, 1], acts[:, 2], acts[:, 3]
    di, df, do, dgg = (dg[:, :, k * n:(k + 1) * n] for k in range(4))
    dg4, dt4, d3 = dg.reshape(steps, batch, 4, n), d.transpose(1, 0, 2), d[3]
    cp = cs[1:] if reverse else cs[:-1]
    for t, dh in _steps_back(xp, steps, reverse, dout, dxh, dx, n):
        a, tc, g_ = acts[t], tcs[t], gg[t]
        mul(tc, tc, out=p)  # dc = dc_next f_next + dh o (1 - tanh(c2)^2)
        sub(1, p, out=p)
        p *= go[t]
        mul(p, dh, out=dc)
        if carry:
            dc += dcn
        carry = True
        sub(1, a, out=d)
        d *= a  # sigmoid' = s (1 - s) for i, f, o ...
        mul(g_, g_, out=d3)
        sub(1, d3, out=d3)  # ... and tanh' = 1 - g^2 for g
        mul(dc, g_, out=di[t])
        mul(dc, cp[t], out=df[t])
        mul(dh, tc, out=do[t])
        mul(dc, gi[t], out=dgg[t])
        g3 = dg4[t]
        mul(g3, dt4, out=g3)
        xp.matmul(dg[t], wb, out=dxh)
        mul(dc, gf[t], out=dcn)
    dh0 = dxh[:, :n].copy()
    _give(d, p, dxh)
    return dg, dh0, dcn


def _gru_bwd(xp, st, out, dout, dc_n, w_ih, w_hh, dx, reverse):
    # dG_t = [dn (n from x) | dr | dz | dn r (n from h)]: dx_t reads the first three blocks,
    # dh_prev the last three, so each is one product with PyTorch's own row order
    acts, xh, nx = st["acts"], st["xh"], st["nx"]
    steps, _, batch, k = acts.shape
    dt = acts.dtype
    mul, sub = xp.multiply, xp.subtract
    wx = None
    if dx is not None:
        wx = xp.concatenate([w_ih[2 * k:], w_ih[:2 * k]])
    dg = _take(xp, (steps, batch, 4 * k), dt)
    u, v = _take(xp, (batch, k), dt), _take(xp, (batch, k), dt)
    dhp = xp.empty((batch, k), dtype=dt)  # returned (dh0)
    for t, dh in _steps_back(xp, steps, reverse, dout, dhp, None, k):
        a, n_, gt, hp = acts[t], nx[t], dg[t], xh[t + 1 if reverse else t, :, :k]
        r, z, ghn = a[0], a[1], a[2]
        dn = gt[:, :k]
        mul(n_, n_, out=u)  # dn = dh (1 - z)(1 - n^2)
        sub(1, u, out=u)
        sub(1, z, out=v)
        mul(u, v, out=dn)
        dn *= dh
        v *= z  # dz = dh (h - n) z (1 - z)
        sub(hp, n_, out=u)
        u *= dh
        mul(u, v, out=gt[:, 2 * k:3 * k])
        sub(1, r, out=v)  # dr = dn (W_hn h + b_hn) r (1 - r)
        v *= r
        mul(dn, ghn, out=u)
        mul(u, v, out=gt[:, k:2 * k])
        mul(dn, r, out=gt[:, 3 * k:])  # the n gate's part from h: dn r
        if dx is not None:
            xp.matmul(gt[:, :3 * k], wx, out=dx[t])
        xp.matmul(gt[:, k:], w_hh, out=dhp)
        dhp += mul(dh, z, out=u)  # dh_prev = dh z + ...
    _give(u, v)
    return dg, dhp, None


def _rnn_bwd(xp, st, out, dout, dc_n, w_ih, w_hh, dx, reverse, relu=False):
    wb = _wb(xp, w_ih, w_hh, dx is not None, None)
    steps, batch, k = out.shape
    dg = _take(xp, out.shape, out.dtype)
    dxh = _take(xp, (batch, wb.shape[1]), out.dtype)
    for t, dh in _steps_back(xp, steps, reverse, dout, dxh, dx, k):
        gt, h2 = dg[t], out[t]
        if relu:
            xp.greater(h2, 0, out=gt)
        else:
            xp.multiply(h2, h2, out=gt)
            xp.subtract(1, gt, out=gt)
        gt *= dh  # d pre = dh act'(pre)
        xp.matmul(gt, wb, out=dxh)
    dh0 = dxh[:, :k].copy()
    _give(dxh)
    return dg, dh0, None


def _relu_bwd(xp, st, out, dout, dc_n, w_ih, w_hh, dx, reverse):
    return _rnn_bwd(xp, st, out, dout, dc_n, w_ih, w_hh, dx, reverse, relu=True)


_BWD = {"LSTM": _lstm_bwd, "GRU": _gru_bwd, "RNN_TANH": _rnn_bwd, "RNN_RELU": _relu_bwd}


def _replay(ctx, dout, dc_n):
    """create_graph: the input projection and the steps in differentiable ops."""
    x, w_ih, w_hh, b_ih, b_hh, h0, c0, _ = ctx.saved_tensors
    mode = ctx.mode
    g = w_ih.shape[0]
    gx = x @ w_ih.mT
    if b_ih is not None:
        gx = gx + (b_ih if mode == "GRU" else b_ih + b_hh)
    dgx, dh0, dc0, dw_hh, db_gru = _s.replay_steps(
        mode, ctx.reverse, gx, h0, c0, w_hh, b_hh if mode == "GRU" else None, dout, dc_n)
    g2 = dgx.reshape(-1, g)
    dx = dgx @ w_ih
    dw_ih = g2.mT @ x.reshape(-1, x.shape[2])
    db_ih = g2.sum(0) if b_ih is not None else None
    db_hh = (db_gru if mode == "GRU" else db_ih) if b_hh is not None else None
    return dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0


def layer(x, w_ih, w_hh, b_ih, b_hh, h0, c0, mode, reverse):
    """Run one direction over ``x (T, B, I)``; returns ``(out (T, B, H), h_n, c_n or None)``."""
    res = Layer.apply(x, w_ih, w_hh, b_ih, b_hh, h0, c0, mode, reverse)
    out, c_n = res if mode == "LSTM" else (res, None)
    h_n = out[0] if reverse else out[-1]
    return out, h_n, c_n

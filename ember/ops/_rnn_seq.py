"""The single-step recurrent primitive ``Step`` (the cells, and sequences whose batch shrinks
as they end), running the array kernels of ``rnn.py``; the pool of workspaces shared with
``_rnn_layer.py`` (which runs a whole full-batch sequence as one node); and the Tensor-op
replay of a sequence that ``create_graph=True`` uses, so double backward works.

Each step does one matrix product for the recurrence, forward and backward. The fast backward
runs on raw arrays; with ``create_graph=True`` it uses the Tensor-op vjps of ``rnn.py``.
"""
from . import rnn as _r
from ._util import Function, _make, _state, get_array_module
from .shape import cat

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


def _forward(ctx, gx, h0, c0, w, b, mode, reverse):
    """Run the steps of ``gx (T, B, G)``; returns ``(out (T, B, H), c_T or None)``."""
    xp = get_array_module(gx)
    steps, batch = gx.shape[0], gx.shape[1]
    fwd = _r.KERNELS[mode][0]
    n = (c0 if c0 is not None else h0).shape[1]  # hidden size (h0 has proj_size, if any)
    st = _alloc(xp, mode, steps, batch, n, gx.dtype)
    h, c = h0, c0
    wt = xp.ascontiguousarray(w.T) if steps > 1 else w.T  # one product: not worth a copy
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        h, c = fwd(xp, gx[t], h, c, wt, b, t, st)
    ctx.st, ctx.mode, ctx.reverse = st, mode, reverse
    return st["out"], (c.copy() if c is not None else None)  # c: a pooled workspace


def _backward(ctx, dout, dc_n, prev, w, need_db):
    """Raw-array gradients ``(dgx, dh0, dc0, dW, db)`` from ``dout (T, B, H)`` and ``dc_T``;
    ``prev`` holds the state each step started from: ``H_prev (T, B, H)``, ``C_prev`` or None.
    """
    st, mode, reverse = ctx.st, ctx.mode, ctx.reverse
    xp = get_array_module(w)
    steps, batch = dout.shape[0], dout.shape[1]
    shape = (steps, batch, w.shape[0])
    st["dG"] = xp.empty(shape, dtype=w.dtype)
    if mode == "GRU":
        st["dGh"] = _take(xp, shape, w.dtype)
    if mode == "LSTM":
        st["D"] = _take(xp, shape[1:], w.dtype)
    bwd = _r.KERNELS[mode][1]
    dh, dc = None, dc_n
    for t in (range(steps) if reverse else range(steps - 1, -1, -1)):
        c_prev = prev[1][t] if prev[1] is not None else None
        dh, dc = bwd(xp, dout[t] if dh is None else dout[t] + dh, dc, prev[0][t], c_prev, w, t,
                     st)
    dgh = st["dGh"] if mode == "GRU" else st["dG"]
    g2 = dgh.reshape(-1, dgh.shape[-1])
    dw = g2.T @ prev[0].reshape(-1, prev[0].shape[-1])  # one product for all steps
    db = g2.sum(0) if need_db else None
    dG = st.pop("dG")
    _give(st.pop("dGh", None), st.pop("D", None))
    return dG, dh, dc, dw, db


def _data(*ts):
    return tuple(None if t is None else t._data for t in ts)


def _tensors(*xs):
    return tuple(None if x is None else _make(x) for x in xs)


class Step(Function):
    """One step: ``h2`` [and ``c2`` for LSTM] from ``gx (B, G)``, ``h``, ``c``, ``w_hh``,
    ``b_hh`` (GRU) or None; ``gx`` is the input projection with both biases folded in except
    GRU's ``b_hh``."""

    _array_forward = True

    def _release(self):
        # the engine frees saved state after a backward without retain_graph: recycle it
        super()._release()
        st, self.st = getattr(self, "st", None), None
        if st is not None:
            _give(*(st.get(k) for k in _SCRATCH))

    @staticmethod
    def forward(ctx, gx, h, c, w, b, mode):
        out, c2 = _forward(ctx, gx[None], h, c, w, b, mode, False)
        h2 = out[0]
        ctx.save_for_backward(gx, h, c, w, b, h2)  # h2: version-checked, read by backward
        return (h2, c2) if mode == "LSTM" else h2

    @staticmethod
    def backward(ctx, dh2, dc2=None):
        gx, h, c, w, b, _ = ctx.saved_tensors
        if _state[0]:  # create_graph: the Tensor-op vjp
            return _step_vjp(ctx.mode, gx, h, c, w, b, dh2, dc2)
        need_db = b is not None and ctx.needs_input_grad[4]
        dh2, dc2, h, c, w = _data(dh2, dc2, h, c, w)
        prev = (h[None], c[None] if c is not None else None)
        dgx, dh, dc, dw, db = _backward(ctx, dh2[None], dc2, prev, w, need_db)
        return _tensors(dgx[0], dh, dc, dw, db)


def step(mode, gx, h, c, w, b=None):
    """One step of ``mode`` (``'LSTM'``, ``'GRU'``, ``'RNN_TANH'``, ``'RNN_RELU'``):
    ``(h2, c2 or None)``. ``b`` is GRU's ``b_hh``; the other modes fold it into ``gx``."""
    res = Step.apply(gx, h, c, w, b, mode)
    return res if mode == "LSTM" else (res, None)


def replay_steps(mode, reverse, gx, h0, c0, w, b, dout, dc_n):
    """create_graph: rebuild the hidden states step by step (``Step`` nodes) from ``gx
    (T, B, G)`` and backpropagate ``dout`` (and ``dc_n``) with the Tensor-op vjps, so the result
    is itself differentiable. Returns ``(dgx, dh0, dc0, dW_hh, db_hh (GRU) or None)``."""
    steps = gx.shape[0]
    order = list(range(steps - 1, -1, -1) if reverse else range(steps))
    h, c = h0, c0
    prev = {}
    for t in order:
        prev[t] = (h, c)
        h, c = step(mode, gx[t], h, c, w, b)
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
    """Tensor-op vjp of one step, one gradient per input of ``Step``: ``(dgx, dh, dc, dW, db)``."""
    if mode == "LSTM":
        return (*_r.lstm_step_vjp(gx, h, c, w, dh2, dc2), None)
    if mode == "GRU":
        dgx, dh, dw, dgh = _r.gru_step_vjp(gx, h, w, b, dh2)
        return dgx, dh, None, dw, dgh.sum(0) if b is not None else None
    dgx, dh, dw = _r.rnn_step_vjp(gx, h, w, mode == "RNN_RELU", dh2)
    return dgx, dh, None, dw, None

"""The time loop behind RNN, LSTM and GRU.

Every sequence, padded or packed, is handled in packed layout: ``x`` is ``(N, I)`` with the
rows of step ``t`` at ``offsets[t]:offsets[t] + batch_sizes[t]`` (a padded ``(T, B, I)`` input
is the special case ``batch_sizes = [B] * T``). Per layer and direction, the input projection
of all time steps is ONE matrix product. A sequence whose every step has the whole batch runs
as one fused node (``ember/ops/_rnn_layer.py``); otherwise each step is one fused primitive
(one matrix product for the recurrence plus the gates), see ``ember/ops/_rnn_seq.py``.

With varying batch sizes, step ``t`` runs on the first ``batch_sizes[t]`` sequences: the
forward direction drops the rows of sequences that ended (their hidden state is final), the
reverse direction adds rows from ``h0`` as sequences start.
"""
from ...ops import _rnn_layer, _rnn_seq
from ...ops.shape import cat, split
from .. import functional as F


def _step(mode, gx, h, c, p):
    h2, c2 = _rnn_seq.step(mode, gx, h, c, p["w_hh"], p.get("b_hh") if mode == "GRU" else None)
    if p.get("w_hr") is not None:  # LSTM with proj_size
        h2 = h2 @ p["w_hr"].t()
    return h2, c2


def _project(x, mode, p):
    """All steps' input projections in one product (LSTM/RNN fold both biases in here)."""
    b = p.get("b_ih")
    if b is not None and mode != "GRU":
        b = b + p["b_hh"]
    return F.linear(x, p["w_ih"], b)


def run_direction(x, batch_sizes, h0, c0, mode, p, reverse):
    """One layer, one direction over packed ``x``; returns ``(out (N, H), h_n, c_n)``."""
    if batch_sizes.count(batch_sizes[0]) == len(batch_sizes) and p.get("w_hr") is None:
        # every step has the whole batch: projection and time loop run inside one fused node
        x = x.reshape(len(batch_sizes), batch_sizes[0], x.shape[-1])
        out, h, c = _rnn_layer.layer(x, p["w_ih"], p["w_hh"], p.get("b_ih"), p.get("b_hh"), h0,
                                     c0, mode, reverse)
        return out.reshape(-1, out.shape[-1]), h, c
    gx = split(_project(x, mode, p), batch_sizes)
    steps = len(batch_sizes)
    outs = [None] * steps
    done_h, done_c = [], []
    h, c = h0, c0
    if reverse:
        last = batch_sizes[-1]
        if last != h.shape[0]:
            h = h[:last]
            c = c[:last] if c is not None else None
        order = range(steps - 1, -1, -1)
    else:
        order = range(steps)
    for t in order:
        bs = batch_sizes[t]
        cur = h.shape[0]
        if bs < cur:  # forward: sequences that ended keep their last state
            done_h.append(h[bs:])
            h = h[:bs]
            if c is not None:
                done_c.append(c[bs:])
                c = c[:bs]
        elif bs > cur:  # reverse: sequences that start here begin from h0
            h = cat([h, h0[cur:bs]], 0)
            if c is not None:
                c = cat([c, c0[cur:bs]], 0)
        h, c = _step(mode, gx[t], h, c, p)
        outs[t] = h
    if done_h:
        h = cat([h] + done_h[::-1], 0)
        if c is not None:
            c = cat([c] + done_c[::-1], 0)
    return cat(outs, 0), h, c


def run_layers(x, batch_sizes, hx, cx, mode, params, num_layers, num_directions, dropout,
               training):
    """Stacked (bidirectional) layers; ``params[k]`` holds layer/direction ``k``'s weights.

    Returns ``(output (N, D * H), h_n (L * D, B, H), c_n or None)``.
    """
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(num_directions):
            k = layer * num_directions + d
            c0 = cx[k] if cx is not None else None
            out, h, c = run_direction(x, batch_sizes, hx[k], c0, mode, params[k], d == 1)
            outs.append(out)
            hs.append(h)
            cs.append(c)
        x = cat(outs, 1) if num_directions == 2 else outs[0]
        if dropout > 0 and training and layer < num_layers - 1:
            x = F.dropout(x, dropout, True)
    h_n = _stack(hs)
    c_n = _stack(cs) if cx is not None else None
    return x, h_n, c_n


def _stack(ts):
    b, n = ts[0].shape
    return cat(ts, 0).reshape(len(ts), b, n)

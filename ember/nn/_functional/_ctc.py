"""Connectionist Temporal Classification loss (Graves et al., 2006).

The forward (alpha) recursion over the blank-extended label sequence l' (length 2L + 1),
in log space, vectorised over the batch and the states; a loop over time steps only:

    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [alpha_{t-1}(s-2)]) + log p_t(l'_s)

where the s-2 transition is allowed when l'_s is not blank and differs from l'_{s-2}. It is
written in Tensor ops, so autograd differentiates it (no hand-written backward). "Impossible"
states use a large finite negative number instead of -inf so that no NaN reaches the
gradient; a loss at that scale is reported as inf, as PyTorch does.
"""
import ember

from ...ops._util import Tensor, _make, get_array_module

_NEG = -1e30


def _logsumexp3(a, b, c):
    m = ember.maximum(ember.maximum(a, b), c).detach()  # the shift needs no gradient
    return m + ((a - m).exp() + (b - m).exp() + (c - m).exp()).log()


def _shift(x, k):
    """x[:, s - k] along the state axis, padded with _NEG at the front."""
    pad = ember.full((x.shape[0], k), _NEG, dtype=x.dtype, device=x.device)
    return ember.cat([pad, x[:, :x.shape[1] - k]], dim=1)


def _padded_targets(targets, target_lengths, n):
    """Targets as an (N, L_max) int64 array (from padded 2-d or concatenated 1-d form)."""
    xp = get_array_module(targets._data)
    t = targets._data.astype(xp.int64)
    lengths = target_lengths
    if t.ndim == 2:
        return t, lengths
    lmax = int(lengths.max()) if lengths.size else 0
    out = xp.zeros((n, max(lmax, 1)), dtype=xp.int64)
    starts = xp.concatenate([xp.zeros(1, xp.int64), xp.cumsum(lengths)[:-1]])
    pos = xp.arange(out.shape[1])
    src = starts[:, None] + pos[None, :]
    valid = pos[None, :] < lengths[:, None]
    out[valid] = t[src[valid]]
    return out, lengths


def _as_lengths(x, n, xp):
    if isinstance(x, Tensor):
        x = x._data
    a = xp.asarray(x, dtype=xp.int64).reshape(-1)
    if a.size != n:
        raise RuntimeError(f"Expected tensor to have size at least {n} at dimension 1, but got "
                           f"size {a.size} for argument #2")
    return a


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """CTC loss of ``log_probs`` (T, N, C) (log-softmax outputs) against ``targets``.

    ``targets`` is (N, S) padded or 1-d concatenated; lengths are tensors or sequences.
    """
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0)
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C), got "
                           f"{list(log_probs.shape)}")
    T, n, c = log_probs.shape
    xp = get_array_module(log_probs._data)
    in_len = _as_lengths(input_lengths, n, xp)
    tg_len = _as_lengths(target_lengths, n, xp)
    if (in_len > T).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                           f"{int(in_len.max())}")
    tg, tg_len = _padded_targets(targets, tg_len, n)
    L = tg.shape[1]
    S = 2 * L + 1
    ext = xp.full((n, S), blank, dtype=xp.int64)
    ext[:, 1::2] = tg
    s_idx = xp.arange(S)
    # states beyond 2 * len + 1 of each sequence are unreachable
    state_ok = s_idx[None, :] < (2 * tg_len + 1)[:, None]
    skip = xp.zeros((n, S), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    lp = log_probs.gather(2, _make(ext[None].repeat(T, 0)))  # (T, N, S)
    neg = ember.full((n, S), _NEG, dtype=log_probs.dtype, device=log_probs.device)
    ok_t, skip_t = _make(state_ok), _make(skip)
    init = xp.zeros((n, S), dtype=bool)
    init[:, :2] = True
    alpha = ember.where(_make(init & state_ok), lp[0], neg)
    final = alpha
    last = in_len - 1
    for t in range(1, T):
        cand = _logsumexp3(alpha, _shift(alpha, 1), ember.where(skip_t, _shift(alpha, 2), neg))
        alpha = ember.where(ok_t, cand + lp[t], neg)
        final = ember.where(_make((last == t)[:, None]), alpha, final)
    end = xp.stack([2 * tg_len, xp.maximum(2 * tg_len - 1, 0)], axis=1)
    ends = final.gather(1, _make(end))
    one_state = _make((tg_len == 0)[:, None] & xp.array([False, True])[None, :])
    ends = ember.where(one_state, ember.full_like(ends, _NEG), ends)
    m = ends.max(dim=1, keepdim=True).values.detach()
    loss = -(m.squeeze(1) + (ends - m).exp().sum(1).log())
    impossible = _make(loss._data > -_NEG / 10)
    if zero_infinity:
        loss = ember.where(impossible, ember.zeros_like(loss), loss)
    else:
        loss = ember.where(impossible, ember.full_like(loss, float("inf")), loss)
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        div = _make(xp.maximum(tg_len, 1).astype(loss._data.dtype))
        return (loss / div).mean()
    raise ValueError(f"{reduction} is not a valid value for reduction")

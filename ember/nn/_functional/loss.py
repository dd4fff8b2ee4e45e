"""Loss functions (``F.mse_loss``, ``F.cross_entropy``, ...), with ``reduction`` none/mean/sum.

Most are composites of Tensor ops. Cross-entropy over class indices is one primitive
(log-softmax + NLL fused): it is the hot path of every classifier, and fusing it avoids
materialising the log-probabilities' graph and keeps the log-sum-exp stable.
"""
import math
import warnings

import numpy as np

import ember

from ...ops._util import Function, Tensor, _make, _state, get_array_module

__all__ = ["_functional_loss_legacy", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
           "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss", "hinge_embedding_loss",
           "multilabel_soft_margin_loss", "multi_margin_loss", "ctc_loss",
           "triplet_margin_with_distance_loss", "multilabel_margin_loss"]


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _functional_loss_legacy(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_same_size(input, target, name):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: ``(input - target) ** 2`` reduced."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    _check_same_size(input, target, "mse_loss")
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    _check_same_size(input, target, "l1_loss")
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Quadratic below ``beta``, linear above: ``0.5 d**2 / beta`` or ``|d| - 0.5 beta``."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    d = (input - target).abs()
    loss = ember.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d**2`` below ``delta``, ``delta (|d| - 0.5 delta)`` above."""
    d = (input - target).abs()
    loss = ember.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# --- cross-entropy ----------------------------------------------------------------------------
class _LogSoftmaxNLL(Function):
    """``-w[t] * log_softmax(x)[t]`` for the rows of ``x`` (N, C), ignored rows 0, reduced by
    ``reduction`` in the same node ('none'; 'sum'; 'mean': divided by the total weight).

    Fusing the reduction saves three graph nodes per training step, and the exponentials
    are kept from the forward, so a first-order backward is a few array passes (speed).
    """

    _array_forward = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        xp = get_array_module(x)
        n, c = x.shape
        m = x.max(axis=1, keepdims=True) if c else xp.zeros((n, 1), x.dtype)
        shifted = x - m
        e = xp.exp(shifted)
        s = e.sum(axis=1)
        lse = xp.log(s)
        valid = target != ignore_index
        full = bool(valid.all())
        t = target if full else xp.where(valid, target, 0)
        picked = shifted[xp.arange(n), t] - lse
        # w None: every row has weight 1 (no class weights, nothing ignored), the common case
        w = None
        if weight is not None or not full:
            w = weight[t] if weight is not None else xp.ones(n, dtype=x.dtype)
            w = xp.where(valid, w, 0).astype(x.dtype)
        ctx.m, ctx.e, ctx.s, ctx.t, ctx.w, ctx.reduction = m, e, s, t, w, reduction
        ctx.save_for_backward(x)
        loss = -picked if w is None else -(w * picked)
        if reduction == "none":
            return loss
        if reduction == "sum":
            return xp.asarray(loss.sum())
        ctx.wsum = xp.asarray(w.sum() if w is not None else n, dtype=x.dtype)
        if not ctx.wsum:  # all ignored: nan, as PyTorch
            with np.errstate(invalid="ignore", divide="ignore"):
                return xp.true_divide(xp.asarray(loss.sum()), ctx.wsum)
        return xp.true_divide(xp.asarray(loss.sum()), ctx.wsum)

    @staticmethod
    def backward(ctx, grad):
        # d/dx_j of -w_t log softmax(x)_t = w_t (softmax(x)_j - [j == t]), times the
        # reduction's factor (1/sum w for the mean)
        if not _state.enabled:
            return _nll_grad_arrays(ctx, grad._data), None, None, None, None
        (x,) = ctx.saved_tensors
        g = grad / _make(ctx.wsum) if ctx.reduction == "mean" else grad
        e = (x - _make(ctx.m)).exp()  # the shift is a constant: softmax is shift-invariant
        p = e / e.sum(dim=1, keepdim=True)
        xp = get_array_module(ctx.t)
        onehot = xp.zeros(x.shape, dtype=x._data.dtype)
        onehot[xp.arange(x.shape[0]), ctx.t] = 1
        gw = g * _make(ctx.w) if ctx.w is not None else g.expand(x.shape[0])
        return gw.unsqueeze(1) * (p - _make(onehot)), None, None, None, None


def _nll_grad_arrays(ctx, g):
    """The backward above on arrays, when no graph is recorded (the same arithmetic)."""
    xp = get_array_module(g)
    if ctx.reduction == "mean":
        if not ctx.wsum:  # every row ignored: no row contributes (PyTorch: zeros, not nan)
            return _make(xp.zeros_like(ctx.e))
        g = g / ctx.wsum
    d = ctx.e / ctx.s[:, None]
    d[xp.arange(d.shape[0]), ctx.t] -= 1
    if ctx.w is None:
        d *= g if g.ndim == 0 else g[:, None]
    else:
        d *= (g * ctx.w)[:, None]
    return _make(d)


def _class_last(input):
    """(N, C, d1, ...) -> (N*d1*..., C); (C,) -> (1, C)."""
    if input.dim() == 1:
        return input.unsqueeze(0)
    if input.dim() == 2:
        return input
    c = input.shape[1]
    return input.movedim(1, -1).reshape(-1, c)


def _check_targets(input, target):
    if input.dim() == 0:
        raise ValueError("Expected input to have at least 1 dimension (got 0)")
    n_in = input.shape[0] if input.dim() > 1 else None
    if n_in is not None and target.dim() >= 1 and target.shape[0] != n_in:
        raise ValueError(f"Expected input batch_size ({n_in}) to match target batch_size "
                         f"({target.shape[0]}).")
    c = input.shape[1] if input.dim() > 1 else input.shape[0]
    t = target._data
    if t.size:
        lo, hi = int(t.min()), int(t.max())
        return c, lo, hi
    return c, 0, 0


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of ``target`` class indices under log-probabilities ``input``."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.name.capitalize()}")
    c, lo, hi = _check_targets(input, target)
    _check_range(lo, hi, c, ignore_index)
    x2 = _class_last(input)
    t = target.reshape(-1)
    xp = get_array_module(t._data)
    valid = t._data != ignore_index
    tt = _make(xp.where(valid, t._data, 0))
    n = x2.shape[0]
    picked = x2[ember.arange(n), tt]
    w = weight[tt] if weight is not None else ember.ones(n, dtype=input.dtype)
    w = w * _make(valid.astype(input._data.dtype))
    loss = -(w * picked)
    return _finish_nll(loss, w, reduction, input, target)


def _finish_nll(loss, w, reduction, input, target):
    if reduction == "none":
        return loss.reshape(target.shape)
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / w.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_range(lo, hi, c, ignore_index):
    for v in (lo, hi):
        if v != ignore_index and not 0 <= v < c:
            raise IndexError(f"Target {v} is out of bounds.")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits ``input`` (N, C, d1, ...) and class indices or class
    probabilities ``target``.

    Example:
        >>> import ember
        >>> x = ember.tensor([[2.0, 0.0], [0.0, 2.0]])
        >>> round(ember.nn.functional.cross_entropy(x, ember.tensor([0, 1])).item(), 4)
        0.1269
    """
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    if target._data.dtype.kind == "f":
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.name.capitalize()}")
    c, lo, hi = _check_targets(input, target)
    _check_range(lo, hi, c, ignore_index)
    x2 = _class_last(input)
    t = target._data.reshape(-1)
    wdata = weight._data if weight is not None else None
    if reduction not in ("none", "sum", "mean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if label_smoothing <= 0.0:
        loss = _LogSoftmaxNLL.apply(x2, t, wdata, ignore_index, reduction)
        return loss.reshape(target.shape) if reduction == "none" else loss
    loss = _LogSoftmaxNLL.apply(x2, t, wdata, ignore_index, "none")
    xp = get_array_module(t)
    valid = t != ignore_index
    w = (wdata[xp.where(valid, t, 0)] if wdata is not None
         else xp.ones(t.shape, dtype=input._data.dtype)) * valid
    wt = _make(w.astype(input._data.dtype))
    # PyTorch: (1 - eps) * nll + eps / C * sum_c(-w_c log p_c), each reduced on its own
    logp = ember.log_softmax(x2, dim=1)
    smooth = -(logp * weight).sum(1) if weight is not None else -logp.sum(1)
    smooth = smooth * _make(valid.astype(input._data.dtype))
    eps = label_smoothing
    if reduction == "mean":
        denom = wt.sum() if weight is not None else float(valid.sum())
        return (1 - eps) * loss.sum() / wt.sum() + eps / c * smooth.sum() / denom
    loss = (1 - eps) * loss + eps / c * smooth
    return _finish_nll(loss, wt, reduction, input, target)


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing):
    if tuple(input.shape) != tuple(target.shape):
        raise RuntimeError(f"Expected target size {list(input.shape)}, got "
                           f"{list(target.shape)}")
    c = input.shape[1] if input.dim() > 1 else input.shape[0]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / c
    cdim = 1 if input.dim() > 1 else 0
    logp = ember.log_softmax(input, dim=cdim)
    if weight is not None:
        shape = [1] * input.dim()
        shape[cdim] = c
        logp = logp * weight.reshape(shape)
    loss = -(logp * target).sum(cdim)
    if reduction == "mean":
        n = input.numel() // c
        return loss.sum() / n
    return _reduce(loss, reduction)


# --- binary ------------------------------------------------------------------------------------
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """BCE on probabilities; each log is clamped at -100 as in PyTorch."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    log_p = input.log().clamp(min=-100)
    log_1mp = (1 - input).log().clamp(min=-100)
    loss = -(target * log_p + (1 - target) * log_1mp)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """BCE on logits, stable: ``(1 - t) x + (1 + (pw - 1) t) softplus(-x)``."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    # log(1 + exp(-x)) computed as max(-x, 0) + log1p(exp(-|x|))
    sp = (-input).clamp(min=0) + (-input.abs()).exp().log1p()
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence with ``input`` as log-probabilities: ``target * (log target - input)``."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = ember.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.dim() else 1)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    return _reduce(loss, reduction)


# --- margin and embedding losses -------------------------------------------------------------
def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos`` for ``y = 1``; ``max(0, cos - margin)`` for ``y = -1``."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    eps = 1e-12
    dot = (input1 * input2).sum(-1)
    n1 = (input1 * input1).sum(-1) + eps
    n2 = (input2 * input2).sum(-1) + eps
    cos = dot / (n1 * n2).sqrt()
    zero = ember.zeros_like(cos)
    loss = ember.where(target == 1, 1 - cos, zero) + \
        ember.where(target == -1, (cos - margin).clamp(min=0), zero)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -y (x1 - x2) + margin)``."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    zero = ember.zeros_like(input)
    loss = ember.where(target == 1, input, zero) + \
        ember.where(target == -1, (margin - input).clamp(min=0), zero)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    return _reduce((-target * input).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    ls = ember.nn.functional.logsigmoid
    loss = -(target * ls(input) + (1 - target) * ls(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1]
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    x = input if input.dim() > 1 else input.unsqueeze(0)
    t = target.reshape(-1)
    n, c = x.shape
    xt = x[ember.arange(n), t].unsqueeze(1)
    m = (margin - xt + x).clamp(min=0)
    if p == 2:
        m = m * m
    if weight is not None:
        m = m * weight[t].unsqueeze(1)
    mask = ember.ones(n, c, dtype=x.dtype)
    mask[ember.arange(n), t] = 0
    loss = (m * mask).sum(1) / c
    if input.dim() == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    raise NotImplementedError("multilabel_margin_loss is not implemented in ember")


def _pdist(a, b, p, eps, swap_other=None):
    d = a - b + eps
    if p == 2:
        return (d * d).sum(-1).sqrt()
    return (d.abs() ** p).sum(-1) ** (1.0 / p)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the pairwise p-norm distance."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    d_ap = _pdist(anchor, positive, p, eps)
    d_an = _pdist(anchor, negative, p, eps)
    if swap:
        d_pn = _pdist(positive, negative, p, eps)
        d_an = ember.minimum(d_an, d_pn)
    return _reduce((d_ap - d_an + margin).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    dist = distance_function or (lambda a, b: ember.nn.functional.pairwise_distance(a, b))
    d_ap, d_an = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_an = ember.minimum(d_an, dist(positive, negative))
    return _reduce((d_ap - d_an + margin).clamp(min=0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Poisson negative log-likelihood (optionally with Stirling's term)."""
    reduction = _functional_loss_legacy(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + ember.where(target > 1, stirling, ember.zeros_like(stirling))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood with predicted variance ``var`` (clamped at eps)."""
    if var.dim() == input.dim() - 1 or (var.dim() == input.dim() and var.shape[-1] == 1 and
                                        input.shape[-1] != 1):
        if var.dim() == input.dim() - 1:
            var = var.unsqueeze(-1)
    if (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    v = var.clamp(min=eps)
    loss = 0.5 * (v.log() + (input - target) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss (see ``_ctc.py``)."""
    from ._ctc import ctc_loss as _impl

    return _impl(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                 zero_infinity)


_ = Tensor

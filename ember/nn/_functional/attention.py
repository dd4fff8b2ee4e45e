"""F functions: attention (``scaled_dot_product_attention``, ``multi_head_attention_forward``).

Both are composites of matrix products, softmax and masking, written to follow PyTorch's
reference definitions step by step so that masks, shapes and errors behave the same.
"""
import math
import warnings

from ... import _dtype
from ... import ops as _eops
from ...ops.shape import cat, split
from ...ops.softmax import softmax
from .dropout import dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _neg_inf_where(mask, dtype, device=None):
    """A float mask: -inf where the bool ``mask`` is True, 0 elsewhere."""
    z = _eops.zeros(tuple(mask.shape), dtype=dtype, device=device)
    return _eops.where(mask, float("-inf"), z)


def _above_diagonal(rows, cols):
    """``(rows, cols)`` bool, True strictly above the diagonal (what a causal mask hides)."""
    return _eops.arange(rows).unsqueeze(1) < _eops.arange(cols).unsqueeze(0)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    r"""Attention ``softmax(Q K^T * scale + mask) V`` over the last two dimensions.

    Args:
        query (Tensor): ``(..., L, E)``.
        key (Tensor): ``(..., S, E)``.
        value (Tensor): ``(..., S, Ev)``.
        attn_mask (Tensor, optional): broadcastable to ``(..., L, S)``; bool (True = may
            attend) or float (added to the scores).
        dropout_p (float): dropout on the attention weights. Default: 0.
        is_causal (bool): mask out the upper triangle (no mask may be given then).
        scale (float, optional): Default: ``1 / sqrt(E)``.
        enable_gqa (bool): repeat key/value heads to match the query's (grouped queries).

    Returns:
        Tensor of shape ``(..., L, Ev)``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> q = ember.ones(2, 3, 4)
        >>> F.scaled_dot_product_attention(q, q, q).shape
        ember.Size([2, 3, 4])
    """
    L, S = query.shape[-2], key.shape[-2]
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    scale_factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa:
        rep_k = query.shape[-3] // key.shape[-3]
        key = _repeat_heads(key, rep_k)
        value = _repeat_heads(value, query.shape[-3] // value.shape[-3])
    scores = (query @ key.transpose(-2, -1)) * scale_factor
    if is_causal:
        scores = scores + _neg_inf_where(_above_diagonal(L, S), scores.dtype, scores.device)
    if attn_mask is not None:
        if attn_mask.dtype == _dtype.bool:
            scores = scores + _neg_inf_where(~attn_mask, scores.dtype, scores.device)
        else:
            scores = scores + attn_mask
    return _attend(scores, value, dropout_p)[0]


def _attend(scores, value, dropout_p):
    """``(weights @ value, weights)`` with ``weights = dropout(softmax(scores))`` (PyTorch's
    multi-head attention returns the weights after dropout too)."""
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return weights @ value, weights


def _repeat_heads(x, n):
    if n == 1:
        return x
    shape = tuple(x.shape)
    x = x.unsqueeze(-3).expand(*shape[:-2], n, *shape[-2:])
    return x.reshape(*shape[:-3], shape[-3] * n, *shape[-2:])


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """Bool masks become float masks with -inf at the True positions (PyTorch's helper)."""
    if mask is None:
        return None
    is_float = mask.is_floating_point()
    if mask.dtype != _dtype.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=3)
    if not is_float:
        mask = _neg_inf_where(mask, target_type, mask.device)
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's input checks; returns whether the inputs are batched."""
    qd = query.dim()
    if qd not in (2, 3):
        raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                             f"{qd}-D query tensor")
    kind = "For batched (3-D) `query`" if qd == 3 else "For unbatched (2-D) `query`"
    if key.dim() != qd or value.dim() != qd:
        raise AssertionError(f"{kind}, expected `key` and `value` to be {qd}-D but found "
                             f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != qd - 1:
        raise AssertionError(f"{kind}, expected `key_padding_mask` to be `None` or {qd - 1}-D "
                             f"but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise AssertionError(f"{kind}, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                             f"{attn_mask.dim()}-D tensor instead")
    if qd == 2 and attn_mask is not None and attn_mask.dim() == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                 f"{attn_mask.shape}")
    return qd == 3


def _in_projection_packed(q, k, v, w, b):
    e = q.shape[-1]
    if k is v and q is k:
        # self-attention: one product for q, k and v together
        return split(linear(q, w, b), e, -1)
    ws = split(w, e, 0)
    bs = split(b, e, 0) if b is not None else (None, None, None)
    return linear(q, ws[0], bs[0]), linear(k, ws[1], bs[1]), linear(v, ws[2], bs[2])


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """The multi-head attention of :class:`~ember.nn.MultiheadAttention`, sequence-first.

    ``query`` is ``(L, N, E)`` (or ``(L, E)`` unbatched), ``key``/``value`` ``(S, N, E_k/E_v)``.
    Returns ``(attn_output (L, N, E), attn_weights (N, L, S) or (N, H, L, S) or None)``.
    """
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       None if attn_mask is None else attn_mask.dtype,
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    q, k, v = _project_qkv(query, key, value, in_proj_weight, in_proj_bias,
                           use_separate_proj_weight, q_proj_weight, k_proj_weight,
                           v_proj_weight)
    src_len = key.shape[0]
    attn_mask = _check_attn_mask(attn_mask, tgt_len, src_len, bsz, num_heads)
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.expand(1, bsz, embed_dim)], 0)
        v = cat([v, bias_v.expand(1, bsz, embed_dim)], 0)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k is set but bias_v is None" if bias_k is not None else
                             "bias_v is set but bias_k is None")
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
         if static_k is None else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
         if static_v is None else static_v)
    if add_zero_attn:
        zeros = _eops.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype, device=k.device)
        k = cat([k, zeros], 1)
        v = cat([v, zeros], 1)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(-2, -1)
    if attn_mask is not None:
        scores = scores + attn_mask
    out, weights = _attend(scores, v, dropout_p)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(1)
    if not is_batched:
        weights = weights.squeeze(0)
    return out, weights


def _project_qkv(query, key, value, w, b, separate, wq, wk, wv):
    if not separate:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        if w is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        return _in_projection_packed(query, key, value, w, b)
    if tuple(key.shape[:2]) != tuple(value.shape[:2]):
        raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                             f"value's {value.shape[:2]}")
    e = query.shape[-1]
    bq, bk, bv = split(b, e, 0) if b is not None else (None,) * 3
    return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)


def _check_attn_mask(attn_mask, tgt_len, src_len, bsz, num_heads):
    if attn_mask is None:
        return None
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should "
                               f"be {(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should "
                               f"be {(bsz * num_heads, tgt_len, src_len)}.")
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _pad_last(mask):
    """Append one zero (attend) column to a float mask: ``F.pad(mask, (0, 1))``."""
    if mask is None:
        return None
    zeros = _eops.zeros(*mask.shape[:-1], 1, dtype=mask.dtype, device=mask.device)
    return cat([mask, zeros], -1)

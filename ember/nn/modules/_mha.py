"""``MultiheadAttention`` (PyTorch keeps it in ``torch.nn.modules.activation``; ember's
``activation.py`` re-exports it from here, so both paths name the same class)."""
from ...ops.creation import empty
from .._functional import attention as _attn
from ..init import constant_, xavier_normal_, xavier_uniform_
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """The ``Linear`` of ``MultiheadAttention.out_proj`` (PyTorch's class name, for repr)."""


class MultiheadAttention(Module):
    r"""Multi-head attention: :math:`\text{Concat}(head_1, ..., head_h) W^O`,
    :math:`head_i = \text{Attention}(Q W_i^Q, K W_i^K, V W_i^V)`.

    Args:
        embed_dim (int): model dimension.
        num_heads (int): parallel heads (``embed_dim`` must be divisible by it).
        dropout (float): dropout on the attention weights. Default: 0.0.
        bias (bool): in/out projection biases. Default: ``True``.
        add_bias_kv (bool): learnable bias rows appended to key and value. Default: ``False``.
        add_zero_attn (bool): append a zero row to key and value. Default: ``False``.
        kdim, vdim (int, optional): key/value features. Default: ``embed_dim``.
        batch_first (bool): ``(N, L, E)`` inputs and outputs. Default: ``False``.

    Attributes:
        in_proj_weight: ``(3 * embed_dim, embed_dim)``, xavier-uniform (when kdim == vdim ==
            embed_dim; else ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``).
        in_proj_bias: zeros. out_proj: ``Linear(embed_dim, embed_dim)`` with zero bias.

    Example:
        >>> import ember
        >>> mha = ember.nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = ember.randn(3, 5, 8)
        >>> out, w = mha(x, x, x)
        >>> out.shape, w.shape
        (ember.Size([3, 5, 8]), ember.Size([3, 5, 5]))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        f = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **f))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **f))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **f))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **f))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **f))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **f)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, **f))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **f))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            xavier_uniform_(self.in_proj_weight)
        else:
            xavier_uniform_(self.q_proj_weight)
            xavier_uniform_(self.k_proj_weight)
            xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            constant_(self.in_proj_bias, 0.0)
            constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: ``(L, N, E)`` (``(N, L, E)`` if ``batch_first``) or ``(L, E)``.
            key, value: ``(S, N, E_k)``, ``(S, N, E_v)`` likewise.
            key_padding_mask: ``(N, S)`` bool (True = ignore that key) or float (added).
            need_weights (bool): also return the attention weights. Default: ``True``.
            attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``; bool (True = not allowed)
                or float (added to the scores).
            average_attn_weights (bool): average the weights over heads. Default: ``True``.
            is_causal (bool): a hint that ``attn_mask`` is the causal mask.

        Returns:
            ``(attn_output, attn_output_weights or None)``.
        """
        batched = query.dim() == 3
        if self.batch_first and batched:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = _attn.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights

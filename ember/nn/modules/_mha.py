"""``MultiheadAttention`` (PyTorch keeps it in ``torch.nn.modules.activation``; ember's
``activation.py`` re-exports it from here).

Also resolves the shared layers it is built from (``Linear``, ``Dropout``, ``LayerNorm``): the
real ones when their families provide them, else the small stand-ins at the bottom, which
have the same names, parameters and state_dict keys.
"""
import math

from ... import ops as _eops
from .._functional import attention as _attn
from .._functional._attn_fallback import pick
from ..parameter import Parameter
from .module import Module

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


from ..init import xavier_normal_ as _xavier_normal_  # noqa: E402,F401
from ..init import xavier_uniform_ as _xavier_uniform_  # noqa: E402,F401


class _Linear(Module):
    """Stand-in for ``nn.Linear`` (same parameters, init and repr)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(_eops.empty(out_features, in_features, device=device,
                                            dtype=dtype))
        if bias:
            self.bias = Parameter(_eops.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        bound = 1 / math.sqrt(in_features) if in_features > 0 else 0
        from ..init import uniform_

        uniform_(self.weight, -bound, bound)  # kaiming_uniform_(a=sqrt(5)) has this bound
        if self.bias is not None:
            uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return pick("linear")(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class _Dropout(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return pick("dropout")(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class _LayerNorm(Module):
    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_eops.ones(*self.normalized_shape, device=device,
                                               dtype=dtype))
            if bias:
                self.bias = Parameter(_eops.zeros(*self.normalized_shape, device=device,
                                                  dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return pick("layer_norm")(input, self.normalized_shape, self.weight, self.bias,
                                  self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


_Linear.__name__ = _Linear.__qualname__ = "Linear"
_Dropout.__name__ = _Dropout.__qualname__ = "Dropout"
_LayerNorm.__name__ = _LayerNorm.__qualname__ = "LayerNorm"


def _shared(module_name, cls_name, fallback):
    import importlib

    try:
        mod = importlib.import_module(f"{__package__}.{module_name}")
        return getattr(mod, cls_name)
    except (ImportError, AttributeError):
        return fallback


Linear = _shared("linear", "Linear", _Linear)
Dropout = _shared("dropout", "Dropout", _Dropout)
LayerNorm = _shared("normalization", "LayerNorm", _LayerNorm)


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
            self.q_proj_weight = Parameter(_eops.empty(embed_dim, embed_dim, **f))
            self.k_proj_weight = Parameter(_eops.empty(embed_dim, self.kdim, **f))
            self.v_proj_weight = Parameter(_eops.empty(embed_dim, self.vdim, **f))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(_eops.empty(3 * embed_dim, embed_dim, **f))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_eops.empty(3 * embed_dim, **f))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **f)
        if add_bias_kv:
            self.bias_k = Parameter(_eops.empty(1, 1, embed_dim, **f))
            self.bias_v = Parameter(_eops.empty(1, 1, embed_dim, **f))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            _xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                _xavier_uniform_(w)
        if self.in_proj_bias is not None:
            self.in_proj_bias.data._data[...] = 0
            self.out_proj.bias.data._data[...] = 0
        if self.bias_k is not None:
            _xavier_normal_(self.bias_k)
            _xavier_normal_(self.bias_v)

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

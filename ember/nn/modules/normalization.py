"""Normalisation layers that do not keep running statistics: ``LayerNorm``, ``GroupNorm``,
``LocalResponseNorm``."""
from ...ops.creation import empty
from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "LocalResponseNorm"]


def _affine_params(module, affine, bias, shape, device, dtype):
    """Register ``weight`` and ``bias`` of ``shape`` on ``module`` (None when not ``affine``,
    ``bias`` None when not ``bias``); ``_reset_affine`` gives them their initial values."""
    if affine:
        module.weight = Parameter(empty(*shape, dtype=dtype, device=device))
        if bias:
            module.bias = Parameter(empty(*shape, dtype=dtype, device=device))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine(module):
    """Weight to ones and bias to zeros (those that exist)."""
    if module.weight is not None:
        module.weight._data[...] = 1
    if module.bias is not None:
        module.bias._data[...] = 0


class LayerNorm(Module):
    r"""Layer normalisation over the trailing ``normalized_shape`` dims.

    .. math::
        y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

    Args:
        normalized_shape (int or tuple): the trailing shape to normalise over.
        eps (float): Default: 1e-5.
        elementwise_affine (bool): learnable per-element ``weight`` and ``bias``.
            Default: ``True``.
        bias (bool): learn ``bias`` too (with ``elementwise_affine``). Default: ``True``.

    Attributes:
        weight (Tensor): ``normalized_shape``, initialised to 1.
        bias (Tensor): ``normalized_shape``, initialised to 0.

    Example:
        >>> import ember
        >>> ln = ember.nn.LayerNorm(10)
        >>> ln(ember.randn(20, 5, 10)).shape
        ember.Size([20, 5, 10])
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine_params(self, elementwise_affine, bias, self.normalized_shape, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}, "
                "bias={use_bias}".format(**self.__dict__, use_bias=self.bias is not None))


class GroupNorm(Module):
    """Group normalisation: statistics per sample over groups of channels.

    Args:
        num_groups (int): groups to split the channels into.
        num_channels (int): C.
        eps (float): Default: 1e-5.
        affine (bool): learnable per-channel ``weight`` and ``bias``. Default: ``True``.
        bias (bool, keyword-only): Default: ``True``.

    Shape:
        - Input: (N, C, *); Output: same shape.

    Example:
        >>> import ember
        >>> ember.nn.GroupNorm(3, 6)(ember.randn(20, 6, 10, 10)).shape
        ember.Size([20, 6, 10, 10])
    """

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine_params(self, affine, bias, (num_channels,), device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{num_groups}, {num_channels}, eps={eps}, affine={affine}, "
                "bias={use_bias}".format(**self.__dict__, use_bias=self.bias is not None))


class LocalResponseNorm(Module):
    """Local response normalisation across neighbouring channels.

    Args:
        size (int): channels in the window.
        alpha (float): Default: 1e-4.
        beta (float): Default: 0.75.
        k (float): Default: 1.

    Example:
        >>> import ember
        >>> ember.nn.LocalResponseNorm(2)(ember.randn(32, 5, 24, 24)).shape
        ember.Size([32, 5, 24, 24])
    """

    __constants__ = ["size", "alpha", "beta", "k"]

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)

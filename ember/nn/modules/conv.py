"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``."""
import math

from ...autograd import no_grad
from ...ops.creation import empty
from .. import functional as F
from .._functional.conv import _ntuple, _same_pads
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}
_PADDING_STRINGS = {"same", "valid"}


def _reset_conv(module):
    """PyTorch's default: kaiming_uniform_(a=sqrt(5)) for the weight, i.e. U(-1/sqrt(fan_in),
    1/sqrt(fan_in)), and the same bound for the bias."""
    w = module.weight
    fan_in = w.shape[1] * math.prod(w.shape[2:])
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    with no_grad():
        w.uniform_(-bound, bound)
        if module.bias is not None:
            module.bias.uniform_(-bound, bound)


class _ConvNd(Module):
    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding",
                     "in_channels", "out_channels", "kernel_size"]

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{_PADDING_STRINGS}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = kernel_size, stride
        self.padding, self.dilation = padding, dilation
        self.transposed, self.output_padding = transposed, output_padding
        self.groups, self.padding_mode = groups, padding_mode
        if isinstance(padding, str):
            pads = (_same_pads(kernel_size, dilation) if padding == "same"
                    else ((0, 0),) * len(kernel_size))
        else:
            pads = tuple((p, p) for p in padding)
        self._reversed_padding_repeated_twice = [p for pair in reversed(pads) for p in pair]
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + tuple(kernel_size)
        self.weight = Parameter(empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_conv(self)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    _nd = 2
    _fn = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        t = _ntuple(self._nd)
        padding = padding if isinstance(padding, str) else t(padding)
        super().__init__(in_channels, out_channels, t(kernel_size), t(stride), padding,
                         t(dilation), False, t(0), groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        fn = type(self)._fn
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(input, weight, bias, self.stride, _ntuple(self._nd)(0), self.dilation,
                      self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    r"""1-D convolution over an input of shape (N, C_in, L).

    Args:
        in_channels (int): channels of the input.
        out_channels (int): channels produced.
        kernel_size (int or tuple): size of the kernel.
        stride (int or tuple): Default: 1.
        padding (int, tuple or str): ``'valid'``, ``'same'`` or an amount. Default: 0.
        dilation (int or tuple): Default: 1.
        groups (int): Default: 1.
        bias (bool): Default: ``True``.
        padding_mode (str): ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
            Default: ``'zeros'``.

    Shape:
        - Input: (N, C_in, L_in) or (C_in, L_in)
        - Output: (N, C_out, L_out), L_out = floor((L_in + 2 p - d (k - 1) - 1) / s + 1)

    Attributes:
        weight (Tensor): (out_channels, in_channels / groups, kernel_size), drawn from
            U(-sqrt(k), sqrt(k)) with k = groups / (C_in * kernel_size).
        bias (Tensor): (out_channels,), drawn from the same distribution.

    Example:
        >>> import ember
        >>> m = ember.nn.Conv1d(4, 8, 3, stride=2)
        >>> m(ember.randn(2, 4, 9)).shape
        ember.Size([2, 8, 4])
    """

    _nd = 1
    _fn = staticmethod(F.conv1d)


class Conv2d(_Conv):
    r"""2-D convolution over an input of shape (N, C_in, H, W).

    .. math::
        \text{out}(N_i, C_{out_j}) = \text{bias}(C_{out_j}) +
        \sum_{k = 0}^{C_{in} - 1} \text{weight}(C_{out_j}, k) \star \text{input}(N_i, k)

    Args:
        in_channels (int): channels of the input.
        out_channels (int): channels produced.
        kernel_size (int or tuple): size of the kernel.
        stride (int or tuple): Default: 1.
        padding (int, tuple or str): ``'valid'``, ``'same'`` or an amount. Default: 0.
        dilation (int or tuple): Default: 1.
        groups (int): Default: 1.
        bias (bool): Default: ``True``.
        padding_mode (str): ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
            Default: ``'zeros'``.

    Shape:
        - Input: (N, C_in, H_in, W_in) or (C_in, H_in, W_in)
        - Output: (N, C_out, H_out, W_out),
          H_out = floor((H_in + 2 p[0] - d[0] (k[0] - 1) - 1) / s[0] + 1), and W alike.

    Attributes:
        weight (Tensor): (out_channels, in_channels / groups, kH, kW), drawn from
            U(-sqrt(k), sqrt(k)) with k = groups / (C_in * kH * kW).
        bias (Tensor): (out_channels,), drawn from the same distribution.

    Example:
        >>> import ember
        >>> m = ember.nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))
        >>> m(ember.randn(2, 16, 20, 12)).shape
        ember.Size([2, 33, 11, 12])
    """

    _nd = 2
    _fn = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over an input of shape (N, C_in, D, H, W); arguments as :class:`Conv2d`.

    Example:
        >>> import ember
        >>> ember.nn.Conv3d(2, 4, 3)(ember.randn(1, 2, 5, 5, 5)).shape
        ember.Size([1, 4, 3, 3, 3])
    """

    _nd = 3
    _fn = staticmethod(F.conv3d)


class _ConvTransposeNd(_ConvNd):
    _nd = 2
    _fn = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        t = _ntuple(self._nd)
        super().__init__(in_channels, out_channels, t(kernel_size), t(stride), t(padding),
                         t(dilation), True, t(output_padding), groups, bias, padding_mode,
                         device, dtype)

    def _output_padding(self, input, output_size, stride, padding, kernel_size,
                        num_spatial_dims, dilation=None):
        if output_size is None:
            return _ntuple(num_spatial_dims)(self.output_padding)
        has_batch = input.dim() == num_spatial_dims + 2
        output_size = [int(s) for s in output_size]
        if len(output_size) == num_spatial_dims + 2 or (
                len(output_size) == num_spatial_dims + 1 and not has_batch):
            output_size = output_size[-num_spatial_dims:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, "
                             f"output_size must have {num_spatial_dims} or "
                             f"{num_spatial_dims + 2} elements (got {len(output_size)})")
        res = []
        for d in range(num_spatial_dims):
            n = input.shape[input.dim() - num_spatial_dims + d]
            lo = ((n - 1) * stride[d] - 2 * padding[d] + (dilation[d] if dilation else 1)
                  * (kernel_size[d] - 1) + 1)
            hi = lo + stride[d] - 1
            if not lo <= output_size[d] <= hi:
                mins = [((input.shape[input.dim() - num_spatial_dims + i] - 1) * stride[i]
                         - 2 * padding[i] + dilation[i] * (kernel_size[i] - 1) + 1)
                        for i in range(num_spatial_dims)]
                maxs = [m + s - 1 for m, s in zip(mins, stride)]
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {mins} to {maxs} (for an input of "
                                 f"{list(input.shape[2:])})")
            res.append(output_size[d] - lo)
        return tuple(res)

    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size, self.stride, self.padding,
                                  self.kernel_size, self._nd, self.dilation)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding, op,
                              self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution; arguments as :class:`ConvTranspose2d`.

    Example:
        >>> import ember
        >>> ember.nn.ConvTranspose1d(4, 2, 3, stride=2)(ember.randn(1, 4, 5)).shape
        ember.Size([1, 2, 11])
    """

    _nd = 1
    _fn = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    r"""2-D transposed convolution (the gradient of :class:`Conv2d` w.r.t. its input).

    Args:
        in_channels (int): channels of the input.
        out_channels (int): channels produced.
        kernel_size (int or tuple): size of the kernel.
        stride (int or tuple): Default: 1.
        padding (int or tuple): removes ``dilation * (k - 1) - padding`` from each side of the
            full output. Default: 0.
        output_padding (int or tuple): added to one side of the output. Default: 0.
        groups (int): Default: 1.
        bias (bool): Default: ``True``.
        dilation (int or tuple): Default: 1.

    Shape:
        - Input: (N, C_in, H_in, W_in)
        - Output: (N, C_out, H_out, W_out), H_out = (H_in - 1) s[0] - 2 p[0] +
          d[0] (k[0] - 1) + output_padding[0] + 1, and W alike.

    Attributes:
        weight (Tensor): (in_channels, out_channels / groups, kH, kW), drawn from
            U(-sqrt(k), sqrt(k)) with k = groups / (C_out * kH * kW).
        bias (Tensor): (out_channels,), drawn from the same distribution.

    Example:
        >>> import ember
        >>> m = ember.nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)
        >>> x = ember.randn(1, 16, 12, 12)
        >>> m(x, output_size=[1, 8, 24, 24]).shape
        ember.Size([1, 8, 24, 24])
    """

    _nd = 2
    _fn = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution; arguments as :class:`ConvTranspose2d`.

    Example:
        >>> import ember
        >>> ember.nn.ConvTranspose3d(2, 1, 2)(ember.randn(1, 2, 3, 3, 3)).shape
        ember.Size([1, 1, 4, 4, 4])
    """

    _nd = 3
    _fn = staticmethod(F.conv_transpose3d)


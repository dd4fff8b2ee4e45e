"""Pooling layers: max, average, adaptive, LP pooling and max unpooling."""
from .. import functional as F
from .._functional.conv import _ntuple
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LPPool1d",
           "LPPool2d"]


class _MaxPoolNd(Module):
    __constants__ = ["kernel_size", "stride", "padding", "dilation", "return_indices",
                     "ceil_mode"]

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self):
        return ("kernel_size={kernel_size}, stride={stride}, padding={padding}, "
                "dilation={dilation}, ceil_mode={ceil_mode}".format(**self.__dict__))

    def forward(self, input):
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                              ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over (N, C, L); see :class:`MaxPool2d`.

    Example:
        >>> import ember
        >>> ember.nn.MaxPool1d(2)(ember.tensor([[[1., 3., 2., 5.]]]))
        tensor([[[3., 5.]]])
    """

    _fn = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    r"""2-D max pooling over (N, C, H, W).

    Args:
        kernel_size (int or tuple): window size.
        stride (int or tuple, optional): Default: ``kernel_size``.
        padding (int or tuple): implicit -inf padding on both sides. Default: 0.
        dilation (int or tuple): spacing of the window taps. Default: 1.
        return_indices (bool): also return the indices of the maxima. Default: ``False``.
        ceil_mode (bool): round the output size up. Default: ``False``.

    Shape:
        - Input: (N, C, H_in, W_in) or (C, H_in, W_in)
        - Output: (N, C, H_out, W_out),
          H_out = floor((H_in + 2 p - d (k - 1) - 1) / s + 1) (ceil with ``ceil_mode``).

    Example:
        >>> import ember
        >>> ember.nn.MaxPool2d(2)(ember.randn(1, 3, 28, 28)).shape
        ember.Size([1, 3, 14, 14])
    """

    _fn = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over (N, C, D, H, W); see :class:`MaxPool2d`.

    Example:
        >>> import ember
        >>> ember.nn.MaxPool3d(2)(ember.randn(1, 1, 4, 4, 4)).shape
        ember.Size([1, 1, 2, 2, 2])
    """

    _fn = staticmethod(F.max_pool3d)


class AvgPool1d(Module):
    """1-D average pooling over (N, C, L); see :class:`AvgPool2d`.

    Example:
        >>> import ember
        >>> ember.nn.AvgPool1d(2)(ember.tensor([[[1., 3., 2., 6.]]]))
        tensor([[[2., 4.]]])
    """

    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        t = _ntuple(1)
        self.kernel_size = t(kernel_size)
        self.stride = t(stride if stride is not None else kernel_size)
        self.padding = t(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}")

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class _AvgPoolNd(Module):
    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                     "divisor_override"]

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding,
                              self.ceil_mode, self.count_include_pad, self.divisor_override)


class AvgPool2d(_AvgPoolNd):
    r"""2-D average pooling over (N, C, H, W).

    Args:
        kernel_size (int or tuple): window size.
        stride (int or tuple, optional): Default: ``kernel_size``.
        padding (int or tuple): implicit zero padding. Default: 0.
        ceil_mode (bool): round the output size up. Default: ``False``.
        count_include_pad (bool): count the zero padding in the divisor. Default: ``True``.
        divisor_override (int, optional): divide by this instead. Default: ``None``.

    Shape:
        - Input: (N, C, H_in, W_in) or (C, H_in, W_in)
        - Output: (N, C, H_out, W_out), H_out = floor((H_in + 2 p - k) / s + 1).

    Example:
        >>> import ember
        >>> ember.nn.AvgPool2d(3, stride=2)(ember.randn(1, 2, 9, 9)).shape
        ember.Size([1, 2, 4, 4])
    """

    _fn = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling over (N, C, D, H, W); see :class:`AvgPool2d`.

    Example:
        >>> import ember
        >>> ember.nn.AvgPool3d(2)(ember.randn(1, 1, 4, 4, 4)).shape
        ember.Size([1, 1, 2, 2, 2])
    """

    _fn = staticmethod(F.avg_pool3d)


class _AdaptiveAvgPoolNd(Module):
    __constants__ = ["output_size"]

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"

    def forward(self, input):
        return type(self)._fn(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Adaptive average pooling to a fixed output length.

    Example:
        >>> import ember
        >>> ember.nn.AdaptiveAvgPool1d(3)(ember.randn(1, 4, 10)).shape
        ember.Size([1, 4, 3])
    """

    _fn = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Adaptive average pooling to a fixed output size (entries may be ``None``: keep).

    Shape:
        - Input: (N, C, H_in, W_in) or (C, H_in, W_in)
        - Output: (N, C, *output_size)

    Example:
        >>> import ember
        >>> ember.nn.AdaptiveAvgPool2d((5, 7))(ember.randn(1, 64, 8, 9)).shape
        ember.Size([1, 64, 5, 7])
    """

    _fn = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Adaptive average pooling over (N, C, D, H, W).

    Example:
        >>> import ember
        >>> ember.nn.AdaptiveAvgPool3d(1)(ember.randn(1, 2, 3, 3, 3)).shape
        ember.Size([1, 2, 1, 1, 1])
    """

    _fn = staticmethod(F.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(Module):
    __constants__ = ["output_size", "return_indices"]

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def extra_repr(self):
        return f"output_size={self.output_size}"

    def forward(self, input):
        return type(self)._fn(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Adaptive max pooling to a fixed output length.

    Example:
        >>> import ember
        >>> ember.nn.AdaptiveMaxPool1d(2)(ember.tensor([[[1., 5., 2., 4., 3.]]]))
        tensor([[[5., 4.]]])
    """

    _fn = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Adaptive max pooling to a fixed output size.

    Example:
        >>> import ember
        >>> ember.nn.AdaptiveMaxPool2d(3)(ember.randn(1, 2, 7, 8)).shape
        ember.Size([1, 2, 3, 3])
    """

    _fn = staticmethod(F.adaptive_max_pool2d)


class _MaxUnpoolNd(Module):
    _nd = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        t = _ntuple(self._nd)
        self.kernel_size = t(kernel_size)
        self.stride = t(stride if stride is not None else kernel_size)
        self.padding = t(padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input, indices, output_size=None):
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool1d`.

    Example:
        >>> import ember
        >>> y, i = ember.nn.MaxPool1d(2, return_indices=True)(ember.tensor([[[1., 3., 2., 5.]]]))
        >>> ember.nn.MaxUnpool1d(2)(y, i)
        tensor([[[0., 3., 0., 5.]]])
    """

    _nd = 1
    _fn = staticmethod(F.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool2d`: maxima back in place, zeros elsewhere.

    Example:
        >>> import ember
        >>> pool = ember.nn.MaxPool2d(2, return_indices=True)
        >>> y, i = pool(ember.randn(1, 1, 4, 4))
        >>> ember.nn.MaxUnpool2d(2)(y, i).shape
        ember.Size([1, 1, 4, 4])
    """

    _nd = 2
    _fn = staticmethod(F.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool3d`."""

    _nd = 3
    _fn = staticmethod(F.max_unpool3d)


class _LPPoolNd(Module):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self):
        return ("norm_type={norm_type}, kernel_size={kernel_size}, stride={stride}, "
                "ceil_mode={ceil_mode}".format(**self.__dict__))

    def forward(self, input):
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride,
                              self.ceil_mode)


class LPPool1d(_LPPoolNd):
    """Power-average pooling over (N, C, L).

    Example:
        >>> import ember
        >>> ember.nn.LPPool1d(2, 2)(ember.tensor([[[3., 4.]]]))
        tensor([[[5.]]])
    """

    _fn = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over (N, C, H, W).

    Example:
        >>> import ember
        >>> ember.nn.LPPool2d(2, 2)(ember.ones(1, 1, 4, 4)).shape
        ember.Size([1, 1, 2, 2])
    """

    _fn = staticmethod(F.lp_pool2d)

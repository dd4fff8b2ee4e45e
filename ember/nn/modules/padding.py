"""Padding layers: constant/zero, reflection, replication and circular, 1-d to 3-d."""
from .. import functional as F
from .._functional.conv import _ntuple
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


class _PadNd(Module):
    _nd = 1
    _mode = "constant"
    __constants__ = ["padding"]

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(2 * self._nd)(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant; ``padding`` is an int or (left, right).

    Example:
        >>> import ember
        >>> ember.nn.ConstantPad1d(2, 3.5)(ember.zeros(1, 1, 2))
        tensor([[[3.5000, 3.5000, 0.0000, 0.0000, 3.5000, 3.5000]]])
    """

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with a constant; ``padding``: int or (left, right, top, bottom).

    Example:
        >>> import ember
        >>> ember.nn.ConstantPad2d((1, 0, 0, 1), 9.)(ember.zeros(1, 1, 1)).shape
        ember.Size([1, 2, 2])
    """

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant."""

    _nd = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros.

    Example:
        >>> import ember
        >>> ember.nn.ZeroPad1d((1, 2))(ember.ones(1, 1, 2))
        tensor([[[0., 1., 1., 0., 0.]]])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros; ``padding``: int or (left, right, top, bottom).

    Example:
        >>> import ember
        >>> ember.nn.ZeroPad2d(1)(ember.ones(1, 1, 2, 2)).shape
        ember.Size([1, 1, 4, 4])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its reflection (the edge is not repeated).

    Example:
        >>> import ember
        >>> ember.nn.ReflectionPad1d(2)(ember.tensor([[[0., 1., 2., 3.]]]))
        tensor([[[2., 1., 0., 1., 2., 3., 2., 1.]]])
    """

    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two dims with their reflection.

    Example:
        >>> import ember
        >>> ember.nn.ReflectionPad2d(1)(ember.randn(1, 1, 3, 3)).shape
        ember.Size([1, 1, 5, 5])
    """

    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last three dims with their reflection."""

    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating the edge value.

    Example:
        >>> import ember
        >>> ember.nn.ReplicationPad1d(2)(ember.tensor([[[0., 1.]]]))
        tensor([[[0., 0., 0., 1., 1., 1.]]])
    """

    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dims by repeating the edge values.

    Example:
        >>> import ember
        >>> ember.nn.ReplicationPad2d((1, 1, 2, 0))(ember.randn(1, 1, 3, 3)).shape
        ember.Size([1, 1, 5, 5])
    """

    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three dims by repeating the edge values."""

    _nd, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around.

    Example:
        >>> import ember
        >>> ember.nn.CircularPad1d(1)(ember.tensor([[[0., 1., 2.]]]))
        tensor([[[2., 0., 1., 2., 0.]]])
    """

    _nd, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pad the last two dims by wrapping around."""

    _nd, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pad the last three dims by wrapping around."""

    _nd, _mode = 3, "circular"

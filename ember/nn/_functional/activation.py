"""Activation functions (``F.relu``, ``F.gelu``, ``F.softmax``, ...).

Most are composites of Tensor ops; relu, sigmoid, tanh and erf are the core's primitives;
elu, softplus, hardswish, hardtanh's clamp and the softmaxes are primitives here (``_prims``)
for speed or numerical stability, and to reproduce PyTorch's gradients at the kinks exactly.
``inplace=True`` writes into the input as PyTorch does (through ``ops._util.inplace``, so
autograd and version counters stay right).
"""
import math
import warnings

from ..._tensor import Tensor
from ...ops._util import _short, fwd, wrap_dim
from ...ops._util import inplace as _inplace
from ...ops.pointwise import LeakyRelu as _LeakyRelu
from ...ops.pointwise import erf as _erf
from ...ops.pointwise import relu as _core_relu
from ...ops.pointwise import sigmoid as _sigmoid
from ...ops.pointwise import tanh as _tanh
from ...ops.selection import where
from . import _prims

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_",
           "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid",
           "tanh", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "softplus", "softsign",
           "tanhshrink", "threshold", "threshold_", "softmax", "log_softmax", "softmin", "glu",
           "logsigmoid", "hardshrink", "softshrink"]


def _maybe_inplace(fn, input, inplace, *args):
    if inplace:
        return _inplace(input, fn, *args)
    return fn(input, *args)


def _relu(x):
    return _core_relu(x)


def relu(input, inplace=False):
    r"""Rectified linear unit: :math:`\max(0, x)`.

    Example:
        >>> import ember
        >>> ember.nn.functional.relu(ember.tensor([-1., 2.]))
        tensor([0., 2.])
    """
    return _maybe_inplace(_relu, input, inplace)


def relu_(input):
    return relu(input, inplace=True)


def _hardtanh(x, lo, hi):
    return _prims.Clamp.apply(x, lo, hi)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    r""":math:`\min(\max(x, \text{min\_val}), \text{max\_val})`."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(_hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    r""":math:`\min(\max(0, x), 6)`."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky(x, slope):
    if 0 < slope <= 1 and x.dtype.is_floating_point:  # the common case: one fast primitive
        return fwd(_LeakyRelu, x, float(slope))
    return where(x > 0, x, x * slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    r""":math:`x` for :math:`x > 0`, else :math:`\text{negative\_slope} \cdot x`."""
    return _maybe_inplace(_leaky, input, inplace, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def prelu(input, weight):
    r"""Leaky ReLU with a learned slope per channel (dim 1), or one shared slope."""
    if weight.numel() != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        c = input.shape[1] if input.ndim >= 2 else 1  # a 1-d input has no channel dim
        if weight.numel() != c:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {weight.numel()} and channel size = {c}.")
        if input.ndim >= 2:
            weight = weight.reshape((c,) + (1,) * (input.ndim - 2))
    elif weight.ndim > 0:
        weight = weight.reshape(())
    return where(input > 0, input, weight * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    r"""Randomized leaky ReLU: slopes drawn from U(lower, upper) in training, else their mean."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from ...ops.random import rand

    slope = rand(*input.shape, dtype=input.dtype) * (upper - lower) + lower
    slope = slope.to(input.device)
    return _maybe_inplace(lambda x: where(x >= 0, x, x * slope), input, inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


def _elu(x, alpha, scale, input_scale):
    return _prims.Elu.apply(x, alpha, scale, input_scale)


def elu(input, alpha=1.0, inplace=False):
    r""":math:`x` for :math:`x > 0`, else :math:`\alpha (e^x - 1)`."""
    return _maybe_inplace(_elu, input, inplace, alpha, 1.0, 1.0)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    r""":math:`\text{scale} \cdot \text{elu}(x, \alpha)` with the self-normalising constants."""
    return _maybe_inplace(_elu, input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    r""":math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _maybe_inplace(_elu, input, inplace, alpha, 1.0, 1.0 / alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def gelu(input, approximate="none"):
    r"""Gaussian error linear unit :math:`x \Phi(x)` (exact erf) or its tanh approximation."""
    if approximate == "none":
        return input * 0.5 * (1 + _erf(input * (1 / math.sqrt(2))))
    if approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        inner = (input + 0.044715 * input * input * input) * k
        return 0.5 * input * (1 + _tanh(inner))
    raise RuntimeError("approximate argument must be either none or tanh.")


def sigmoid(input):
    r""":math:`1 / (1 + e^{-x})`."""
    return _sigmoid(input)


def tanh(input):
    return _tanh(input)


def silu(input, inplace=False):
    r""":math:`x \sigma(x)`."""
    return _maybe_inplace(lambda x: x * _sigmoid(x), input, inplace)


def mish(input, inplace=False):
    r""":math:`x \tanh(\text{softplus}(x))`."""
    return _maybe_inplace(lambda x: x * _tanh(_prims.Softplus.apply(x, 1.0, 20.0)),
                          input, inplace)


def hardsigmoid(input, inplace=False):
    r""":math:`\text{relu6}(x + 3) / 6`."""
    return _maybe_inplace(lambda x: _prims.Clamp.apply(x + 3, 0.0, 6.0) / 6, input, inplace)


def hardswish(input, inplace=False):
    r""":math:`x \cdot \text{relu6}(x + 3) / 6`."""
    return _maybe_inplace(_prims.Hardswish.apply, input, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    r""":math:`\frac{1}{\beta} \log(1 + e^{\beta x})`; linear where
    :math:`\beta x > \text{threshold}`."""
    return _prims.Softplus.apply(input, beta, threshold)


def softsign(input):
    r""":math:`x / (1 + |x|)`."""
    return input / (1 + _prims.Abs.apply(input))


def tanhshrink(input):
    r""":math:`x - \tanh(x)`."""
    return input - _tanh(input)


def threshold(input, threshold, value, inplace=False):
    r""":math:`x` where :math:`x > \text{threshold}`, else ``value``."""
    return _maybe_inplace(lambda x: where(x > threshold, x, value), input, inplace)


def threshold_(input, threshold, value):
    return globals()["threshold"](input, threshold, value, True)


def logsigmoid(input):
    r""":math:`\log \sigma(x) = -\text{softplus}(-x)` (stable for large :math:`|x|`)."""
    return -_prims.Softplus.apply(-input, 1.0, 20.0)


def hardshrink(input, lambd=0.5):
    r""":math:`x` where :math:`|x| > \lambda`, else 0."""
    return where((input < -lambd) | (input > lambd), input, 0.0)


def softshrink(input, lambd=0.5):
    r""":math:`x - \lambda` above :math:`\lambda`, :math:`x + \lambda` below
    :math:`-\lambda`, else 0."""
    if lambd < 0:
        top = "1.79769e+308" if input.dtype.itemsize == 8 else "3.40282e+38"
        raise RuntimeError(f"lambda must be in range [0, {top}] for input dtype "
                           f"{_short(input.dtype)}, but found {lambd:g}")
    out = where(input > lambd, input - lambd, 0.0)
    return where(input < -lambd, input + lambd, out)


def glu(input, dim=-1):
    r"""Gated linear unit: :math:`a \otimes \sigma(b)` for the halves ``a, b`` of ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    pre = (slice(None),) * d
    a = input[pre + (slice(0, n // 2),)]
    b = input[pre + (slice(n // 2, n),)]
    return a * _sigmoid(b)


# --- softmax family (the primitives live in ember/ops/softmax.py) ------------------------------
from ...ops.softmax import log_softmax as _ops_log_softmax  # noqa: E402
from ...ops.softmax import softmax as _ops_softmax  # noqa: E402


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=4)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_prep(name, input, dim, dtype):
    if dim is None:
        dim = _softmax_dim(name, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for '
                                  f"'{_short(input.dtype)}'")
    return input, wrap_dim(dim, input.ndim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``dim``.

    Example:
        >>> import ember
        >>> ember.nn.functional.softmax(ember.tensor([0., 0.]), dim=0)
        tensor([0.5000, 0.5000])
    """
    input, dim = _softmax_prep("softmax", input, dim, dtype)
    return _ops_softmax(input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    r""":math:`\log \text{softmax}(x)` along ``dim``, computed stably."""
    input, dim = _softmax_prep("log_softmax", input, dim, dtype)
    return _ops_log_softmax(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    r""":math:`\text{softmax}(-x)` along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


_ = Tensor

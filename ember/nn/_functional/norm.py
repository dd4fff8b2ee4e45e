"""Normalisation: batch, instance, layer, group and local response normalisation.

Training-mode statistics go through the fused ``Normalize`` primitive (ember/ops/norm.py);
running statistics are updated in place on the buffers' arrays, outside the graph, as PyTorch
does; evaluation with running statistics is a per-channel scale and shift in Tensor ops.
"""
import math

from ...ops.norm import Normalize
from ...ops.pool import PoolGeom, WindowSum

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "local_response_norm"]


def _channel_shape(input):
    return (1, input.shape[1]) + (1,) * (input.dim() - 2)


def _update_running(running, batch_stat, momentum):
    """running = (1 - momentum) * running + momentum * batch_stat, in place, no graph."""
    arr = running._data
    arr *= (1.0 - momentum)
    arr += (momentum * batch_stat).astype(arr.dtype, copy=False)
    running._version_counter[0] += 1


def _affine_eval(input, mean, var, weight, bias, eps):
    shape = _channel_shape(input)
    scale = (var + eps) ** -0.5
    if weight is not None:
        scale = scale * weight
    shift = -mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


def _normalize(input, weight, bias, axes, eps, wshape):
    w = weight.reshape(wshape) if weight is not None else None
    b = bias.reshape(wshape) if bias is not None else None
    return Normalize.apply(input, w, b, axes, eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    r"""Batch normalisation over (N, C, *): statistics per channel over N and the rest.

    .. math::
        y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    In training the batch statistics are used (biased variance) and ``running_mean`` /
    ``running_var`` (if given) move towards them by ``momentum`` (unbiased variance); in
    evaluation the running statistics are used.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> x = ember.tensor([[1., 2.], [3., 6.]])
        >>> F.batch_norm(x, None, None, training=True)
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]])
    """
    if input.dim() < 2:
        raise ValueError(f"Expected 2D or higher input (got {input.dim()}D input)")
    c = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if training:
        n = input.numel() // c
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.size()}")
        axes = (0,) + tuple(range(2, input.dim()))
        out, mean, var = _normalize(input, weight, bias, axes, eps, _channel_shape(input))
        if running_mean is not None or running_var is not None:
            _update_stats(running_mean, running_var, mean._data, var._data, n, momentum)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be "
                           "defined in evaluation mode")
    return _affine_eval(input, running_mean, running_var, weight, bias, eps)


def _update_stats(running_mean, running_var, mean, var, n, momentum):
    if running_mean is not None:
        _update_running(running_mean, mean.reshape(-1), momentum)
    if running_var is not None:
        _update_running(running_var, var.reshape(-1) * (n / (n - 1)), momentum)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05):
    """Instance normalisation: statistics per sample and channel over the spatial dims.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.instance_norm(ember.tensor([[[1., 3.], [2., 2.]]]))
        tensor([[[-1.0000,  1.0000],
                 [ 0.0000,  0.0000]]])
    """
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher input (got {input.dim()}D input)")
    if not use_input_stats:
        return _affine_eval(input, running_mean, running_var, weight, bias, eps)
    axes = tuple(range(2, input.dim()))
    n = math.prod(input.shape[2:])
    if n <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{input.size()}")
    out, mean, var = _normalize(input, weight, bias, axes, eps, _channel_shape(input))
    if running_mean is not None or running_var is not None:
        _update_stats(running_mean, running_var, mean._data.mean(axis=0),
                      var._data.mean(axis=0), n, momentum)
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Layer normalisation over the trailing ``normalized_shape`` dims.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.layer_norm(ember.tensor([[1., 3.]]), (2,))
        tensor([[-1.0000,  1.0000]])
    """
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if tuple(input.shape[input.dim() - k:]) != ns or input.dim() < k:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(map(str, ns))}], but got input of size"
                           f"{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(ns)}")
    axes = tuple(range(input.dim() - k, input.dim()))
    return _normalize(input, weight, bias, axes, eps, ns)[0]


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Group normalisation: channels split into ``num_groups``, statistics per sample and group.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.group_norm(ember.tensor([[[1.], [3.], [5.], [5.]]]), 2).shape
        ember.Size([1, 4, 1])
    """
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups="
                           f"{num_groups}")
    rest = tuple(input.shape[2:])
    x = input.reshape((n, num_groups, c // num_groups) + rest)
    axes = tuple(range(2, x.dim()))
    wshape = (1, num_groups, c // num_groups) + (1,) * len(rest)
    out = _normalize(x, weight, bias, axes, eps, wshape)[0]
    return out.reshape(input.shape)


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    """Local response normalisation across channels (as in AlexNet).

    ``b_c = a_c / (k + alpha / n * sum_{c' in window(c)} a_{c'}^2) ** beta``

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.local_response_norm(ember.ones(1, 3, 2, 2), 2).shape
        ember.Size([1, 3, 2, 2])
    """
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    n, c = input.shape[:2]
    sq = (input * input).reshape(n, 1, c, -1)
    geom = PoolGeom(sq.shape, (size, 1), (1, 1), (1, 1), ((size // 2, (size - 1) // 2),
                                                         (0, 0)), (c, sq.shape[3]))
    div = WindowSum.apply(sq, geom).reshape(input.shape)
    div = (div * (alpha / size) + k) ** beta
    return input / div

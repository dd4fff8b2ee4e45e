"""Dropout: ``F.dropout``, ``F.dropout1d/2d/3d``, ``F.alpha_dropout``, ``F.feature_alpha_dropout``.

The mask is drawn from ember's default generator (so ``ember.manual_seed`` fixes it) and
applied as one multiply, so the backward is the same mask.
"""
import math
import warnings

from ..._tensor import Tensor
from ...ops._util import inplace as _inplace
from ...ops.random import _rng

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

_make = Tensor._make


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input, shape, p):
    """A float mask (1 keep, 0 drop) of ``shape``, on ``input``'s device and dtype."""
    u = _rng(None).random(shape, dtype="float32" if input._data.dtype.itemsize <= 4
                          else "float64")
    m = (u >= p).astype(input._data.dtype)
    if not input.is_cpu:
        from ...backends import to_device

        m = to_device(m, input.device)
    return m


def _apply(input, mask_shape, p, inplace):
    if p == 1.0:
        fn = lambda x: x * 0.0  # noqa: E731
    else:
        m = _make(_keep_mask(input, mask_shape, p) * (1.0 / (1.0 - p)))
        fn = lambda x: x * m  # noqa: E731
    return _inplace(input, fn) if inplace else fn(input)


def dropout(input, p=0.5, training=True, inplace=False):
    r"""Zero each element with probability ``p`` and scale the rest by :math:`1/(1-p)`.

    Args:
        input (Tensor): any shape.
        p (float): drop probability. Default: 0.5
        training (bool): apply dropout only if ``True``. Default: ``True``
        inplace (bool): write into ``input``. Default: ``False``

    Example:
        >>> import ember
        >>> ember.nn.functional.dropout(ember.ones(3), 0.5, training=False)
        tensor([1., 1., 1.])
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply(input, input._data.shape, p, inplace)


def _feature_dropout(input, p, training, inplace, batched):
    """Drop whole channels: the mask has the leading (N, C) dims (or C) and 1 elsewhere."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    lead = 2 if batched else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    return _apply(input, shape, p, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    r"""Zero whole channels of an :math:`(N, C, L)` or :math:`(C, L)` input."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a "
                           f"{input.ndim}D input. Note that dropout1d exists to provide "
                           "channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, input.ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    r"""Zero whole channels of an :math:`(N, C, H, W)` input (PyTorch's 2-d/3-d behaviour
    and warnings included)."""
    _check_p(p)
    nd = input.ndim
    if nd not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _feature_dropout(input, p, training, inplace, True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    r"""Zero whole channels of an :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)` input."""
    _check_p(p)
    nd = input.ndim
    if nd not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout3d exists to provide "
            "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, nd != 4)


def _alpha(input, p, training, inplace, mask_shape):
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _inplace(input, lambda x: x * 0.0) if inplace else input * 0.0
    keep = _keep_mask(input, mask_shape, p)
    # dropped units go to SELU's negative saturation -alpha', then the affine map a*x + b
    # restores zero mean and unit variance (Klambauer et al., 2017; PyTorch's constants)
    alpha = 1.7580993408473766
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    mul = _make(keep * a)
    add = _make((keep - 1) * (alpha * a) + alpha * a * p)
    fn = lambda x: x * mul + add  # noqa: E731
    return _inplace(input, fn) if inplace else fn(input)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    r"""Dropout that keeps SELU's self-normalising mean and variance."""
    return _alpha(input, p, training, inplace, input._data.shape)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    r"""Alpha dropout of whole channels."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha(input, p, training, inplace, shape)

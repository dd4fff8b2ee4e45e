"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``."""
import math

from ..._tensor import Tensor
from ...backends import get_array_module

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]

_make = Tensor._make


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type`` norm of all ``tensors`` together (as one concatenated vector)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        from ...ops.creation import tensor

        return tensor(0.0)
    xp = get_array_module(tensors[0]._data)
    dt = tensors[0]._data.dtype
    if norm_type == math.inf:
        norms = [xp.abs(g._data).max() if g._data.size else xp.zeros((), dt) for g in tensors]
        total = xp.max(xp.stack([xp.asarray(n, dtype=dt) for n in norms]))
    elif norm_type == 0:
        total = xp.asarray(sum(float((g._data != 0).sum()) for g in tensors), dtype=dt)
    else:
        per = [((xp.abs(g._data) ** norm_type).sum()) ** (1.0 / norm_type) for g in tensors]
        total = (xp.stack([xp.asarray(n, dtype=dt) for n in per]) ** norm_type).sum() \
            ** (1.0 / norm_type)
    total = xp.asarray(total, dtype=dt)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return _make(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients in place by ``max_norm / (total_norm + 1e-6)`` if that is < 1."""
    grads = _grads(parameters)
    if not grads:
        return
    tn = total_norm._data if isinstance(total_norm, Tensor) else total_norm
    coef = float(max_norm) / (tn + 1e-6)
    xp = get_array_module(grads[0]._data)
    coef = xp.minimum(xp.asarray(coef), 1.0)
    import numpy as np

    with np.errstate(invalid="ignore"):  # inf * 0 = nan, as in PyTorch
        for g in grads:
            g._data *= coef.astype(g._data.dtype)
            g._version_counter[0] += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    r"""Rescale the gradients of ``parameters`` so their total norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector.

    Args:
        parameters (Tensor or iterable of Tensors): parameters whose ``.grad`` is rescaled.
        max_norm (float): the largest allowed norm.
        norm_type (float): p of the norm; ``inf`` for the max norm. Default: 2.0
        error_if_nonfinite (bool): raise if the total norm is nan or inf. Default: ``False``
        foreach (bool): accepted, ignored.

    Returns:
        Tensor: the total norm before clipping (0-d).

    Example:
        >>> import ember
        >>> p = ember.nn.Parameter(ember.ones(4))
        >>> p.grad = ember.full((4,), 2.)
        >>> ember.nn.utils.clip_grad_norm_([p], 1.0)
        tensor(4.)
        >>> p.grad
        tensor([0.5000, 0.5000, 0.5000, 0.5000])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                   foreach=None):
    """Deprecated alias of :func:`clip_grad_norm_` (warns)."""
    import warnings

    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    r"""Clamp every gradient of ``parameters`` to :math:`[-\text{clip\_value}, \text{clip\_value}]`
    in place.

    Example:
        >>> import ember
        >>> p = ember.nn.Parameter(ember.ones(2))
        >>> p.grad = ember.tensor([-3., 0.5])
        >>> ember.nn.utils.clip_grad_value_(p, 1.0)
        >>> p.grad
        tensor([-1.0000,  0.5000])
    """
    clip_value = float(clip_value)
    for g in _grads(parameters):
        xp = get_array_module(g._data)
        xp.clip(g._data, -clip_value, clip_value, out=g._data)
        g._version_counter[0] += 1

"""Selection: ``where`` (more selection ops are added by this family)."""
import numpy as np

from .._dtype import result_type
from ._util import Function, Tensor, _make, get_array_module, register, unbroadcast

__all__ = ["where"]


class Where(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, cond, x, y):
        xp = get_array_module(cond, x, y)
        ctx.cond = cond
        ctx.shapes = (np.shape(x), np.shape(y))
        return xp.where(cond, x, y)

    @staticmethod
    def backward(ctx, grad):
        # d where(c, x, y) = c dx + (1 - c) dy
        c = _make(ctx.cond)
        sx, sy = ctx.shapes
        zero = grad.new_zeros(())
        gx = unbroadcast(where(c, grad, zero), sx) if ctx.needs_input_grad[1] else None
        gy = unbroadcast(where(c, zero, grad), sy) if ctx.needs_input_grad[2] else None
        return None, gx, gy


def where(condition, input=None, other=None, *, out=None):
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (tensors or scalars).

    With only ``condition``, the tuple of indices where it is true (like ``nonzero``).

    Example:
        >>> import ember
        >>> ember.where(ember.tensor([True, False]), ember.tensor([1., 2.]), 0.)
        tensor([1., 0.])
    """
    if input is None and other is None:
        return tuple(_make(i) for i in get_array_module(condition._data).nonzero(
            condition._data))
    c = condition._data
    if c.dtype != np.bool_:
        if c.dtype == np.uint8:
            c = c.astype(bool)
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {condition.dtype.name.capitalize()}")
    dt = result_type(input, other)
    x = input.to(dt) if isinstance(input, Tensor) else _make(np.asarray(input, dtype=dt.np))
    y = other.to(dt) if isinstance(other, Tensor) else _make(np.asarray(other, dtype=dt.np))
    return Where.apply(_make(c), x, y)


register(where=lambda self, condition, other: where(condition, self, other))

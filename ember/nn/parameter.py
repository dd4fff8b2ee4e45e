"""``Parameter``: a Tensor that a Module registers as a learnable weight."""
from .._tensor import Tensor

__all__ = ["Parameter", "Buffer", "UninitializedParameter"]


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning it as a Module attribute registers it.

    Args:
        data (Tensor): the values (shared, not copied). Default: an empty tensor.
        requires_grad (bool): Default: ``True``.

    Example:
        >>> import ember
        >>> ember.nn.Parameter(ember.ones(2))
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
    """

    _is_param = True

    def __new__(cls, data=None, requires_grad=True):
        t = _share(cls, data)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (Tensor._make(self._data), self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = Parameter(Tensor._make(self._data.copy()), self._requires_grad)
        if self.grad is not None:
            new.grad = self.grad.clone()
        memo[id(self)] = new
        return new


def _share(cls, data):
    """A new ``cls`` instance on ``data``'s storage and version counter, with no history."""
    if data is None:
        from ..ops.creation import empty

        data = empty(0)
    t = object.__new__(cls)
    t._data = data._data
    t._requires_grad = False
    t._grad_fn = None
    t._output_nr = 0
    t.grad = None
    t._version_counter = data._version_counter
    t._base = None
    return t


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class UninitializedParameter(Parameter):
    """Placeholder for lazily-shaped parameters (not materialised by ember's layers)."""


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute."""

    def __new__(cls, data=None, *, persistent=True):
        t = _share(cls, data)
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent=True):
        pass

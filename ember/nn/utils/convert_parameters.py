"""Flatten parameters into one vector and back."""
from ..._tensor import Tensor
from ...ops.shape import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_device(param, old):
    dev = param.device
    if old is not None and dev != old:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return dev


def parameters_to_vector(parameters):
    """One 1-d tensor holding every parameter's values in order (differentiable).

    Example:
        >>> import ember
        >>> m = ember.nn.Linear(2, 3)
        >>> ember.nn.utils.parameters_to_vector(m.parameters()).shape
        ember.Size([9])
    """
    dev = None
    flat = []
    for p in parameters:
        dev = _check_same_device(p, dev)
        flat.append(p.reshape(-1))
    return cat(flat)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d ``vec`` into the parameters' data, in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    dev = None
    pointer = 0
    for p in parameters:
        dev = _check_same_device(p, dev)
        n = p.numel()
        p._data = vec._data[pointer:pointer + n].reshape(p._data.shape).astype(
            p._data.dtype, copy=True)
        p._version_counter[0] += 1
        pointer += n


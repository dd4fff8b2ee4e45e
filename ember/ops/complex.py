"""Complex parts and conjugation: ``real``, ``imag``, ``conj``, ``adjoint``.

For real tensors these are what PyTorch makes them: ``real``/``conj`` return the tensor itself,
``imag`` raises, ``adjoint`` is the matrix transpose. For complex tensors ``real``/``imag`` are
views (writes go through to the complex storage); ``conj`` is a copy here (PyTorch's is a lazy
view with a conjugate bit; ``is_conj()`` is therefore always False in ember).
"""
from ._util import Function, fwd, get_array_module, make_view, register

__all__ = ["real", "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg", "adjoint"]


class Real(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        ctx.dtype = x.dtype
        return x.real

    @staticmethod
    def backward(ctx, grad):
        # d real(z) = the real part: the gradient is grad + 0j
        return grad.to(_complex_of(ctx.dtype))


class Imag(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        return x.imag

    @staticmethod
    def backward(ctx, grad):
        # d imag(z): PyTorch's convention puts the gradient on the imaginary axis, grad * 1j
        return grad * 1j


class Conj(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, x):
        return get_array_module(x).conj(x)

    @staticmethod
    def backward(ctx, grad):
        # d conj(z) = conj(grad)
        return conj(grad)


def _complex_of(np_dtype):
    from .._dtype import _FROM_NP

    return _FROM_NP[np_dtype]


def real(input):
    """The real part: ``input`` itself for a real tensor, a view for a complex one.

    Example:
        >>> import ember
        >>> ember.tensor([1 + 2j, 3 - 1j]).real
        tensor([1., 3.])
    """
    if input._data.dtype.kind != "c":
        return input
    return make_view(fwd(Real, input), input, real)


def imag(input):
    """The imaginary part of a complex tensor (a view); real tensors raise, as in PyTorch.

    Example:
        >>> import ember
        >>> ember.tensor([1 + 2j, 3 - 1j]).imag
        tensor([ 2., -1.])
    """
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return make_view(fwd(Imag, input), input, imag)


def conj(input):
    """The complex conjugate (``input`` itself for a real tensor).

    Example:
        >>> import ember
        >>> ember.tensor([1 + 2j]).conj()
        tensor([1.-2.j])
    """
    if input._data.dtype.kind != "c":
        return input
    return fwd(Conj, input)


conj_physical = conj


def resolve_conj(input):
    """``input`` itself: ember's ``conj`` is never lazy."""
    return input


def resolve_neg(input):
    """``input`` itself: ember has no lazy negation."""
    return input


def _is_conj(self):
    return False


def _is_neg(self):
    return False


def adjoint(input):
    """The conjugate transpose of the last two dims (``mH``); 1-d tensors raise.

    Example:
        >>> import ember
        >>> ember.tensor([[1., 2.]]).adjoint()
        tensor([[1.],
                [2.]])
    """
    n = input._data.ndim
    if n == 1:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           "matrices. Got 1-D tensor.")
    if n == 0:
        import warnings

        warnings.warn("adjoint() is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=2)
        return conj(input)
    return conj(input.transpose(-2, -1))


def _set_real(self, value):
    real(self).copy_(value)


def _set_imag(self, value):
    imag(self).copy_(value)


register(real=property(real, _set_real), imag=property(imag, _set_imag), conj=conj,
         conj_physical=conj_physical, resolve_conj=resolve_conj, resolve_neg=resolve_neg,
         is_conj=_is_conj, is_neg=_is_neg, adjoint=adjoint)

"""Matrix products: matmul (batched, broadcasting, 1-d cases) and its named variants."""
from ._util import Function, Tensor, register, unbroadcast
from .elementwise import _prep

__all__ = ["matmul", "mm", "bmm", "mv", "dot"]


def _dims(s):
    return "x".join(str(n) for n in s)


class MatMul(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return a @ b
        except ValueError:
            raise RuntimeError(_mismatch(a.shape, b.shape)) from None

    @staticmethod
    def backward(ctx, grad):
        # d(A B) = dA B + A dB  =>  gA = G B^T, gB = A^T G (1-d operands as rows/columns)
        a, b = ctx.saved_tensors
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(g @ b2.mT, a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(a2.mT @ g, b2.shape).reshape(b.shape)
        return ga, gb


def _mismatch(sa, sb):
    if len(sa) == 1 and len(sb) == 1:
        return (f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have "
                f"the same number of elements, but got {sa[0]} and {sb[0]} elements respectively")
    if len(sa) <= 2 and len(sb) <= 2:
        ra = sa if len(sa) == 2 else (1,) + tuple(sa)
        rb = sb if len(sb) == 2 else tuple(sb) + (1,)
        return f"mat1 and mat2 shapes cannot be multiplied ({_dims(ra)} and {_dims(rb)})"
    return (f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{list(sa)[:-2]}, {sa[-1]}] but got: {list(sb)}. (matmul of shapes "
            f"{list(sa)} and {list(sb)})")


def matmul(input, other, *, out=None):
    """Matrix product with batch broadcasting; 1-d operands are vectors.

    Example:
        >>> import ember
        >>> ember.ones(2, 3) @ ember.ones(3)
        tensor([3., 3.])
    """
    if input._data.ndim == 0 or other._data.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{input._data.ndim}D and {other._data.ndim}D")
    a, b = _prep(input, other)
    return MatMul.apply(a, b)


def mm(input, mat2):
    """2-d matrix product."""
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix" if input._data.ndim != 2 else
                           "mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2):
    """Batched 3-d matrix product."""
    if input._data.ndim != 3 or mat2._data.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor" if input._data.ndim != 3 else
                           "batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: "
                           f"[{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(input, mat2)


def mv(input, vec):
    """Matrix-vector product."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, "
                           f"{vec._data.ndim}")
    return matmul(input, vec)


def dot(input, other):
    """Inner product of two 1-d tensors."""
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{other._data.ndim}D tensors")
    return matmul(input, other)


def _rmatmul(self, other):
    return matmul(other, self)


register(matmul=matmul, mm=mm, bmm=bmm, mv=mv, dot=dot, __matmul__=matmul,
         __rmatmul__=_rmatmul)
_ = Tensor

"""Matrix products: matmul (batched, broadcasting, 1-d cases) and its named variants, the
``add*`` fused forms, ``outer``/``inner``/``tensordot``/``kron``/``cross``, and ``einsum``.

``matmul`` and ``einsum`` are primitives (BLAS through NumPy); the rest are composites.
"""
import math

import numpy as _np

from .. import _dtype
from ._util import Function, Tensor, broadcast_shapes, fwd, inplace, register, unbroadcast, wrap_dim
from .einsum import einsum

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "inner", "addmm",
           "addmv", "addbmm", "baddbmm", "addr", "tensordot", "kron", "cross", "einsum"]

_CNAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
          "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
          "bool": "bool"}


def _dims(s):
    return "x".join(str(n) for n in s)


class MatMul(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        # d(A B) = dA B + A dB  =>  gA = G B^T, gB = A^T G (1-d operands as rows/columns)
        a, b = ctx.saved_tensors
        if a.ndim == 1 and b.ndim == 1:  # dot product: d(a.b) = b da + a db
            return (grad * b if ctx.needs_input_grad[0] else None,
                    grad * a if ctx.needs_input_grad[1] else None)
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


def _check_matmul(sa, sb):
    """Raise PyTorch's message when ``sa @ sb`` does not fit (shapes as tuples)."""
    na, nb = len(sa), len(sb)
    if na == 1 and nb == 1:
        if sa[0] != sb[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have "
                f"the same number of elements, but got {sa[0]} and {sb[0]} elements "
                "respectively")
        return
    if nb == 1:  # matrix (or folded batch) @ vector
        if sa[-1] != sb[0]:
            rows = math.prod(sa[:-1])
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), "
                               f"vec ({sb[0]})")
        return
    if nb == 2 and na != 1 or na == 1 and nb == 2:  # folded matrix @ matrix
        ra = (math.prod(sa[:-1]), sa[-1]) if na > 1 else (1, sa[0])
        if ra[1] != sb[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(ra)} and "
                               f"{_dims(sb)})")
        return
    batch = broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2]))
    k = sa[-1]
    if k != sb[-2]:
        bp = math.prod(batch)
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{bp}, {k}] but got: [{bp}, {sb[-2]}].")


def _same_dtype(a, b, batched):
    if a._data.dtype != b._data.dtype:
        if batched:
            raise RuntimeError(f"expected scalar type {a._type_name()[6:-6]} but found "
                               f"{b._type_name()[6:-6]}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_CNAME.get(a.dtype.name, a.dtype.name)} != "
                           f"{_CNAME.get(b.dtype.name, b.dtype.name)}")


def matmul(input, other, *, out=None):
    """Matrix product with batch broadcasting; 1-d operands are vectors.

    Example:
        >>> import ember
        >>> ember.ones(2, 3) @ ember.ones(3)
        tensor([3., 3.])
    """
    na, nb = input._data.ndim, other._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    _check_matmul(input._data.shape, other._data.shape)
    _same_dtype(input, other, na > 2 or nb > 2)
    return fwd(MatMul, input, other)


def mm(input, mat2, *, out=None):
    """2-d matrix product.

    Example:
        >>> import ember
        >>> ember.mm(ember.ones(2, 3), ember.ones(3, 1)).shape
        ember.Size([2, 1])
    """
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2, *, out=None):
    """Batched 3-d matrix product (no broadcasting)."""
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    sa, sb = input._data.shape, mat2._data.shape
    if sa[0] != sb[0] or sa[2] != sb[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[0]}, {sa[2]}] but got: [{sb[0]}, {sb[1]}].")
    _same_dtype(input, mat2, True)
    return fwd(MatMul, input, mat2)


def mv(input, vec, *, out=None):
    """Matrix-vector product."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    if input._data.dtype != vec._data.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{vec._type_name()[6:-6]}, {input._type_name()[6:-6]}, and "
                           f"{vec._type_name()[6:-6]}")
    return matmul(input, vec)


def dot(input, other, *, out=None):
    """Inner product of two 1-d tensors."""
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{other._data.ndim}D tensors")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input._type_name()[6:-6]} and {other._type_name()[6:-6]}")
    return matmul(input, other)


def vdot(input, other, *, out=None):
    """Dot product of two 1-d tensors (conjugating the first; real tensors: ``dot``)."""
    return dot(input, other)


def outer(input, vec2, *, out=None):
    """Outer product ``input[i] * vec2[j]`` of two 1-d tensors.

    Example:
        >>> import ember
        >>> ember.outer(ember.tensor([1, 2]), ember.tensor([1, 10]))
        tensor([[ 1, 10],
                [ 2, 20]])
    """
    if input._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._data.ndim}-D")
    if vec2._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


def inner(input, other, *, out=None):
    """Sum of products over the last dimension of both tensors (a product with a 0-d one)."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    sa, sb = input._data.shape, other._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(sa)} and {list(sb)}")
    return tensordot(input, other, ([-1], [-1]))


def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` (an int: the last of ``a`` with the first of ``b``; or two lists).

    Composite: permute both to (free, contracted) / (contracted, free), reshape, one ``mm``.
    """
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, int) or hasattr(dims, "__index__") and not isinstance(dims, Tensor):
        n = int(dims)
        if n < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={n}")
        da, db = list(range(-n, 0)), list(range(n))
    else:
        da, db = dims
        da = [int(d) for d in (da.tolist() if isinstance(da, Tensor) else
                               ([da] if isinstance(da, int) else da))]
        db = [int(d) for d in (db.tolist() if isinstance(db, Tensor) else
                               ([db] if isinstance(db, int) else db))]
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    for x, y in zip(da, db):
        sx, sy = a._data.shape[wrap_dim(x, na)], b._data.shape[wrap_dim(y, nb)]
        if sx != sy:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sx} "
                               f"in dim {x} and second has size {sy} in dim {y}")
    ca = [wrap_dim(d, na) for d in da]
    cb = [wrap_dim(d, nb) for d in db]
    fa = [d for d in range(na) if d not in ca]
    fb = [d for d in range(nb) if d not in cb]
    sa = [a._data.shape[d] for d in fa]
    sb = [b._data.shape[d] for d in fb]
    k = math.prod(a._data.shape[d] for d in ca)
    am = a.permute(fa + ca).reshape(math.prod(sa), k)
    bm = b.permute(cb + fb).reshape(k, math.prod(sb))
    return matmul(am, bm).reshape(sa + sb)


def _scaled(t, s):
    return t if s == 1 else t * s


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)`` (``input`` ignored when ``beta == 0``)."""
    if mat1._data.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1._data.ndim}-D tensor")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2._data.ndim}-D tensor")
    return _add_scaled(input, matmul(mat1, mat2), beta, alpha)


def _add_scaled(input, prod, beta, alpha):
    broadcast_shapes(input._data.shape, prod._data.shape)
    prod = _scaled(prod, alpha)
    if beta == 0:
        # input is ignored, NaN included (not 0 * input); it still gets a (zero) gradient
        from .creation import ones
        from .selection import where

        return where(ones((), dtype=_dtype.bool), prod, input)
    return _scaled(input, beta) + prod


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``."""
    return _add_scaled(input, mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``."""
    return _add_scaled(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (batch1 @ batch2)`` for 3-d batches."""
    return _add_scaled(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_b (batch1[b] @ batch2[b])``."""
    return _add_scaled(input, bmm(batch1, batch2).sum(0), beta, alpha)


def kron(input, other, *, out=None):
    """Kronecker product: blocks ``input[i] * other``."""
    na, nb = input._data.ndim, other._data.ndim
    n = max(na, nb)
    sa = (1,) * (n - na) + tuple(input._data.shape)
    sb = (1,) * (n - nb) + tuple(other._data.shape)
    ia, ib = [], []
    for x, y in zip(sa, sb):
        ia += [x, 1]
        ib += [1, y]
    prod = input.reshape(ia) * other.reshape(ib)
    return prod.reshape([x * y for x, y in zip(sa, sb)])


def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along ``dim`` (the first dim of size 3 if None)."""
    if input._data.ndim != other._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = broadcast_shapes(input._data.shape, other._data.shape)
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    d = wrap_dim(dim, len(shape))
    na, nb = input._data.shape[d - len(shape)], other._data.shape[d - len(shape)]
    if na != 3 or nb != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{na} and {nb}")

    # (a x b)_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1}
    a1, a2 = input.roll(-1, d), input.roll(-2, d)
    b1, b2 = other.roll(-1, d), other.roll(-2, d)
    return a1 * b2 - a2 * b1


def _matmul(self, other):
    # ``tensor @ ndarray`` gives a tensor in PyTorch (NumPy computes it: float32 @ float64 is
    # float64), so the operands meet in their promoted dtype
    if isinstance(other, _np.ndarray):
        other = Tensor._make(_np.asarray(other))
        dt = _dtype._FROM_NP[_np.promote_types(self._data.dtype, other._data.dtype)]
        return matmul(self.to(dt), other.to(dt))
    return matmul(self, other)


def _rmatmul(self, other):
    # ``ndarray @ tensor`` raises TypeError in PyTorch (see elementwise._radd)
    if isinstance(other, _np.ndarray):
        return NotImplemented
    return matmul(other, self)


register(matmul=matmul, mm=mm, bmm=bmm, mv=mv, dot=dot, vdot=vdot, outer=outer, ger=ger,
         inner=inner, addmm=addmm, addmv=addmv, addr=addr, baddbmm=baddbmm, addbmm=addbmm,
         kron=kron, cross=cross, __matmul__=_matmul, __rmatmul__=_rmatmul,
         addmm_=lambda self, m1, m2, *, beta=1, alpha=1:
         inplace(self, addmm, m1, m2, beta=beta, alpha=alpha),
         baddbmm_=lambda self, b1, b2, *, beta=1, alpha=1:
         inplace(self, baddbmm, b1, b2, beta=beta, alpha=alpha))

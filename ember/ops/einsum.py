"""``einsum``: parse the equation (ellipsis, implicit output, PyTorch's errors), normalise the
operands with differentiable ops, then one primitive on ``xp.einsum``.

Normalisation makes the primitive's backward a plain einsum: repeated subscripts within an
operand become a ``diagonal``, size-1 dims are ``expand``-ed to the common size, and subscripts
that appear in one operand only (and not in the output) are summed out. After that every
subscript of an operand occurs in the output or in another operand, so the gradient of
operand k is ``einsum(out, others -> sub_k)`` of the incoming gradient and the other operands.
"""
import string

from .. import _dtype
from ._util import Function, Tensor, get_array_module

__all__ = ["einsum"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


class Einsum(Function):
    _array_forward = True

    @staticmethod
    def forward(ctx, *ops, subs, out):
        ctx.subs, ctx.out = subs, out
        ctx.save_for_backward(*ops)
        eq = ",".join(subs) + "->" + out
        return get_array_module(*ops).einsum(eq, *ops, optimize=len(ops) > 1)

    @staticmethod
    def backward(ctx, grad):
        # d/d op_k of einsum(subs -> out) = einsum(out, subs_j (j != k) -> subs_k)
        ops = ctx.saved_tensors
        grads = []
        for k, sub in enumerate(ctx.subs):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(ctx.subs) if j != k]
            eq = ",".join([ctx.out] + others) + "->" + sub
            grads.append(einsum(eq, grad, *[o for j, o in enumerate(ops) if j != k]))
        return tuple(grads)


def _parse(equation, operands):
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    in_subs = lhs.split(",")
    if len(in_subs) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(in_subs) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for k, (s, op) in enumerate(zip(in_subs, operands)):
        letters = s.replace("...", "")
        for c in letters:
            if not c.isalpha():
                raise RuntimeError(f"einsum(): invalid subscript given at index "
                                   f"{eq.index(c)} in the equation string, subscripts must be "
                                   "in [a-zA-Z]")
        nd = op._data.ndim
        if "..." in s:
            if nd < len(letters):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(letters)}) is more than the number of dimensions "
                                   f"({nd}) for operand {k}")
            n_ell = max(n_ell, nd - len(letters))
        elif nd != len(letters):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                               f"({len(letters)}) does not match the number of dimensions ({nd}) "
                               f"for operand {k} and no ellipsis was given")
    ell = "".join(spare[:n_ell])
    subs = []
    for s, op in zip(in_subs, operands):
        if "..." in s:
            e = op._data.ndim - len(s.replace("...", ""))
            s = s.replace("...", ell[n_ell - e:])
        subs.append(s)
    if arrow:
        out = rhs.replace("...", ell)
        for c in out:
            if not any(c in s for s in subs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   "the output")
    else:
        counts = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return subs, out


def _sizes(subs, operands):
    size = {}
    for k, (s, op) in enumerate(zip(subs, operands)):
        for c, n in zip(s, op._data.shape):
            prev = size.get(c)
            if prev is None or prev == 1:
                size[c] = n
            elif n != 1 and n != prev:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {prev}")
    return size


def _normalise(sub, op, size, keep):
    """Diagonals for repeated subscripts, expand size-1 dims, sum out private subscripts."""
    while len(set(sub)) != len(sub):
        c = next(c for c in sub if sub.count(c) > 1)
        i = sub.index(c)
        j = sub.index(c, i + 1)
        op = op.diagonal(0, i, j)
        sub = sub[:i] + sub[i + 1:j] + sub[j + 1:] + c
    target = tuple(size[c] for c in sub)
    if tuple(op._data.shape) != target:
        op = op.expand(target)
    private = [i for i, c in enumerate(sub) if c not in keep]
    if private:
        op = op.sum(tuple(private))
        sub = "".join(c for c in sub if c in keep)
    return sub, op


def einsum(equation, *operands):
    """Sum of products over the subscripts of ``equation`` (NumPy's notation, with ``...``).

    Example:
        >>> import ember
        >>> a, b = ember.ones(2, 3), ember.ones(3, 4)
        >>> ember.einsum('ij,jk->ik', a, b).shape
        ember.Size([2, 4])
        >>> ember.einsum('ii', ember.eye(3))
        tensor(3.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for o in operands:
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): operands must be Tensors, got {type(o).__name__}")
    dt = operands[0].dtype
    for o in operands[1:]:
        if o.dtype is not dt:
            raise RuntimeError(f"expected scalar type {operands[0]._type_name()[6:-6]} but "
                               f"found {o._type_name()[6:-6]}")
    subs, out = _parse(equation, operands)
    size = _sizes(subs, operands)
    norm_subs, norm_ops = [], []
    for k, (s, op) in enumerate(zip(subs, operands)):
        keep = set(out)
        for j, t in enumerate(subs):
            if j != k:
                keep |= set(t)
        s, op = _normalise(s, op, size, keep)
        norm_subs.append(s)
        norm_ops.append(op)
    if dt is _dtype.bool:
        norm_ops = [o.to(_dtype.int64) for o in norm_ops]
        return Einsum.apply(*norm_ops, subs=tuple(norm_subs), out=out).to(_dtype.bool)
    return Einsum.apply(*norm_ops, subs=tuple(norm_subs), out=out)

"""Linear maps and distances: ``F.linear``, ``F.bilinear``, ``F.normalize``, ``F.one_hot``,
``F.cosine_similarity``, ``F.pairwise_distance``, ``F.pdist``."""
from ..._tensor import Tensor
from ...autograd.function import Function
from ...backends import get_array_module
from ...backends._blas import gemm_threads
from ...ops._util import _short, _state, fwd
from . import _prims

__all__ = ["linear", "bilinear", "normalize", "one_hot", "cosine_similarity",
           "pairwise_distance", "pdist"]

_make = Tensor._make


def _dims(shape):
    return "x".join(str(n) for n in shape)


class Linear(Function):
    """``y = x W^T + b`` as one primitive: one BLAS product, bias added in place (speed)."""

    _array_forward = True

    @staticmethod
    def forward(ctx, x, w, b=None):
        xp = get_array_module(x)
        if x.shape[-1] != w.shape[-1]:
            rows = x.size // x.shape[-1] if x.shape[-1] else x.size
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({_dims((rows if x.ndim > 1 else 1, x.shape[-1]))} and "
                               f"{_dims(w.T.shape)})")
        with gemm_threads(2 * x.size * w.shape[0]):  # every core only for a large product
            if x.ndim == 2 and x.shape[0] >= 16:
                # (W x^T)^T: OpenBLAS runs this layout ~13% faster than x W^T for a batch of
                # rows (same values), and one copy makes the result C-contiguous again
                out = xp.ascontiguousarray(xp.matmul(w, x.T).T)
            else:
                out = xp.matmul(x, w.T)
        if b is not None:
            out += b
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        # dy = dx W^T + x dW^T + db  =>  gx = G W, gW = G^T x, gb = sum G
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        if not _state[0]:
            return _linear_grads_arrays(grad._data, x._data, w._data, need)
        gx = grad @ w if need[0] else None
        gw = gb = None
        if need[1] or (len(need) > 2 and need[2]):
            g2 = grad.reshape(-1, grad.shape[-1]) if grad.ndim != 2 else grad
            if need[1]:
                x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
                gw = g2.mT @ x2 if g2.ndim == 2 else g2.reshape(-1, 1) @ x2.reshape(1, -1)
            if len(need) > 2 and need[2]:
                gb = g2.sum(0)
        return gx, gw, gb


def _linear_grads_arrays(g, x, w, need):
    """The backward above on arrays, when no graph is recorded (speed: the same products
    without a Tensor op per product)."""
    gx = gw = gb = None
    g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
    with gemm_threads(2 * g.size * w.shape[-1]):  # each product has this many flops
        if need[0]:
            gx = _make(g @ w)
        if need[1]:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = _make(g2.T @ x2)
    if len(need) > 2 and need[2]:
        gb = _make(g2.sum(axis=(0,)))
    return gx, gw, gb


def linear(input, weight, bias=None):
    r""":math:`y = x W^T + b`.

    Args:
        input: :math:`(*, in\_features)`.
        weight: :math:`(out\_features, in\_features)` or :math:`(in\_features)`.
        bias: :math:`(out\_features)` or ``()``. Default: ``None``.

    Example:
        >>> import ember
        >>> F = ember.nn.functional
        >>> F.linear(ember.ones(2, 3), ember.ones(4, 3), ember.zeros(4)).shape
        ember.Size([2, 4])
    """
    if weight.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{weight.ndim}D")
    if weight.ndim == 1:
        out = input @ weight
        return out + bias if bias is not None else out
    if input.dtype != weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_short(input.dtype)} and {_short(weight.dtype)}")
    if input.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D "
                           f"and {weight.ndim}D")
    if bias is None:
        return fwd(Linear, input, weight)
    return fwd(Linear, input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    r""":math:`y_k = x_1^T A_k x_2 + b_k` for ``weight`` :math:`(out, in1, in2)`."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    for d, (a, b) in enumerate(zip(input1.shape[:-1], input2.shape[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: "
                               f"got {a} and {b}")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {in2}")
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (n, in1) @ (in1, out*in2) -> (n, out, in2), then contract in2 with x2
    t = (x1 @ weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    y = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(tuple(lead) + (out_f,))


def _check_float_norm(x):
    if x._data.dtype.kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_short(x.dtype)}")


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    r""":math:`v / \max(\|v\|_p, \epsilon)` along ``dim``."""
    _check_float_norm(input)
    norm = _prims.PNorm.apply(input, p, dim % max(input.ndim, 1), True)
    return input / _prims.clamp_min(norm, eps).expand_as(input)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    r""":math:`\frac{x_1 \cdot x_2}{\max(\|x_1\|_2, \epsilon) \max(\|x_2\|_2, \epsilon)}`."""
    from ...ops._util import broadcast_shapes

    if x1._data.dtype.kind not in "fc" and x2._data.dtype.kind not in "fc":
        from ..._dtype import result_type

        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{_short(result_type(x1, x2))}")
    shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    d = dim % max(len(shape), 1)
    x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = _prims.clamp_min(_prims.PNorm.apply(x1, 2.0, d, True), eps)
    n2 = _prims.clamp_min(_prims.PNorm.apply(x2, 2.0, d, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(d)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    r""":math:`\|x_1 - x_2 + \epsilon\|_p` over the last dimension."""
    diff = x1 - x2 + eps
    return _prims.PNorm.apply(diff, p, diff.ndim - 1 if diff.ndim else 0, keepdim)


def pdist(input, p=2.0):
    r"""Distances between every pair of rows of an ``(N, M)`` input (upper triangle, row-major)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    n = input.shape[0]
    xp = get_array_module(input._data)
    i, j = xp.triu_indices(n, 1)
    diff = input[_make(i)] - input[_make(j)]
    return _prims.PNorm.apply(diff, p, 1, False)


def one_hot(tensor, num_classes=-1):
    r"""An int64 tensor with a 1 at each index of ``tensor`` along a new last dimension.

    Example:
        >>> import ember
        >>> ember.nn.functional.one_hot(ember.tensor([0, 2]))
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    a = tensor._data
    if a.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = get_array_module(a)
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size and int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if a.size and int(a.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (a[..., None] == xp.arange(num_classes)).astype(xp.int64)
    return _make(out)

"""Convolutions: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``.

Argument checking with PyTorch's messages lives here; the math is in ``ember.ops.conv``
(im2col plus one GEMM, backward through the same primitives so double backward works).
"""
import collections.abc
import itertools

from ...ops.conv import Conv, ConvTranspose

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]


def _ntuple(n):
    """A parser of module arguments: an iterable as a tuple, anything else repeated n times."""
    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(itertools.repeat(x, n))

    return parse


def _tuple_n(v, n):
    v = tuple(v) if isinstance(v, (tuple, list)) else (v,) * n
    if len(v) == 1 and n > 1:
        v = v * n
    return tuple(int(a) for a in v)


def _check_rank(input, nd, name):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    return input.dim() == nd + 1


def _check_types(input, weight, bias):
    if input.dtype != weight.dtype:
        raise RuntimeError(f"expected scalar type {_tname(input)} but found {_tname(weight)}")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({_tname(input).lower()}) and bias type "
                           f"({_tname(bias).lower()}) should be the same")


def _tname(t):
    return t._type_name().replace("Tensor", "")


def _check_geometry(stride, padding, dilation):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if padding is not None and any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")


def _check_bias(weight, bias, out_channels):
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size "
                           f"{list(bias.shape)} instead")


def _same_pads(ksize, dilation):
    """'same' padding: total d*(k-1) per dim, the odd element on the high side (as PyTorch)."""
    pads = []
    for k, d in zip(ksize, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


# Argument checks and normalisation of a call that passed them once, keyed by everything they
# read (shapes, dtypes, geometry): a batch-1 forward spent a third of its time in them.
_checked = {}


def _convnd(nd, input, weight, bias, stride, padding, dilation, groups):
    xa, wa = input._data, weight._data
    try:
        key = (nd, xa.shape, xa.dtype, wa.shape, wa.dtype, stride, padding, dilation, groups,
               None if bias is None else (bias._data.shape, bias._data.dtype))
        hit = _checked.get(key)
    except TypeError:  # lists: not hashable, take the long way
        key = hit = None
    if hit is not None:
        stride, pads, dilation, unbatched = hit
        if unbatched:
            return Conv.apply(input.unsqueeze(0), weight, bias, stride, pads, dilation,
                              groups).squeeze(0)
        return Conv.apply(input, weight, bias, stride, pads, dilation, groups)
    out, geom = _convnd_checked(nd, input, weight, bias, stride, padding, dilation, groups)
    if key is not None:
        if len(_checked) > 512:
            _checked.clear()
        _checked[key] = geom
    return out


def _convnd_checked(nd, input, weight, bias, stride, padding, dilation, groups):
    name = f"conv{nd}d"
    unbatched = _check_rank(input, nd, name)
    if unbatched:
        input = input.unsqueeze(0)
    _check_types(input, weight, bias)
    stride, dilation = _tuple_n(stride, nd), _tuple_n(dilation, nd)
    ksize = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_pads(ksize, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        _check_geometry(stride, None, dilation)
    else:
        padding = _tuple_n(padding, nd)
        _check_geometry(stride, padding, dilation)
        pads = tuple((p, p) for p in padding)
    o = weight.shape[0]
    if weight.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input "
                           f"{list(input.shape)}, but got {weight.dim()}-dimensional weight of "
                           f"size {list(weight.shape)} instead")
    if o % groups != 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{list(weight.shape)}] "
                           "instead")
    if input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(input.shape)} to have "
                           f"{weight.shape[1] * groups} channels, but got {input.shape[1]} "
                           "channels instead")
    _check_bias(weight, bias, o)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(input.shape[2:], pads))
    if any(p < d * (k - 1) + 1 for p, k, d in zip(padded, ksize, dilation)):
        eff = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation))
        sizes = " x ".join(map(str, padded))
        raise RuntimeError(f"Calculated padded input size per channel: ({sizes}"
                           f"). Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be "
                           "greater than actual input size")
    out = Conv.apply(input, weight, bias, stride, pads, dilation, groups)
    return (out.squeeze(0) if unbatched else out), (stride, pads, dilation, unbatched)


def _conv_transposend(nd, input, weight, bias, stride, padding, output_padding, groups,
                      dilation, output_size=None):
    name = f"conv_transpose{nd}d"
    unbatched = _check_rank(input, nd, name)
    if unbatched:
        input = input.unsqueeze(0)
    _check_types(input, weight, bias)
    stride, dilation = _tuple_n(stride, nd), _tuple_n(dilation, nd)
    padding, output_padding = _tuple_n(padding, nd), _tuple_n(output_padding, nd)
    _check_geometry(stride, padding, dilation)
    if weight.shape[0] != input.shape[1]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {weight.shape[0]} channels, but "
                           f"got {input.shape[1]} channels instead")
    if weight.shape[0] % groups != 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{list(weight.shape)}] "
                           "instead")
    c = weight.shape[1] * groups
    _check_bias(weight, bias, c)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        names = "hw" if nd == 2 else ("w" if nd == 1 else "dhw")
        dims = {"h": "height", "w": "width", "d": "depth"}
        parts = [f"output_padding_{dims[a]}: {v}" for a, v in zip(names, output_padding)]
        parts += [f"stride_{dims[a]}: {v}" for a, v in zip(names, stride)]
        parts += [f"dilation_{dims[a]}: {v}" for a, v in zip(names, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           "got " + " ".join(parts))
    ksize = tuple(weight.shape[2:])
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in
                 zip(input.shape[2:], stride, padding, dilation, ksize, output_padding))
    if any(n <= 0 for n in size):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, input.shape[2:]))}"
                           f"). Calculated output size per channel: ({' x '.join(map(str, size))}"
                           "). Output size is too small")
    pads = tuple((p, p) for p in padding)
    out = ConvTranspose.apply(input, weight, bias, stride, pads, dilation, groups, size)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over an input of shape (N, C_in, L) or (C_in, L).

    Args:
        input (Tensor): (N, C_in, L).
        weight (Tensor): (C_out, C_in / groups, kL).
        bias (Tensor, optional): (C_out,). Default: ``None``.
        stride, padding, dilation: int or 1-tuple; ``padding`` may be ``'valid'`` or
            ``'same'``. Defaults: 1, 0, 1.
        groups (int): Default: 1.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.conv1d(ember.ones(1, 2, 5), ember.ones(3, 2, 3)).shape
        ember.Size([1, 3, 3])
    """
    return _convnd(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""2-D convolution (cross-correlation) over an input of shape (N, C_in, H, W).

    .. math::
        \text{out}(N_i, C_{out_j}) = \text{bias}(C_{out_j}) +
        \sum_{k} \text{weight}(C_{out_j}, k) \star \text{input}(N_i, k)

    Args:
        input (Tensor): (N, C_in, H, W) or (C_in, H, W).
        weight (Tensor): (C_out, C_in / groups, kH, kW).
        bias (Tensor, optional): (C_out,). Default: ``None``.
        stride (int or tuple): Default: 1.
        padding (int, tuple or str): zeros added on both sides, or ``'valid'``/``'same'``.
            Default: 0.
        dilation (int or tuple): spacing between kernel taps. Default: 1.
        groups (int): Default: 1.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.conv2d(ember.ones(1, 1, 3, 3), ember.ones(1, 1, 2, 2))
        tensor([[[[4., 4.],
                  [4., 4.]]]])
    """
    return _convnd(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over an input of shape (N, C_in, D, H, W).

    Args: as :func:`conv2d`, with 3-tuples.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.conv3d(ember.ones(1, 1, 3, 3, 3), ember.ones(2, 1, 2, 2, 2)).shape
        ember.Size([1, 2, 2, 2, 2])
    """
    return _convnd(3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution (the gradient of :func:`conv1d` w.r.t. its input).

    Args:
        input (Tensor): (N, C_in, L).
        weight (Tensor): (C_in, C_out / groups, kL).
        bias (Tensor, optional): (C_out,).
        stride, padding, output_padding, groups, dilation: as :func:`conv_transpose2d`.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.conv_transpose1d(ember.ones(1, 2, 3), ember.ones(2, 1, 2), stride=2).shape
        ember.Size([1, 1, 6])
    """
    return _conv_transposend(1, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution ("deconvolution") over an input of shape (N, C_in, H, W).

    Output size per dim: ``(in - 1) * stride - 2 * padding + dilation * (k - 1) +
    output_padding + 1``.

    Args:
        input (Tensor): (N, C_in, H, W) or (C_in, H, W).
        weight (Tensor): (C_in, C_out / groups, kH, kW).
        bias (Tensor, optional): (C_out,). Default: ``None``.
        stride (int or tuple): Default: 1.
        padding (int or tuple): ``dilation * (k - 1) - padding`` zeros pad the implicit
            input. Default: 0.
        output_padding (int or tuple): extra size added to one side of the output.
            Default: 0.
        groups (int): Default: 1.
        dilation (int or tuple): Default: 1.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.conv_transpose2d(ember.ones(1, 1, 2, 2), ember.ones(1, 1, 2, 2))
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    return _conv_transposend(2, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution over an input of shape (N, C_in, D, H, W).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.conv_transpose3d(ember.ones(1, 1, 2, 2, 2), ember.ones(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 3, 3, 3])
    """
    return _conv_transposend(3, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)




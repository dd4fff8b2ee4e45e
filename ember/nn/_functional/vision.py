"""Spatial functions: ``pad``, ``interpolate``/``upsample*``, ``pixel_(un)shuffle``,
``unfold``/``fold``, ``grid_sample`` and ``affine_grid``.

Resampling is separable: nearest neighbour gathers along each axis (``AxisGather``), linear and
cubic interpolation multiply each axis by a small (out, in) weight matrix, so the gradients
come from ``matmul``. ``grid_sample`` is written in Tensor ops over the four gathered corners.
"""
import math

import numpy as np

from ..._tensor import Tensor
from ...backends import get_array_module
from ...ops.conv import Fold, Unfold, out_size
from ...ops.creation import tensor as _tensor
from ...ops.pad import AxisGather, ConstantPad
from ...ops.pool import TakePlane
from .conv import _tuple_n

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "pixel_shuffle", "pixel_unshuffle", "unfold", "fold", "grid_sample", "affine_grid"]

_make = Tensor._make
_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_index(n, lo, hi, mode, dim, input, pad):
    j = np.arange(-lo, n + hi)
    if mode == "reflect":
        if lo >= n or hi >= n:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension "
                               f"{dim} of input {list(input.shape)}")
        j = np.abs(j)
        return np.where(j > n - 1, 2 * (n - 1) - j, j)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if lo > n or hi > n:
        raise RuntimeError("Padding value causes wrapping around more than once.")
    return j % n


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left_last, right_last, left_prev, ...)``.

    Args:
        input (Tensor): N-dimensional tensor.
        pad (tuple): even-length widths, last dim first; negative widths crop (constant mode).
        mode (str): ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
            Default: ``'constant'``.
        value (float, optional): fill value for ``'constant'``. Default: 0.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.pad(ember.tensor([[1., 2., 3.]]), (2, 1), mode="reflect")
        tensor([[3., 2., 1., 2., 3., 2.]])
    """
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.dim()
    if len(pad) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    k = len(pad) // 2
    pairs = [(0, 0)] * (nd - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    if mode == "constant":
        return ConstantPad.apply(input, tuple(pairs), 0 if value is None else value)
    if value is not None and value != 0:
        raise NotImplementedError(f"Padding mode \"{mode}\" doesn't take in value argument.")
    if not (1 <= k <= 3 and nd in (k + 1, k + 2)):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported "
            "combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads "
            "last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  "
            "- 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    out = input
    for dim in range(nd - k, nd):
        lo, hi = pairs[dim]
        if lo == 0 and hi == 0:
            continue
        idx = _pad_index(input.shape[dim], lo, hi, mode, dim, input, pad)
        out = AxisGather.apply(out, idx, dim)
    return out if out is not input else input * 1


# ----------------------------------------------------------------------------- resampling
def _scales(input, nd, size, scale_factor, recompute):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    spatial = tuple(input.shape[2:])
    if size is not None:
        osize = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nd
        if len(osize) != nd:
            raise ValueError(f"Input and output must have the same number of spatial dimensions,"
                             f" but got input with spatial dimensions of {list(spatial)} and "
                             f"output size of {list(osize)}. Please provide input tensor in "
                             "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             "format.")
        return tuple(int(o) for o in osize), (None,) * nd
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    sf = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nd
    osize = tuple(int(math.floor(float(n) * s)) for n, s in zip(spatial, sf))
    return osize, ((None,) * nd if recompute else tuple(float(s) for s in sf))


def _src_scale(n, o, align_corners, sf):
    if align_corners:
        return (n - 1) / (o - 1) if o > 1 else 0.0
    return 1.0 / sf if sf is not None and sf > 0 else n / o


def _nearest_index(n, o, sf, exact):
    scale = np.float32(_src_scale(n, o, False, sf))
    j = np.arange(o, dtype=np.float32)
    src = np.floor((j + np.float32(0.5)) * scale if exact else j * scale).astype(np.int64)
    return np.minimum(src, n - 1)


def _linear_matrix(n, o, align_corners, sf, dtype):
    scale = _src_scale(n, o, align_corners, sf)
    j = np.arange(o, dtype=np.float64)
    src = j * scale if align_corners else np.maximum((j + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    lam = src - i0
    m = np.zeros((o, n))
    np.add.at(m, (np.arange(o), i0), 1.0 - lam)
    np.add.at(m, (np.arange(o), i1), lam)
    return m.astype(dtype)


def _cubic_matrix(n, o, align_corners, sf, dtype):
    a = -0.75
    scale = _src_scale(n, o, align_corners, sf)
    j = np.arange(o, dtype=np.float64)
    src = j * scale if align_corners else (j + 0.5) * scale - 0.5
    i0 = np.floor(src).astype(np.int64)
    t = src - i0

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    coeffs = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    m = np.zeros((o, n))
    for k, c in enumerate(coeffs):
        np.add.at(m, (np.arange(o), np.clip(i0 - 1 + k, 0, n - 1)), c)
    return m.astype(dtype)


def _along(x, axis, m):
    """Multiply axis ``axis`` of ``x`` by the (out, in) matrix ``m``."""
    mt = _tensor(np.ascontiguousarray(m.T), device=x.device)
    return (x.transpose(axis, -1) @ mt).transpose(axis, -1)


_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample the spatial dims of (N, C, *S) to ``size`` or ``S * scale_factor``.

    Args:
        input (Tensor): (N, C, L), (N, C, H, W) or (N, C, D, H, W).
        size (int or tuple, optional): output spatial size.
        scale_factor (float or tuple, optional): multiplier for the spatial size.
        mode (str): ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``,
            ``'bicubic'``, ``'trilinear'`` or ``'area'``. Default: ``'nearest'``.
        align_corners (bool, optional): for the interpolating modes, map the corner pixels'
            centres onto each other. Default: ``False``.
        recompute_scale_factor (bool, optional): derive the scale from the output size.
        antialias (bool): not supported (must be ``False``).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.interpolate(ember.tensor([[[1., 2.]]]), scale_factor=2, mode="linear")
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    nd = input.dim() - 2
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if mode in _MODE_DIMS and _MODE_DIMS[mode] != nd:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{_MODE_DIMS[mode] + 2}D input")
    if nd < 1 or nd > 3:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | trilinear | area | nearest-exact (got {mode})")
    if antialias:
        raise NotImplementedError("antialias=True is not supported by ember")
    osize, sf = _scales(input, nd, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        from .pooling import _adaptive_avg

        return _adaptive_avg(nd, input, osize)
    if mode not in ("nearest", "nearest-exact") and mode not in _MODE_DIMS:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.dim()}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | trilinear | area | nearest-exact (got {mode})")
    out = input
    dt = input._data.dtype
    for i, (n, o) in enumerate(zip(input.shape[2:], osize)):
        axis = 2 + i
        if mode.startswith("nearest"):
            if n != o:
                out = AxisGather.apply(out, _nearest_index(n, o, sf[i], mode != "nearest"), axis)
        elif mode == "bicubic":
            out = _along(out, axis, _cubic_matrix(n, o, bool(align_corners), sf[i], dt))
        else:
            out = _along(out, axis, _linear_matrix(n, o, bool(align_corners), sf[i], dt))
    return out if out is not input else input * 1


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate`.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.upsample(ember.ones(1, 1, 2, 2), scale_factor=2).shape
        ember.Size([1, 1, 4, 4])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Nearest-neighbour upsampling (deprecated alias of ``interpolate(mode='nearest')``)."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Bilinear upsampling with ``align_corners=True`` (deprecated alias)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ------------------------------------------------------------------------ pixel shuffling
def pixel_shuffle(input, upscale_factor):
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.pixel_shuffle(ember.arange(4.).reshape(1, 4, 1, 1), 2)
        tensor([[[[0., 1.],
                  [2., 3.]]]])
    """
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    b = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W), the inverse of :func:`pixel_shuffle`.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.pixel_unshuffle(ember.ones(1, 1, 4, 4), 2).shape
        ember.Size([1, 4, 2, 2])
    """
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        which, n = ("height", h) if h % r else ("width", w)
        raise RuntimeError(f"pixel_unshuffle expects {which} to be divisible by "
                           f"downscale_factor, but input.size({-2 if which == 'height' else -1})"
                           f"={n} is not divisible by {r}")
    b = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


# ------------------------------------------------------------------------- unfold / fold
def _t2(v):
    return _tuple_n(v, 2)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks: (N, C, H, W) -> (N, C*kH*kW, L).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.unfold(ember.ones(2, 3, 4, 4), 2).shape
        ember.Size([2, 12, 9])
    """
    if input.dim() not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got "
                                  f"{input.dim()}D)")
    x = input.unsqueeze(0) if input.dim() == 3 else input
    k, d, p, s = _t2(kernel_size), _t2(dilation), _t2(padding), _t2(stride)
    osize = tuple(out_size(n, kk, ss, dd, pp, pp) for n, kk, dd, pp, ss in
                  zip(x.shape[2:], k, d, p, s))
    if any(o <= 0 for o in osize):
        raise RuntimeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), "
                           f"kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
                           f"padding=({p[0]}, {p[1]}), calculated shape of the array of sliding "
                           f"blocks as ({osize[0]}, {osize[1]}), but its components must be at "
                           "least one.")
    out = Unfold.apply(x, k, s, d, tuple((q, q) for q in p), osize)
    return out.squeeze(0) if input.dim() == 3 else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding blocks (summing overlaps): (N, C*kH*kW, L) -> (N, C, H, W).

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> F.fold(ember.ones(1, 4, 4), (3, 3), 2)[0, 0]
        tensor([[1., 2., 1.],
                [2., 4., 2.],
                [1., 2., 1.]])
    """
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {input.dim()}D)")
    x = input.unsqueeze(0) if input.dim() == 2 else input
    size, k = _t2(output_size), _t2(kernel_size)
    d, p, s = _t2(dilation), _t2(padding), _t2(stride)
    osize = tuple(out_size(n, kk, ss, dd, pp, pp) for n, kk, dd, pp, ss in
                  zip(size, k, d, p, s))
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size=({k[0]}, {k[1]})")
    if x.shape[2] != osize[0] * osize[1]:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, "
                           f"{k[1]}), dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), "
                           f"stride=({s[0]}, {s[1]}), expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {osize[0]} * "
                           f"{osize[1]} = {osize[0] * osize[1]}, but got input.size(2)="
                           f"{x.shape[2]}.")
    out = Fold.apply(x, size, k, s, d, tuple((q, q) for q in p), osize)
    return out.squeeze(0) if input.dim() == 2 else out


# ------------------------------------------------------------------ grid_sample, affine_grid
def _unnormalize(coord, n, align_corners):
    if align_corners:
        return (coord + 1) * ((n - 1) / 2)
    return ((coord + 1) * n - 1) / 2


def _reflect(coord, lo, hi):
    """Reflect coordinates into [lo, hi] (PyTorch's reflect_coordinates) and the slope
    (+1 or -1) of the reflected coordinate in the original one, on arrays."""
    xp = get_array_module(coord)
    if hi <= lo:
        return xp.zeros_like(coord), xp.zeros_like(coord)
    span = hi - lo
    d = coord - lo
    c = xp.abs(d)
    flips = xp.floor(c / span)
    extra = c - flips * span
    even = flips % 2 == 0
    out = xp.where(even, extra + lo, span - extra + lo)
    slope = xp.where(d < 0, -1, 1) * xp.where(even, 1, -1)
    return out, slope


def _source_coord(g, n, padding_mode, align_corners):
    """Unnormalised sampling coordinate (Tensor), with border/reflection folding."""
    from ...ops.selection import where

    c = _unnormalize(g, n, align_corners)
    if padding_mode == "zeros":
        return c
    if padding_mode == "reflection":
        lo, hi = (0.0, n - 1.0) if align_corners else (-0.5, n - 0.5)
        cd = c._data
        r, slope = _reflect(cd, lo, hi)
        slope = slope.astype(cd.dtype)
        # piecewise affine: r = slope * c + offset
        c = c * _make(slope) + _make((r - cd * slope).astype(cd.dtype))
    cd = c._data
    xp = get_array_module(cd)
    inside = (cd >= 0) & (cd <= n - 1)
    return where(_make(inside), c, _make(xp.clip(cd, 0, n - 1).astype(cd.dtype)))


def _corner(plane, x, y, h, w, shape):
    """Values at integer corners (arrays x, y); zero outside the input."""
    xp = get_array_module(x)
    valid = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    idx = xp.where(valid, y * w + x, 0).reshape(shape[0], 1, -1)
    v = TakePlane.apply(plane, _make(idx))
    return v, valid.reshape(shape[0], 1, -1)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) at the normalised (x, y) points of ``grid`` (N, Ho, Wo, 2).

    Args:
        input (Tensor): (N, C, H, W).
        grid (Tensor): (N, H_out, W_out, 2), x then y, in [-1, 1].
        mode (str): ``'bilinear'`` or ``'nearest'``. Default: ``'bilinear'``.
        padding_mode (str): ``'zeros'``, ``'border'`` or ``'reflection'``.
            Default: ``'zeros'``.
        align_corners (bool, optional): -1 and 1 are the corner pixels' centres (True) or
            their outer edges (False). Default: ``False``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> x = ember.arange(4.).reshape(1, 1, 2, 2)
        >>> F.grid_sample(x, ember.zeros(1, 1, 1, 2), align_corners=False)
        tensor([[[[1.5000]]]])
    """
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if input.dim() != 4 or grid.dim() != 4 or grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected 4D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    align = bool(align_corners)
    n, c, h, w = input.shape
    ho, wo = grid.shape[1], grid.shape[2]
    ix = _source_coord(grid[..., 0], w, padding_mode, align)
    iy = _source_coord(grid[..., 1], h, padding_mode, align)
    plane = input.reshape(n, c, h * w)
    xp = get_array_module(input._data)
    if mode == "nearest":
        x0 = xp.rint(ix._data).astype(xp.int64)
        y0 = xp.rint(iy._data).astype(xp.int64)
        v, valid = _corner(plane, x0, y0, h, w, (n,))
        # nearest sampling is piecewise constant in the grid: a zero gradient, as PyTorch
        flat = (ix + iy).reshape(n, 1, -1) * 0
        out = v * (flat + _make(valid.astype(input._data.dtype)))
        return out.reshape(n, c, ho, wo)
    x0 = xp.floor(ix._data).astype(xp.int64)
    y0 = xp.floor(iy._data).astype(xp.int64)
    wx1 = (ix - _make(x0.astype(ix._data.dtype))).reshape(n, 1, -1)
    wy1 = (iy - _make(y0.astype(iy._data.dtype))).reshape(n, 1, -1)
    wx0, wy0 = 1 - wx1, 1 - wy1
    out = 0
    for dx, dy, wgt in ((0, 0, wx0 * wy0), (1, 0, wx1 * wy0), (0, 1, wx0 * wy1),
                        (1, 1, wx1 * wy1)):
        v, valid = _corner(plane, x0 + dx, y0 + dy, h, w, (n,))
        out = out + v * (wgt * _make(valid.astype(input._data.dtype)))
    return out.reshape(n, c, ho, wo)


def _base_coords(n, align_corners, dtype):
    if n <= 1:
        return np.zeros(max(n, 1), dtype=dtype)
    v = np.linspace(-1.0, 1.0, n)
    if not align_corners:
        v = v * (n - 1) / n
    return v.astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) of the affine maps ``theta`` (N, 2, 3) for ``grid_sample``.

    Example:
        >>> import ember
        >>> import ember.nn.functional as F
        >>> theta = ember.tensor([[[1., 0., 0.], [0., 1., 0.]]])
        >>> F.affine_grid(theta, (1, 1, 1, 2), align_corners=False)
        tensor([[[[-0.5000,  0.0000],
                  [ 0.5000,  0.0000]]]])
    """
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid only supports 4D sizes, for 2D affine "
                                  f"transforms. Got size {size}.")
    if theta.dim() != 3 or tuple(theta.shape[1:]) != (2, 3):
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                         f"{size}. Got {list(theta.shape)}.")
    n, _, h, w = size
    dt = theta._data.dtype
    xs = _base_coords(w, bool(align_corners), dt)
    ys = _base_coords(h, bool(align_corners), dt)
    base = np.stack([np.broadcast_to(xs[None, :], (h, w)), np.broadcast_to(ys[:, None], (h, w)),
                     np.ones((h, w), dt)], axis=-1).reshape(1, h * w, 3)
    grid = _tensor(base, device=theta.device) @ theta.transpose(1, 2)
    return grid.reshape(n, h, w, 2)

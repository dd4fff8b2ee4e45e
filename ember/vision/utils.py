"""Image grids: ``make_grid`` and ``save_image`` (PNG via Pillow), as torchvision's."""
import math

import numpy as np

from .._tensor import Tensor


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile a batch (B, C, H, W) into one (3, H', W') image with ``nrow`` images per row.

    Example:
        >>> import ember
        >>> from ember.vision.utils import make_grid
        >>> make_grid(ember.zeros(4, 1, 8, 8), nrow=2).shape
        ember.Size([3, 22, 22])
    """
    if isinstance(tensor, (list, tuple)):
        arr = np.stack([np.asarray(t.detach().cpu()._data) for t in tensor])
    else:
        arr = np.asarray(tensor.detach().cpu()._data)
    arr = arr.astype(np.float32, copy=True)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        arr = arr[None] if arr.shape[0] in (1, 3) else arr[:, None]
    if arr.shape[1] == 1:
        arr = np.repeat(arr, 3, axis=1)
    if normalize:
        if value_range is not None:
            lo, hi = (np.float32(v) for v in value_range)
        elif scale_each:
            lo, hi = arr.min(axis=(1, 2, 3), keepdims=True), arr.max(axis=(1, 2, 3), keepdims=True)
        else:
            lo, hi = arr.min(), arr.max()
        np.clip(arr, lo, hi, out=arr)
        arr = (arr - lo) / np.maximum(hi - lo, np.float32(1e-5))
    b, c, h, w = arr.shape
    xmaps = min(nrow, b)
    ymaps = int(math.ceil(b / xmaps))
    hh, ww = h + padding, w + padding
    # one cell of (padding + image) per slot, then the cells laid out row by row
    cells = np.full((ymaps * xmaps, c, hh, ww), pad_value, np.float32)
    cells[:b, :, padding:, padding:] = arr
    grid = np.full((c, ymaps * hh + padding, xmaps * ww + padding), pad_value, np.float32)
    grid[:, :ymaps * hh, :xmaps * ww] = cells.reshape(ymaps, xmaps, c, hh, ww).transpose(
        2, 0, 3, 1, 4).reshape(c, ymaps * hh, xmaps * ww)
    return Tensor._make(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Save a tensor (or batch, tiled with ``make_grid``) as an image file (PNG)."""
    from PIL import Image

    grid = make_grid(tensor, **kwargs)._data
    ndarr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(ndarr).save(fp, format=format)

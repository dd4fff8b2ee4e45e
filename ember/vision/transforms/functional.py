"""Functional image transforms (PIL images and ember tensors), as torchvision's."""
import math
import numbers

import numpy as np

from ..._tensor import Tensor
from ...backends import get_array_module


def _is_pil(img):
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


def to_tensor(pic):
    """PIL image or HxWxC uint8 array -> float32 CxHxW tensor in [0, 1]."""
    if isinstance(pic, Tensor):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        return Tensor._make(chw.astype(np.float32) / np.float32(255))
    if chw.dtype == np.bool_:
        return Tensor._make(chw.astype(np.float32))
    return Tensor._make(chw.astype(np.float32) if chw.dtype.kind == "f" else chw)


def pil_to_tensor(pic):
    """PIL image -> uint8 CxHxW tensor (no scaling)."""
    arr = np.array(pic, copy=True)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return Tensor._make(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def normalize(tensor, mean, std, inplace=False):
    """``(x - mean) / std`` per channel of a CxHxW (or NxCxHxW) float tensor."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    dt = tensor._data.dtype
    xp = get_array_module(tensor._data)
    m = xp.asarray(mean, dtype=dt).reshape(-1, 1, 1)
    s = xp.asarray(std, dtype=dt).reshape(-1, 1, 1)
    if (s == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dt}, leading to "
                         "division by zero.")
    out = (tensor - Tensor._make(m)) / Tensor._make(s)
    if inplace:
        tensor._data[...] = out._data
        return tensor
    return out


def _size_hw(img):
    if _is_pil(img):
        w, h = img.size
        return h, w
    return tuple(img.shape[-2:])


def resize(img, size, interpolation=None, max_size=None, antialias=True):
    """Resize a PIL image; an int ``size`` matches the smaller edge (aspect kept)."""
    from PIL import Image

    h, w = _size_hw(img)
    if isinstance(size, int) or (isinstance(size, (list, tuple)) and len(size) == 1):
        s = size if isinstance(size, int) else size[0]
        if w <= h:
            ow, oh = s, int(s * h / w)
        else:
            oh, ow = s, int(s * w / h)
        if max_size is not None and max(oh, ow) > max_size:
            r = max_size / max(oh, ow)
            oh, ow = int(oh * r), int(ow * r)
    else:
        oh, ow = size
    resample = {None: Image.BILINEAR, "bilinear": Image.BILINEAR, "nearest": Image.NEAREST,
                "bicubic": Image.BICUBIC}.get(interpolation, interpolation)
    return img.resize((ow, oh), resample)


def crop(img, top, left, height, width):
    """The ``height`` x ``width`` window at (``top``, ``left``)."""
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    return img[..., top:top + height, left:left + width]


def center_crop(img, output_size):
    """The centred ``output_size`` window, padding with zeros when the image is smaller."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    h, w = _size_hw(img)
    th, tw = output_size
    if th > h or tw > w:
        img = pad(img, [max(0, (tw - w) // 2), max(0, (th - h) // 2),
                        max(0, (tw - w + 1) // 2), max(0, (th - h + 1) // 2)])
        h, w = _size_hw(img)
    top = int(round((h - th) / 2.0))
    left = int(round((w - tw) / 2.0))
    return crop(img, top, left, th, tw)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad a PIL image or a (..., H, W) tensor by ``padding`` (int, (lr, tb) or (l, t, r, b))."""
    if isinstance(padding, int):
        left = top = right = bottom = padding
    elif len(padding) == 2:
        left = right = padding[0]
        top = bottom = padding[1]
    else:
        left, top, right, bottom = padding
    if isinstance(img, Tensor):
        return _pad_tensor(img, (left, right, top, bottom), fill, padding_mode)
    arr = np.asarray(img)
    widths = [(top, bottom), (left, right)] + ([(0, 0)] if arr.ndim == 3 else [])
    if padding_mode == "constant":
        out = np.pad(arr, widths, mode="constant", constant_values=fill)
    else:
        out = np.pad(arr, widths, mode={"edge": "edge", "reflect": "reflect",
                                        "symmetric": "symmetric"}[padding_mode])
    from PIL import Image

    return Image.fromarray(out, mode=img.mode) if _is_pil(img) else out


def _pad_tensor(img, pads, fill, padding_mode):
    """Pad the last two dims of a tensor with ``nn.functional.pad``."""
    from ...nn import functional as NF

    mode = {"constant": "constant", "edge": "replicate", "reflect": "reflect"}.get(padding_mode)
    if mode is None:
        raise ValueError(f"Tensor images support padding_mode 'constant', 'edge' or 'reflect', "
                         f"got {padding_mode!r}")
    if mode == "constant":
        return NF.pad(img, pads, value=fill)
    x = img.unsqueeze(0) if img.dim() == 2 else img  # reflect/replicate want a channel dim
    out = NF.pad(x, pads, mode=mode)
    return out.squeeze(0) if img.dim() == 2 else out


def hflip(img):
    """Flip left-right."""
    from PIL import Image

    if _is_pil(img):
        return img.transpose(Image.FLIP_LEFT_RIGHT)
    return img.flip(-1)


def vflip(img):
    """Flip top-bottom."""
    from PIL import Image

    if _is_pil(img):
        return img.transpose(Image.FLIP_TOP_BOTTOM)
    return img.flip(-2)


def rotate(img, angle, interpolation=None, expand=False, center=None, fill=0):
    """Rotate a PIL image by ``angle`` degrees counter-clockwise."""
    from PIL import Image

    resample = Image.BILINEAR if interpolation == "bilinear" else Image.NEAREST
    return img.rotate(angle, resample=resample, expand=expand, center=center, fillcolor=fill)


def _inverse_affine_matrix(center, angle, translate, scale, shear):
    # torchvision's matrix: T * C * R * S * Sh * C^-1, inverted for PIL's output->input map
    rot = math.radians(angle)
    sx, sy = [math.radians(s) for s in shear]
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d, -b, 0.0, -c, a, 0.0]
    m = [x / scale for x in m]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def affine(img, angle, translate, scale, shear, interpolation=None, fill=0, center=None):
    """Apply an affine map (rotation, translation, scale, shear) to a PIL image."""
    from PIL import Image

    w, h = img.size
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    ctr = center if center is not None else (w * 0.5, h * 0.5)
    matrix = _inverse_affine_matrix(ctr, angle, translate, scale, shear)
    resample = Image.BILINEAR if interpolation == "bilinear" else Image.NEAREST
    return img.transform((w, h), Image.AFFINE, matrix, resample, fillcolor=fill)


def to_grayscale(img, num_output_channels=1):
    """PIL image -> grayscale PIL image with 1 or 3 channels."""
    g = img.convert("L")
    if num_output_channels == 3:
        from PIL import Image

        return Image.merge("RGB", [g, g, g])
    return g


def rgb_to_grayscale(img, num_output_channels=1):
    """Alias of :func:`to_grayscale`."""
    return to_grayscale(img, num_output_channels)


def to_pil_image(pic, mode=None):
    """CxHxW tensor (float in [0,1] or uint8) or HxWxC array -> PIL image."""
    from PIL import Image

    if isinstance(pic, Tensor):
        arr = np.asarray(pic.detach().cpu()._data)
        if arr.ndim == 3:
            arr = arr.transpose(1, 2, 0)
        if arr.dtype.kind == "f":
            arr = (arr * 255).round().clip(0, 255).astype(np.uint8)
    else:
        arr = np.asarray(pic)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    return Image.fromarray(arr, mode=mode)


def convert_image_dtype(image, dtype):
    """Convert a tensor image to ``dtype``, rescaling between int and float ranges."""
    if image.is_floating_point() and dtype.is_floating_point:
        return image.to(dtype)
    if not image.is_floating_point() and dtype.is_floating_point:
        return image.to(dtype) / float(np.iinfo(image._data.dtype).max)
    if image.is_floating_point():
        return (image * float(np.iinfo(dtype.np).max)).to(dtype)
    return image.to(dtype)

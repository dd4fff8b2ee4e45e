"""Transform classes (callables), as torchvision's ``transforms`` module."""
import math
import numbers

from ... import ops
from . import functional as F


def _rand():
    return float(ops.rand(1)._data[0])


def _uniform(a, b):
    return a + (b - a) * _rand()


class Compose:
    """Apply transforms in order.

    Example:
        >>> from ember.vision import transforms as T
        >>> T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
        Compose(
            ToTensor()
            Normalize(mean=(0.5,), std=(0.5,))
        )
    """

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """PIL image / HxWxC uint8 array -> float32 CxHxW tensor scaled to [0, 1]."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return "ToTensor()"


class PILToTensor:
    """PIL image -> uint8 CxHxW tensor, values unchanged."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self):
        return "PILToTensor()"


class ConvertImageDtype:
    """Convert a tensor image to ``dtype``, rescaling between int and float ranges."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize:
    """Per-channel ``(x - mean) / std``."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Resize:
    """Resize to ``size`` (an int matches the smaller edge, keeping the aspect ratio)."""

    def __init__(self, size, interpolation="bilinear", max_size=None, antialias=True):
        self.size, self.interpolation, self.max_size = size, interpolation, max_size

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size)

    def __repr__(self):
        return f"Resize(size={self.size}, interpolation={self.interpolation}, " \
               f"max_size={self.max_size}, antialias=True)"


class CenterCrop:
    """Crop the centre ``size``, padding with zeros when the image is smaller."""

    def __init__(self, size):
        self.size = (size, size) if isinstance(size, numbers.Number) else tuple(size)

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self):
        return f"CenterCrop(size={self.size})"


class Pad:
    """Pad the borders by ``padding`` with ``fill`` or the ``padding_mode`` rule."""

    def __init__(self, padding, fill=0, padding_mode="constant"):
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return f"Pad(padding={self.padding}, fill={self.fill}, " \
               f"padding_mode={self.padding_mode})"


class RandomCrop:
    """Crop a random ``size`` window, optionally padding first."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0,
                 padding_mode="constant"):
        self.size = (size, size) if isinstance(size, numbers.Number) else tuple(size)
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        h, w = F._size_hw(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = F.pad(img, [tw - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = F.pad(img, [0, th - h], self.fill, self.padding_mode)
        h, w = F._size_hw(img)
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size "
                             f"{(h, w)}")
        i = int(ops.randint(0, h - th + 1, (1,))._data[0])
        j = int(ops.randint(0, w - tw + 1, (1,))._data[0])
        return F.crop(img, i, j, th, tw)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Flip left-right with probability ``p``."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return F.hflip(img) if _rand() < self.p else img

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Flip top-bottom with probability ``p``."""

    def __call__(self, img):
        return F.vflip(img) if _rand() < self.p else img

    def __repr__(self):
        return f"RandomVerticalFlip(p={self.p})"


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees``."""

    def __init__(self, degrees, interpolation="nearest", expand=False, center=None, fill=0):
        self.degrees = (-degrees, degrees) if isinstance(degrees, numbers.Number) \
            else tuple(degrees)
        self.interpolation, self.expand, self.center, self.fill = (interpolation, expand,
                                                                   center, fill)

    def __call__(self, img):
        angle = _uniform(*self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)

    def __repr__(self):
        return f"RandomRotation(degrees={list(self.degrees)}, interpolation=" \
               f"{self.interpolation}, expand={self.expand}, fill={self.fill})"


class RandomAffine:
    """A random affine map: rotation, translation, scale and shear."""

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation="nearest", fill=0, center=None):
        self.degrees = (-degrees, degrees) if isinstance(degrees, numbers.Number) \
            else tuple(degrees)
        self.translate, self.scale, self.shear = translate, scale, shear
        self.interpolation, self.fill, self.center = interpolation, fill, center

    def __call__(self, img):
        w, h = img.size
        angle = _uniform(*self.degrees)
        tx = ty = 0
        if self.translate is not None:
            tx = int(round(_uniform(-self.translate[0] * w, self.translate[0] * w)))
            ty = int(round(_uniform(-self.translate[1] * h, self.translate[1] * h)))
        sc = _uniform(*self.scale) if self.scale is not None else 1.0
        sh = (0.0, 0.0)
        if self.shear is not None:
            s = self.shear
            s = (-s, s) if isinstance(s, numbers.Number) else tuple(s)
            sh = (_uniform(s[0], s[1]), _uniform(s[2], s[3]) if len(s) == 4 else 0.0)
        return F.affine(img, angle, (tx, ty), sc, sh, self.interpolation, self.fill,
                        self.center)

    def __repr__(self):
        return f"RandomAffine(degrees={list(self.degrees)}, translate={self.translate}, " \
               f"scale={self.scale})"


class Grayscale:
    """Convert to grayscale with 1 or 3 output channels."""

    def __init__(self, num_output_channels=1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.to_grayscale(img, self.num_output_channels)

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class Lambda:
    """Apply a user function as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"


class ToPILImage:
    """Tensor or array -> PIL image."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        return "ToPILImage()"


_ = math

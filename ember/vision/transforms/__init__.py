"""Image transforms with torchvision's semantics (PIL images in, tensors out)."""
from . import functional  # noqa: F401
from .transforms import (CenterCrop, Compose, ConvertImageDtype, Grayscale,  # noqa: F401
                         Lambda, Normalize, Pad, PILToTensor, RandomAffine, RandomCrop,
                         RandomHorizontalFlip, RandomRotation, RandomVerticalFlip, Resize,
                         ToPILImage, ToTensor)

__all__ = ["Compose", "ToTensor", "PILToTensor", "Normalize", "Resize", "CenterCrop",
           "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation",
           "RandomAffine", "Pad", "Grayscale", "Lambda", "ToPILImage", "ConvertImageDtype",
           "functional"]

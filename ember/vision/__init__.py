"""``ember.vision``: datasets, transforms and image utilities (what torchvision is to PyTorch)."""
from . import datasets, transforms, utils  # noqa: F401

__all__ = ["datasets", "transforms", "utils"]

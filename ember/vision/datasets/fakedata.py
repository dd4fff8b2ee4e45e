"""Random images, for tests and benchmarks."""
import numpy as np

from .vision import VisionDataset


class FakeData(VisionDataset):
    """``size`` random images of ``image_size`` (C, H, W) with random labels; item ``i`` is the
    same on every access (seeded by ``random_offset + i``)."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size, self.image_size = size, tuple(image_size)
        self.num_classes, self.random_offset = num_classes, random_offset

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        rng = np.random.default_rng(index + self.random_offset)
        arr = (rng.random(self.image_size) * 255).astype(np.uint8)
        target = int(rng.integers(0, self.num_classes))
        c = self.image_size[0]
        try:
            from PIL import Image

            hwc = arr.transpose(1, 2, 0)
            img = Image.fromarray(hwc[:, :, 0], "L") if c == 1 else Image.fromarray(hwc, "RGB")
        except ImportError:
            from ..._tensor import Tensor

            img = Tensor._make(arr)
        return self._apply(img, target)

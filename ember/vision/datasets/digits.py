"""scikit-learn's bundled 8x8 handwritten digits: the offline default dataset."""
import numpy as np

from .mnist import _to_image
from .vision import VisionDataset


class Digits(VisionDataset):
    """1,797 8x8 grayscale digits shipped with scikit-learn (no download needed).

    A fixed, stratified-by-shuffle split: the first 80% (after a seeded permutation) is
    ``train=True``, the rest the test set. Pixels are scaled from 0..16 to 0..255 uint8 so the
    usual ``ToTensor()`` gives values in [0, 1].

    Args:
        root (str, optional): unused (the data ships with scikit-learn). Default: ``None``.
        train (bool): training split, else test. Default: ``True``.
        transform, target_transform (callable, optional): as in torchvision.
        download (bool): ignored.
    """

    classes = [str(i) for i in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise RuntimeError("the Digits dataset needs scikit-learn: pip install "
                               "'ember[vision]' (or scikit-learn)") from None
        d = load_digits()
        images = np.clip(d.images * (255.0 / 16.0), 0, 255).round().astype(np.uint8)
        perm = np.random.default_rng(0).permutation(len(images))
        cut = int(0.8 * len(images))
        idx = perm[:cut] if train else perm[cut:]
        self.train = train
        self.data = images[idx]
        self.targets = d.target[idx].astype(np.int64)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return self._apply(_to_image(self.data[index]), int(self.targets[index]))

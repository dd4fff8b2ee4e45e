"""Datasets for the command line, decoded once into normalised float32 arrays, so an epoch
costs no per-item transforms."""
import os

import numpy as np

from . import CLIError

# (mean, std) of the training pixels in [0, 1]
STATS = {"mnist": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530),
         "digits": (0.3071, 0.3773)}
CLASSES = {
    "mnist": [str(i) for i in range(10)], "digits": [str(i) for i in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot"],
}
_FOLDERS = {"mnist": ("MNIST", "mnist"), "fashion-mnist": ("FashionMNIST", "fashion-mnist")}


def _idx_dir(name, data_dir):
    if data_dir is None:
        data_dir = os.path.join(os.path.expanduser("~"), ".ember", "data")
    cls, short = _FOLDERS[name]
    for d in (data_dir, os.path.join(data_dir, cls, "raw"), os.path.join(data_dir, short),
              os.path.join(data_dir, cls)):
        if os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
            return d
    raise CLIError(f"dataset '{name}' not found under {data_dir}: expected the IDX .gz files "
                   f"(train-images-idx3-ubyte.gz, ...) there or in {cls}/raw/ (use --data-dir)")


def load_arrays(name, data_dir=None, train=True):
    """uint8 images (N, H, W) and int64 labels (N,) of a named dataset."""
    if name == "digits":
        from ..vision.datasets import Digits

        ds = Digits(train=train)
        return ds.data, ds.targets
    if name not in _FOLDERS:
        raise CLIError(f"unknown dataset '{name}' (choose from digits, mnist, fashion-mnist)")
    from ..vision.datasets.mnist import read_idx

    d = _idx_dir(name, data_dir)
    prefix = "train" if train else "t10k"
    x = read_idx(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    if x.ndim != 3 or len(x) != len(y):
        raise CLIError(f"corrupt dataset in {d}: images {x.shape}, labels {y.shape}")
    return x, y


def normalise(images, name):
    """uint8 (N, H, W) -> float32 (N, 1, H, W), standardised with the dataset's statistics."""
    mean, std = STATS[name]
    x = images.astype(np.float32)[:, None] / np.float32(255)
    return (x - np.float32(mean)) / np.float32(std)


def tensors(name, data_dir=None, train=True):
    """The dataset as two ember tensors (normalised images, labels)."""
    from .. import from_numpy

    x, y = load_arrays(name, data_dir, train)
    return from_numpy(normalise(x, name)), from_numpy(y)

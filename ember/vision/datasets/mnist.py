"""MNIST-family datasets read from the standard IDX ``.gz`` files.

Layout as torchvision's: ``root/<ClassName>/raw/train-images-idx3-ubyte.gz`` etc. A ``root``
that directly holds the ``.gz`` files (like ``shared/data/mnist``) is accepted too.
"""
import gzip
import hashlib
import os

import numpy as np

from ..._tensor import Tensor
from .vision import VisionDataset

_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Decode an IDX file (optionally gzipped) into a NumPy array, checking its header."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise RuntimeError(f"corrupt IDX file {path}: {e}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _TYPES:
        raise RuntimeError(f"corrupt IDX file {path}: bad magic number {data[:4].hex()}")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise RuntimeError(f"corrupt IDX file {path}: truncated header")
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    dt = np.dtype(_TYPES[data[2]])
    need = int(np.prod(dims)) * dt.itemsize
    if len(data) - header != need:
        raise RuntimeError(f"corrupt IDX file {path}: expected {need} data bytes for shape "
                           f"{dims}, found {len(data) - header} (truncated?)")
    return np.frombuffer(data, dtype=dt, offset=header).reshape(dims).astype(dt.newbyteorder("="))


class MNIST(VisionDataset):
    """The MNIST handwritten digits (60,000 train / 10,000 test, 28x28 grayscale).

    Args:
        root (str): directory holding ``MNIST/raw/*.gz`` (or the ``.gz`` files themselves).
        train (bool): the training set, else the test set. Default: ``True``.
        transform (callable, optional): applied to the PIL image. Default: ``None``.
        target_transform (callable, optional): applied to the label. Default: ``None``.
        download (bool): fetch the files if missing (needs network). Default: ``False``.

    Items are ``(PIL.Image, int)`` like torchvision's (a ``(28, 28)`` uint8 tensor when
    Pillow is not installed).
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        folder = self._find_folder()
        if folder is None:
            names = ", ".join(r[0] for r in self.resources)
            raise RuntimeError(
                f"Dataset not found. Put the files {names} into "
                f"{os.path.join(self.root, type(self).__name__, 'raw')} (or pass download=True "
                "on a machine with network access).")
        img_file, lbl_file = [r[0] for r in self.resources[(0 if train else 2):][:2]]
        self.data = read_idx(os.path.join(folder, img_file))
        self.targets = read_idx(os.path.join(folder, lbl_file)).astype(np.int64)
        if len(self.data) != len(self.targets):
            raise RuntimeError(f"corrupt dataset: {len(self.data)} images but "
                               f"{len(self.targets)} labels")

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    def _find_folder(self):
        first = self.resources[0][0] if self.train else self.resources[2][0]
        for d in (self.raw_folder, self.root):
            if os.path.exists(os.path.join(d, first)):
                return d
        return None

    def download(self):
        """Fetch the four files from the mirrors, verifying md5; skip files already there."""
        import urllib.request

        os.makedirs(self.raw_folder, exist_ok=True)
        for name, md5 in self.resources:
            path = os.path.join(self.raw_folder, name)
            if os.path.exists(path) and _md5(path) == md5:
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    urllib.request.urlretrieve(mirror + name, path + ".part")
                except OSError as e:
                    errors.append(f"{mirror}: {e}")
                    continue
                if _md5(path + ".part") != md5:
                    errors.append(f"{mirror}: md5 mismatch")
                    continue
                os.replace(path + ".part", path)
                break
            else:
                raise RuntimeError(f"could not download {name} ({'; '.join(errors)}). Without "
                                   f"network, put the file into {self.raw_folder}.")

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        return self._apply(_to_image(img), target)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grayscale clothing images in 10 classes."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28x28 cursive Japanese characters in 10 classes."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
                 ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
                 ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
                 ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST; ``split`` picks the file set (e.g. ``'digits'``, ``'letters'``).

    Files are expected as ``emnist-<split>-train-images-idx3-ubyte.gz`` etc. under
    ``root/EMNIST/raw``.
    """

    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")

    def __init__(self, root, split, **kwargs):
        if split not in self.splits:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{self.splits}.")
        self.split = split
        self.resources = [(f"emnist-{split}-{n}", None) for n in (
            "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]
        super().__init__(root, **kwargs)

    def download(self):
        raise RuntimeError("EMNIST download is not supported by ember; put the files in "
                           f"{self.raw_folder}")


def _md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _to_image(arr):
    try:
        from PIL import Image
    except ImportError:
        return Tensor._make(np.array(arr))
    return Image.fromarray(np.asarray(arr), mode="L")

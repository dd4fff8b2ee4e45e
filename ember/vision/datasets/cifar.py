"""CIFAR-10/100 from the python-pickle batches (``cifar-10-batches-py``)."""
import os
import pickle

import numpy as np

from .vision import VisionDataset


class CIFAR10(VisionDataset):
    """CIFAR-10: 32x32 RGB images in 10 classes, read from ``root/cifar-10-batches-py``."""

    base_folder = "cifar-10-batches-py"
    train_list = [f"data_batch_{i}" for i in range(1, 6)]
    test_list = ["test_batch"]
    meta = ("batches.meta", "label_names")
    label_key = "labels"

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        folder = os.path.join(self.root, self.base_folder)
        if download and not os.path.isdir(folder):
            raise RuntimeError("CIFAR download is not supported offline; extract the python "
                               f"batches into {folder}")
        if not os.path.isdir(folder):
            raise RuntimeError(f"Dataset not found or corrupted: expected {folder}")
        data, targets = [], []
        for name in (self.train_list if train else self.test_list):
            with open(os.path.join(folder, name), "rb") as f:
                entry = pickle.load(f, encoding="latin1")
            data.append(entry["data"])
            targets.extend(entry.get(self.label_key, entry.get("fine_labels", [])))
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self.targets = list(targets)
        meta_path = os.path.join(folder, self.meta[0])
        if os.path.exists(meta_path):
            with open(meta_path, "rb") as f:
                self.classes = pickle.load(f, encoding="latin1")[self.meta[1]]
            self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        from PIL import Image

        return self._apply(Image.fromarray(self.data[index]), self.targets[index])


class CIFAR100(CIFAR10):
    """CIFAR-100: 32x32 colour images in 100 classes (``CIFAR10``'s layout)."""

    base_folder = "cifar-100-python"
    train_list = ["train"]
    test_list = ["test"]
    meta = ("meta", "fine_label_names")
    label_key = "fine_labels"

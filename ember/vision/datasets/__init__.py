"""Datasets with torchvision's signatures: ``Dataset(root, train=True, transform=None,
target_transform=None, download=False)``."""
from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST, read_idx
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "FakeData", "ImageFolder",
           "DatasetFolder", "CIFAR10", "CIFAR100", "Digits", "VisionDataset", "read_idx"]

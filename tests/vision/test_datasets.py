"""ember.vision datasets on the real IDX files in ../shared/data (checked against the figures
in its README) and on small files made here."""
import gzip
import os

import numpy as np
import pytest

import ember
from ember.vision import datasets, transforms

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
needs_data = pytest.mark.skipif(not os.path.exists(os.path.join(DATA, "mnist")),
                                reason="needs ../shared/data")


@needs_data
def test_mnist_real_files_match_published_figures():
    train = datasets.MNIST(os.path.join(DATA, "mnist"), train=True)
    test = datasets.MNIST(os.path.join(DATA, "mnist"), train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert train.data.shape == (60000, 28, 28) and train.data.dtype == np.uint8
    assert np.bincount(train.targets).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918,
                                                  6265, 5851, 5949]
    assert np.bincount(test.targets).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028,
                                                 974, 1009]
    assert abs(train.data.mean() / 255 - 0.1307) < 1e-4
    img, label = train[0]
    assert label == 5 and img.size == (28, 28)


@needs_data
def test_fashion_mnist_and_transform_pipeline():
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
    ds = datasets.FashionMNIST(os.path.join(DATA, "fashion-mnist"), train=False, transform=tf)
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == ember.float32 and isinstance(y, int)
    assert np.bincount(ds.targets).tolist() == [1000] * 10
    assert ds.classes[9] == "Ankle boot"


def _write_idx(path, arr, magic_type=0x08):
    header = bytes([0, 0, magic_type, arr.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.tobytes())


def test_torchvision_layout_and_corrupt_files(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    imgs = np.random.default_rng(0).integers(0, 255, (5, 28, 28)).astype(np.uint8)
    for split in ("train", "t10k"):
        _write_idx(raw / f"{split}-images-idx3-ubyte.gz", imgs)
        _write_idx(raw / f"{split}-labels-idx1-ubyte.gz", np.arange(5, dtype=np.uint8))
    ds = datasets.MNIST(str(tmp_path), train=True, transform=transforms.PILToTensor())
    assert len(ds) == 5 and ds[3][1] == 3
    np.testing.assert_array_equal(ds[2][0].numpy()[0], imgs[2])
    with gzip.open(raw / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(b"\x00\x00\x08\x03" + (5).to_bytes(4, "big") + b"\x00" * 20)  # truncated
    with pytest.raises(RuntimeError, match="corrupt IDX file.*truncated"):
        datasets.MNIST(str(tmp_path), train=True)
    with gzip.open(raw / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(b"\x12\x34\x08\x03")
    with pytest.raises(RuntimeError, match="bad magic"):
        datasets.MNIST(str(tmp_path), train=True)
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.MNIST(str(tmp_path / "elsewhere"))


def test_digits_fakedata_imagefolder(tmp_path):
    pytest.importorskip("sklearn")
    tr, te = datasets.Digits(train=True), datasets.Digits(train=False)
    assert len(tr) + len(te) == 1797 and tr.data.shape[1:] == (8, 8)
    assert tr.data.max() == 255
    fake = datasets.FakeData(size=3, image_size=(1, 8, 8), transform=transforms.ToTensor())
    assert fake[1][0].shape == (1, 8, 8)
    np.testing.assert_array_equal(fake[1][0].numpy(), fake[1][0].numpy())
    from PIL import Image

    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        Image.new("RGB", (4, 4), (255, 0, 0)).save(tmp_path / cls / "a.png")
    folder = datasets.ImageFolder(str(tmp_path), transform=transforms.ToTensor())
    assert folder.classes == ["cat", "dog"] and folder[1][1] == 1
    assert folder[0][0].shape == (3, 4, 4) and float(folder[0][0][0].mean()) == 1.0

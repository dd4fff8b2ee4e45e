"""Transforms: torchvision's semantics, checked on images with known pixels."""
import numpy as np
import pytest

import ember
from ember.vision import transforms as T
from ember.vision.utils import make_grid, save_image

Image = pytest.importorskip("PIL.Image")


def gray(arr):
    return Image.fromarray(np.asarray(arr, dtype=np.uint8))


def test_to_tensor_normalize_match_manual():
    a = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    x = T.ToTensor()(gray(a))
    assert x.shape == (1, 3, 4) and x.dtype == ember.float32
    np.testing.assert_allclose(x.numpy()[0], a / 255, rtol=1e-6)
    n = T.Normalize((0.5,), (0.25,))(x)
    np.testing.assert_allclose(n.numpy(), (a[None] / 255 - 0.5) / 0.25, rtol=1e-5)
    rgb = T.ToTensor()(Image.fromarray(np.zeros((2, 3, 3), np.uint8)))
    assert rgb.shape == (3, 2, 3)
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize((0.5,), (0.5,))(ember.zeros(1, 2, 2, dtype=ember.uint8))


def test_crops_pad_flip_resize():
    a = np.arange(36, dtype=np.uint8).reshape(6, 6)
    c = np.asarray(T.CenterCrop(2)(gray(a)))
    np.testing.assert_array_equal(c, a[2:4, 2:4])
    p = np.asarray(T.Pad(1)(gray(a)))
    assert p.shape == (8, 8) and p[0].sum() == 0 and p[1, 1] == a[0, 0]
    f = np.asarray(T.RandomHorizontalFlip(p=1.0)(gray(a)))
    np.testing.assert_array_equal(f, a[:, ::-1])
    assert T.Resize(3)(gray(a)).size == (3, 3)
    assert T.Resize((2, 4))(gray(a)).size == (4, 2)
    ember.manual_seed(0)
    r = np.asarray(T.RandomCrop(4, padding=2)(gray(a)))
    assert r.shape == (4, 4)
    assert T.RandomRotation(10)(gray(a)).size == (6, 6)
    assert T.RandomAffine(5, translate=(0.1, 0.1), scale=(0.9, 1.1))(gray(a)).size == (6, 6)
    assert T.Grayscale(3)(gray(a)).mode == "RGB"
    back = T.ToPILImage()(T.ToTensor()(gray(a)))
    np.testing.assert_array_equal(np.asarray(back), a)
    assert T.Lambda(lambda im: im.size)(gray(a)) == (6, 6)


def test_make_grid_and_save_image(tmp_path):
    batch = ember.rand(5, 1, 4, 4)
    g = make_grid(batch, nrow=3, padding=1)
    assert g.shape == (3, 2 * 5 + 1, 3 * 5 + 1)
    np.testing.assert_allclose(g.numpy()[0, 1:5, 1:5], batch.numpy()[0, 0])
    save_image(batch, str(tmp_path / "g.png"), nrow=3, padding=1)
    assert Image.open(tmp_path / "g.png").size == (16, 11)
    png = np.asarray(Image.open(tmp_path / "g.png"))[1:5, 1:5, 0]
    np.testing.assert_allclose(png, np.clip(batch.numpy()[0, 0] * 255 + 0.5, 0, 255).astype(
        np.uint8))


@pytest.mark.parametrize("mode,torch_mode", [("constant", "constant"), ("edge", "replicate"),
                                             ("reflect", "reflect")])
@pytest.mark.parametrize("shape", [(3, 4, 5), (4, 5)])
def test_pad_and_center_crop_tensor_images_match_torch(mode, torch_mode, shape):
    torch = pytest.importorskip("torch")
    a = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    t = torch.tensor(a)[None] if len(shape) == 2 else torch.tensor(a)
    want = torch.nn.functional.pad(t, (1, 3, 2, 1), mode=torch_mode)
    want = want[0] if len(shape) == 2 else want
    got = T.Pad([1, 2, 3, 1], padding_mode=mode)(ember.tensor(a))
    assert isinstance(got, ember.Tensor)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    # a crop larger than the image pads it with zeros first, as torchvision does
    c = T.CenterCrop(7)(ember.tensor(a))
    ph, pw = 7 - shape[-2], 7 - shape[-1]
    want = torch.nn.functional.pad(torch.tensor(a), (pw // 2, (pw + 1) // 2, ph // 2,
                                                     (ph + 1) // 2))
    np.testing.assert_array_equal(c.numpy(), want.numpy())

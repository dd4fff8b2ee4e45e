"""Datasets from a directory tree ``root/<class>/<file>`` (torchvision's layout)."""
import os

from .vision import VisionDataset

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def find_classes(directory):
    """Sorted class folder names under ``directory`` and their indices."""
    classes = sorted(e.name for e in os.scandir(directory) if e.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {c: i for i, c in enumerate(classes)}


def pil_loader(path):
    """Open an image file as an RGB PIL image."""
    from PIL import Image

    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


class DatasetFolder(VisionDataset):
    """Samples ``(loader(path), class_index)`` for files under ``root/<class>/``."""

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.classes, self.class_to_idx = find_classes(self.root)
        if is_valid_file is None:
            exts = tuple(e.lower() for e in (extensions or ()))

            def is_valid_file(p):
                return p.lower().endswith(exts)
        samples = []
        for c in self.classes:
            for dirpath, _, files in sorted(os.walk(os.path.join(self.root, c),
                                                    followlinks=True)):
                for fn in sorted(files):
                    p = os.path.join(dirpath, fn)
                    if is_valid_file(p):
                        samples.append((p, self.class_to_idx[c]))
        if not samples and not allow_empty:
            raise FileNotFoundError(f"Found no valid file for the classes {self.classes}. "
                                    f"Supported extensions are: {extensions}")
        self.loader, self.extensions = loader, extensions
        self.samples = self.imgs = samples
        self.targets = [s[1] for s in samples]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        return self._apply(self.loader(path), target)


class ImageFolder(DatasetFolder):
    """Images under ``root/<class>/`` loaded with Pillow as RGB."""

    def __init__(self, root, transform=None, target_transform=None, loader=pil_loader,
                 is_valid_file=None, allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
                         transform=transform, target_transform=target_transform,
                         is_valid_file=is_valid_file, allow_empty=allow_empty)

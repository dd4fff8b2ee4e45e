"""The base class of ember.vision datasets."""
from ...utils.data import Dataset


class VisionDataset(Dataset):
    """A dataset under ``root`` with optional ``transform`` (on the image) and
    ``target_transform`` (on the label)."""

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        import os

        self.root = os.path.expanduser(str(root)) if root is not None else None
        self.transform = transform
        self.target_transform = target_transform
        self.transforms = transforms

    def _apply(self, img, target):
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        return ""

    def __repr__(self):
        head = "Dataset " + type(self).__name__
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += [x for x in self.extra_repr().splitlines() if x]
        if self.transform is not None:
            body.append("Transform: " + repr(self.transform).replace("\n", "\n    "))
        return "\n".join([head] + [" " * self._repr_indent + line for line in body])

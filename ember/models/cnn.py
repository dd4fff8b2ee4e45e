"""Convolutional classifiers: the seed CNN and LeNet-5."""
from .. import nn


class CNN(nn.Module):
    """The seed document's CNN: (conv 3x3 -> ReLU -> max-pool 2) twice, then two linear layers.

    Each 3x3 convolution (no padding by default) shrinks the image by 2 and each pooling halves
    it, so the flatten size is computed from ``input_size``: 28x28 gives 64*5*5 = 1600 features,
    64x64 gives 64*14*14. Use ``padding=1`` for tiny inputs such as 8x8 digits.

    Args:
        in_channels (int): image channels. Default: 1.
        num_classes (int): outputs. Default: 10.
        input_size (int or tuple): image height/width. Default: 28.
        hidden (int): width of the first linear layer. Default: 128.
        padding (int): padding of both convolutions. Default: 0.

    Example:
        >>> import ember
        >>> ember.models.CNN(input_size=64).flatten_size
        12544
    """

    def __init__(self, in_channels=1, num_classes=10, input_size=28, hidden=128, padding=0,
                 channels=(32, 64)):
        super().__init__()
        h, w = (input_size, input_size) if isinstance(input_size, int) else input_size
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, padding=padding), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=padding), nn.ReLU(), nn.MaxPool2d(2),
        )
        for _ in range(2):
            h, w = (h + 2 * padding - 2) // 2, (w + 2 * padding - 2) // 2
        if h <= 0 or w <= 0:
            raise ValueError(f"input_size {input_size} is too small for two conv+pool stages "
                             f"with padding={padding}")
        self.flatten_size = c2 * h * w
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(self.flatten_size, hidden), nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )
        self.config = dict(in_channels=in_channels, num_classes=num_classes,
                           input_size=input_size, hidden=hidden, padding=padding,
                           channels=tuple(channels))

    def forward(self, x):
        return self.classifier(self.features(x))


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) for 28x28 input: the first convolution pads by 2 so the
    classic 32x32 geometry is kept."""

    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
            nn.Linear(84, num_classes),
        )
        self.config = dict(in_channels=in_channels, num_classes=num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))

"""GANs for 28x28 images: a DCGAN pair and a fully-connected pair."""
from .. import nn


def weights_init(m):
    """DCGAN initialisation: conv weights N(0, 0.02); batch-norm weights N(1, 0.02), bias 0."""
    classname = type(m).__name__
    if "Conv" in classname:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in classname:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class DCGANGenerator(nn.Module):
    """Noise (N, nz) -> image (N, 1, 28, 28) in [-1, 1]: 7x7 -> 14x14 -> 28x28 by transposed
    convolutions with batch norm and ReLU. ``head`` (default ``2 * ngf``) is the width of the
    first 7x7 map, where the noise becomes the digit's layout."""

    def __init__(self, nz=100, ngf=64, channels=1, head=None):
        super().__init__()
        self.nz = nz
        head = head or ngf * 2  # channels of the 7x7 map the noise is projected to
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, head, 7, 1, 0, bias=False), nn.BatchNorm2d(head),
            nn.ReLU(True),
            nn.ConvTranspose2d(head, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, channels, 4, 2, 1, bias=False), nn.Tanh(),
        )
        self.config = dict(nz=nz, ngf=ngf, channels=channels, head=head)

    def forward(self, z):
        return self.main(z.reshape(z.shape[0], self.nz, 1, 1))


class DCGANDiscriminator(nn.Module):
    """Image (N, 1, 28, 28) -> one logit per image (real vs generated). With
    ``spectral_norm=True`` each layer's weight is divided by its spectral norm (Miyato et al.
    2018) instead of batch-normalising, the discriminator of SN-GAN's DCGAN-style baseline."""

    def __init__(self, ndf=64, channels=1, spectral_norm=False):
        super().__init__()
        if spectral_norm:  # SN-GAN's form: every layer 1-Lipschitz, no batch norm
            sn = nn.utils.spectral_norm
            layers = [sn(nn.Conv2d(channels, ndf, 4, 2, 1)), nn.LeakyReLU(0.1, inplace=True),
                      sn(nn.Conv2d(ndf, ndf * 2, 4, 2, 1)), nn.LeakyReLU(0.1, inplace=True),
                      nn.Flatten(), sn(nn.Linear(ndf * 2 * 7 * 7, 1))]
        else:
            layers = [nn.Conv2d(channels, ndf, 4, 2, 1, bias=False),
                      nn.LeakyReLU(0.2, inplace=True),
                      nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2),
                      nn.LeakyReLU(0.2, inplace=True),
                      nn.Flatten(), nn.Linear(ndf * 2 * 7 * 7, 1)]
        self.main = nn.Sequential(*layers)
        self.config = dict(ndf=ndf, channels=channels, spectral_norm=spectral_norm)

    def forward(self, x):
        return self.main(x).reshape(-1)


class FCGenerator(nn.Module):
    """Noise (N, nz) -> image (N, 1, 28, 28) through three linear layers."""

    def __init__(self, nz=100, hidden=256, img_size=28):
        super().__init__()
        self.nz, self.img_size = nz, img_size
        self.main = nn.Sequential(
            nn.Linear(nz, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden * 2),
            nn.LeakyReLU(0.2), nn.Linear(hidden * 2, img_size * img_size), nn.Tanh(),
        )
        self.config = dict(nz=nz, hidden=hidden, img_size=img_size)

    def forward(self, z):
        return self.main(z.reshape(z.shape[0], -1)).reshape(-1, 1, self.img_size,
                                                            self.img_size)


class FCDiscriminator(nn.Module):
    """Image (N, 1, 28, 28) -> one logit per image, through three linear layers."""

    def __init__(self, hidden=256, img_size=28):
        super().__init__()
        self.main = nn.Sequential(
            nn.Flatten(), nn.Linear(img_size * img_size, hidden * 2), nn.LeakyReLU(0.2),
            nn.Linear(hidden * 2, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1),
        )
        self.config = dict(hidden=hidden, img_size=img_size)

    def forward(self, x):
        return self.main(x).reshape(-1)

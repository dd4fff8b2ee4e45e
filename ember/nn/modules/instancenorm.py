"""Instance normalisation layers: ``InstanceNorm1d/2d/3d``."""
import warnings

from .. import functional as F
from .batchnorm import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _nd = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def _check_input_dim(self, input):
        nd = self._nd
        if input.dim() not in (nd + 1, nd + 2):
            raise ValueError(f"expected {nd + 1}D or {nd + 2}D input (got {input.dim()}D "
                             "input)")

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.dim() - (self._nd + 1)
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          "can silence this warning by not passing in num_features, which is "
                          "not used because affine=False", stacklevel=2)
        unbatched = input.dim() == self._nd + 1
        x = input.unsqueeze(0) if unbatched else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation over (N, C, L) or (C, L): statistics per sample and channel.

    Args:
        num_features (int): C.
        eps (float): Default: 1e-5.
        momentum (float): Default: 0.1.
        affine (bool): learnable per-channel ``weight`` and ``bias``. Default: ``False``.
        track_running_stats (bool): keep running statistics for evaluation.
            Default: ``False``.

    Example:
        >>> import ember
        >>> ember.nn.InstanceNorm1d(3)(ember.randn(2, 3, 8)).shape
        ember.Size([2, 3, 8])
    """

    _nd = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation over (N, C, H, W); see :class:`InstanceNorm1d`.

    Example:
        >>> import ember
        >>> ember.nn.InstanceNorm2d(3, affine=True)(ember.randn(2, 3, 4, 4)).shape
        ember.Size([2, 3, 4, 4])
    """

    _nd = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation over (N, C, D, H, W); see :class:`InstanceNorm1d`."""

    _nd = 3

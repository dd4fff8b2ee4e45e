r"""Spectral normalisation (Miyato et al. 2018, https://arxiv.org/abs/1802.05957), the
hook-based form of ``torch.nn.utils.spectral_norm``.

The weight is divided by its largest singular value :math:`\sigma(W)`, estimated by power
iteration: one step per training forward refines two vectors ``u`` and ``v`` kept as buffers,
and :math:`\sigma \approx u^\top W v`. A discriminator whose layers are normalised this way is
1-Lipschitz per layer, which keeps GAN training from running away. The module keeps the raw
weight as the parameter ``<name>_orig``; ``<name>`` is recomputed before every forward, so
gradients flow through :math:`\sigma` into ``<name>_orig``.
"""
from ... import no_grad
from ..modules.conv import _ConvTransposeNd
from ..parameter import Parameter

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


def _normalize(v, eps):
    return v / v.norm().clamp_min(eps)


class SpectralNorm:
    """The forward pre-hook that recomputes ``module.<name>`` (see :func:`spectral_norm`)."""

    _version = 1

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.dim = name, dim
        self.n_power_iterations, self.eps = n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight):
        """The weight as a matrix with the output dimension ``dim`` as rows."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.dim()) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():  # the vectors are estimates, not part of the graph
                for _ in range(self.n_power_iterations):
                    v.copy_(_normalize(mat.t().mv(u), self.eps))
                    u.copy_(_normalize(mat.mv(v), self.eps))
                u, v = u.clone(), v.clone()  # later in-place updates must not reach the graph
        sigma = u.dot(mat.mv(v))
        return weight / sigma

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, module.training))

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError("Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = _normalize(weight.new_empty(h).normal_(0, 1), fn.eps)
            v = _normalize(weight.new_empty(w).normal_(0, 1), fn.eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.data)
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        module._register_state_dict_hook(_StateDictHook(fn))
        return fn


class _StateDictHook:
    """Records the hook's version in the state_dict metadata, as PyTorch does."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, module, state_dict, prefix, local_metadata):
        meta = local_metadata.setdefault("spectral_norm", {})
        key = self.fn.name + ".version"
        if key in meta:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        meta[key] = self.fn._version


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    r"""Divide ``module.<name>`` by its spectral norm before every forward.

    Args:
        module (Module): the layer.
        name (str): the weight parameter. Default: ``"weight"``.
        n_power_iterations (int): power-iteration steps per training forward. Default: 1.
        eps (float): floor of the vector norms. Default: 1e-12.
        dim (int, optional): the output dimension; 0, or 1 for ConvTranspose layers.

    Returns:
        The module, with parameter ``<name>_orig`` and buffers ``<name>_u``, ``<name>_v``.

    Example:
        >>> import ember
        >>> m = ember.nn.utils.spectral_norm(ember.nn.Linear(20, 40))
        >>> m.weight_u.size()
        ember.Size([40])
        >>> sorted(m.state_dict())
        ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """
    if dim is None:
        dim = 1 if isinstance(module, _ConvTransposeNd) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo :func:`spectral_norm`: ``<name>`` becomes a plain parameter holding the
    normalised weight."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            break
    else:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    for k, hook in module._state_dict_hooks.items():
        if isinstance(hook, _StateDictHook) and hook.fn.name == name:
            del module._state_dict_hooks[k]
            break
    return module

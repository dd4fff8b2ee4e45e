"""state_dict and load_state_dict for ``Module``: PyTorch's keys, metadata, hooks and errors.

Kept apart from the registry in ``module.py``; ``Module`` inherits these methods.
"""
import itertools
from collections import OrderedDict, namedtuple

from ..._tensor import Tensor
from ..parameter import Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class _StateDictMixin:
    """The state-dict half of ``Module`` (see ``module.py`` for the registries it walks)."""

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        extra = getattr(type(self), "get_extra_state", None)
        if extra is not None and extra is not _StateDictMixin.get_extra_state:
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def get_extra_state(self):
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be "
                           "called.")

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An OrderedDict of parameters and persistent buffers, with PyTorch's dotted keys."""
        if args:
            destination = args[0] if len(args) > 0 else destination
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        for hook in self.__dict__.get("_state_dict_pre_hooks", {}).values():
            hook(self, prefix, keep_vars)
        meta = getattr(destination, "_metadata", None)
        local_meta = {"version": self._version}
        if meta is not None:
            meta[prefix[:-1]] = local_meta
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            if getattr(hook, "_post_hook_api", False):
                hook(self, destination, prefix, local_meta)
                continue
            r = hook(self, destination, prefix, local_meta)
            if r is not None:
                destination = r
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        """Copy this module's own parameters and persistent buffers (not its children's)."""
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        persistent = {k: v for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(),
                                                        persistent.items()) if v is not None}
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                value = _foreign_to_tensor(value)
                if value is None:
                    error_msgs.append(f'While copying the parameter named "{key}", expected '
                                      f"torch.Tensor or Tensor-like object from checkpoint but "
                                      f"received {type(state_dict[key])}")
                    continue
            if param.ndim == 0 and value.ndim == 1 and value.shape[0] == 1:
                value = value.reshape(())  # checkpoints from before 0-d tensors
            if tuple(value.shape) != tuple(param.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {param.shape}.")
                continue
            try:
                _load_one(self, name, param, value, assign)
            except Exception as ex:
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the model '
                    f"are {param.size()} and whose dimensions in the checkpoint are "
                    f"{value.size()}, an exception occurred : {ex.args}.")
        self._load_extra_and_unexpected(state_dict, prefix, local_state, strict,
                                        missing_keys, unexpected_keys)

    def _load_extra_and_unexpected(self, state_dict, prefix, local_state, strict,
                                   missing_keys, unexpected_keys):
        extra_key = prefix + "_extra_state"
        if getattr(type(self), "set_extra_state", _StateDictMixin.set_extra_state) is not \
                _StateDictMixin.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra_key:
                    parts = key[len(prefix):].split(".", 1)
                    if len(parts) > 1:
                        if parts[0] not in self._modules:
                            unexpected_keys.append(key)
                    elif parts[0] not in local_state:
                        unexpected_keys.append(key)

    def set_extra_state(self, state):
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be "
                           "called.")

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict`` into this module and its children.

        Args:
            state_dict (dict): name -> tensor (ember tensors, or NumPy/torch arrays).
            strict (bool): missing or unexpected keys raise. Default: ``True``
            assign (bool): assign the state dict's tensors instead of copying into the
                existing ones. Default: ``False``

        Returns:
            ``(missing_keys, unexpected_keys)`` named tuple. Size mismatches always raise,
            listing every mismatched key with both shapes.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata

        def load(module, local_sd, prefix=""):
            meta = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                meta["assign_to_params_buffers"] = assign
            module._load_from_state_dict(local_sd, prefix, meta, True, missing, unexpected,
                                         errors)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_sd = {k: v for k, v in local_sd.items() if k.startswith(child_prefix)}
                    load(child, child_sd, child_prefix)
            post_hooks = module.__dict__.get("_load_state_dict_post_hooks")
            if post_hooks:
                keys = _IncompatibleKeys(missing, unexpected)
                for hook in post_hooks.values():
                    if hook(module, keys) is not None:
                        raise RuntimeError("Hooks registered with "
                                           "``register_load_state_dict_post_hook`` are not"
                                           "expected to return new values, if "
                                           "incompatible_keys need to be modified,it should "
                                           "be done inplace.")

        load(self, state_dict)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    def register_state_dict_pre_hook(self, hook):
        """``hook(module, prefix, keep_vars)`` runs before ``state_dict`` collects this module."""
        if "_state_dict_pre_hooks" not in self.__dict__:
            self.__dict__["_state_dict_pre_hooks"] = OrderedDict()
        return self._add_hook(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata)`` runs after ``state_dict``
        collected this module; it may modify ``state_dict`` in place (its return is ignored)."""
        import functools

        @functools.wraps(hook)
        def post(*a):
            hook(*a)

        post._post_hook_api = True
        return self._add_hook(self._state_dict_hooks, post)

    def register_load_state_dict_post_hook(self, hook):
        """``hook(module, incompatible_keys)`` runs after ``load_state_dict``; it may edit the
        ``missing_keys``/``unexpected_keys`` lists in place."""
        if "_load_state_dict_post_hooks" not in self.__dict__:
            self.__dict__["_load_state_dict_post_hooks"] = OrderedDict()
        return self._add_hook(self._load_state_dict_post_hooks, hook)

    def _register_state_dict_hook(self, hook):
        return self._add_hook(self._state_dict_hooks, hook)

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        if with_module:
            import functools

            hook = functools.partial(hook, self)
        return self._add_hook(self._load_state_dict_pre_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` runs before this module's tensors are loaded."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)


def _load_one(module, name, param, value, assign):
    """Copy ``value`` into ``param`` (untracked), or assign it when ``assign``."""
    if assign:
        if isinstance(param, Parameter) and not isinstance(value, Parameter):
            value = Parameter(value, requires_grad=param.requires_grad)
        elif isinstance(param, Parameter):
            value.requires_grad_(param.requires_grad)
        setattr(module, name, value)
        return
    from ...autograd.grad_mode import no_grad

    with no_grad():
        param.copy_(value)


def _foreign_to_tensor(value):
    """Accept array-likes (e.g. torch tensors or NumPy arrays) in load_state_dict."""
    try:
        import numpy as np

        if hasattr(value, "detach") and hasattr(value, "numpy"):
            return Tensor._make(np.array(value.detach().cpu().numpy()))
        if isinstance(value, np.ndarray):
            return Tensor._make(value)
    except Exception:
        return None
    return None

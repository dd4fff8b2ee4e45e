"""The ``Optimizer`` base class: parameter groups, per-parameter state, state dicts.

Each optimizer subclass writes only its per-parameter update (``_update``) on raw arrays;
the base class walks the groups, skips parameters without gradients, and keeps PyTorch's
``state_dict`` layout so optimizer states move between ember and PyTorch unchanged.
"""
import functools
from collections import defaultdict
from copy import deepcopy
from itertools import chain

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import _RemovableHandle

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]

_global_step_pre_hooks = []
_global_step_post_hooks = []


def register_optimizer_step_pre_hook(hook):
    """``hook(optimizer, args, kwargs)`` runs before every optimizer's ``step``; it may return
    new ``(args, kwargs)``. Returns a handle with ``remove()``."""
    _global_step_pre_hooks.append(hook)
    return _RemovableHandle(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """``hook(optimizer, args, kwargs)`` runs after every optimizer's ``step``."""
    _global_step_post_hooks.append(hook)
    return _RemovableHandle(_global_step_post_hooks, hook)


def _with_hooks(step):
    """Wrap a ``step`` so the global and per-optimizer step hooks run around it."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        if self.__dict__.get("_in_step"):  # a subclass's step calling super().step()
            return step(self, *args, **kwargs)
        self._in_step = True
        try:
            return _run_hooked(step, self, args, kwargs)
        finally:
            self._in_step = False

    return wrapper


def _run_hooked(step, self, args, kwargs):
    """Pre-hooks (global, then this optimizer's), ``step``, post-hooks (the reverse)."""
    for hook in _global_step_pre_hooks + self.__dict__.get("_step_pre_hooks", []):
        out = hook(self, args, kwargs)
        if out is not None:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("hook must return None or a tuple of (new_args, "
                                   f"new_kwargs), but got {out}.")
            args, kwargs = out
    result = step(self, *args, **kwargs)
    for hook in self.__dict__.get("_step_post_hooks", []) + _global_step_post_hooks:
        hook(self, args, kwargs)
    return result


class _RequiredParameter:
    """Singleton marking a hyperparameter that has no default (``lr`` of SGD in old PyTorch)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _step_tensor(value=0.0):
    """A 0-d step counter in the default float dtype on the CPU, as PyTorch keeps it."""
    return Tensor._make(np.array(value, dtype=_dtype.get_default_dtype().np))


class Optimizer:
    """Base class for all optimizers.

    Args:
        params (iterable): an iterable of Tensors, of ``(name, Tensor)`` pairs (their names
            are kept under ``'param_names'``), or of dicts defining parameter groups (each
            with a ``'params'`` entry and optional per-group hyperparameters).
        defaults (dict): default hyperparameters, used by groups that do not set them.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = ember.optim.SGD([w], lr=0.5)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([0., 0.], requires_grad=True)
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + params._type_name())
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_hooks(cls.__dict__["step"])

    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` runs before ``step``; it may return new
        ``(args, kwargs)``. Returns a handle with ``remove()``."""
        hooks = self.__dict__.setdefault("_step_pre_hooks", [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` runs after ``step``. Returns a handle."""
        hooks = self.__dict__.setdefault("_step_post_hooks", [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``'params'``) with its own hyperparameters.

        Args:
            param_group (dict): the parameters and the hyperparameters that differ from
                the optimizer's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        _split_names(param_group)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + type(p).__name__)
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in param_group["params"]}) != len(param_group["params"]):
            import warnings

            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error", stacklevel=3)
        for g in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in g):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none (bool): set ``.grad`` to None instead of zeroing it. Default: True.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g._data[...] = 0
                    g._version_counter[0] += 1

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.

        Returns:
            The loss returned by ``closure``, or None.
        """
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group):
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            if group.get("maximize", False):
                g = -g
            state = self.state.get(p)
            if state is None:
                state = {}
            self._update(p._data, g, state, group)
            if state:  # no empty entries (SGD without momentum keeps none, as in PyTorch)
                self.state[p] = state
            p._version_counter[0] += 1

    def _update(self, p, g, state, group):
        """Update the array ``p`` in place from its gradient ``g``; implemented by subclasses."""
        raise NotImplementedError

    # --- state dicts --------------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state in PyTorch's layout.

        Returns:
            dict: ``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``;
            parameters are numbered in the order of the groups.
        """
        mapping = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state produced by :meth:`state_dict` (ember's or PyTorch's).

        Tensors are copied; floating-point ones (except ``'step'``) take the dtype and device
        of their parameter.

        Args:
            state_dict (dict): the state to load.
        """
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = _cast(id_map[k], v)
            else:
                state[k] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.state = state
        self.param_groups = new_groups
        self._on_load()

    def _on_load(self):
        """Hook for subclasses to fill group keys missing from an older state dict."""
        for group in self.param_groups:
            for name, default in self.defaults.items():
                group.setdefault(name, default)


Optimizer.step = _with_hooks(Optimizer.step)


def _split_names(param_group):
    """``(name, tensor)`` pairs (from ``named_parameters()``) -> params + ``param_names``."""
    params = param_group["params"]
    names = [p[0] for p in params if isinstance(p, tuple)]
    if not names:
        return
    if len(names) != len(params):
        raise ValueError("all optimizer params should be with/without names. Some param names "
                         "are missing")
    param_group["params"] = [p[1] for p in params]
    param_group["param_names"] = names


def _cast(param, value, key=None):
    """A copy of ``value`` with tensors moved (and float ones cast) to ``param``'s device/dtype."""
    if isinstance(value, Tensor):
        out = value.detach()
        if key != "step":
            if param.is_floating_point() and out.is_floating_point():
                out = out.to(param.dtype)
            out = out.to(param.device)
        return Tensor._make(out._data.copy())
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value

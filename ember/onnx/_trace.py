"""Tracing: run the model once and record every ember primitive it applies.

During tracing ``Function.apply`` (one classmethod on the base class, inherited by every
primitive) is wrapped so that each call is recorded as ``(Function class, args, kwargs,
outputs, module path)``. The example inputs are detached copies that require grad, so every op
that touches them goes through ``apply`` rather than a no-grad fast path. Modules that ONNX
has a node for as a whole (RNN/LSTM/GRU, BatchNorm in eval) are recorded at module level by a
forward pre/post hook pair that suspends the recording of their inner ops.
"""
from .._tensor import Tensor
from ..autograd import function as _function
from ..autograd import grad_mode

_Function = _function.Function


class TensorMethod:
    """A pseudo-primitive: a Tensor method that runs outside ``Function.apply`` (comparisons
    and logical ops return bool tensors with no graph node) but whose result is data."""

    __module__ = "ember.Tensor"

    def __init__(self, name):
        self.__name__ = self.__qualname__ = name


TENSOR_METHODS = {n: TensorMethod(n) for n in (
    "__gt__", "__lt__", "__ge__", "__le__", "__eq__", "__ne__", "__and__", "__or__",
    "__invert__", "argmax", "argmin")}
_MODULE_FUNCS = ("argmax", "argmin")   # also patched as ``ember.<name>``


class Record:
    """One traced call: a primitive (``kind == 'op'``) or a whole module (``'module'``)."""

    __slots__ = ("kind", "fn", "args", "kwargs", "outs", "path", "keys")

    def __init__(self, kind, fn, args, kwargs, outs, path):
        self.kind, self.fn, self.args, self.kwargs = kind, fn, args, kwargs
        self.outs, self.path = outs, path

    @property
    def op_name(self):
        return self.fn.__name__ if self.kind == "op" else type(self.fn).__name__


def key(t):
    """The identity of the value a tensor holds: its graph node and output number (an in-place
    op gives a tensor a new node), or the tensor itself for leaves and non-differentiable
    outputs."""
    fn = t._grad_fn
    if fn is not None:
        return (id(fn), t._output_nr)
    return id(t)


def flatten(obj):
    """Tensors of a nested tuple/list/dict structure, in order (None kept out)."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in flatten(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in flatten(o)]
    return []


def module_level(module):
    """Whether a module is recorded as one node (its mapping lives in ``_map_modules``)."""
    from ._map_modules import APPLIES

    pred = APPLIES.get(type(module).__name__)
    return pred is not None and pred(module)


def _patch_fast_paths():
    """Route the no-grad fast paths of the core (``fwd``, the elementwise ``_binary``...)
    through ``apply`` so that values needing no gradient (buffers, integer inputs, argmax
    results, masks) are traced too. Every ember module holding one of them (``from ._util
    import fwd`` copies the name) is patched; returns what to restore."""
    import importlib
    import sys

    replace = {}
    for modname, name, fn in (
            ("ember.ops._util", "fwd", lambda cls, *a, **k: cls.apply(*a, **k)),
            ("ember.ops.elementwise", "_binary", _binary_apply),
            ("ember.ops.binary", "_run", lambda cls, a, b: cls.apply(a, b)),
            ("ember.ops.pointwise", "_apply", lambda cls, x: cls.apply(x)),
            ("ember.ops.softmax", "_run", lambda cls, x, axis: cls.apply(x, axis))):
        try:
            orig = getattr(importlib.import_module(modname), name, None)
        except ImportError:  # pragma: no cover
            continue
        if orig is not None:
            replace[orig] = fn
    restore = []
    for modname, mod in list(sys.modules.items()):
        if not modname.startswith("ember.") or modname.startswith("ember.onnx") or mod is None:
            continue
        for attr, value in list(vars(mod).items()):
            try:
                hit = callable(value) and value in replace
            except TypeError:  # an unhashable callable
                continue
            if hit:
                restore.append((mod, attr, value))
                setattr(mod, attr, replace[value])
    return restore


def _binary_apply(cls, a, b):
    import importlib

    a, b = importlib.import_module("ember.ops.elementwise")._prep(a, b)
    return cls.apply(a, b)


class Tracer:
    """Context manager that records the ops of one forward run of ``model``."""

    def __init__(self, model):
        self.model = model
        self.records = []
        self.keep = []          # keeps traced tensors (and so their ids) alive
        self.path = []
        self.suppress = 0
        self._handles = []

    # --- hooks ----------------------------------------------------------------------------
    def _pre(self, name, leaf):
        def hook(module, args):
            self.path.append(name)
            if leaf:
                if self.suppress == 0:
                    self._leaf_args = getattr(self, "_leaf_args", {})
                    self._leaf_args[id(module)] = args
                self.suppress += 1
        return hook

    def _post(self, name, leaf):
        def hook(module, args, out):
            if leaf:
                self.suppress -= 1
                if self.suppress == 0:
                    args = self._leaf_args.pop(id(module), args)
                    self._add("module", module, args, {}, out)
            self.path.pop()
        return hook

    def current_path(self):
        return self.path[-1] if self.path else ""

    def _add(self, kind, fn, args, kwargs, out):
        outs = list(out) if isinstance(out, tuple) else [out]
        if kind == "module":
            outs = flatten(out)
        rec = Record(kind, fn, args, kwargs, outs, self.current_path())
        # the value identities now: a later in-place op gives a tensor a new node
        ts = flatten(args) + [o for o in outs if isinstance(o, Tensor)]
        rec.keys = {id(t): key(t) for t in ts}
        self.records.append(rec)
        self.keep.append((args, out, [t._grad_fn for t in ts]))

    # --- context --------------------------------------------------------------------------
    def __enter__(self):
        tracer = self
        orig = _Function.__dict__["apply"].__func__
        self._orig = orig

        def apply(cls, *args, **kwargs):
            if tracer.suppress or not cls._array_forward:
                # a user-defined Function: its inner ops run without grad; record it whole
                if not cls._array_forward and tracer.suppress == 0:
                    tracer.suppress += 1
                    try:
                        out = orig(cls, *args, **kwargs)
                    finally:
                        tracer.suppress -= 1
                    tracer._add("op", cls, args, kwargs, out)
                    return out
                return orig(cls, *args, **kwargs)
            out = orig(cls, *args, **kwargs)
            tracer._add("op", cls, args, kwargs, out)
            return out

        _Function.apply = classmethod(apply)
        self._methods = {}
        for name, pseudo in TENSOR_METHODS.items():
            self._methods[name] = orig_m = getattr(Tensor, name)
            setattr(Tensor, name, self._method(orig_m, pseudo))
        import ember

        self._fast = _patch_fast_paths()
        self._funcs = {}
        for name in _MODULE_FUNCS:
            self._funcs[name] = orig_f = getattr(ember, name)
            setattr(ember, name, self._method(orig_f, TENSOR_METHODS[name]))
        for name, m in self.model.named_modules():
            leaf = module_level(m)
            self._handles.append(m.register_forward_pre_hook(self._pre(name, leaf)))
            self._handles.append(m.register_forward_hook(self._post(name, leaf)))
        self._grad_prev = grad_mode._state.enabled
        grad_mode._state.enabled = True
        return self

    def _method(self, orig, pseudo):
        tracer = self

        def method(this, *args, **kwargs):
            out = orig(this, *args, **kwargs)
            if tracer.suppress == 0 and isinstance(out, Tensor):
                tracer._add("op", pseudo, (this,) + args, kwargs, out)
            return out
        return method

    def __exit__(self, *exc):
        _Function.apply = classmethod(self._orig)
        for name, orig_m in self._methods.items():
            setattr(Tensor, name, orig_m)
        import ember

        for name, orig_f in self._funcs.items():
            setattr(ember, name, orig_f)
        for mod, name, orig_f in self._fast:
            setattr(mod, name, orig_f)
        for h in self._handles:
            h.remove()
        grad_mode._state.enabled = self._grad_prev
        return False

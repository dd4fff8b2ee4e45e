"""The table from ember primitives (Function classes) and whole modules to ONNX mappings.

A mapping is ``fn(ctx) -> name or [names]``: it adds nodes through ``ctx`` (see
``_export.Ctx``) and returns the ONNX names of the op's outputs.
"""
import importlib

OPS = {}


def ops_module(name):
    """``ember.ops.<name>`` the module (some share their name with a function there)."""
    return importlib.import_module(f"ember.ops.{name}")


MODULES = {}
_loaded = []


def op(*classes):
    """Register ``fn`` for these Function classes (None entries, for classes a refactor of the
    core removed, are skipped)."""
    def deco(fn):
        for c in classes:
            if c is not None:
                OPS[c] = fn
        return fn
    return deco


def module(*names):
    def deco(fn):
        for n in names:
            MODULES[n] = fn
        return fn
    return deco


def _load():
    if not _loaded:
        from . import _map_math, _map_modules, _map_nn, _map_shape  # noqa: F401
        _loaded.append(True)


def lookup(rec):
    _load()
    if rec.kind == "module":
        return MODULES.get(type(rec.fn).__name__)
    fn = OPS.get(rec.fn)
    if fn is None and isinstance(rec.fn, type):
        fn = _by_name(rec.fn)
    return fn


def _signature(cls):
    import inspect

    try:
        return tuple(inspect.signature(cls.forward).parameters)
    except (TypeError, ValueError):
        return None


def _by_name(cls):
    """A primitive moved between core modules: the mapping of a registered class with the
    same name and the same ``forward`` parameters."""
    name, sig = cls.__name__.lstrip("_"), _signature(cls)
    for known, fn in list(OPS.items()):
        if isinstance(known, type) and known.__name__.lstrip("_") == name and \
                _signature(known) == sig:
            OPS[cls] = fn
            return fn
    return None

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
    def deco(fn):
        for c in classes:
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
    return OPS.get(rec.fn)

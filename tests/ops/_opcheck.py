"""Shared helpers for the shape/indexing/selection/sorting/linalg op tests.

Each test writes the computation once as ``f(m, *tensors)`` where ``m`` is the module
(``ember`` or ``torch``); the helpers run it on both and compare.
"""
import numpy as np
import torch

import ember
from helpers import check, check_grad

MODS = {"ember": ember, "torch": torch}


def rand(*shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed + len(shape)).standard_normal(shape).astype(dtype)


def distinct(*shape, dtype=np.float32, seed=0):
    """Values without ties (so sort/topk orders are unambiguous)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) * 0.37 - 1).astype(dtype)


def parity(f, *arrays, **kw):
    """Same ``f(m, *xs)`` on ember and torch: values, dtype, shape and input grads."""
    return check(lambda *xs: f(ember, *xs), lambda *xs: f(torch, *xs), *arrays, **kw)


def gradcheck(f, *arrays, **kw):
    """float64 finite-difference gradcheck + gradgradcheck of ``f(ember, *xs)``."""
    check_grad(lambda *xs: f(ember, *xs), *arrays, **kw)


def same_error(f, exact=True):
    """``f(torch)`` and ``f(ember)`` raise the same exception type (and first message line)."""
    errs = {}
    for name, m in MODS.items():
        try:
            f(m)
        except Exception as e:  # noqa: BLE001 - comparing whatever each raises
            errs[name] = e
        else:
            errs[name] = None
    et, ee = errs["torch"], errs["ember"]
    assert et is not None, "torch did not raise"
    assert ee is not None, f"ember did not raise (torch: {type(et).__name__}: {et})"
    assert isinstance(ee, type(et)), (type(ee), ee, type(et), et)
    if exact:
        assert str(ee).split("\n")[0] == str(et).split("\n")[0], (str(ee), str(et))
    return ee

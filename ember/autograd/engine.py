"""The backward engine: walks the graph from the outputs in topological order.

The walk is iterative (an explicit stack, no recursion), so a chain of 100,000 ops
backpropagates; each node runs once, after all gradients flowing into it have been summed
(a dependency count per node), so a node reused many times gets every contribution once.
"""
import sys

import numpy as _np

from . import grad_mode
from .function import AccumulateGrad

_state = grad_mode._state
_anomaly = [False]
_Tensor = None


def _tensor_cls():
    global _Tensor
    if _Tensor is None:
        from .._tensor import Tensor

        _Tensor = Tensor
    return _Tensor


def _root_grads(tensors, grad_tensors):
    """The starting gradient of each root, validated as PyTorch does."""
    Tensor = _Tensor or _tensor_cls()
    grads = []
    for i, t in enumerate(tensors):
        g = grad_tensors[i] if i < len(grad_tensors) else None
        if not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        d = t._data
        if g is None:
            if d.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor._make(_np.ones(d.shape, d.dtype) if d.__class__ is _np.ndarray
                             else _xp(d).ones_like(d))
        elif not isinstance(g, Tensor):
            g = Tensor._make(_xp(d).asarray(g, dtype=d.dtype))
        if g._data.shape != d.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {t.shape}.")
        grads.append(g)
    return grads


def _xp(a):
    from ..backends import get_array_module

    return get_array_module(a)


def _dependencies(roots):
    """How many edges point at each node reachable from ``roots`` (iterative DFS)."""
    deps = {}
    stack = [node for node, _ in roots]
    # With one root there is no need to guard against revisiting it: a DAG root is nobody's
    # child. With several, one root may be another's descendant.
    root_set = set(stack) if len(stack) > 1 else ()
    while stack:
        node = stack.pop()
        for e in node._edges:
            if e is None:
                continue
            nx = e[0]
            c = deps.get(nx)
            if c is None:
                deps[nx] = 1
                if nx not in root_set:
                    stack.append(nx)
            else:
                deps[nx] = c + 1
    return deps


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False, inputs=None,
                 allow_unused=True, accumulate=True):
    """Backpropagate from ``tensors``; return the gradients of ``inputs`` if given."""
    grads0 = _root_grads(tensors, grad_tensors)
    roots = [t._edge() for t in tensors]
    deps = _dependencies(roots)

    capture = results = only = None
    if inputs is not None:
        results = [None] * len(inputs)
        capture = {}
        for i, t in enumerate(inputs):
            if not t._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            capture.setdefault(t._edge(), []).append(i)
        if accumulate:
            only = {id(t) for t in inputs}
    plain_leaves = capture is None and accumulate

    buffers = {}
    for (node, nr), g in zip(roots, grads0):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    ready = []
    for node, _ in roots:
        if node not in deps and node not in ready:
            ready.append(node)

    prev = _state[0]
    _state[0] = create_graph
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node)
            if node.__class__ is AccumulateGrad:
                if plain_leaves:
                    _accumulate(node.variable, grads[0], create_graph, _STEAL_REFS)
                else:
                    _leaf(node, grads[0], capture, results, accumulate, only, create_graph)
                continue
            if node._pre_hooks is not None or node._hooks is not None or \
                    node._retain is not None:
                grads = _run_hooks(node, grads)
            if capture is not None:
                for nr in range(len(grads)):
                    idx = capture.get((node, nr))
                    if idx is not None:
                        for i in idx:
                            results[i] = grads[nr]
            _run_node(node, grads, buffers, deps, ready)
            if not retain_graph:
                node._release()  # free the saved tensors now (ops may recycle buffers too)
    finally:
        _state[0] = prev

    if inputs is None:
        return None
    if not allow_unused:
        for i, r in enumerate(results):
            if r is None:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior.")
    if not create_graph:
        results = [r.detach() if r is not None else None for r in results]
    return results


def _run_hooks(node, grads):
    """Node pre-hooks, then the hooks of the non-leaf tensors it produced (retain_grad last)."""
    if node._pre_hooks:
        for h in node._pre_hooks:
            r = h(tuple(grads))
            if r is not None:
                grads = list(r)
    if node._hooks:
        for nr, hooks in node._hooks.items():
            g = grads[nr]
            if g is None:
                continue
            for h in list(hooks):
                r = h(g)
                if r is not None:
                    g = r
            grads[nr] = g
    if node._retain:
        for nr, ref in node._retain.items():
            t = ref()
            g = grads[nr]
            if t is not None and g is not None:
                t._grad = g.detach().clone() if t._grad is None else t._grad + g.detach()
    return grads


def _run_node(node, grads, buffers, deps, ready):
    """Call the node's backward and route each input gradient to its producer's buffer."""
    if node._n_outputs > 1 and node._materialize:
        for i, g in enumerate(grads):
            if g is None and node._out_meta[i] is not None:
                shape, dtype, xp = node._out_meta[i]
                grads[i] = _Tensor._make(xp.zeros(shape, dtype=dtype))
    gi = node.backward(node, *grads)
    if gi.__class__ is not tuple:
        gi = (gi,)
    edges = node._edges
    ne = len(edges)
    ngi = len(gi)
    if ngi < ne:
        for k in range(ngi, ne):
            if edges[k] is not None:
                raise RuntimeError(f"function {node.name()} returned an incorrect number of "
                                   f"gradients (expected {ne}, got {ngi})")
    if node._post_hooks:
        for h in node._post_hooks:
            r = h(gi, tuple(grads))
            if r is not None:
                gi = tuple(r)
    for k in range(ne if ne < ngi else ngi):
        e = edges[k]
        if e is None:
            continue
        g = gi[k]
        nx, nr, shape = e
        if g is None:
            # This input gets nothing from here, but the walk must still count the edge.
            c = deps[nx] - 1
            deps[nx] = c
            if c == 0:
                if nx in buffers:
                    ready.append(nx)
                else:
                    _skip(nx, buffers, deps, ready)
            continue
        if g._data.shape != shape:
            g = _fix_shape(node, k, g, shape)
        if _anomaly[0]:
            _check_nan(node, k, g)
        buf = buffers.get(nx)
        if buf is None:
            if nx._n_outputs == 1:
                buffers[nx] = [g]
            else:
                buf = buffers[nx] = [None] * nx._n_outputs
                buf[nr] = g
        else:
            buf[nr] = g if buf[nr] is None else buf[nr] + g
        c = deps[nx] - 1
        deps[nx] = c
        if c == 0:
            ready.append(nx)


def _fix_shape(node, k, g, shape):
    n = 1
    for s in shape:
        n *= s
    if g._data.size == n:
        return g.reshape(shape)
    raise RuntimeError(
        f"Function {node.name()} returned an invalid gradient at index {k} - got "
        f"{list(g.shape)} but expected shape compatible with {list(shape)}")


def _skip(node, buffers, deps, ready):
    """A node that received no gradient at all: release its dependents' counts (iteratively)."""
    stack = [node]
    while stack:
        n = stack.pop()
        for e in n._edges:
            if e is None:
                continue
            nx = e[0]
            deps[nx] -= 1
            if deps[nx] == 0:
                if nx in buffers:
                    ready.append(nx)
                else:
                    stack.append(nx)


def _check_nan(node, k, g):
    d = g._data
    if bool((d != d).any()):
        raise RuntimeError(f"Function '{node.name()}' returned nan values in its {k}th output.")


def _leaf(node, g, capture, results, accumulate, only, create_graph):
    """At a leaf, for ``autograd.grad``/``inputs=``: its hooks, the capture, then accumulation
    if asked."""
    t = node.variable
    if t._hooks:
        for h in list(t._hooks):
            r = h(g)
            if r is not None:
                g = r
    if capture is not None:
        idx = capture.get((node, 0))
        if idx is not None:
            for i in idx:
                results[i] = g
    if accumulate and (only is None or id(t) in only):
        hooks = t._hooks
        t._hooks = None  # already applied
        try:
            _accumulate(t, g, create_graph)
        finally:
            t._hooks = hooks


# Where ``run_backward`` hands a gradient to ``_accumulate``, exactly these references reach
# it: the node's gradient list, ``_accumulate``'s argument, and ``getrefcount``'s own. In
# ``_stealable`` its own arguments and locals add one each (g: +1; gd: ``g._data``, the
# caller's ``gd``, the argument; base: ``gd.base``, the local, the argument).
_STEAL_REFS = 3
_refs = sys.getrefcount


def _stealable(g, gd, refs):
    """True when nothing but the engine can reach the gradient ``g`` (array ``gd``), so the
    leaf may keep its buffer instead of a copy (as PyTorch's AccumulateGrad does).

    A gradient that a hook, a retained graph, another leaf (``a + b`` hands both leaves the
    same tensor), a saved tensor or the caller still holds has more references; a view shares
    its base's memory, so it qualifies only when that base is referenced by this view alone
    and is no larger. Any doubt means a copy, never a later in-place write into shared memory.
    """
    if _refs(g) != refs or _refs(gd) != 4:
        return False
    flags = gd.flags  # (NumPy's flags object references gd: only after the count)
    if not flags.c_contiguous or not getattr(flags, "writeable", True):  # CuPy: no writeable
        return False
    base = gd.base
    return base is None or (base.__class__ is gd.__class__ and base.base is None
                            and _refs(base) == 3 and base.size == gd.size)


def _accumulate(t, g, create_graph, steal_refs=None):
    """``t.grad += g``: the first gradient is taken over when nothing else can reach it and
    copied otherwise; later ones are added in place (as PyTorch)."""
    if t._hooks:
        for h in list(t._hooks):
            r = h(g)
            if r is not None:
                g = r
                steal_refs = None  # a replacement: whoever made it may keep it
    gd = g._data
    d = t._data
    if gd.dtype != d.dtype:
        g = g.to(t.dtype)
        gd = g._data
        steal_refs = None
    cur = t._grad
    if cur is None:
        if create_graph:
            t._grad = g
        elif steal_refs is not None and _stealable(g, gd, steal_refs + 1):
            # (+1: ``_stealable``'s own argument) speed: no copy of a fresh gradient
            t._grad = _Tensor._make(gd)
        else:
            t._grad = _Tensor._make(gd.copy())
    elif create_graph or cur._requires_grad:
        t._grad = cur + g
    else:
        cd = cur._data
        if cd.shape == gd.shape:
            cd += gd
            cur._version_counter[0] += 1
        else:
            t._grad = cur + g.detach()
    if t._post_acc_hooks:
        for h in t._post_acc_hooks:
            h(t)

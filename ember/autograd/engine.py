"""The backward engine: walks the graph from the outputs in topological order.

The walk is iterative (an explicit stack, no recursion), so a chain of 100,000 ops
backpropagates; each node runs once, after all gradients flowing into it have been summed
(a dependency count per node), so a node reused many times gets every contribution once.
"""
from . import grad_mode
from .function import AccumulateGrad

_state = grad_mode._state
_anomaly = [False]


def _make_root_grads(tensors, grad_tensors):
    from .._tensor import Tensor

    grads = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor._make(_ones_like(t._data))
        elif not isinstance(g, Tensor):
            g = Tensor._make(_as_array(g, t))
        if tuple(g.shape) != tuple(t.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {t.shape}.")
        grads.append(g)
    return grads


def _ones_like(a):
    from ..backends import get_array_module

    return get_array_module(a).ones_like(a)


def _as_array(g, like):
    from ..backends import get_array_module

    xp = get_array_module(like._data)
    return xp.asarray(g, dtype=like._data.dtype)


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False, inputs=None,
                 allow_unused=True, accumulate=True):
    """Backpropagate from ``tensors``; return the gradients of ``inputs`` if given."""
    grads0 = _make_root_grads(tensors, grad_tensors)

    roots = [t._edge() for t in tensors]
    # Dependency counts over the reachable graph (iterative DFS).
    deps = {}
    stack = [e[0] for e in roots]
    seen = set(stack)
    while stack:
        node = stack.pop()
        for e in node._edges:
            if e is None:
                continue
            nx = e[0]
            deps[nx] = deps.get(nx, 0) + 1
            if nx not in seen:
                seen.add(nx)
                stack.append(nx)

    capture = None
    results = None
    only = None
    if inputs is not None:
        results = [None] * len(inputs)
        capture = {}
        for i, t in enumerate(inputs):
            if not t._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            capture.setdefault(t._edge(), []).append(i)
        if accumulate:
            only = {id(t) for t in inputs}

    buffers = {}
    for (node, nr), g in zip(roots, grads0):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    ready = []
    for node, _ in roots:
        if deps.get(node, 0) == 0 and node not in ready:
            ready.append(node)

    prev = _state[0]
    _state[0] = create_graph
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node)
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
            if capture is not None:
                for nr in range(len(grads)):
                    idx = capture.get((node, nr))
                    if idx is not None:
                        for i in idx:
                            results[i] = grads[nr]
            if node.__class__ is AccumulateGrad:
                if accumulate and (only is None or id(node.variable) in only):
                    _accumulate(node.variable, grads[0], create_graph)
                continue
            _run_node(node, grads, buffers, deps, ready, create_graph)
            if not retain_graph:
                node._release()
    finally:
        _state[0] = prev

    if inputs is not None:
        if not allow_unused:
            for r in results:
                if r is None:
                    raise RuntimeError(
                        "One of the differentiated Tensors appears to not have been used in the "
                        "graph. Set allow_unused=True if this is the desired behavior.")
        if not create_graph:
            results = [r.detach() if r is not None else None for r in results]
        return results
    return None


def _run_node(node, grads, buffers, deps, ready, create_graph):
    if any(g is None for g in grads):
        if not node._materialize:
            pass
        else:
            metas = getattr(node, "_out_meta", None)
            for i, g in enumerate(grads):
                if g is None and metas is not None:
                    grads[i] = _zeros(metas[i])
    gi = type(node).backward(node, *grads)
    if not isinstance(gi, tuple):
        gi = (gi,)
    edges = node._edges
    if len(gi) < len(edges) and any(e is not None for e in edges[len(gi):]):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {len(edges)}, got {len(gi)})")
    shapes = node._in_shapes
    post = node._post_hooks
    if post:
        for h in post:
            r = h(gi, tuple(grads))
            if r is not None:
                gi = tuple(r)
    for k, g in enumerate(gi[:len(edges)]):
        e = edges[k]
        if e is None:
            continue
        if g is None:
            # The input needs no gradient from here, but the walk must still visit its node.
            nx = e[0]
            deps[nx] -= 1
            if deps[nx] == 0:
                if nx in buffers:
                    ready.append(nx)
                else:
                    _skip(nx, buffers, deps, ready)
            continue
        if tuple(g.shape) != shapes[k]:
            if g._data.size == _prod(shapes[k]):
                g = g.reshape(shapes[k])
            else:
                raise RuntimeError(
                    f"Function {node.name()} returned an invalid gradient at index {k} - got "
                    f"{list(g.shape)} but expected shape compatible with {list(shapes[k])}")
        if _anomaly[0]:
            _check_nan(node, k, g)
        nx, nr = e
        buf = buffers.get(nx)
        if buf is None:
            buf = buffers[nx] = [None] * nx._n_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g
        deps[nx] -= 1
        if deps[nx] == 0:
            ready.append(nx)


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


def _prod(shape):
    p = 1
    for s in shape:
        p *= s
    return p


def _zeros(meta):
    from .._tensor import Tensor

    shape, dtype, xp = meta
    return Tensor._make(xp.zeros(shape, dtype=dtype))


def _check_nan(node, k, g):
    xp_isnan = g._data != g._data
    if xp_isnan.any():
        raise RuntimeError(f"Function '{node.name()}' returned nan values in its {k}th output.")


def _accumulate(t, g, create_graph):
    if t._hooks:
        for h in list(t._hooks):
            r = h(g)
            if r is not None:
                g = r
    if g._data.dtype != t._data.dtype:
        g = g.to(t.dtype)
    cur = t.grad
    if cur is None:
        t.grad = g if create_graph else g.detach().clone()
    elif create_graph or cur._requires_grad:
        t.grad = cur + g
    else:
        cur._data += g._data
        cur._version[0] += 1
    if t._post_acc_hooks:
        for h in t._post_acc_hooks:
            h(t)
